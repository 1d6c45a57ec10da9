// `partitions:` and `grace:` of a table policy (issue 20): the values allowed, where each mistake
// is blamed, and the keys that leave partitions to row deletion. Exact texts.
#include <catch2/catch.hpp>

#include "policies/policy.h"
#include "support/config_text.h"
#include "support/temp_dir.h"

using namespace retentiond::policies;
using namespace retentiond::testing;

namespace {

// One postgresql store (no connection is made) and a policy on lines 5 to 9; cases add from line
// 10.
const std::string kStore =
    "state: state.db\n"                                // 1
    "stores:\n"                                        // 2
    "  pg: {type: postgresql, dsn: \"dbname=app\"}\n"  // 3
    "policies:\n"                                      // 4
    "  - name: logs\n"                                 // 5
    "    store: pg\n"                                  // 6
    "    table: access_log\n"                          // 7
    "    expire_after: 1y\n"                           // 8
    "    since: ts\n";                                 // 9

LoadedText load(const std::string& extra) {
  TempDir dir;
  return load_text(dir, kStore + extra);
}

}  // namespace

TEST_CASE("partitions: rows by default, drop and detach with its grace", "[config][partitions]") {
  auto plain = load("");
  REQUIRE(plain.config);
  CHECK(plain.config->policies[0].partitions == PartitionMode::Rows);

  auto drop = load("    partitions: drop\n");
  REQUIRE(drop.config);
  CHECK(drop.config->policies[0].partitions == PartitionMode::Drop);
  CHECK(drop.config->policies[0].partitions_location.line == 10);
  CHECK(drop.warnings.empty());

  auto detach = load("    partitions: detach\n    grace: 2w\n");
  REQUIRE(detach.config);
  CHECK(detach.config->policies[0].partitions == PartitionMode::Detach);
  CHECK(detach.config->policies[0].grace == Duration{2, DurationUnit::Week});

  auto default_grace = load("    partitions: detach\n");
  REQUIRE(default_grace.config);
  CHECK(default_grace.config->policies[0].grace == Duration{7, DurationUnit::Day});
}

TEST_CASE("partitions: mistakes are named at their line", "[config][partitions]") {
  CHECK(load("    partitions: truncate\n").errors ==
        std::vector<std::string>{"DIR/r.yaml:10:17: error: 'partitions' of policy 'logs' must be "
                                 "rows, drop or detach, not 'truncate'"});
  CHECK(load("    partitions: drop\n    grace: 7d\n").errors ==
        std::vector<std::string>{"DIR/r.yaml:11:5: error: 'grace' needs 'partitions: detach' in "
                                 "policy 'logs': it is how long a detached partition is kept"});
  CHECK(load("    grace: 7d\n").errors.size() == 1);
  CHECK(load("    partitions: detach\n    grace: soon\n").errors.size() == 1);
  CHECK(
      load("    partitions: detach\n    grace: soon\n").errors[0].rfind("DIR/r.yaml:11:12: ", 0) ==
      0);
  // A `since` no partition key can be is `check`'s error (tests/cli/postgresql_partitions_test):
  // the loader takes the policy, whose passes then delete in batches.
  TempDir dir;
  auto two =
      load_text(dir, with_value(kStore, "since", "[ts, created]") + "    partitions: drop\n");
  CHECK(two.errors.empty());
  REQUIRE(two.config);
  CHECK(retentiond::policies::partition_basis_problem(two.config->policies[0]) ==
        "the partition key must be the policy's one 'since' column, and 'since' names 2 columns");
  auto epoch = load_text(
      dir, with_value(kStore, "since", "{column: ts, format: epoch}") + "    partitions: drop\n");
  CHECK(epoch.errors.empty());
  REQUIRE(epoch.config);
  CHECK(retentiond::policies::partition_basis_problem(epoch.config->policies[0]) ==
        "partitions are compared as dates: the partition key cannot be read with format epoch");
}

TEST_CASE("partitions: keys acting on single rows leave partitions to row deletion",
          "[config][partitions]") {
  auto where = load("    where: \"status = 'closed'\"\n    partitions: drop\n");
  REQUIRE(where.config);
  CHECK(where.warnings ==
        std::vector<std::string>{"DIR/r.yaml:11:17: warning: policy 'logs' acts row by row in "
                                 "every partition, since 'where:' selects rows within a "
                                 "partition; 'partitions: drop' has no effect"});
  auto hold = load("    hold_where: \"litigation\"\n    partitions: detach\n");
  REQUIRE(hold.warnings.size() == 1);
  CHECK(hold.warnings[0].find("since 'hold_where:' keeps rows within a partition") !=
        std::string::npos);
}

TEST_CASE("partitions: SQLite has none", "[config][partitions]") {
  TempDir dir;
  auto r = load_text(dir, kSqliteStore +
                              "  - {name: p, store: app, table: t, expire_after: 1y, since: ts, "
                              "partitions: drop}\n");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].rfind("DIR/r.yaml:5:", 0) == 0);
  CHECK(r.errors[0].find("'partitions' does not apply to store 'app' (type sqlite)") !=
        std::string::npos);
}
