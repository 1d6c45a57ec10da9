// What a pass says when it ends early after taking whole partitions: their rows are the
// statistics' estimate, so its count is "about" N, as the report's total is (PostgreSQL; the
// MariaDB estimate goes the same way through the same words).
#include <atomic>
#include <chrono>

#include <catch2/catch.hpp>

#include "connectors/registry.h"
#include "daemon/engine/pass.h"
#include "daemon/state/state.h"
#include "policies/config_loader.h"
#include "support/pg_server.h"
#include "support/temp_dir.h"

using namespace retentiond;
using namespace std::chrono_literals;
using retentiond::testing::PgDatabase;
using retentiond::testing::TempDir;

namespace {

// Lets the pass go until `armed`, then holds it back for good.
struct HoldOnceArmed : connectors::ThrottleProbe {
  bool armed = false;
  std::vector<connectors::ThrottleHold> holds() override {
    if (!armed) return {};
    return {{"replica-lag", "replica r1 is 9 s behind (limit 5 s)"}};
  }
  std::vector<connectors::ThrottleProblem> check() override { return {}; }
  std::string describe() const override { return "test"; }
};

// A month of 60,000 rows (estimated when it goes whole) and a boundary month batched in rows.
void make_table(const PgDatabase& db) {
  db.exec(R"sql(
CREATE TABLE access_log (ts timestamp, path text NOT NULL) PARTITION BY RANGE (ts);
CREATE TABLE access_log_2027_10 PARTITION OF access_log FOR VALUES FROM ('2027-10-01') TO ('2027-11-01');
CREATE TABLE access_log_2027_11 PARTITION OF access_log FOR VALUES FROM ('2027-11-01') TO ('2027-12-01');
BEGIN;
INSERT INTO access_log SELECT '2027-10-01'::timestamp + i * interval '40 seconds', '/' FROM generate_series(0, 59999) i;
INSERT INTO access_log SELECT ts, '/' FROM generate_series('2027-11-01'::timestamp, '2027-11-30 23:00', interval '1 hour') ts;
COMMIT;
ANALYZE access_log;
)sql");
}

struct Interrupted {
  PgDatabase db;
  TempDir dir;
  std::optional<policies::Config> config;
  Interrupted() {
    make_table(db);
    auto loaded = policies::load_config(
        dir.write("c.yaml", "state: " + dir.file("state.db") +
                                "\nstores:\n  pg: " + db.store_yaml() +
                                "\npolicies:\n  - {name: logs, store: pg, table: access_log, "
                                "since: ts, expire_after: 1y, partitions: drop, max_affected: "
                                "100%}\n"),
        connectors::store_specs());
    REQUIRE(loaded.config);
    config = *loaded.config;
  }
  daemon::PassOutcome run(daemon::PassOptions options) {
    daemon::StateFile state(*config, /*writable=*/true);
    daemon::PassRunner runner(&state);
    options.dry_run = false;
    options.now = *policies::parse_timestamp("2028-11-15T00:00:00Z");  // cut-off 2027-11-15
    auto connector = connectors::make_connector(*config->store("pg"), {runner.sightings()});
    REQUIRE(connector->open(connectors::AccessMode::ReadWrite));
    return runner.run(config->policies[0], *connector, options);
  }
};

}  // namespace

TEST_CASE("a pass that waited too long after a whole partition says 'about' its rows",
          "[pass][partitions][postgresql][throttle]") {
  Interrupted t;
  HoldOnceArmed probe;
  daemon::PassOptions options;
  options.throttle = &probe;
  options.throttle_max_wait = 1s;
  options.on_progress = [&](const daemon::Progress&) { probe.armed = true; };
  const auto o = t.run(options);
  REQUIRE(o.status == daemon::PassStatus::Interrupted);
  REQUIRE(o.partitions_done.size() == 1);
  CHECK(o.partitions_done[0].estimated);
  REQUIRE(o.error);
  INFO(o.error->message);
  CHECK(o.error->message.find("interrupted after about " + policies::with_thousands(o.affected) +
                              " rows") != std::string::npos);
  CHECK(t.db.integer("SELECT count(*) FROM access_log") == 720);  // the boundary untouched
}

TEST_CASE("a pass stopped by a signal after a whole partition says 'about' its rows",
          "[pass][partitions][postgresql]") {
  Interrupted t;
  std::atomic<bool> stop{false};
  daemon::PassOptions options;
  options.stop = &stop;
  options.on_progress = [&](const daemon::Progress&) { stop = true; };
  const auto o = t.run(options);
  REQUIRE(o.status == daemon::PassStatus::Interrupted);
  REQUIRE(o.partitions_done.size() == 1);
  REQUIRE(o.error);
  INFO(o.error->message);
  CHECK(o.error->message.find("stopped by a signal after about " +
                              policies::with_thousands(o.affected) + " rows") != std::string::npos);
}
