// What the sqlite store declares (its connector is paired with it in registry.cc).
#include "connectors/specs.h"

namespace retentiond::connectors {

policies::StoreSpec sqlite_spec() {
  using K = policies::OptionSpec::Kind;
  return policies::StoreSpec{
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
}

}  // namespace retentiond::connectors
