// What the postgresql store declares: its options, and the factory of its connector.
#include "connectors/postgresql/connector.h"
#include "connectors/store_types.h"

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
      policies::SqlDialect::Postgresql,
  };
  return StoreType{spec, [](const policies::StoreConfig& s) -> std::unique_ptr<Connector> {
                     return std::make_unique<postgresql::PostgresqlConnector>(s);
                   }};
}

}  // namespace retentiond::connectors
