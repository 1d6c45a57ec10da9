// The pass runner's clock seam: a pass's start and end, in its outcome and in the audit trail,
// are the clock's it is given, not the machine's (the scheduler hands it its own clock). And what
// a run stopped before it starts leaves in the trail, alone and with a shared state.
#include <atomic>

#include <catch2/catch.hpp>

#include "connectors/registry.h"
#include "daemon/engine/policy_runs.h"
#include "daemon/engine/promise_status.h"
#include "daemon/state/audit.h"
#include "policies/config_loader.h"
#include "support/pg_server.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond;
using retentiond::testing::TempDir;

namespace {

struct FixedClock : policies::Clock {
  policies::TimePoint at;
  explicit FixedClock(policies::TimePoint t) : at(t) {}
  policies::TimePoint now() const override { return at; }
};

}  // namespace

TEST_CASE("a pass is stamped by the runner's clock, in its outcome and its audit row", "[pass]") {
  TempDir dir;
  testing::sqlite_exec(dir.file("app.db"),
                       "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);"
                       "INSERT INTO t VALUES (1, '2020-01-01'), (2, '2030-01-01');");
  auto loaded = policies::load_config(
      dir.write(
          "c.yaml",
          "state: " + dir.file("state.db") +
              "\nstores:\n  app: {type: sqlite, path: " + dir.file("app.db") +
              "}\npolicies:\n  - {name: p, store: app, table: t, since: ts, expire_after: 1y, "
              "max_affected: 100%}\n"),
      connectors::store_specs());
  REQUIRE(loaded.config);
  const policies::Config& config = *loaded.config;
  const FixedClock clock(*policies::parse_timestamp("2031-05-06T07:08:09Z"));
  daemon::StateFile state(config, /*writable=*/true);
  daemon::PassRunner runner(&state, /*record=*/true, clock);
  daemon::PassOptions options;
  options.dry_run = false;
  options.now = *policies::parse_timestamp("2028-03-01T00:00:00Z");
  auto outcomes = daemon::run_policies(config, {&config.policies[0]}, runner, options);
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].status == daemon::PassStatus::Ok);
  CHECK(outcomes[0].affected == 1);
  CHECK(outcomes[0].started == clock.at);
  CHECK(outcomes[0].finished == clock.at);
  auto rows = daemon::AuditTrail(state.db()).list({"p"}, std::nullopt);
  REQUIRE(rows.size() == 1);
  CHECK(policies::format_timestamp(rows[0].started) == "2031-05-06T07:08:09Z");
  CHECK(policies::format_timestamp(rows[0].finished) == "2031-05-06T07:08:09Z");
  CHECK(policies::format_timestamp(rows[0].cutoff) == "2027-03-01T00:00:00Z");
}

TEST_CASE("a run stopped before it starts is audited with a state of its own, not a shared one",
          "[pass][postgresql]") {
  // With a state several hosts share, the run this host did not start is another host's to
  // make: nothing happened, so nothing is audited (a skipped run is not either). Alone, the
  // trail says the due run was not made.
  const bool shared = GENERATE(false, true);
  INFO("shared state: " << shared);
  TempDir dir;
  testing::PgDatabase state_db;
  testing::sqlite_exec(dir.file("app.db"),
                       "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);"
                       "INSERT INTO t VALUES (1, '2020-01-01');");
  const std::string state =
      shared ? "{type: postgresql, dsn: \"" + state_db.dsn() + "\"}" : dir.file("state.db");
  auto loaded = policies::load_config(
      dir.write("c.yaml", "state: " + state +
                              "\nstores:\n  app: {type: sqlite, path: " + dir.file("app.db") +
                              "}\npolicies:\n  - {name: p, store: app, table: t, since: ts, "
                              "expire_after: 1y, max_affected: 100%}\n"),
      connectors::store_specs());
  REQUIRE(loaded.config);
  const policies::Config& config = *loaded.config;
  daemon::StateFile state_file(config, /*writable=*/true);
  daemon::PassRunner runner(&state_file);
  std::atomic<bool> stop{true};
  daemon::PassOptions options;
  options.dry_run = false;
  options.now = *policies::parse_timestamp("2028-03-01T00:00:00Z");
  options.stop = &stop;
  auto outcomes = daemon::run_policies(config, {&config.policies[0]}, runner, options);
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].status == daemon::PassStatus::Interrupted);
  CHECK(outcomes[0].affected == 0);
  CHECK(daemon::AuditTrail(state_file.db()).list({"p"}, std::nullopt).size() == (shared ? 0 : 1));
  CHECK(testing::sqlite_int(dir.file("app.db"), "SELECT count(*) FROM t") == 1);
}

TEST_CASE(
    "hosts sharing a state whose configurations give a policy other stores: said, not "
    "skipped",
    "[pass][postgresql][shared]") {
  // Another host ran policy p in this run's window; whether that run counts as this host's
  // depends on its being the same promise: the same store and action, or a configuration error.
  // 0: the same promise; 1: on another store; 2: the same store, as a dry run.
  const int other = GENERATE(0, 1, 2);
  INFO("the other host's run: " << other);
  const bool same_store = other != 1;
  TempDir dir;
  testing::PgDatabase state_db;
  testing::sqlite_exec(dir.file("app.db"),
                       "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);"
                       "INSERT INTO t VALUES (1, '2020-01-01');");
  auto loaded = policies::load_config(
      dir.write("c.yaml", "state: {type: postgresql, dsn: \"" + state_db.dsn() +
                              "\"}\nstores:\n  app: {type: sqlite, path: " + dir.file("app.db") +
                              "}\npolicies:\n  - {name: p, store: app, table: t, since: ts, "
                              "expire_after: 1y, max_affected: 100%}\n"),
      connectors::store_specs());
  REQUIRE(loaded.config);
  const policies::Config& config = *loaded.config;
  daemon::StateFile state_file(config, /*writable=*/true);
  const auto now = policies::now_utc();
  {
    daemon::AuditEntry e;
    e.policy = "p";
    e.store = same_store ? "app" : "local";
    e.action = "delete";
    e.host = "hostC";
    e.started = e.finished = now - std::chrono::seconds(5);
    e.cutoff = e.started - std::chrono::hours(24 * 365);
    e.outcome = other == 2 ? "dry-run" : "ok";
    daemon::AuditTrail(state_file.db()).append(e);
  }
  daemon::PassRunner runner(&state_file);
  daemon::PassOptions options;
  options.dry_run = false;
  options.now = now;
  options.done_since = now - std::chrono::seconds(60);
  auto outcomes = daemon::run_policies(config, {&config.policies[0]}, runner, options);
  REQUIRE(outcomes.size() == 1);
  CHECK(testing::sqlite_int(dir.file("app.db"), "SELECT count(*) FROM t") == 1);
  const auto trail = daemon::AuditTrail(state_file.db()).list({"p"}, std::nullopt);
  if (other == 0) {
    CHECK(outcomes[0].status == daemon::PassStatus::Refused);  // the run was made: skipped
    CHECK(trail.size() == 1);
  } else if (other == 2) {
    CHECK(outcomes[0].status == daemon::PassStatus::Failed);
    REQUIRE(outcomes[0].error);
    CHECK(outcomes[0].error->message.find("as a dry run ('dry_run: true' in its configuration), "
                                          "but this configuration enforces policy 'p'") !=
          std::string::npos);
  } else {
    CHECK(outcomes[0].status == daemon::PassStatus::Failed);
    REQUIRE(outcomes[0].error);
    CHECK(outcomes[0].error->message ==
          "hostC, which shares this state, runs policy 'p' on store 'local' (action delete), but "
          "this configuration gives it store 'app' (action delete): hosts sharing a state must "
          "give each policy name the same store and rule (one name is one promise, one run, one "
          "set of holds); rename one of them");
    REQUIRE(trail.size() == 2);
    CHECK(trail.back().outcome == "failed");
    // Nor does status credit this store with hostC's pass on its own store, even with nothing
    // overdue here.
    testing::sqlite_exec(dir.file("app.db"), "DELETE FROM t");
    daemon::PassRunner planner(&state_file, /*record=*/false);
    const auto status =
        daemon::promise_status(config, config.policies[0], now, planner, &state_file);
    CHECK(status.last_outcome == "failed");
    CHECK_FALSE(status.promise_kept_at);
  }
}
