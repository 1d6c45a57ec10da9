// Issue 20 on MariaDB, through the real binary: a table of monthly RANGE COLUMNS partitions (six
// months and a MAXVALUE partition) whose whole expired months are dropped or converted to tables,
// and whose boundary month is deleted row by row exactly. MariaDB puts rows without a date in the
// lowest partition, which must then not go whole. The clock is pinned with --at
// 2028-03-15T00:00:00Z; with 4mo the cut-off is 2027-11-15T00:00:00Z.
#include <chrono>
#include <map>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "connectors/mysql/partitions.h"
#include "policies/planner.h"
#include "policies/timestamp.h"
#include "support/config_text.h"
#include "support/mysql_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-15T00:00:00Z";

// One row an hour from September 2027 to February 2028, a row of 2020 and one without a date (both
// in the lowest partition) and one of 2031 (in pmax).
const std::string kPartitioned = R"sql(
CREATE TABLE access_log (ts datetime NULL, path varchar(20) NOT NULL) ENGINE=InnoDB
PARTITION BY RANGE COLUMNS (ts) (
  PARTITION p2027_09 VALUES LESS THAN ('2027-10-01'),
  PARTITION p2027_10 VALUES LESS THAN ('2027-11-01'),
  PARTITION p2027_11 VALUES LESS THAN ('2027-12-01'),
  PARTITION p2027_12 VALUES LESS THAN ('2028-01-01'),
  PARTITION p2028_01 VALUES LESS THAN ('2028-02-01'),
  PARTITION p2028_02 VALUES LESS THAN ('2028-03-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE));
INSERT INTO access_log SELECT '2027-09-01' + INTERVAL seq HOUR, '/' FROM seq_0_to_4367;
INSERT INTO access_log VALUES ('2020-01-01', '/old'), (NULL, '/undated'), ('2031-01-01', '/future');
)sql";

constexpr long long kExpired = 720 + 744 + 14 * 24 + 1;

std::string policy(const std::string& mode) {
  return "  - name: logs\n"         // 5
         "    store: my\n"          // 6
         "    table: access_log\n"  // 7
         "    expire_after: 4mo\n"  // 8
         "    since: ts\n"          // 9
         "    partitions: " +
         mode + "\n";  // 10
}

std::string config_for(const TempDir& dir, const MysqlDatabase& db, const std::string& policies) {
  dir.write("my.password", MysqlDatabase::password() + "\n");
  return dir.write("r.yaml", one_store_config("my", db.store_yaml("my.password"), policies));
}

std::vector<std::string> partitions(const MysqlDatabase& db,
                                    const std::string& table = "access_log") {
  return db.column(
      "SELECT PARTITION_NAME FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() "
      "AND TABLE_NAME = '" +
      table + "' ORDER BY PARTITION_ORDINAL_POSITION");
}

void check_rows_left(const MysqlDatabase& db) {
  CHECK(db.integer("SELECT COUNT(*) FROM access_log") == 4368 + 3 - kExpired);
  CHECK(db.integer("SELECT COUNT(*) FROM access_log WHERE ts < '2027-11-15'") == 0);
  CHECK(db.integer("SELECT COUNT(*) FROM access_log PARTITION (p2027_11)") == 720 - 14 * 24);
  CHECK(db.column("SELECT path FROM access_log WHERE ts IS NULL OR ts > '2030-01-01' ORDER BY "
                  "path") == std::vector<std::string>{"/future", "/undated"});
}

// An account of the test server given `grants` ("SELECT, DELETE ON `db`.*"), dropped when the
// test ends, and the store that connects as it (its password file written into `dir`).
struct LimitedAccount {
  const MysqlDatabase& db;
  std::string name;
  LimitedAccount(const MysqlDatabase& d, const std::string& suffix, const std::string& grants)
      : db(d), name(d.name() + suffix) {
    db.exec("CREATE USER '" + name + "'@'%' IDENTIFIED BY 'limited'; GRANT " + grants + " TO '" +
            name + "'@'%';");
  }
  ~LimitedAccount() { db.exec("DROP USER '" + name + "'@'%'"); }
  std::string store_yaml(const TempDir& dir) const {
    dir.write("limited.password", "limited\n");
    std::string store = db.store_yaml("limited.password");
    const std::string own_user = "user: " + server_env("RETENTIOND_TEST_MYSQL_USER");
    store.replace(store.find(own_user), own_user.size(), "user: " + name);
    return store;
  }
};

}  // namespace

TEST_CASE("mysql partitions: whole expired months are dropped, the boundary batched exactly",
          "[mysql][partitions]") {
  MysqlDatabase db;
  db.exec(kPartitioned);
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);

  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  CHECK(plan.at("matched") == kExpired);
  CHECK(plan.at("oldest") == "2020-01-01T00:00:00Z");  // in the lowest partition, read
  REQUIRE(plan.at("partitions").size() == 7);
  // The lowest partition holds a row without a date: its expired rows go in batches.
  CHECK(plan.at("partitions")[0].at("name") == "`p2027_10`");
  CHECK(plan.at("partitions")[0].at("action") == "drop");
  CHECK(plan.at("partitions")[0].at("bounds") == "VALUES LESS THAN ('2027-11-01')");
  CHECK(plan.at("partitions")[1].at("name") == "`p2027_09`");
  CHECK(plan.at("partitions")[1].at("action") == "rows");
  CHECK(plan.at("statements")[0] == "ALTER TABLE `access_log` DROP PARTITION `p2027_10`");

  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == kExpired);
  CHECK(partitions(db) == std::vector<std::string>{"p2027_09", "p2027_11", "p2027_12", "p2028_01",
                                                   "p2028_02", "pmax"});
  check_rows_left(db);
  const json again = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(again.at("affected") == 0);
}

TEST_CASE(
    "mysql partitions: zero dates and zero-month or zero-day dates keep their partition whole",
    "[mysql][partitions]") {
  // A NOT NULL column takes '0000-00-00' (no NO_ZERO_DATE in sql_mode), which MariaDB sorts into
  // the lowest partition, and '2027-11-00' (no NO_ZERO_IN_DATE), which it sorts just below
  // November, into October's partition. Rows mode keeps both as undated, so neither partition may
  // go whole: their dated rows go in batches. With an index on the column the look probes it;
  // without one it reads the partitions.
  const bool indexed = GENERATE(false, true);
  INFO("index on ts: " << indexed);
  MysqlDatabase db;
  db.exec(std::string("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';"
                      "CREATE TABLE access_log (ts datetime NOT NULL, path varchar(20) NOT NULL") +
          (indexed ? ", KEY (ts)" : "") + R"sql() ENGINE=InnoDB
PARTITION BY RANGE COLUMNS (ts) (
  PARTITION p2027_09 VALUES LESS THAN ('2027-10-01'),
  PARTITION p2027_10 VALUES LESS THAN ('2027-11-01'),
  PARTITION p2027_11 VALUES LESS THAN ('2027-12-01'),
  PARTITION p2027_12 VALUES LESS THAN ('2028-01-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE));
INSERT INTO access_log SELECT '2027-09-01' + INTERVAL seq HOUR, '/' FROM seq_0_to_2927;
INSERT INTO access_log VALUES ('0000-00-00 00:00:00', '/zero'), ('2027-11-00', '/zero-day');
)sql");
  REQUIRE(db.integer("SELECT COUNT(*) FROM access_log PARTITION (p2027_10) WHERE path = "
                     "'/zero-day'") == 1);
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  // check says what a missing index costs, as a warning.
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(((check.out + check.err)
             .find("r.yaml:10:17: warning: 'partitions: drop' in policy 'logs': "
                   "no index of table 'access_log' starts with column 'ts'") !=
         std::string::npos) == !indexed);
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  INFO(plan.dump());
  CHECK(plan.at("matched") == 720 + 744 + 14 * 24);
  CHECK(plan.at("warnings").dump().find("2 selected rows have no usable date") !=
        std::string::npos);
  for (const auto& part : plan.at("partitions")) CHECK(part.at("action") == "rows");
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == 720 + 744 + 14 * 24);
  CHECK(partitions(db) ==
        std::vector<std::string>{"p2027_09", "p2027_10", "p2027_11", "p2027_12", "pmax"});
  CHECK(db.column("SELECT path FROM access_log WHERE ts < '2027-11-15' ORDER BY path") ==
        std::vector<std::string>{"/zero", "/zero-day"});
  CHECK(db.integer("SELECT COUNT(*) FROM access_log") == 2928 + 2 - (720 + 744 + 14 * 24));
}

TEST_CASE("mysql partitions: converted months are dropped once their grace has passed",
          "[mysql][partitions]") {
  MysqlDatabase db;
  db.exec(kPartitioned);
  db.exec("DELETE FROM access_log WHERE ts IS NULL OR ts < '2027-09-01'");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("detach") + "    grace: 7d\n");
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == 720 + 744 + 14 * 24);
  CHECK(partitions(db) ==
        std::vector<std::string>{"p2027_11", "p2027_12", "p2028_01", "p2028_02", "pmax"});
  CHECK(db.integer("SELECT COUNT(*) FROM access_log_p2027_10_rd_detached_20280315") == 744);
  // The audit names the table each partition became, to take it back within the grace.
  const auto history = run_retentiond_ok({"history", "-c", config}, dir.path()).out;
  INFO(history);
  CHECK(history.find("744 rows, now table access_log_p2027_10_rd_detached_20280315") !=
        std::string::npos);

  const json later =
      policy_in(json_report("enforce", config, "2028-03-18T00:00:00Z", dir.path()), "logs");
  CHECK(later.at("partitions")[0].at("action") == "keep-detached");
  CHECK(later.at("partitions")[0].at("detached_at") == "2028-03-15T00:00:00Z");
  const json gone =
      policy_in(json_report("enforce", config, "2028-03-23T00:00:00Z", dir.path()), "logs");
  CHECK(gone.at("affected") == 5 * 24);
  CHECK(db.integer("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                   "DATABASE() AND TABLE_NAME LIKE '%rd_detached%'") == 0);
}

TEST_CASE("mysql partitions: check refuses another key and names the missing privileges",
          "[mysql][partitions][check]") {
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE access_log (ts datetime, d date NOT NULL) PARTITION BY RANGE (TO_DAYS(d)) "
      "(PARTITION p2020 VALUES LESS THAN (TO_DAYS('2021-01-01')), PARTITION pmax VALUES LESS "
      "THAN MAXVALUE);"
      "INSERT INTO access_log VALUES ('2020-01-01', '2020-06-01'), ('2031-01-01', '2020-06-01');");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK((check.out + check.err)
            .find("r.yaml:10:17: error: 'partitions: drop' in policy 'logs': table "
                  "'access_log' is partitioned by 'd', not by its 'since' column 'ts'") !=
        std::string::npos);
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == 1);
  CHECK(partitions(db) == std::vector<std::string>{"p2020", "pmax"});

  // Partitioned by TO_DAYS(ts), for an account with SELECT and DELETE only.
  MysqlDatabase other;
  const std::string account = other.name() + "_del";
  other.exec(
      "CREATE TABLE access_log (ts datetime NOT NULL) PARTITION BY RANGE (TO_DAYS(ts)) "
      "(PARTITION p2020 VALUES LESS THAN (TO_DAYS('2021-01-01')), PARTITION pmax VALUES LESS "
      "THAN MAXVALUE);"
      "CREATE USER '" +
      account + "'@'%' IDENTIFIED BY 'del-only'; GRANT SELECT, DELETE ON `" + other.name() +
      "`.* TO '" + account + "'@'%';");
  dir.write("del.password", "del-only\n");
  std::string store = other.store_yaml("del.password");
  const std::string own_user = "user: " + server_env("RETENTIOND_TEST_MYSQL_USER");
  store.replace(store.find(own_user), own_user.size(), "user: " + account);
  const std::string limited =
      dir.write("limited.yaml", one_store_config("my", store, policy("drop")));
  auto limited_check = run_retentiond({"check", "-c", limited}, dir.path());
  INFO(limited_check.out << limited_check.err);
  CHECK(limited_check.exit_code == 1);
  CHECK((limited_check.out + limited_check.err)
            .find("limited.yaml:10:17: error: 'partitions: drop' in policy 'logs': account '" +
                  account + "@%' lacks ALTER, DROP on table 'access_log'") != std::string::npos);

  // The same grants through the account's default role count (information_schema does not show
  // them to its sessions; SHOW GRANTS does).
  const std::string role = other.name() + "_dropper";
  other.exec("CREATE ROLE " + role + "; GRANT ALTER, DROP ON `" + other.name() +
             "`.access_log TO " + role + "; GRANT " + role + " TO '" + account +
             "'@'%'; SET DEFAULT ROLE " + role + " FOR '" + account + "'@'%';");
  auto role_check = run_retentiond({"check", "-c", limited}, dir.path());
  other.exec("DROP USER '" + account + "'@'%'; DROP ROLE " + role + ";");
  INFO(role_check.out << role_check.err);
  CHECK((role_check.out + role_check.err).find("lacks ALTER") == std::string::npos);
  CHECK(role_check.exit_code == 0);
}

TEST_CASE("mysql partitions: large whole partitions go by their statistics, in one ALTER TABLE",
          "[mysql][partitions]") {
  // Two months of 120,000 rows each go whole: the plan takes their rows from
  // information_schema.PARTITIONS instead of reading them (the server's handler counters barely
  // move), and one ALTER TABLE drops both. The look for undated rows (NULL keys, zero dates,
  // zero-month or zero-day dates) goes through the index on the column: a few probes, no read.
  // The boundary month is read and batched exactly.
  MysqlDatabase db;
  db.exec(R"sql(
CREATE TABLE access_log (ts datetime NOT NULL, path varchar(20) NOT NULL, KEY (ts)) ENGINE=InnoDB
PARTITION BY RANGE COLUMNS (ts) (
  PARTITION p2027_09 VALUES LESS THAN ('2027-10-01'),
  PARTITION p2027_10 VALUES LESS THAN ('2027-11-01'),
  PARTITION p2027_11 VALUES LESS THAN ('2027-12-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE));
INSERT INTO access_log SELECT '2027-09-01' + INTERVAL seq * 20 SECOND, '/' FROM seq_0_to_119999;
INSERT INTO access_log SELECT '2027-10-01' + INTERVAL seq * 20 SECOND, '/' FROM seq_0_to_119999;
INSERT INTO access_log SELECT '2027-11-01' + INTERVAL seq HOUR, '/' FROM seq_0_to_719;
SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';
INSERT INTO access_log VALUES ('2027-12-00 10:00:00', '/zero-day');
ANALYZE TABLE access_log;
)sql");
  auto rows_read = [&] {
    return db.integer(
        "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN "
        "('HANDLER_READ_RND_NEXT', 'HANDLER_READ_NEXT', 'HANDLER_READ_FIRST')");
  };
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop") + "    max_affected: 100%\n");
  const long long before = rows_read();
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  const long long read = rows_read() - before;
  INFO(plan.dump());
  CHECK(read < 50000);  // reading one of the large partitions would be 120,000
  // The boundary's zero-day date (sorted just below December), counted through the index.
  CHECK(plan.at("warnings").dump().find("1 selected row has no usable date") != std::string::npos);
  REQUIRE(plan.at("partitions").size() == 4);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(plan.at("partitions")[i].at("action") == "drop");
    CHECK(plan.at("partitions")[i].at("rows_estimated") == true);
  }
  CHECK(plan.at("matched").get<long long>() ==
        plan.at("partitions")[0].at("rows").get<long long>() +
            plan.at("partitions")[1].at("rows").get<long long>() + 14 * 24);
  REQUIRE(plan.at("statements").size() >= 1);
  CHECK(plan.at("statements")[0] ==
        "ALTER TABLE `access_log` DROP PARTITION `p2027_09`, `p2027_10`");

  const std::string planned =
      run_retentiond_ok({"plan", "-c", config, "--at", kAt}, dir.path()).out;
  CHECK(planned.find("matched:    about ") != std::string::npos);
  CHECK(planned.find("would delete about ") != std::string::npos);

  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected").get<long long>() ==
        plan.at("partitions")[0].at("rows").get<long long>() +
            plan.at("partitions")[1].at("rows").get<long long>() + 14 * 24);
  CHECK(partitions(db) == std::vector<std::string>{"p2027_11", "pmax"});
  CHECK(db.integer("SELECT COUNT(*) FROM access_log") == 720 - 14 * 24 + 1);
  CHECK(db.integer("SELECT COUNT(*) FROM access_log WHERE ts < '2027-11-15'") == 0);
  auto audit =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  const json entry = audit.at("entries").back();
  REQUIRE(entry.at("partitions").size() == 2);
  CHECK(entry.at("partitions")[0].at("rows_estimated") == true);
  // The totals say they include an estimate, in every report and in the trail.
  CHECK(plan.at("matched_estimated") == true);
  CHECK(enforce.at("affected_estimated") == true);
  CHECK(entry.at("affected_estimated") == true);
  const std::string text = run_retentiond_ok({"history", "-c", config}, dir.path()).out;
  CHECK(text.find("~" + retentiond::policies::with_thousands(
                            enforce.at("affected").get<long long>())) != std::string::npos);
}

TEST_CASE(
    "mysql partitions: a dead pass's audit entry names the partitions it took, its last batch's "
    "only if that batch committed",
    "[mysql][partitions]") {
  for (bool committed : {true, false}) {
    DYNAMIC_SECTION((committed ? "committed" : "not committed")) {
      MysqlDatabase db;
      db.exec(kPartitioned);
      TempDir dir;
      const std::string config = config_for(dir, db, policy("drop"));
      REQUIRE(run_retentiond({"enforce", "-c", config, "--at", "2000-01-01T00:00:00Z"}, dir.path())
                  .exit_code == 0);
      // What a process killed during its ALTER TABLE leaves: a partition dropped by an earlier
      // batch (recorded), and p2027_10's batch announced, pending.
      const std::string state = dir.file("state.db");
      sqlite_exec(
          state,
          "INSERT INTO pass_in_progress (policy, store, action, cutoff, matched, held, affected, "
          "started, updated, pid, owner, partitions) VALUES ('logs', 'my', 'delete', "
          "'2027-11-15T00:00:00Z', 2000, 0, 10, '2028-03-15T00:00:00Z', '2028-03-15T00:00:01Z', "
          "2147483000, 'elsewhere:1:dead', '[{\"action\":\"drop\",\"name\":\"`p2027_08`\","
          "\"bounds\":\"VALUES LESS THAN (''2027-09-01'')\",\"rows\":10},{\"action\":\"drop\","
          "\"name\":\"`p2027_10`\",\"bounds\":\"VALUES LESS THAN (''2027-11-01'')\",\"rows\":744,"
          "\"pending\":true}]');"
          "INSERT INTO batch_intent (policy, expected, evidence, recorded) VALUES ('logs', 744, "
          "'{\"partition\":\"p2027_10\",\"table\":\"access_log\",\"detached_as\":\"\"}', "
          "'2028-03-15T00:00:01Z');");
      if (committed) db.exec("ALTER TABLE access_log DROP PARTITION p2027_10");
      auto next = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
      INFO(next.err);
      REQUIRE(next.exit_code == 0);
      auto named = [&](const std::string& outcome) {
        return json::parse(
            sqlite_column(
                state,
                "SELECT coalesce((SELECT p.partitions FROM audit a JOIN audit_partitions p ON "
                "p.audit_id = a.id WHERE a.policy = 'logs' AND a.outcome = '" +
                    outcome + "'), '[]')")
                .at(0));
      };
      const json dead = named("interrupted");
      const json after = named("ok");
      CHECK(sqlite_int(state, "SELECT affected FROM audit WHERE outcome = 'interrupted'") ==
            (committed ? 10 + 744 : 10));
      REQUIRE(dead.size() == (committed ? 2u : 1u));
      CHECK(dead[0].at("name") == "`p2027_08`");
      CHECK(dead[0].at("rows") == 10);
      CHECK_FALSE(dead[0].contains("pending"));
      if (committed) {
        CHECK(dead[1].at("name") == "`p2027_10`");
        CHECK(dead[1].at("rows") == 744);
        CHECK_FALSE(dead[1].contains("pending"));
        CHECK(after.empty());
      } else {
        REQUIRE(after.size() == 1);
        CHECK(after[0].at("name") == "`p2027_10`");
      }
      CHECK(db.integer("SELECT COUNT(*) FROM access_log WHERE ts < '2027-11-15'") == 0);
      CHECK(run_retentiond({"history", "-c", config, "--verify"}, dir.path()).exit_code == 0);
    }
  }
}

TEST_CASE("mysql partitions: an account without LOCK TABLES is warned and still drops",
          "[mysql][partitions][check]") {
  MysqlDatabase db;
  db.exec(kPartitioned);
  LimitedAccount limited(db, "_nolock", "SELECT, DELETE, ALTER, DROP ON `" + db.name() + "`.*");
  const std::string account = limited.name;
  TempDir dir;
  const std::string store = limited.store_yaml(dir);
  const std::string config = dir.write("r.yaml", one_store_config("my", store, policy("drop")));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK((check.out + check.err)
            .find("r.yaml:10:17: warning: 'partitions: drop' in policy 'logs': account '" +
                  account + "@%' lacks LOCK TABLES on database '" + db.name() + "'") !=
        std::string::npos);
  auto enforce = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(enforce.out << enforce.err);
  CHECK(enforce.exit_code == 0);
  const std::string said = "the account may not LOCK TABLES access_log";
  const auto first = enforce.err.find(said);
  CHECK(first != std::string::npos);
  CHECK(enforce.err.find(said, first + 1) == std::string::npos);  // once per pass
  CHECK(partitions(db) == std::vector<std::string>{"p2027_09", "p2027_11", "p2027_12", "p2028_01",
                                                   "p2028_02", "pmax"});
  check_rows_left(db);
}

TEST_CASE(
    "mysql partitions: long partition names detach to distinct tables, and a failed "
    "CONVERT is not counted",
    "[mysql][partitions]") {
  // Names whose table_partition_rd_detached_<day> is over 64 characters: cut to fit, they once
  // all got the same name, and every CONVERT after the first failed on the first one's table,
  // which the reconciliation then took for its own (the audit counted partitions still there).
  MysqlDatabase db;
  db.exec(R"sql(
CREATE TABLE application_access_log_entries (ts datetime NOT NULL, KEY (ts)) ENGINE=InnoDB
PARTITION BY RANGE COLUMNS (ts) (
  PARTITION partition_2027_09 VALUES LESS THAN ('2027-10-01'),
  PARTITION partition_2027_10 VALUES LESS THAN ('2027-11-01'),
  PARTITION partition_2027_11 VALUES LESS THAN ('2027-12-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE));
INSERT INTO application_access_log_entries SELECT '2027-09-01' + INTERVAL seq HOUR FROM seq_0_to_2183;
)sql");
  TempDir dir;
  dir.write("my.password", MysqlDatabase::password() + "\n");
  const std::string config = dir.write(
      "r.yaml",
      one_store_config("my", db.store_yaml("my.password"),
                       "  - {name: logs, store: my, table: application_access_log_entries, "
                       "expire_after: 4mo, since: ts, partitions: detach, grace: 7d}\n"));
  const auto left = [&] {
    return db.integer("SELECT COUNT(*) FROM application_access_log_entries");
  };
  const auto detached = [&] {
    return db.column(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
        "DATABASE() AND TABLE_NAME LIKE '%rd_detached%' ORDER BY TABLE_NAME");
  };
  SECTION("each partition its own table") {
    const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
    CHECK(enforce.at("affected") == 720 + 744 + 14 * 24);
    CHECK(left() == 2184 - (720 + 744 + 14 * 24));
    const auto tables = detached();
    REQUIRE(tables.size() == 2);
    CHECK(tables[0] != tables[1]);
    for (const auto& t : tables) CHECK(t.size() == 64);
  }
  SECTION("a table already has the name: the partition takes the next one") {
    const auto at = *retentiond::policies::parse_timestamp(kAt);
    const std::string taken = retentiond::connectors::mysql::detached_table_name(
        "application_access_log_entries", "partition_2027_10", at);
    const std::string next = retentiond::connectors::mysql::detached_table_name(
        "application_access_log_entries", "partition_2027_10", at, 2);
    REQUIRE(next != taken);
    REQUIRE(next.size() <= 64);
    db.exec("CREATE TABLE `" + taken + "` (x int) COMMENT 'the operator''s'");
    db.exec("INSERT INTO `" + taken + "` VALUES (7)");
    const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
    CHECK(plan.at("statements").dump().find(next) != std::string::npos);
    const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
    INFO(enforce.dump());
    CHECK(enforce.at("affected") == 720 + 744 + 14 * 24);
    CHECK(left() == 2184 - (720 + 744 + 14 * 24));
    CHECK(db.integer("SELECT COUNT(*) FROM `" + next + "`") == 744);
    CHECK(db.integer("SELECT x FROM `" + taken + "`") == 7);
    const auto history =
        run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path());
    CHECK(history.out.find("\"detached_as\": \"" + next + "\"") != std::string::npos);
    // After the grace the two it detached go; the operator's table stays.
    run_retentiond_ok({"enforce", "-c", config, "--at", "2028-03-23T00:00:00Z"}, dir.path());
    CHECK(detached() == std::vector<std::string>{taken});
  }
}

TEST_CASE("mysql partitions: detach needs its grants on the database, else rows mode",
          "[mysql][partitions][check]") {
  // Grants on the partitioned table alone (what check once suggested) do not reach the table a
  // detached partition becomes: CONVERT failed, every pass with it.
  MysqlDatabase db;
  db.exec(kPartitioned);
  LimitedAccount limited(
      db, "_tbl", "SELECT, DELETE, ALTER, DROP, CREATE, INSERT ON `" + db.name() + "`.access_log");
  const std::string account = limited.name;
  TempDir dir;
  const std::string store = limited.store_yaml(dir);
  const std::string config =
      dir.write("r.yaml", one_store_config("my", store, policy("detach") + "    grace: 7d\n"));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK((check.out + check.err)
            .find("r.yaml:10:17: error: 'partitions: detach' in policy 'logs': account '" +
                  account + "@%' lacks CREATE, INSERT, ALTER, DROP on database '" + db.name() +
                  "' (GRANT CREATE, INSERT, ALTER, DROP ON `" + db.name() + "`.* TO ...)") !=
        std::string::npos);
  // The pass deletes the expired rows in batches instead, exactly, and every partition stays.
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == kExpired);
  CHECK(partitions(db).size() == 7);
  check_rows_left(db);
}

TEST_CASE("mysql partitions: the ALTER TABLE waits at most 5 s behind an open transaction",
          "[mysql][partitions]") {
  // The table lock's server default wait is a day, during which the application's other queries
  // on the table would queue behind the waiting ALTER TABLE.
  MysqlDatabase db;
  db.exec(kPartitioned);
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  std::thread reader([&] {
    db.exec("START TRANSACTION; SELECT COUNT(*) FROM access_log; SELECT SLEEP(10); COMMIT");
  });
  while (db.integer("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
                    "'SELECT SLEEP(10)%'") == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  auto run = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  const auto waited = std::chrono::steady_clock::now() - start;
  reader.join();
  INFO(run.out << run.err);
  CHECK(run.exit_code != 0);
  CHECK(waited < std::chrono::seconds(9));
  CHECK(run.err.find("was not released within 5 s") != std::string::npos);
  CHECK(partitions(db).size() == 7);  // nothing went; the next pass retries
  const json again = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(again.at("affected") == kExpired);
  check_rows_left(db);
}

TEST_CASE("mysql partitions: RANGE (TO_DAYS(ts)) and RANGE (UNIX_TIMESTAMP(ts)) go whole too",
          "[mysql][partitions]") {
  // Bounds that are numbers: the plan and the audit show their date as well.
  const bool unix_time = GENERATE(false, true);
  INFO("UNIX_TIMESTAMP: " << unix_time);
  const std::string type = unix_time ? "timestamp" : "datetime";
  const auto bound = [&](const std::string& day) {
    return unix_time ? "UNIX_TIMESTAMP('" + day + " 00:00:00')" : "TO_DAYS('" + day + "')";
  };
  MysqlDatabase db;
  db.exec("SET SESSION time_zone = '+00:00'; CREATE TABLE access_log (ts " + type +
          " NOT NULL, KEY (ts)) ENGINE=InnoDB PARTITION BY RANGE (" +
          (unix_time ? "UNIX_TIMESTAMP(ts)" : "TO_DAYS(ts)") +
          ") (PARTITION p2027_09 VALUES LESS THAN (" + bound("2027-10-01") +
          "), PARTITION p2027_10 VALUES LESS THAN (" + bound("2027-11-01") +
          "), PARTITION p2027_11 VALUES LESS THAN (" + bound("2027-12-01") +
          "), PARTITION pmax VALUES LESS THAN MAXVALUE);"
          "INSERT INTO access_log SELECT '2027-09-01' + INTERVAL seq HOUR FROM seq_0_to_2183;");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  INFO(plan.dump());
  REQUIRE(plan.at("partitions").size() == 4);
  CHECK(plan.at("partitions")[1].at("name") == "`p2027_10`");
  CHECK(plan.at("partitions")[1].at("action") == "drop");
  CHECK(plan.at("partitions")[1].at("bounds").get<std::string>().find(
            ", before 2027-11-01T00:00:00Z") != std::string::npos);
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == 720 + 744 + 14 * 24);
  CHECK(partitions(db) == std::vector<std::string>{"p2027_11", "pmax"});
  CHECK(db.integer("SELECT COUNT(*) FROM access_log WHERE ts < '2027-11-15'") == 0);
  CHECK(db.integer("SELECT COUNT(*) FROM access_log") == 2184 - (720 + 744 + 14 * 24));
}

TEST_CASE("mysql partitions: a text key or a sub-partitioned detach is refused, and rows mode acts",
          "[mysql][partitions][check]") {
  SECTION("RANGE COLUMNS on a varchar: text that is no date sorts among the dates") {
    MysqlDatabase db;
    db.exec(
        "CREATE TABLE access_log (id int, ts varchar(40)) PARTITION BY RANGE COLUMNS (ts) "
        "(PARTITION p1 VALUES LESS THAN ('2027-03-15'), PARTITION pmax VALUES LESS THAN "
        "(MAXVALUE));"
        "INSERT INTO access_log VALUES (1, '2020-05-01'), (2, '2027-02-30'), (3, '2027-03-14 "
        "junk'), (4, '2027-03-16');");
    TempDir dir;
    const std::string config = config_for(dir, db, policy("drop"));
    auto check = run_retentiond({"check", "-c", config}, dir.path());
    INFO(check.out << check.err);
    CHECK(check.exit_code == 1);
    CHECK(check.err.find("r.yaml:10:17: error: 'partitions: drop' in policy 'logs': table "
                         "'access_log' is partitioned by 'ts', a column of type varchar, not a "
                         "date") != std::string::npos);
    // Row by row: the two expired dates go (cut-off 2027-11-15), the text that is no date stays,
    // where the whole of p1 would have gone with it.
    const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
    CHECK(enforce.at("affected") == 2);
    CHECK(enforce.at("partitions").empty());
    CHECK(db.column("SELECT id FROM access_log ORDER BY id") == std::vector<std::string>{"2", "3"});
  }
  SECTION("detach of a table with sub-partitions (MariaDB cannot convert them to a table)") {
    MysqlDatabase db;
    db.exec(
        "CREATE TABLE access_log (id int, ts datetime, KEY (ts)) PARTITION BY RANGE (TO_DAYS(ts)) "
        "SUBPARTITION BY HASH (id) SUBPARTITIONS 2 (PARTITION p2027_01 VALUES LESS THAN "
        "(TO_DAYS('2027-02-01')), PARTITION pmax VALUES LESS THAN MAXVALUE);"
        "INSERT INTO access_log VALUES (1, '2027-01-05'), (2, '2027-01-06'), (3, '2031-01-01');");
    TempDir dir;
    const std::string config = config_for(dir, db, policy("detach") + "    grace: 7d\n");
    auto check = run_retentiond({"check", "-c", config}, dir.path());
    INFO(check.out << check.err);
    CHECK(check.exit_code == 1);
    CHECK(check.err.find("is sub-partitioned (SUBPARTITION BY HASH), and MariaDB cannot convert "
                         "such a partition to a table") != std::string::npos);
    const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
    CHECK(enforce.at("affected") == 2);
    CHECK(enforce.at("partitions").empty());
    CHECK(db.column("SELECT id FROM access_log") == std::vector<std::string>{"3"});
    // Dropping one is fine.
    const std::string drop = config_for(dir, db, policy("drop"));
    CHECK(run_retentiond({"check", "-c", drop}, dir.path()).exit_code == 0);
  }
}

TEST_CASE("mysql partitions: a converted table the operator renamed is never dropped",
          "[mysql][partitions]") {
  MysqlDatabase db;
  db.exec(kPartitioned);
  db.exec("DELETE FROM access_log WHERE ts IS NULL OR ts < '2027-09-01'");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("detach") + "    grace: 7d\n");
  policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  db.exec("RENAME TABLE access_log_p2027_09_rd_detached_20280315 TO september_kept_for_court");
  // Past the grace: the other converted table goes, the renamed one stays (its comment kept).
  const json gone =
      policy_in(json_report("enforce", config, "2028-03-23T00:00:00Z", dir.path()), "logs");
  std::vector<std::string> unwhole;
  for (const auto& p : gone.at("partitions"))
    if (p.at("action") != "rows") unwhole.push_back(p.at("action").get<std::string>());
  CHECK(unwhole == std::vector<std::string>{"drop-detached"});
  CHECK(db.integer("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                   "DATABASE() AND TABLE_NAME LIKE '%rd_detached%'") == 0);
  CHECK(db.integer("SELECT COUNT(*) FROM september_kept_for_court") == 720);
}

TEST_CASE("mysql partitions: another table's detached tables are never this policy's",
          "[mysql][partitions]") {
  // access_log_archive's detached partitions start with 'access_log_': one with its comment
  // naming access_log_archive, one without (a pass killed before its comment); and a table named
  // like one of access_log's whose comment is an operator's.
  MysqlDatabase db;
  db.exec(kPartitioned);
  db.exec("DELETE FROM access_log WHERE ts IS NULL OR ts < '2027-09-01'");
  db.exec(
      "CREATE TABLE access_log_archive (id int PRIMARY KEY);"
      "CREATE TABLE access_log_archive_p1_rd_detached_20280101 (a int) COMMENT = 'retentiond: "
      "detached from access_log_archive partition p1 at 2028-01-01T00:00:00Z';"
      "CREATE TABLE access_log_archive_p2_rd_detached_20280101 (a int);"
      "CREATE TABLE access_log_other_p3_rd_detached_20280101 (a int) COMMENT = 'retentiond: "
      "detached from access_log_other partition p3 at 2028-01-01T00:00:00Z';"
      // An operator's copy under a name a detach of access_log would have: its comment is not
      // ours, so it is theirs.
      "CREATE TABLE access_log_p9_rd_detached_20280101 (a int) COMMENT = 'operator copy, keep';");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("detach") + "    grace: 7d\n");
  policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  const json gone =
      policy_in(json_report("enforce", config, "2028-03-23T00:00:00Z", dir.path()), "logs");
  for (const auto& p : gone.at("partitions")) {
    INFO(p.dump());
    CHECK(p.at("name").get<std::string>().find("archive") == std::string::npos);
    CHECK(p.at("name").get<std::string>().find("other") == std::string::npos);
    CHECK(p.at("name").get<std::string>().find("p9") == std::string::npos);
  }
  CHECK(db.integer("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                   "DATABASE() AND TABLE_NAME LIKE '%rd_detached%'") == 4);
}

TEST_CASE("mysql partitions: a legal hold keeps its partition in rows mode, the others go whole",
          "[mysql][partitions][holds]") {
  // September and October are wholly expired (and the lowest partition, empty, before them);
  // a record of September is held: September goes row by row, keeping it, October is dropped.
  MysqlDatabase db;
  db.exec(R"sql(
CREATE TABLE access_log (id int NOT NULL, ts datetime NOT NULL, PRIMARY KEY (id, ts)) ENGINE=InnoDB
PARTITION BY RANGE COLUMNS (ts) (
  PARTITION plow VALUES LESS THAN ('2027-09-01'),
  PARTITION p2027_09 VALUES LESS THAN ('2027-10-01'),
  PARTITION p2027_10 VALUES LESS THAN ('2027-11-01'),
  PARTITION p2027_11 VALUES LESS THAN ('2027-12-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE));
INSERT INTO access_log SELECT seq, '2027-09-01' + INTERVAL (seq - 1) DAY FROM seq_1_to_91;
)sql");
  const std::string held = db.column("SELECT id FROM access_log WHERE ts = '2027-09-10'").at(0);
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop") + "    key: id\n");
  REQUIRE(run_retentiond(
              {"hold", "add", "-c", config, "--policy", "logs", held, "--reason", "court order"},
              dir.path())
              .exit_code == 0);
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  CHECK(plan.at("held") == 1);
  CHECK(plan.at("matched") == 29 + 31 + 14);
  std::map<std::string, std::string> actions;
  for (const auto& p : plan.at("partitions"))
    actions[p.at("name").get<std::string>()] = p.at("action").get<std::string>();
  CHECK(actions.at("`p2027_09`") == "rows");
  CHECK(actions.at("`p2027_10`") == "drop");
  CHECK(plan.at("warnings").dump().find("partition `p2027_09` holds a record under a legal hold") !=
        std::string::npos);

  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == 29 + 31 + 14);
  std::map<std::string, std::string> done;
  for (const auto& p : enforce.at("partitions"))
    done[p.at("name").get<std::string>()] = p.at("action").get<std::string>();
  CHECK(done.at("`p2027_10`") == "drop");
  CHECK(done.at("`p2027_09`") == "rows");
  // The lowest partition, empty and wholly expired (no NULL date is filed there), went too.
  CHECK(partitions(db) == std::vector<std::string>{"p2027_09", "p2027_11", "pmax"});
  CHECK(db.column("SELECT id FROM access_log WHERE ts < '2027-11-15'") ==
        std::vector<std::string>{held});
  CHECK(db.integer("SELECT COUNT(*) FROM access_log") == 91 - 74);
}

TEST_CASE(
    "mysql partitions: a bound with a fraction of a second past the cut-off keeps its "
    "partition",
    "[mysql][partitions]") {
  // The cut-off is 2027-11-15T00:00:00Z; `pa` ends 0.9 s after it and holds a row of 0.5 s after.
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE access_log (id int NOT NULL, ts datetime(6) NOT NULL, KEY (ts), KEY (id)) "
      "PARTITION BY RANGE COLUMNS (ts) (PARTITION pa VALUES LESS THAN ('2027-11-15 "
      "00:00:00.900000'), PARTITION pmax VALUES LESS THAN (MAXVALUE))");
  db.exec("INSERT INTO access_log VALUES (1, '2027-10-01'), (2, '2027-11-15 00:00:00.5')");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  CHECK(plan.at("matched") == 1);
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == 1);
  CHECK(partitions(db) == std::vector<std::string>{"pa", "pmax"});
  CHECK(db.integer("SELECT count(*) FROM access_log WHERE id = 2") == 1);
}

TEST_CASE(
    "mysql partitions: a partition left to the batches during the pass has its expired "
    "rows deleted",
    "[mysql][partitions]") {
  // At 2027-06-15T12:00:00Z with 3mo (cut-off 2027-03-15T12:00:00Z), p_old is wholly expired at
  // the plan and p1 is the boundary, read by the plan: the batches' key walk spans its expired
  // key, 2. A transaction open meanwhile adds an undated row to p_old: under the pass's lock
  // p_old then holds a record it must keep, so it goes through the batches, which must still
  // delete its rows 1 and 4, outside the walk's span.
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE mr (id int NOT NULL, ts datetime NULL, KEY (ts), KEY (id)) PARTITION BY "
      "RANGE COLUMNS (ts) (PARTITION p_old VALUES LESS THAN ('2027-01-01'), PARTITION p1 VALUES "
      "LESS THAN ('2027-04-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE))");
  db.exec(
      "INSERT INTO mr VALUES (1, '2026-06-01'), (4, '2026-07-01'), (2, '2027-01-05'), "
      "(3, '2027-06-01')");
  TempDir dir;
  const std::string config = config_for(
      dir, db,
      "  - name: logs\n    store: my\n    table: mr\n    key: id\n    expire_after: 3mo\n"
      "    since: ts\n    partitions: drop\n    max_affected: 100%\n");
  std::thread writer([&] {
    db.exec("START TRANSACTION; INSERT INTO mr VALUES (10, NULL); SELECT SLEEP(3); COMMIT");
  });
  while (db.integer("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
                    "'SELECT SLEEP(3)%'") == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto run = run_retentiond({"enforce", "-c", config, "--at", "2027-06-15T12:00:00Z"}, dir.path());
  writer.join();
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(db.column("SELECT id FROM mr ORDER BY id") == std::vector<std::string>{"3", "10"});
}

TEST_CASE("mysql partitions: a partition grown past the guard's room ends the pass at the limit",
          "[mysql][partitions]") {
  // At the plan pa and pb hold 3 expired rows each, all max_affected allows (6). A transaction
  // open meanwhile adds 2 rows to pb: under the pass's lock pb then holds 5, more than the 3
  // the guard leaves once pa is gone. The pass stops at the limit, as between batches: pb is
  // left whole for the next pass, and the pass ends well with a warning, not failed.
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE mg (id int NOT NULL, ts datetime NULL, KEY (ts), KEY (id)) PARTITION BY "
      "RANGE COLUMNS (ts) (PARTITION pa VALUES LESS THAN ('2027-01-01'), PARTITION pb VALUES "
      "LESS THAN ('2027-02-01'), PARTITION p1 VALUES LESS THAN ('2027-04-01'), PARTITION pmax "
      "VALUES LESS THAN (MAXVALUE))");
  db.exec(
      "INSERT INTO mg VALUES (1, '2026-06-01'), (2, '2026-07-01'), (3, '2026-08-01'), "
      "(4, '2027-01-05'), (5, '2027-01-06'), (6, '2027-01-07'), (7, '2027-06-01')");
  TempDir dir;
  const std::string config = config_for(
      dir, db,
      "  - name: logs\n    store: my\n    table: mg\n    key: id\n    expire_after: 3mo\n"
      "    since: ts\n    partitions: drop\n    max_affected: 6\n");
  std::thread writer([&] {
    db.exec(
        "START TRANSACTION; INSERT INTO mg VALUES (10, '2027-01-20'), (11, '2027-01-21'); "
        "SELECT SLEEP(3); COMMIT");
  });
  while (db.integer("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
                    "'SELECT SLEEP(3)%'") == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto run = run_retentiond(
      {"enforce", "-c", config, "--at", "2027-06-15T12:00:00Z", "--format", "json"}, dir.path());
  writer.join();
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(partitions(db, "mg") == std::vector<std::string>{"pb", "p1", "pmax"});
  CHECK(db.integer("SELECT COUNT(*) FROM mg PARTITION (pb)") == 5);
  const json logs = policy_in(json::parse(run.out), "logs");
  CHECK(logs.at("affected") == 3);
  CHECK(logs.at("warnings").dump().find("stopped at the max_affected limit of 6 rows") !=
        std::string::npos);
  CHECK(logs.at("warnings").dump().find("the rest waits for the next pass") != std::string::npos);
  const json audit =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  CHECK(audit.at("entries").back().at("outcome") == "ok");
  CHECK(audit.at("entries").back().at("affected") == 3);
}
