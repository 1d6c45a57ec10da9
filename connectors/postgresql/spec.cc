// What the postgresql store declares: its options, the policy keys its policies take (a table's)
// and its SQL dialect (the connector: registry.cc).
#include "connectors/specs.h"

namespace retentiond::connectors {

policies::StoreSpec postgresql_spec() {
  using K = policies::OptionSpec::Kind;
  return {
      .type = "postgresql",
      .summary = "a PostgreSQL database (libpqxx)",
      .target = policies::table_target(),
      .options =
          {
              {"dsn", true, K::Text, "libpq connection string, without the password"},
              {"password_file", false, K::Path, "file holding the password"},
          },
      .dialect = policies::SqlDialect::Postgresql,
      .throttle = true,
  };
}

}  // namespace retentiond::connectors
