// Issue 20: kill -9 at random moments of a pass that drops whole partitions (PostgreSQL, MariaDB)
// and deletes the boundary's rows in batches. After each kill every expired partition is whole or
// gone, no fresh row is lost, and once the next pass has recorded the dead one the audit trail
// equals what the table lost; a last pass finishes. Serial, like the other fault tests.
#include <signal.h>

#include <algorithm>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "support/child.h"
#include "support/fault_scenario.h"
#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

constexpr int kMonths = 11;  // 2026-03 to 2027-01, all before the cut-off 2027-03-01
constexpr int kRowsPerMonth = 3000;
constexpr int kKills = 12;

// The partitions the audit trail names as dropped, over all its entries: those of a killed pass
// too, so that each one a kill took is named once (the recovering pass names none).
long long audited_partitions(const TempDir& dir) {
  return sqlite_int(dir.file("state.db"),
                    "SELECT coalesce(sum(json_array_length(partitions)), 0) FROM audit_partitions");
}

std::string month(int i) {  // "2026_03" for 0
  const int m = 2 + i;      // months since 2026-01, 0-based
  const int year = 2026 + m / 12;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%d_%02d", year, m % 12 + 1);
  return buf;
}

std::string first_day(int i) {
  std::string m = month(i);
  return m.substr(0, 4) + "-" + m.substr(5, 2) + "-01";
}

// Creates the expired months that are missing, each with its rows, and adds `boundary` expired
// rows to the boundary partition (late February into March 2027). Returns the rows added.
long long refill(const PgDatabase& db, int boundary) {
  long long added = 0;
  for (int i = 0; i < kMonths; ++i) {
    const std::string name = "t_" + month(i);
    if (db.integer("SELECT count(*) FROM pg_class WHERE relname = '" + name + "'") > 0) continue;
    db.exec("CREATE TABLE " + name + " PARTITION OF t FOR VALUES FROM ('" + first_day(i) +
            "') TO ('" + first_day(i + 1) + "'); INSERT INTO " + name + " (ts) SELECT '" +
            first_day(i) + "'::timestamptz + g * interval '1 minute' FROM generate_series(1, " +
            std::to_string(kRowsPerMonth) + ") g;");
    added += kRowsPerMonth;
  }
  db.exec("INSERT INTO t (ts) SELECT '2027-02-20'::timestamptz FROM generate_series(1, " +
          std::to_string(boundary) + ")");
  return added + boundary;
}

// Every expired month is either whole or gone.
void check_whole_or_gone(const PgDatabase& db) {
  for (int i = 0; i < kMonths; ++i) {
    const std::string name = "t_" + month(i);
    if (db.integer("SELECT count(*) FROM pg_class WHERE relname = '" + name + "'") == 0) continue;
    INFO(name);
    CHECK(db.integer("SELECT count(*) FROM " + name) == kRowsPerMonth);
  }
}

}  // namespace

TEST_CASE("faults: kill -9 while partitions are dropped leaves each whole or gone",
          "[faults][partitions]") {
  TempDir dir;
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (ts timestamptz) PARTITION BY RANGE (ts);"
      "CREATE TABLE t_boundary PARTITION OF t FOR VALUES FROM ('2027-02-01') TO ('2027-04-01');"
      "CREATE TABLE t_default PARTITION OF t DEFAULT;"
      "INSERT INTO t SELECT '2030-01-01' FROM generate_series(1, 500);"
      "INSERT INTO t SELECT NULL FROM generate_series(1, 10);"
      "INSERT INTO t SELECT '2027-03-10' FROM generate_series(1, 100);");
  // February and March 2027 share the boundary partition; NULL and 2030 rows are in the default.
  FaultStore store;
  store.store_yaml = "{type: postgresql, dsn: \"" + db.dsn() + "\"}";
  store.target_yaml = "    table: t\n    since: ts\n    partitions: drop\n";
  const std::string config = fault_config(dir, store);
  auto retentiond = [&](std::vector<std::string> args) {
    return run_on_config(config, std::move(args), dir.path());
  };
  auto fresh = [&] {
    return db.integer("SELECT count(*) FROM t WHERE ts IS NULL OR ts >= '2027-03-01'");
  };
  auto expired_left = [&] { return db.integer("SELECT count(*) FROM t WHERE ts < '2027-03-01'"); };
  const long long fresh_rows = fresh();

  long long added = refill(db, 2000);
  const auto t0 = std::chrono::steady_clock::now();
  auto first = retentiond({"enforce", "--at", kFaultAt});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const auto pass_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  REQUIRE(expired_left() == 0);
  CHECK(audited(dir) == added);

  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay(0, static_cast<int>(pass_ms.count() * 9 / 10));
  int killed_mid_pass = 0;
  for (int round = 0; round < kKills; ++round) {
    added += refill(db, 2000);
    const long long named_before = audited_partitions(dir);
    const int after_ms = delay(random);
    INFO("round " << round << ", SIGKILL after " << after_ms << " ms");
    {
      Child pass({"enforce", "-c", config, "--at", kFaultAt}, dir.path(), dir.file("pass.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
      pass.signal(SIGKILL);
      pass.wait_exit();
      if (pass.killed_by_signal()) ++killed_mid_pass;
    }
    check_whole_or_gone(db);
    CHECK(fresh() == fresh_rows);
    auto recovery = retentiond({"enforce", "--at", "2000-01-01T00:00:00Z"});
    INFO(recovery.err);
    REQUIRE(recovery.exit_code == 0);
    CHECK(audited(dir) == added - expired_left());
    long long gone = 0;
    for (int i = 0; i < kMonths; ++i)
      gone += db.integer("SELECT count(*) FROM pg_class WHERE relname = 't_" + month(i) + "'") == 0;
    CHECK(audited_partitions(dir) - named_before == gone);
  }
  // Most kills must have landed while a pass ran, or the scenario proves little.
  CHECK(killed_mid_pass > kKills / 2);
  auto last = retentiond({"enforce", "--at", kFaultAt});
  INFO(last.err);
  CHECK(last.exit_code == 0);
  CHECK(expired_left() == 0);
  CHECK(fresh() == fresh_rows);
  CHECK(audited(dir) == added);
  CHECK(retentiond({"history", "--verify"}).exit_code == 0);
}

namespace {

// The MariaDB table afresh: kMonths whole months, the boundary partition (February and March
// 2027, `expired` rows of February), and the fresh rows: March 2027, 2030 (pmax) and undated
// (in the lowest partition, which therefore goes row by row).
void my_fresh_table(const MysqlDatabase& db, int expired) {
  std::string parts;
  for (int i = 0; i < kMonths; ++i)
    parts += "PARTITION p" + month(i) + " VALUES LESS THAN ('" + first_day(i + 1) + "'), ";
  db.exec(
      "DROP TABLE IF EXISTS t; CREATE TABLE t (ts datetime NULL) ENGINE=InnoDB PARTITION BY "
      "RANGE COLUMNS (ts) (" +
      parts +
      "PARTITION pb VALUES LESS THAN ('2027-04-01'), PARTITION pmax VALUES LESS THAN "
      "(MAXVALUE));");
  for (int i = 0; i < kMonths; ++i)
    db.exec("INSERT INTO t SELECT TIMESTAMP('" + first_day(i) +
            "') + INTERVAL seq MINUTE FROM seq_1_to_" + std::to_string(kRowsPerMonth));
  db.exec("INSERT INTO t SELECT '2027-02-20' FROM seq_1_to_" + std::to_string(expired) +
          "; INSERT INTO t SELECT '2030-01-01' FROM seq_1_to_500; INSERT INTO t SELECT NULL FROM "
          "seq_1_to_10; INSERT INTO t SELECT '2027-03-10' FROM seq_1_to_100;");
}

}  // namespace

TEST_CASE("faults: kill -9 while MariaDB partitions are dropped leaves each whole or gone",
          "[faults][partitions]") {
  TempDir dir;
  MysqlDatabase db;
  dir.write("my.password", MysqlDatabase::password() + "\n");
  FaultStore store;
  store.store_yaml = db.store_yaml("my.password");
  store.target_yaml = "    table: t\n    since: ts\n    partitions: drop\n";
  const std::string config = fault_config(dir, store);
  auto retentiond = [&](std::vector<std::string> args) {
    return run_on_config(config, std::move(args), dir.path());
  };
  auto fresh = [&] {
    return db.integer("SELECT count(*) FROM t WHERE ts IS NULL OR ts >= '2027-03-01'");
  };
  auto expired_left = [&] { return db.integer("SELECT count(*) FROM t WHERE ts < '2027-03-01'"); };
  auto whole_or_gone = [&] {
    for (int i = 0; i < kMonths; ++i) {
      const std::string p = "p" + month(i);
      if (db.integer("SELECT count(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = "
                     "DATABASE() AND TABLE_NAME = 't' AND PARTITION_NAME = '" +
                     p + "'") == 0)
        continue;
      INFO(p);
      // The lowest month holds the undated rows, and goes row by row.
      if (i > 0) CHECK(db.integer("SELECT count(*) FROM t PARTITION (" + p + ")") == kRowsPerMonth);
    }
  };
  constexpr int kExpiredPerTable = kMonths * kRowsPerMonth + 2000;
  my_fresh_table(db, 2000);
  const long long fresh_rows = fresh();
  long long added = kExpiredPerTable;
  const auto t0 = std::chrono::steady_clock::now();
  auto first = retentiond({"enforce", "--at", kFaultAt});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  auto pass_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  REQUIRE(expired_left() == 0);
  CHECK(audited(dir) == added);
  // The kills are timed from the faster of two whole passes: one slowed by the machine (an
  // ALTER TABLE waiting on InnoDB's purge) would put most kills after the passes end.
  my_fresh_table(db, 2000);
  added += kExpiredPerTable;
  const auto t1 = std::chrono::steady_clock::now();
  auto second = retentiond({"enforce", "--at", kFaultAt});
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  pass_ms = std::min(pass_ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - t1));
  REQUIRE(expired_left() == 0);
  CHECK(audited(dir) == added);

  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay(0, static_cast<int>(pass_ms.count() * 9 / 10));
  int killed_mid_pass = 0;
  for (int round = 0; round < kKills; ++round) {
    // What the last round left expired goes with the old table, uncounted by retentiond.
    added -= expired_left();
    my_fresh_table(db, 2000);
    added += kExpiredPerTable;
    const long long named_before = audited_partitions(dir);
    const int after_ms = delay(random);
    INFO("round " << round << ", SIGKILL after " << after_ms << " ms");
    {
      Child pass({"enforce", "-c", config, "--at", kFaultAt}, dir.path(), dir.file("pass.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
      pass.signal(SIGKILL);
      pass.wait_exit();
      if (pass.killed_by_signal()) ++killed_mid_pass;
    }
    whole_or_gone();
    CHECK(fresh() == fresh_rows);
    auto recovery = retentiond({"enforce", "--at", "2000-01-01T00:00:00Z"});
    INFO(recovery.err);
    REQUIRE(recovery.exit_code == 0);
    CHECK(audited(dir) == added - expired_left());
    CHECK(audited_partitions(dir) - named_before ==
          kMonths -
              db.integer("SELECT count(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = "
                         "DATABASE() AND TABLE_NAME = 't' AND PARTITION_NAME LIKE 'p2%'"));
  }
  // Most kills must have landed while a pass ran, or the scenario proves little.
  CHECK(killed_mid_pass > kKills / 2);
  auto last = retentiond({"enforce", "--at", kFaultAt});
  INFO(last.err);
  CHECK(last.exit_code == 0);
  CHECK(expired_left() == 0);
  CHECK(fresh() == fresh_rows);
  CHECK(audited(dir) == added);
  CHECK(retentiond({"history", "--verify"}).exit_code == 0);
}
