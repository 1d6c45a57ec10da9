// The state in PostgreSQL (issue 22): the same tables and meaning as the SQLite file, one audit
// chain that hosts appending at once never fork, and leases that end with their session.
#include <thread>

#include <catch2/catch.hpp>

#include "daemon/engine/notices.h"
#include "daemon/state/audit.h"
#include "daemon/state/holds.h"
#include "daemon/state/pass_journal.h"
#include "daemon/state/pass_lock.h"
#include "daemon/state/postgresql_state_db.h"
#include "daemon/state/sightings.h"
#include "daemon/state/state.h"
#include "support/pg_server.h"

using namespace retentiond::daemon;
using namespace retentiond::testing;
using retentiond::policies::parse_timestamp;

namespace {

AuditEntry entry(const std::string& policy, long long affected) {
  AuditEntry e;
  e.policy = policy;
  e.store = "app";
  e.action = "delete";
  e.cutoff = *parse_timestamp("2026-01-01T00:00:00Z");
  e.matched = e.affected = affected;
  e.started = *parse_timestamp("2027-01-01T03:15:00Z");
  e.finished = *parse_timestamp("2027-01-01T03:15:02Z");
  e.outcome = "ok";
  return e;
}

}  // namespace

TEST_CASE("?N placeholders become $N outside quoted text", "[state]") {
  CHECK(dollar_placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?12") ==
        "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $12");
}

TEST_CASE("the PostgreSQL state: schema, audit chain, holds, notices, sightings, journal",
          "[state][postgresql]") {
  PgDatabase db;
  {
    StateFile state(db.state_config(), /*writable=*/true);
    CHECK(state.shared());
    CHECK_FALSE(state.schema_problem());
    CHECK(db.integer("SELECT version FROM retentiond_schema") == 8);

    AuditTrail trail(state.db());
    for (int i = 1; i <= 3; ++i) trail.append(entry("a", i));
    auto listed = trail.list({"a"}, std::nullopt);
    REQUIRE(listed.size() == 3);
    CHECK(listed[2].affected == 3);
    CHECK_FALSE(listed[0].host.empty());
    CHECK(trail.verify().intact);
    CHECK(trail.verify().rows == 3);

    Holds holds(state);
    Hold h{"a", "42", "court order", *parse_timestamp("2027-01-01T00:00:00Z"), std::nullopt};
    CHECK_FALSE(holds.add(h, "app"));
    h.reason = "another";
    CHECK(holds.add(h, "app"));  // replaced
    REQUIRE(holds.list({}).size() == 1);
    CHECK(holds.list({})[0].reason == "another");
    CHECK(holds.keys_held("a", *parse_timestamp("2027-02-01T00:00:00Z")) ==
          std::vector<std::string>{"42"});

    NoticeBook notices(&state, "key");
    notices.record("a", "h1", {100, *parse_timestamp("2027-01-01T00:00:00Z")});
    notices.record("a", "h1", {200, *parse_timestamp("2027-01-02T00:00:00Z")});
    notices.record("a", "h2", {300, *parse_timestamp("2027-01-02T00:00:00Z")});
    notices.forget_except("a", {"h1"}, *parse_timestamp("2027-01-03T00:00:00Z"));
    auto loaded = notices.load("a");
    REQUIRE(loaded.size() == 1);
    CHECK(loaded.at("h1").basis == 200);

    StateSightingBook sightings(state, true);
    sightings.save("s", {{"k", *parse_timestamp("2027-01-01T00:00:00Z")}},
                   *parse_timestamp("2027-01-01T00:00:00Z"));
    CHECK(sightings.load("s").size() == 1);
    CHECK(sightings.tracking_since("s"));

    PassJournal journal(state);
    PassRecord r;
    static_cast<PassFigures&>(r) = entry("b", 0);
    r.owner = new_owner_token();
    journal.begin(r);
    retentiond::connectors::BatchIntent intent;
    intent.expected = 5;
    intent.items = {"x", "y"};
    journal.add_intent("b", intent);
    auto found = journal.find("b");
    REQUIRE(found);
    REQUIRE(found->intent);
    CHECK(found->intent->items == std::vector<std::string>{"x", "y"});
    journal.batch_done("b", r.owner, 5);
    CHECK(journal.find("b")->affected == 5);
    auto finished = journal.finish(r.owner, entry("b", 5));
    REQUIRE(finished.appended);
    CHECK_FALSE(journal.find("b"));
    CHECK(!state.anonymisation_key().empty());
    // Holds wrote entries too: 3 + 2 holds + 1 pass.
    CHECK(trail.verify().rows == 6);
    CHECK(trail.verify().intact);
  }
  // Opened again (a second host, a restart): the schema is there, nothing is migrated twice.
  StateFile again(db.state_config(), /*writable=*/true);
  CHECK(AuditTrail(again.db()).verify().rows == 6);
  CHECK(db.integer("SELECT count(*) FROM retentiond_schema") == 1);
}

namespace {

// A state as retentiond wrote it before schema 8 (no notices in the audit trail).
void make_schema_7(const PgDatabase& db) {
  { StateFile create(db.state_config(), true); }
  db.exec("DROP TABLE audit_notices; UPDATE retentiond_schema SET version = 7;");
}

// A state as retentiond wrote it before schema 7 (nothing about other stores' removals, nor
// the time a pass under way has waited).
void make_schema_6(const PgDatabase& db) {
  make_schema_7(db);
  db.exec(
      "ALTER TABLE pass_in_progress DROP COLUMN waited, DROP COLUMN also_stores, DROP COLUMN "
      "also_pending; DROP TABLE audit_also_stores; UPDATE retentiond_schema SET version = 6;");
}

// A state as retentiond wrote it before schema 6 (no partitions for passes in progress).
void make_schema_5(const PgDatabase& db) {
  make_schema_6(db);
  db.exec(
      "ALTER TABLE pass_in_progress DROP COLUMN partitions; UPDATE retentiond_schema SET version "
      "= 5;");
}

}  // namespace

TEST_CASE("a PostgreSQL state of schema 5 gains the partitions of passes in progress",
          "[state][postgresql]") {
  PgDatabase db;
  make_schema_5(db);
  {
    // Read-only (history, status): no migration, and the passes in progress still read.
    StateFile reader(db.state_config(), /*writable=*/false);
    CHECK(PassJournal(reader).list().empty());
  }
  StateFile state(db.state_config(), /*writable=*/true);
  CHECK(db.integer("SELECT version FROM retentiond_schema") == 8);
  PassJournal journal(state);
  PassRecord r;
  r.policy = "p";
  r.owner = new_owner_token();
  journal.begin(r);
  RecordUpdate change;
  change.partitions = R"([{"name":"x"}])";
  journal.batch_done("p", r.owner, 7, change);
  CHECK(journal.find("p")->partitions == R"([{"name":"x"}])");
  CHECK(journal.find("p")->affected == 7);
}

TEST_CASE("a PostgreSQL state of schema 6 gains other stores' removals and the time waited",
          "[state][postgresql][also]") {
  PgDatabase db;
  make_schema_6(db);
  {
    // Read-only (history, status): no migration, and the passes and the trail still read.
    StateFile reader(db.state_config(), /*writable=*/false);
    CHECK_FALSE(reader.schema_problem());
    CHECK(PassJournal(reader).list().empty());
    CHECK(AuditTrail(reader.db()).list({}, std::nullopt).empty());
  }
  StateFile state(db.state_config(), /*writable=*/true);
  CHECK(db.integer("SELECT version FROM retentiond_schema") == 8);
  PassJournal journal(state);
  PassRecord r;
  r.policy = "p";
  r.owner = new_owner_token();
  r.waited = 2;
  journal.begin(r);
  CHECK(journal.find("p")->waited == 2);
  RecordUpdate waited;
  waited.waited = 9;
  journal.update("p", r.owner, waited);
  CHECK(journal.find("p")->waited == 9);
  // Only the owner's record is written.
  CHECK_THROWS_WITH(journal.update("p", "someone-else", waited), Catch::Contains("not this"));
  RecordUpdate removed;
  removed.also_stores = R"([{"store":"lists","removed":3}])";
  journal.batch_done("p", r.owner, 7, removed);
  auto record = journal.find("p");
  CHECK(record->also_stores == R"([{"store":"lists","removed":3}])");
  CHECK(record->waited == 9);
  AuditEntry e = entry("p", 7);
  e.also_stores = record->also_stores;
  e.waited = record->waited;
  auto appended = journal.finish(r.owner, e);
  REQUIRE(appended.appended);
  auto rows = AuditTrail(state.db()).list({}, std::nullopt);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].also_stores == R"([{"store":"lists","removed":3}])");
  CHECK(rows[0].waited == 9);
  CHECK(AuditTrail(state.db()).verify().intact);
}

TEST_CASE("a PostgreSQL state of schema 5 whose user may not alter it says what to run",
          "[state][postgresql]") {
  PgDatabase db;
  make_schema_5(db);
  // A user that reads and writes retentiond's tables but does not own them.
  PgRole role(db, "_writer");
  role.grant_table_writer();
  auto as_writer = db.state_config();
  as_writer.options.at("dsn").value = role.dsn();
  CHECK_THROWS_WITH(
      StateFile(as_writer, /*writable=*/true),
      Catch::Contains("schema 5") && Catch::Contains("may not alter") &&
          Catch::Contains("ALTER TABLE pass_in_progress ADD COLUMN IF NOT EXISTS partitions TEXT "
                          "NOT NULL DEFAULT ''") &&
          Catch::Contains("UPDATE retentiond_schema SET version = 8;"));
  CHECK(db.integer("SELECT version FROM retentiond_schema") == 5);  // nothing half-done
  // check says so before a pass fails on it.
  {
    StateFile reader(as_writer, /*writable=*/false);
    CHECK_THAT(reader.schema_problem().value_or(""),
               Catch::Contains("is of schema 5 and this retentiond needs 8"));
  }
  // Read-only opens (history, status) still work as that user.
  {
    StateFile reader(as_writer, /*writable=*/false);
    CHECK(PassJournal(reader).list().empty());
  }
  // Once the owner has migrated it, that user writes the state (no DDL on a current schema).
  { StateFile owner(db.state_config(), /*writable=*/true); }
  StateFile writer(as_writer, /*writable=*/true);
  PassJournal journal(writer);
  PassRecord r;
  r.policy = "p";
  r.owner = new_owner_token();
  journal.begin(r);
  CHECK(journal.find("p"));
}

TEST_CASE("hosts appending to the PostgreSQL state at once never fork its chain",
          "[state][postgresql]") {
  PgDatabase db;
  { StateFile create(db.state_config(), true); }
  std::vector<std::thread> hosts;
  for (int h = 0; h < 4; ++h)
    hosts.emplace_back([&, h] {
      StateFile state(db.state_config(), true);
      AuditTrail trail(state.db());
      for (int i = 0; i < 25; ++i) trail.append(entry("p" + std::to_string(h), i));
    });
  for (auto& t : hosts) t.join();
  StateFile state(db.state_config(), false);
  auto v = AuditTrail(state.db()).verify();
  CHECK(v.intact);
  CHECK(v.rows == 100);
}

TEST_CASE("a lease in the PostgreSQL state is held by one session until it ends",
          "[state][postgresql]") {
  PgDatabase db;
  StateFile one(db.state_config(), true);
  StateFile two(db.state_config(), true);
  CHECK(PassLock::held(two, "p") == false);
  auto lease = PassLock::try_acquire(one, "p");
  REQUIRE(lease);
  CHECK(lease->still_held());
  CHECK_FALSE(PassLock::try_acquire(two, "p"));
  CHECK(PassLock::held(two, "p") == true);
  CHECK(PassLock::try_acquire(two, "q"));  // another policy's lease is another key
  // The server ends the lease's session (as when its host dies): the lease goes with it. Only
  // this test's database: other tests running alongside hold leases of their own.
  db.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
      "AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = "
      "current_database())");
  for (int i = 0; i < 50 && PassLock::held(two, "p") != false; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(PassLock::held(two, "p") == false);
  CHECK_FALSE(lease->still_held());
  CHECK(PassLock::try_acquire(two, "p"));
}

TEST_CASE("the PostgreSQL state survives a lost session between transactions",
          "[state][postgresql]") {
  PgDatabase db;
  StateFile state(db.state_config(), true);
  AuditTrail trail(state.db());
  trail.append(entry("a", 1));
  db.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
      "AND pid <> pg_backend_pid()");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  trail.append(entry("a", 2));  // reconnects at BEGIN
  CHECK(trail.verify().rows == 2);
}

TEST_CASE("a PostgreSQL state user without grants is refused, never shown an empty trail",
          "[state][postgresql]") {
  // information_schema hides the tables a user has no privilege on: the state looked empty
  // ("no pass recorded", history --verify exit 0). The catalog shows them, and reading them is
  // refused by the server.
  PgDatabase db;
  {
    StateFile state(db.state_config(), /*writable=*/true);
    AuditTrail(state.db()).append(entry("p", 3));
  }
  PgRole nobody(db, "_nobody");
  auto as_nobody = db.state_config();
  as_nobody.options.at("dsn").value = nobody.dsn();
  StateFile reader(as_nobody, /*writable=*/false);
  CHECK(reader.has_table("audit"));
  CHECK(reader.has_column("audit", "host"));
  CHECK_THROWS_WITH(AuditTrail(reader.db()).list({}, std::nullopt),
                    Catch::Contains("permission denied"));
  // check names it.
  CHECK_THAT(reader.schema_problem().value_or(""),
             Catch::Contains("its user may not read retentiond's tables"));
}

TEST_CASE("a PostgreSQL state migrated by hand in part migrates the rest", "[state][postgresql]") {
  // An owner who ran the statements retentiond printed, but not the version's update (or only
  // some of them): the next writable open finishes the migration instead of failing on them.
  PgDatabase db;
  make_schema_5(db);
  db.exec(
      "ALTER TABLE pass_in_progress ADD COLUMN IF NOT EXISTS partitions TEXT NOT NULL DEFAULT '', "
      "ADD COLUMN IF NOT EXISTS waited BIGINT NOT NULL DEFAULT 0");
  StateFile state(db.state_config(), /*writable=*/true);
  CHECK(db.integer("SELECT version FROM retentiond_schema") == 8);
  CHECK(state.has_table("audit_also_stores"));
  CHECK(state.has_column("pass_in_progress", "also_stores"));
}

TEST_CASE("a PostgreSQL state of schema 7 gains the notices of the audit trail",
          "[state][postgresql][notify]") {
  PgDatabase db;
  make_schema_7(db);
  {
    StateFile state(db.state_config(), /*writable=*/false);
    CHECK_FALSE(state.schema_problem());
    CHECK(AuditTrail(state.db()).list({}, std::nullopt).empty());  // read without the table
  }
  // A user that only writes the tables is told what the owner must run.
  PgRole writer(db, "_writer");
  writer.grant_table_writer();
  auto as_writer = db.state_config();
  as_writer.options.at("dsn").value = writer.dsn();
  CHECK_THROWS_WITH(StateFile(as_writer, /*writable=*/true),
                    Catch::Contains("schema 7") &&
                        Catch::Contains("CREATE TABLE IF NOT EXISTS audit_notices") &&
                        Catch::Contains("UPDATE retentiond_schema SET version = 8;"));
  CHECK(db.integer("SELECT version FROM retentiond_schema") == 7);
  {
    StateFile state(db.state_config(), /*writable=*/true);
    CHECK(db.integer("SELECT version FROM retentiond_schema") == 8);
    AuditEntry e = entry("p", 0);
    e.notices = R"({"failed":0,"no_address":0,"sent":2})";
    AuditTrail(state.db()).append(e);
    CHECK(AuditTrail(state.db()).list({}, std::nullopt).at(0).notices == e.notices);
    CHECK(AuditTrail(state.db()).verify().intact);
  }
  // The table is the owner's: the writer now lacks its grant, and is told which.
  StateFile reader(as_writer, /*writable=*/false);
  CHECK_THAT(reader.schema_problem().value_or(""),
             Catch::Contains("SELECT, INSERT on audit_notices"));
}

TEST_CASE("a pass another host recorded as interrupted is not counted twice when it ends",
          "[state][postgresql]") {
  // Host A's pass loses its lease (its state session gone, a paused VM); host B finds its row,
  // records it as interrupted after the 5 records it shows, and goes on. When A wakes up and ends
  // its pass, the trail gets only what A changed beyond those 5: nothing if it changed no more,
  // else the rest, so that the trail sums to what the store lost.
  PgDatabase db;
  StateFile state(db.state_config(), /*writable=*/true);
  PassJournal journal(state);
  AuditTrail trail(state.db());
  auto take_over = [&](const std::string& policy, long long done) {
    PassRecord r;
    static_cast<PassFigures&>(r) = entry(policy, 0);
    r.owner = new_owner_token();
    journal.begin(r);
    journal.batch_done(policy, r.owner, done);
    auto dead = journal.find(policy);
    REQUIRE(dead);
    AuditEntry interrupted = entry(policy, done);
    interrupted.outcome = "interrupted";
    interrupted.error_class = "interrupted";
    interrupted.host = owner_host(dead->owner);
    interrupted.finished = dead->updated;
    journal.close_dead(*dead, interrupted);
    return r.owner;
  };

  const std::string a = take_over("p", 5);
  auto ended = journal.finish(a, entry("p", 5));
  CHECK_FALSE(ended.appended);
  REQUIRE(ended.recorded_by_another);
  CHECK(*ended.recorded_by_another == 5);
  auto rows = trail.list({"p"}, std::nullopt);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].outcome == "interrupted");

  const std::string q = take_over("q", 5);
  AuditEntry more = entry("q", 8);
  more.outcome = "failed";
  more.error_class = "io";
  ended = journal.finish(q, more);
  REQUIRE(ended.appended);
  CHECK(ended.appended->affected == 3);
  rows = trail.list({"q"}, std::nullopt);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].affected + rows[1].affected == 8);
  CHECK(trail.verify().intact);

  // A pass whose row is still its own records its whole count, as ever.
  PassRecord r;
  static_cast<PassFigures&>(r) = entry("s", 0);
  r.owner = new_owner_token();
  journal.begin(r);
  journal.batch_done("s", r.owner, 4);
  ended = journal.finish(r.owner, entry("s", 4));
  REQUIRE(ended.appended);
  CHECK(ended.appended->affected == 4);
  CHECK_FALSE(ended.recorded_by_another);
}
