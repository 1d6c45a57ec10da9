// Issue 22: a SQLite state moved into PostgreSQL keeps its chain verifiable (the same entries,
// the same head), its holds and notices; a PostgreSQL state that is not empty is refused.
#include "daemon/state/state_migration.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/engine/notices.h"
#include "daemon/state/audit.h"
#include "daemon/state/holds.h"
#include "support/pg_server.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::daemon;
using namespace retentiond::testing;
using retentiond::policies::parse_timestamp;

namespace {

// A state file with `n` audit entries (a few with partitions), a hold and a notice; its path.
std::string filled_state(const TempDir& dir, int n) {
  const std::string path = dir.file("state.db");
  StateFile state(path, true);
  AuditTrail trail(state.db());
  for (int i = 1; i <= n; ++i) {
    AuditEntry e;
    e.policy = i % 3 ? "logs" : "accounts";
    e.store = "app";
    e.action = "delete";
    e.cutoff = *parse_timestamp("2026-01-01T00:00:00Z");
    e.matched = e.affected = i;
    e.started = *parse_timestamp("2027-01-01T03:15:00Z");
    e.finished = *parse_timestamp("2027-01-01T03:15:02Z");
    e.outcome = "ok";
    if (i % 50 == 0) e.partitions = R"([{"action":"drop","name":"p1","bounds":"","rows":3}])";
    if (i % 70 == 0) e.also_stores = R"([{"store":"lists","removed":2}])";
    if (i % 10 == 0) e.waited = i;
    trail.append(e);
  }
  Holds(state).add(
      {"accounts", "42", "court order", *parse_timestamp("2027-01-01T00:00:00Z"), std::nullopt},
      "app");
  NoticeBook(&state, state.anonymisation_key())
      .record("accounts", "h1", {100, *parse_timestamp("2027-01-01T00:00:00Z")});
  return path;
}

}  // namespace

TEST_CASE("issue 22: a state file of a few hundred entries migrates and verifies in PostgreSQL",
          "[state][postgresql]") {
  TempDir dir;
  PgDatabase db;
  const std::string path = filled_state(dir, 300);
  StateFile from(path, false);
  const auto before = AuditTrail(from.db()).verify();
  REQUIRE(before.intact);
  {
    StateFile to(db.state_config(), true);
    const auto r = migrate_state(from, to);
    CHECK(r.entries == 301);  // 300 passes and the hold's entry
    CHECK(r.head == before.head);
  }
  StateFile to(db.state_config(), true);
  const auto after = AuditTrail(to.db()).verify();
  CHECK(after.intact);
  CHECK(after.rows == 301);
  CHECK(after.head == before.head);
  CHECK(Holds(to).list({}).size() == 1);
  CHECK(NoticeBook(&to, "").load("accounts").size() == 1);
  CHECK(to.anonymisation_key() == from.anonymisation_key());
  CHECK(AuditTrail(to.db()).list({}, std::nullopt).at(49).partitions ==
        AuditTrail(from.db()).list({}, std::nullopt).at(49).partitions);
  CHECK(AuditTrail(to.db()).list({}, std::nullopt).at(69).also_stores ==
        R"([{"store":"lists","removed":2}])");
  // The chain goes on in PostgreSQL from the file's head.
  AuditEntry next = AuditTrail(to.db()).list({}, std::nullopt).back();
  const auto appended = AuditTrail(to.db()).append(next);
  CHECK(appended.id == 302);
  CHECK(appended.prev_hash == before.head);
  CHECK(AuditTrail(to.db()).verify().intact);

  // Twice: the PostgreSQL state is not empty any more, and nothing is copied.
  try {
    migrate_state(from, to);
    FAIL("a second migration was accepted");
  } catch (const StateError& e) {
    CHECK(std::string(e.what()).find("already holds rows in its table 'audit'") !=
          std::string::npos);
  }
  CHECK(AuditTrail(to.db()).verify().rows == 302);
}

TEST_CASE("issue 22: state migrate, then history --verify on the PostgreSQL state",
          "[state][postgresql][cli]") {
  TempDir dir;
  PgDatabase db;
  filled_state(dir, 120);
  // The configuration already names the PostgreSQL state: --from names the old file.
  const std::string config =
      dir.write("r.yaml", "state: {type: postgresql, dsn: \"" + db.dsn() +
                              "\"}\nstores:\n  app: {type: sqlite, path: app.db}\npolicies: []\n");
  auto migrate = run_retentiond({"state", "migrate", "-c", config, "--from", dir.file("state.db")},
                                dir.path());
  INFO(migrate.out << migrate.err);
  REQUIRE(migrate.exit_code == 0);
  CHECK(migrate.out.find("The audit chain verifies there: 121 entries") != std::string::npos);
  auto verify = run_retentiond({"history", "-c", config, "--verify"}, dir.path());
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find("Audit chain intact: 121 entries verified") != std::string::npos);
  auto holds = run_retentiond({"hold", "list", "-c", config}, dir.path());
  CHECK(holds.out.find("accounts  key 42") != std::string::npos);
  // A broken file is not migrated.
  TempDir other;
  filled_state(other, 5);
  sqlite_exec(other.file("state.db"), "UPDATE audit SET affected = 999 WHERE id = 3");
  PgDatabase empty;
  auto refused = run_retentiond(
      {"state", "migrate", "--from", other.file("state.db"), "--to", empty.dsn()}, other.path());
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("is broken at entry 3") != std::string::npos);
}
