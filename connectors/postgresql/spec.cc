// What the postgresql store declares: its options and dialect (the connector: registry.cc).
#include "connectors/specs.h"

namespace retentiond::connectors {

policies::StoreSpec postgresql_spec() {
  using K = policies::OptionSpec::Kind;
  return policies::StoreSpec{
      "postgresql",
      "a PostgreSQL database (libpqxx)",
      policies::TargetKind::Table,
      {
          {"dsn", true, K::Text, "libpq connection string, without the password"},
          {"password_file", false, K::Path, "file holding the password"},
      },
      {},
      policies::SqlDialect::Postgresql,
      /*throttle=*/true,
  };
}

}  // namespace retentiond::connectors
