// What the sqlite store declares: its options, the policy keys its policies take (a table's) and
// its SQL dialect (its connector is paired with it in registry.cc).
#include "connectors/specs.h"

namespace retentiond::connectors {

policies::StoreSpec sqlite_spec() {
  using K = policies::OptionSpec::Kind;
  return {
      .type = "sqlite",
      .summary = "an SQLite database file, opened directly",
      .target = policies::table_target(),
      // A table's keys but `partitions:` and `grace:`: SQLite has no partitions.
      .policy_fields = {"table", "key", "since", "where", "hold_where", "anonymise", "anonymize",
                        "also", "notify"},
      .options =
          {
              {"path", true, K::Path,
               "the database file (relative paths start at the config file)"},
              {"busy_timeout", false, K::Interval,
               "how long a batch waits for another program's lock (default 5s)"},
          },
      .dialect = policies::SqlDialect::Sqlite,
  };
}

}  // namespace retentiond::connectors
