// The mysql store's partitions: a batch of whole partitions looks again, just before its ALTER
// TABLE, for records rows mode keeps as undated. Here a date with a zero day arrives in a middle
// partition between the plan and the batch (RANGE COLUMNS sorts '2027-03-00' after February's
// dates): the batch drops the partitions before it and leaves it whole, for the row batches. Driven
// through the connector, so that the record can arrive between the two.
#include <catch2/catch.hpp>

#include "support/driven_policy.h"
#include "support/mysql_server.h"
#include "support/temp_dir.h"

using namespace retentiond;
using namespace retentiond::testing;

namespace {

// `partitions: drop` on table t (a year), driven through the connector, cut off as of `at`.
DrivenPolicy drop_on_t(const MysqlDatabase& db, const TempDir& dir, const std::string& at) {
  dir.write("pw", MysqlDatabase::password() + "\n");
  return drive_policy(dir,
                      "stores:\n  db: " + db.store_yaml(dir.file("pw")) +
                          "\npolicies:\n  - {name: p, store: db, table: t, expire_after: 1y, "
                          "since: ts, partitions: drop, max_affected: 100%}\n",
                      at);
}

// The policy's plan, which starts with whole partitions.
connectors::PlanStats planned(const policies::Policy& p, connectors::Connector& connector,
                              const connectors::PassContext& ctx) {
  auto plan = connector.plan(p, ctx);
  REQUIRE(plan);
  REQUIRE(plan->start.kind == connectors::Cursor::Kind::Partitions);
  return plan.value();
}

}  // namespace

TEST_CASE(
    "mysql partitions: a batch leaves whole a partition that took a zero-day date since "
    "the plan",
    "[mysql][partitions]") {
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE t (ts datetime NOT NULL, KEY (ts)) PARTITION BY RANGE COLUMNS (ts) ("
      "PARTITION p01 VALUES LESS THAN ('2027-02-01'), PARTITION p02 VALUES LESS THAN "
      "('2027-03-01'), PARTITION p03 VALUES LESS THAN ('2027-04-01'), PARTITION pmax VALUES LESS "
      "THAN (MAXVALUE));"
      "INSERT INTO t SELECT '2027-01-01' + INTERVAL seq HOUR FROM seq_0_to_2159;");
  TempDir dir;
  auto [p, connector, ctx] = drop_on_t(db, dir, "2028-04-15T00:00:00Z");
  const auto plan = planned(p, *connector, ctx);

  // After the plan: a zero-day date (sql_mode without NO_ZERO_IN_DATE), sorted into p02
  // (after February's last day).
  db.exec("SET SESSION sql_mode = ''; INSERT INTO t VALUES ('2027-03-00 12:00:00')");
  REQUIRE(db.integer("SELECT count(*) FROM t PARTITION (p02) WHERE DAYOFMONTH(ts) = 0") == 1);

  auto first = connector->apply_batch(p, ctx, plan.start, 1000000);
  REQUIRE(first);
  REQUIRE(first->units.size() == 1);
  CHECK(first->units[0].name == "`p01`");
  CHECK(first->affected == 744);
  auto second = connector->apply_batch(p, ctx, first->next, 1000000);  // p02: left whole
  REQUIRE(second);
  CHECK(second->units.empty());
  CHECK(second->affected == 0);
  auto third = connector->apply_batch(p, ctx, second->next, 1000000);
  REQUIRE(third);
  REQUIRE(third->units.size() == 1);
  CHECK(third->units[0].name == "`p03`");
  CHECK(db.column("SELECT PARTITION_NAME FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = "
                  "DATABASE() AND TABLE_NAME = 't' ORDER BY PARTITION_ORDINAL_POSITION") ==
        std::vector<std::string>{"p02", "pmax"});
  CHECK(db.integer("SELECT count(*) FROM t") == 672 + 1);
}

namespace {

// Announced partitions are past the batch's last look and before its ALTER TABLE: this journal
// tries, from another session, to write a zero-day date into the partition about to go.
struct WriterInTheInstant : connectors::BatchJournal {
  const MysqlDatabase& db;
  std::string error;  // the other session's, if its INSERT failed
  explicit WriterInTheInstant(const MysqlDatabase& d) : db(d) {}
  void before_commit(const connectors::BatchIntent&) override {
    try {
      db.exec(
          "SET SESSION lock_wait_timeout = 1; SET SESSION sql_mode = ''; "
          "INSERT INTO t VALUES ('2027-01-00 12:00:00')");
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
};

}  // namespace

TEST_CASE("mysql partitions: no session writes into partitions between the last look and the drop",
          "[mysql][partitions]") {
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE t (ts datetime NOT NULL, KEY (ts)) PARTITION BY RANGE COLUMNS (ts) ("
      "PARTITION p01 VALUES LESS THAN ('2027-02-01'), PARTITION pmax VALUES LESS THAN "
      "(MAXVALUE));"
      "INSERT INTO t SELECT '2027-01-01' + INTERVAL seq HOUR FROM seq_0_to_1439;");
  TempDir dir;
  auto [p, connector, ctx] = drop_on_t(db, dir, "2028-02-15T00:00:00Z");
  const auto plan = planned(p, *connector, ctx);
  WriterInTheInstant writer(db);
  ctx.journal = &writer;
  auto batch = connector->apply_batch(p, ctx, plan.start, 1000000);
  REQUIRE(batch);
  REQUIRE(batch->units.size() == 1);
  CHECK(batch->affected == 744);
  // The table was locked: the INSERT waited and gave up, so nothing undated went with p01.
  CHECK(writer.error.find("Lock wait timeout") != std::string::npos);
  CHECK(db.integer("SELECT count(*) FROM t") == 1440 - 744);
  // And the lock is gone with the batch: the same INSERT now goes through (into pmax, the only
  // partition left).
  db.exec("SET SESSION sql_mode = ''; INSERT INTO t VALUES ('2027-01-00 12:00:00')");
  CHECK(db.integer("SELECT count(*) FROM t") == 1440 - 744 + 1);
}
