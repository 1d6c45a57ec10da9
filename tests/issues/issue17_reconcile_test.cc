// Issue 17, item 5: a batch the store committed but the state file never saw done (kill -9 or
// a full disk between the two) is counted by the next pass, which asks the store: PostgreSQL by
// the batch's transaction id, SQLite and MariaDB by the expired rows left in the batch's key
// range, the files store by the files it announced. Each store is tried both ways: the batch
// committed, and the batch rolled back. The audit trail must then equal what the store lost.
#include <utime.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";
const std::string kRangeOfFive = R"({"after": null, "last": 5, "remaining": 0})";

// A state file in which a process died right after announcing a batch of five records.
struct DeadPass {
  TempDir& dir;
  std::string config;

  RunResult retentiond(std::vector<std::string> args) {
    return run_on_config(config, std::move(args), dir.path());
  }
  // Creates the state file (a pass at a moment when nothing has expired), then plants the rows
  // a killed pass leaves: its progress (nothing recorded yet) and its batch's intent.
  void plant(const std::string& evidence, const std::vector<std::string>& items = {}) {
    REQUIRE(retentiond({"enforce", "--at", "2000-01-01T00:00:00Z"}).exit_code == 0);
    const std::string state = dir.file("state.db");
    sqlite_exec(
        state,
        "INSERT INTO pass_in_progress (policy, store, action, cutoff, matched, held, affected, "
        "started, "
        "updated, pid, owner) VALUES ('p', 'app', 'delete', '2027-03-01T00:00:00Z', 10, 0, 0, "
        "'2028-03-01T00:00:00Z', '2028-03-01T00:00:01Z', 2147483000, 'elsewhere:1:dead');"
        "INSERT INTO batch_intent (policy, expected, evidence, recorded) VALUES ('p', 5, '" +
            evidence + "', '2028-03-01T00:00:01Z');");
    for (const auto& item : items)
      sqlite_exec(state,
                  "INSERT INTO batch_intent_items (policy, item) VALUES ('p', '" + item + "')");
  }
  // The next pass records the dead one with what the store says, then does the rest.
  void check_next_pass(long long committed) {
    auto r = retentiond({"enforce", "--at", kAt});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    const std::string state = dir.file("state.db");
    CHECK(sqlite_int(state, "SELECT affected FROM audit WHERE outcome = 'interrupted'") ==
          committed);
    CHECK(sqlite_int(state, "SELECT sum(affected) FROM audit WHERE policy = 'p'") == 10);
    CHECK(sqlite_int(state, "SELECT count(*) FROM batch_intent") == 0);
    CHECK(retentiond({"history", "--verify"}).exit_code == 0);
  }
};

std::string policy_yaml(const std::string& store_yaml, const std::string& table_or_files) {
  return "state: state.db\nstores:\n  app: " + store_yaml +
         "\npolicies:\n  - name: p\n    store: app\n" + table_or_files +
         "    expire_after: 1y\n    max_affected: 100%\n";
}

}  // namespace

TEST_CASE("issue 17: the next pass counts a dead pass's last batch on SQLite",
          "[issues][issue17][sqlite]") {
  for (bool committed : {true, false}) {
    DYNAMIC_SECTION((committed ? "committed" : "rolled back")) {
      TempDir dir;
      sqlite_exec(
          dir.file("app.db"),
          "CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER);"
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) "
          "INSERT INTO t SELECT i, 1500000000 FROM n; INSERT INTO t VALUES (11, 1900000000);");
      DeadPass pass{
          dir, dir.write("c.yaml",
                         policy_yaml("{type: sqlite, path: app.db}",
                                     "    table: t\n    since: {column: ts, format: epoch}\n"))};
      pass.plant(kRangeOfFive);
      if (committed) sqlite_exec(dir.file("app.db"), "DELETE FROM t WHERE id <= 5");
      pass.check_next_pass(committed ? 5 : 0);
      CHECK(sqlite_int(dir.file("app.db"), "SELECT count(*) FROM t") == 1);
    }
  }
}

TEST_CASE("issue 17: the next pass counts a dead pass's last batch on PostgreSQL",
          "[issues][issue17][postgresql]") {
  for (bool committed : {true, false}) {
    DYNAMIC_SECTION((committed ? "committed" : "rolled back")) {
      TempDir dir;
      PgDatabase db;
      db.exec(
          "CREATE TABLE t (id int PRIMARY KEY, ts timestamptz);"
          "INSERT INTO t SELECT i, '2020-01-01' FROM generate_series(1, 10) i; INSERT INTO t "
          "VALUES (11, '2030-01-01');");
      // The batch's transaction, as the dead process left it: committed, or rolled back.
      std::string xid;
      {
        pqxx::connection c(db.dsn());
        pqxx::work w(c);
        w.exec("DELETE FROM t WHERE id <= 5");
        xid = w.exec1("SELECT txid_current()::text")[0].c_str();
        if (committed)
          w.commit();
        else
          w.abort();
      }
      DeadPass pass{dir,
                    dir.write("c.yaml", policy_yaml("{type: postgresql, dsn: \"" + db.dsn() + "\"}",
                                                    "    table: t\n    since: ts\n"))};
      pass.plant(R"({"transaction": ")" + xid + R"("})");
      pass.check_next_pass(committed ? 5 : 0);
      CHECK(db.integer("SELECT count(*) FROM t") == 1);
    }
  }
}

TEST_CASE("issue 17: the next pass counts a dead pass's last batch on MariaDB",
          "[issues][issue17][mysql]") {
  for (bool committed : {true, false}) {
    DYNAMIC_SECTION((committed ? "committed" : "rolled back")) {
      TempDir dir;
      MysqlDatabase db;
      db.exec(
          "CREATE TABLE t (id INT PRIMARY KEY, ts DATETIME);"
          "INSERT INTO t VALUES (1, '2020-01-01'), (2, '2020-01-01'), (3, '2020-01-01'), (4, "
          "'2020-01-01'),"
          "(5, '2020-01-01'), (6, '2020-01-01'), (7, '2020-01-01'), (8, '2020-01-01'), (9, "
          "'2020-01-01'),"
          "(10, '2020-01-01'), (11, '2030-01-01');");
      dir.write("pw", MysqlDatabase::password());
      DeadPass pass{dir, dir.write("c.yaml", policy_yaml(db.store_yaml(dir.file("pw")),
                                                         "    table: t\n    since: ts\n"))};
      pass.plant(kRangeOfFive);
      if (committed) db.exec("DELETE FROM t WHERE id <= 5");
      pass.check_next_pass(committed ? 5 : 0);
      CHECK(db.integer("SELECT count(*) FROM t") == 1);
    }
  }
}

TEST_CASE("issue 17: the next pass counts the files a dead pass announced and removed",
          "[issues][issue17][files]") {
  for (bool committed : {true, false}) {
    DYNAMIC_SECTION((committed ? "removed" : "not removed")) {
      TempDir dir;
      std::vector<std::string> announced;
      for (int i = 1; i <= 10; ++i) {
        std::string path = dir.write("logs/old-" + std::to_string(i) + ".log", "x");
        struct utimbuf old {
          1500000000, 1500000000
        };
        utime(path.c_str(), &old);
        if (i <= 5) announced.push_back("old-" + std::to_string(i) + ".log");
      }
      std::string fresh = dir.write("logs/fresh.log", "x");
      struct utimbuf future {
        1900000000, 1900000000
      };
      utime(fresh.c_str(), &future);
      DeadPass pass{dir,
                    dir.write("c.yaml", policy_yaml("{type: files, root: logs}",
                                                    "    files: \"*.log\"\n    since: mtime\n"))};
      pass.plant(R"({"files": true})", announced);
      if (committed)
        for (const auto& name : announced) std::filesystem::remove(dir.file("logs/" + name));
      pass.check_next_pass(committed ? 5 : 0);
      CHECK(std::filesystem::exists(dir.file("logs/fresh.log")));
      CHECK(!std::filesystem::exists(dir.file("logs/old-10.log")));
    }
  }
}
