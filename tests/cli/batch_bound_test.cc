// A batch's statement never removes more rows than the batch selected (issue 17): on SQLite,
// PostgreSQL and MariaDB, through the real binary, a policy whose `also:` frees records its
// `where` had excluded (so that the DELETE would reach rows the batch did not select) fails, and
// its batch rolls back: every record and related row is still there. Clock pinned at
// 2028-03-01T00:00:00Z.
#include <catch2/catch.hpp>

#include "support/run.h"
#include "support/sql_store.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

// Members 1 to 10 left long ago; the even ones are locked, so the policy's batch selects the
// five odd ones. Its `also:` rule then deletes every lock (its `on` is always true) before the
// DELETE on the batch's key range, which would now reach nine members.
void overrun_scenario(const TempDir& dir, const SqlStore& store) {
  const ScenarioDatabase& db = store.db;
  db.exec("CREATE TABLE members (id integer PRIMARY KEY, left_on date)");
  db.exec("CREATE TABLE locks (member_id integer)");
  db.exec(
      "INSERT INTO members VALUES (1, '2020-01-01'), (2, '2020-01-01'), (3, '2020-01-01'), "
      "(4, '2020-01-01'), (5, '2020-01-01'), (6, '2020-01-01'), (7, '2020-01-01'), "
      "(8, '2020-01-01'), (9, '2020-01-01'), (10, '2020-01-01')");
  db.exec("INSERT INTO locks VALUES (2), (4), (6), (8), (10)");
  const std::string config = store.write(
      "  - name: members\n    store: " + store.name +
      "\n    table: members\n    expire_after: 1y\n    since: left_on\n"
      "    where: \"NOT EXISTS (SELECT 1 FROM locks WHERE locks.member_id = members.id)\"\n"
      "    also: [{table: locks, on: \"locks.member_id IS NOT NULL\"}]\n    max_affected: 100%\n");
  run_retentiond_ok({"check", "-c", config}, dir.path());

  auto r = run_retentiond({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("store '" + store.name +
                   "', policy 'members': the batch's DELETE affected 9 rows but the batch selected "
                   "5: rolled back, nothing of this batch changed") != std::string::npos);
  CHECK(r.err.find("policy 'members': store '") == std::string::npos);  // the policy named once
  CHECK(db.integer("SELECT count(*) FROM members") == 10);
  CHECK(db.integer("SELECT count(*) FROM locks") == 5);
}

}  // namespace

TEST_CASE("sqlite: a DELETE reaching more rows than its batch selected rolls back",
          "[cli][sqlite][batch_bound]") {
  TempDir dir;
  overrun_scenario(dir, sqlite_store(dir));
}

TEST_CASE("postgresql: a DELETE reaching more rows than its batch selected rolls back",
          "[cli][postgresql][batch_bound]") {
  PgDatabase pg;
  TempDir dir;
  overrun_scenario(dir, postgresql_store(dir, pg));
}

TEST_CASE("mysql: a DELETE reaching more rows than its batch selected rolls back",
          "[cli][mysql][batch_bound]") {
  MysqlDatabase my;
  TempDir dir;
  overrun_scenario(dir, mysql_store(dir, my));
}
