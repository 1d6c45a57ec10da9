// What the sqlite store declares, and its factory.
#include "connectors/sqlite/connector.h"
#include "connectors/store_types.h"

namespace retentiond::connectors {

StoreType sqlite_store_type() {
  using K = policies::OptionSpec::Kind;
  policies::StoreSpec spec{
      "sqlite",
      "an SQLite database file, opened directly",
      policies::TargetKind::Table,
      {
          {"path", true, K::Path, "the database file (relative paths start at the config file)"},
          {"busy_timeout", false, K::Interval,
           "how long a batch waits for another program's lock (default 5s)"},
      },
      {},
      policies::SqlDialect::Sqlite,
  };
  return StoreType{spec, [](const policies::StoreConfig& s) -> std::unique_ptr<Connector> {
                     return std::make_unique<sqlite::SqliteConnector>(s);
                   }};
}

}  // namespace retentiond::connectors
