// The postgresql store's partitions: the session lost inside a batch of whole partitions, after
// the partition was announced to the journal and before the batch's COMMIT. The batch fails (it
// does not retry an announced change), its transaction rolled back so the partition is whole, the
// reconciliation of the announced change counts nothing, and the next batch, on a new session,
// drops or detaches it exactly. Driven through the connector, so that the session can be ended at
// that instant.
#include <catch2/catch.hpp>

#include "support/driven_policy.h"
#include "support/pg_server.h"
#include "support/temp_dir.h"

using namespace retentiond;
using namespace retentiond::testing;

namespace {

// Announced partitions are about to go: this journal ends, from another session, every session
// of the database but its own (the pass's), as a server restart or a network cut would.
struct SessionKiller : connectors::BatchJournal {
  const PgDatabase& db;
  connectors::BatchIntent announced;
  explicit SessionKiller(const PgDatabase& d) : db(d) {}
  void before_commit(const connectors::BatchIntent& intent) override {
    announced = intent;
    db.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()");
  }
};

std::vector<std::string> partitions_of_t(const PgDatabase& db) {
  return db.column(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE "
      "i.inhparent = 't'::regclass ORDER BY 1");
}

}  // namespace

TEST_CASE("postgresql partitions: a session lost between the announcement and the COMMIT",
          "[postgresql][partitions]") {
  const std::string mode = GENERATE("drop", "detach");
  INFO("partitions: " << mode);
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (ts timestamp NOT NULL) PARTITION BY RANGE (ts);"
      "CREATE TABLE t_2027_01 PARTITION OF t FOR VALUES FROM ('2027-01-01') TO ('2027-02-01');"
      "CREATE TABLE t_later PARTITION OF t FOR VALUES FROM ('2027-02-01') TO (MAXVALUE);"
      "INSERT INTO t SELECT '2027-01-01'::timestamp + i * interval '1 hour' "
      "FROM generate_series(0, 1439) i;");
  TempDir dir;
  auto [p, connector, ctx] = drive_policy(
      dir,
      "stores:\n  db: " + db.store_yaml() +
          "\npolicies:\n  - {name: p, store: db, table: t, expire_after: 1y, since: ts, "
          "partitions: " +
          mode + (mode == "detach" ? ", grace: 7d" : "") + ", max_affected: 100%}\n",
      "2028-02-15T00:00:00Z");
  auto plan = connector->plan(p, ctx);
  REQUIRE(plan);
  REQUIRE(plan->start.kind == connectors::Cursor::Kind::Partitions);

  SessionKiller killer(db);
  ctx.journal = &killer;
  auto lost = connector->apply_batch(p, ctx, plan->start, 1000000);
  REQUIRE_FALSE(lost);
  INFO(lost.error().message);
  REQUIRE(killer.announced.units.size() == 1);
  CHECK(killer.announced.expected == 744);
  // Nothing went: the partition is whole, its rows all there, nothing detached.
  CHECK(partitions_of_t(db) == std::vector<std::string>{"t_2027_01", "t_later"});
  CHECK(db.integer("SELECT count(*) FROM t") == 1440);
  CHECK(db.integer("SELECT count(*) FROM pg_class WHERE relname LIKE '%rd_detached%'") == 0);
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
  CHECK(partitions_of_t(db) == std::vector<std::string>{"t_later"});
  CHECK(db.integer("SELECT count(*) FROM t") == 1440 - 744);
  CHECK(db.integer("SELECT count(*) FROM pg_class WHERE relname LIKE '%rd_detached%' AND relkind "
                   "= 'r'") == (mode == "detach" ? 1 : 0));
}
