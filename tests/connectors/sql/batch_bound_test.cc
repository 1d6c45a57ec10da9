// sql::check_batch_bound, and each SQL store's batches holding to it when a `where` escapes its
// parentheses anyway: the policy is loaded with a harmless `where`, which the test then replaces
// behind the validator's back (as a lexer mistake would let through), and the connector is
// driven directly. Every escape below would delete the whole table; each batch must fail and
// change nothing.
#include "connectors/sql/batch_bound.h"

#include <catch2/catch.hpp>

#include "support/driven_policy.h"
#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond;
using namespace retentiond::testing;
using connectors::sql::Bound;
using connectors::sql::check_batch_bound;

namespace {

const char* kRows =
    "CREATE TABLE members (id integer PRIMARY KEY, left_on date);"
    "CREATE TABLE locks (member_id integer);"
    "INSERT INTO members VALUES (1, '2020-01-01'), (2, '2030-01-01'), (3, '2020-01-01'), "
    "(4, '2030-01-01'), (5, '2020-01-01'), (6, '2030-01-01'), (7, '2030-01-01'), (8, '2030-01-01');"
    "INSERT INTO locks VALUES (2), (4), (6)";

// Loads `policy` for `store` (written as YAML), swaps its `where` for an escaping one, plans and
// runs one batch of at most 2 rows; returns the batch's error message (empty if it succeeded).
std::string escaped_batch(const TempDir& dir, const std::string& stores,
                          const std::string& policy) {
  auto driven =
      drive_policy(dir, "stores:\n" + stores + "policies:\n" + policy, "2028-03-01T00:00:00Z");
  driven.policy.where = "1=1) OR (1=1";
  auto plan = driven.connector->plan(driven.policy, driven.ctx);
  REQUIRE(plan);
  auto batch = driven.connector->apply_batch(driven.policy, driven.ctx, plan->start, 2);
  if (batch) return "";
  CHECK(batch.error().kind == connectors::ErrorKind::QueryFailed);
  return batch.error().message;
}

const std::string kPolicy =
    "  - name: members\n    store: db\n    table: members\n    expire_after: 1y\n"
    "    since: left_on\n    where: \"1=1\"\n    max_affected: 100%\n";
const std::string kWithAlso =
    kPolicy + "    also: [{table: locks, on: \"locks.member_id = members.id\"}]\n";

}  // namespace

TEST_CASE("a batch statement may not change more rows than its bound", "[batch_bound][unit]") {
  CHECK_NOTHROW(check_batch_bound(5, 5, "DELETE", Bound::Selected));
  CHECK_NOTHROW(check_batch_bound(0, 0, "UPDATE", Bound::Limit));
  CHECK_THROWS_WITH(check_batch_bound(9, 5, "DELETE", Bound::Selected),
                    "the batch's DELETE affected 9 rows but the batch selected 5: rolled back, "
                    "nothing of this batch changed");
  CHECK_THROWS_WITH(check_batch_bound(201, 200, "UPDATE", Bound::Limit),
                    "the batch's UPDATE affected 201 rows but a batch may touch at most 200: "
                    "rolled back, nothing of this batch changed");
}

TEST_CASE("sqlite: an escaped where cannot reach past its batch", "[batch_bound][sqlite]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"), kRows);
  CHECK(escaped_batch(dir, "  db: {type: sqlite, path: app.db}\n", kPolicy) ==
        "store 'db', policy 'members': the batch's DELETE affected 8 rows but the batch selected "
        "2: rolled back, nothing of this batch changed");
  CHECK(sqlite_int(dir.file("app.db"), "SELECT count(*) FROM members") == 8);
}

TEST_CASE("postgresql: an escaped where cannot reach past its batch", "[batch_bound][postgresql]") {
  PgDatabase pg;
  TempDir dir;
  const std::string store = "  db: {type: postgresql, dsn: \"" + pg.dsn() + "\"}\n";
  SECTION("walking the key (with also:)") {
    pg.exec(kRows);
    CHECK(escaped_batch(dir, store, kWithAlso) ==
          "store 'db', policy 'members': the batch's DELETE affected 8 rows but the batch "
          "selected 2: rolled back, nothing of this batch changed");
  }
  SECTION("walking the blocks (delete only)") {
    pg.exec(kRows);
    CHECK(escaped_batch(dir, store, kPolicy) ==
          "store 'db', policy 'members': the batch's DELETE affected 8 rows but a batch may touch "
          "at most 2: rolled back, nothing of this batch changed");
  }
  CHECK(pg.integer("SELECT count(*) FROM members") == 8);
  CHECK(pg.integer("SELECT count(*) FROM locks") == 3);
}

TEST_CASE("mysql: an escaped where cannot reach past its batch", "[batch_bound][mysql]") {
  MysqlDatabase my;
  TempDir dir;
  dir.write("my.password", MysqlDatabase::password() + "\n");
  my.exec(kRows);
  CHECK(escaped_batch(dir, "  db: " + my.store_yaml(dir.file("my.password")) + "\n", kWithAlso) ==
        "store 'db', policy 'members': the batch's DELETE affected 8 rows but the batch selected "
        "2: rolled back, nothing of this batch changed");
  CHECK(my.integer("SELECT count(*) FROM members") == 8);
  CHECK(my.integer("SELECT count(*) FROM locks") == 3);
}
