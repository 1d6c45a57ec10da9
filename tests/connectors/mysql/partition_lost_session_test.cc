// The mysql store's partitions: the session lost inside a batch of whole partitions, after the
// partition was announced to the journal and before its ALTER TABLE. The batch fails (it does not
// retry an announced change), the partition is still whole, the reconciliation of the announced
// change counts nothing, and the next batch, on a new session, drops or converts it exactly.
// Driven through the connector, so that the session can be killed at that instant.
#include <catch2/catch.hpp>

#include "connectors/batch_evidence.h"
#include "support/driven_policy.h"
#include "support/mysql_server.h"
#include "support/temp_dir.h"

using namespace retentiond;
using namespace retentiond::testing;

namespace {

// Announced partitions are about to go: this journal kills, from another session, every session
// of the database but its own (the pass's), as a server restart or a network cut would.
struct SessionKiller : connectors::BatchJournal {
  const MysqlDatabase& db;
  connectors::BatchIntent announced;
  explicit SessionKiller(const MysqlDatabase& d) : db(d) {}
  void before_commit(const connectors::BatchIntent& intent) override {
    announced = intent;
    for (const auto& id : db.column("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '" +
                                    db.name() + "' AND ID <> CONNECTION_ID()")) {
      try {
        db.exec("KILL CONNECTION " + id);
      } catch (const std::exception&) {  // gone already
      }
    }
  }
};

std::vector<std::string> partitions_of_t(const MysqlDatabase& db) {
  return db.column(
      "SELECT PARTITION_NAME FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() "
      "AND TABLE_NAME = 't' ORDER BY PARTITION_ORDINAL_POSITION");
}

}  // namespace

TEST_CASE("mysql partitions: a session lost between the announcement and the ALTER TABLE",
          "[mysql][partitions]") {
  const std::string mode = GENERATE("drop", "detach");
  INFO("partitions: " << mode);
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE t (ts datetime NOT NULL, KEY (ts)) PARTITION BY RANGE COLUMNS (ts) ("
      "PARTITION p01 VALUES LESS THAN ('2027-02-01'), PARTITION pmax VALUES LESS THAN "
      "(MAXVALUE));"
      "INSERT INTO t SELECT '2027-01-01' + INTERVAL seq HOUR FROM seq_0_to_1439;");
  TempDir dir;
  dir.write("pw", MysqlDatabase::password() + "\n");
  auto [p, connector, ctx] =
      drive_policy(dir,
                   "stores:\n  db: " + db.store_yaml(dir.file("pw")) +
                       "\npolicies:\n  - {name: p, store: db, table: t, expire_after: 1y, "
                       "since: ts, partitions: " +
                       mode + (mode == "detach" ? ", grace: 7d" : "") + ", max_affected: 100%}\n",
                   "2028-02-15T00:00:00Z");
  auto plan = connector->plan(p, ctx);
  REQUIRE(plan);
  REQUIRE(plan->start.kind == connectors::Cursor::Kind::Partitions);

  SessionKiller killer(db);
  ctx.journal = &killer;
  auto lost = connector->apply_batch(p, ctx, plan->start, 1000000);
  REQUIRE_FALSE(lost);
  CHECK(lost.error().message.find("lost the connection") != std::string::npos);
  REQUIRE(killer.announced.units.size() == 1);
  CHECK(killer.announced.expected == 744);
  // Nothing went: the partition is whole, its rows all there, no table converted.
  CHECK(partitions_of_t(db) == std::vector<std::string>{"p01", "pmax"});
  CHECK(db.integer("SELECT count(*) FROM t") == 1440);
  CHECK(db.integer("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                   "DATABASE()") == 1);
  // The table is not left locked: another session writes to it at once.
  db.exec("SET SESSION lock_wait_timeout = 2; INSERT INTO t VALUES ('2027-06-01 00:00:00')");
  // What the next pass's reconciliation of the announced change finds: nothing changed.
  auto reconciled = connector->reconcile(p, ctx, killer.announced);
  REQUIRE(reconciled);
  CHECK(reconciled.value() == 0);

  // The next batch, on a new session, goes exactly.
  ctx.journal = nullptr;
  auto again = connector->apply_batch(p, ctx, plan->start, 1000000);
  REQUIRE(again);
  REQUIRE(again->units.size() == 1);
  CHECK(again->affected == 744);
  CHECK(partitions_of_t(db) == std::vector<std::string>{"pmax"});
  CHECK(db.integer("SELECT count(*) FROM t") == 1440 - 744 + 1);
  CHECK(db.integer("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                   "DATABASE()") == (mode == "detach" ? 2 : 1));
}
