// What the postgresql store declares. Its connector lands with issue 4; until then the
// configuration is validated and online operations answer "not supported yet".
#include "connectors/store_types.h"
#include "connectors/unsupported.h"

namespace retentiond::connectors {

StoreType postgresql_store_type() {
  using K = policies::OptionSpec::Kind;
  policies::StoreSpec spec{
      "postgresql",
      "a PostgreSQL database (libpqxx)",
      policies::TargetKind::Table,
      {
          {"dsn", true, K::Text, "libpq connection string, without the password"},
          {"password_file", false, K::Path, "file holding the password"},
      },
      {},
      /*hash_comments=*/false,
  };
  return StoreType{spec, [](const policies::StoreConfig& s) {
                     return make_unsupported_connector("postgresql", s.name);
                   }};
}

}  // namespace retentiond::connectors
