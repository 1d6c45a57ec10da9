// What a pass tells its progress line: the time it reports leaves out the throttle's waits, so
// that the rate and the time left are the rows' own (a wait of minutes once showed as a crawl).
#include <chrono>
#include <vector>

#include <catch2/catch.hpp>

#include "connectors/registry.h"
#include "daemon/engine/pass.h"
#include "daemon/state/state.h"
#include "policies/config_loader.h"
#include "support/holding_probe.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond;
using namespace std::chrono_literals;
using retentiond::testing::TempDir;

TEST_CASE("the progress of a pass leaves out the time it waited for the throttle", "[pass]") {
  TempDir dir;
  std::string rows = "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);";
  for (int i = 1; i <= 20; ++i)
    rows += "INSERT INTO t VALUES (" + std::to_string(i) + ", '2020-01-01');";
  testing::sqlite_exec(dir.file("app.db"), rows);
  auto loaded = policies::load_config(
      dir.write("c.yaml", "state: " + dir.file("state.db") +
                              "\nstores:\n  app: {type: sqlite, path: " + dir.file("app.db") +
                              "}\npolicies:\n  - {name: p, store: app, table: t, since: ts, "
                              "expire_after: 1y, max_affected: 100%}\n"),
      connectors::store_specs());
  REQUIRE(loaded.config);
  const policies::Config& config = *loaded.config;
  daemon::StateFile state(config, /*writable=*/true);
  daemon::PassRunner runner(&state);
  testing::HoldingProbe probe(2);  // two readings over the limit: about two seconds of waiting
  daemon::PassOptions options;
  options.dry_run = false;
  options.now = *policies::parse_timestamp("2028-03-01T00:00:00Z");
  options.first_batch = 5;
  options.max_batch = 5;
  options.throttle = &probe;
  std::vector<std::chrono::steady_clock::duration> reported;
  options.on_progress = [&](const daemon::Progress& p) { reported.push_back(p.elapsed); };
  auto connector = connectors::make_connector(*config.store("app"), {runner.sightings()});
  REQUIRE(connector->open(connectors::AccessMode::ReadWrite));
  const auto started = std::chrono::steady_clock::now();
  const daemon::PassOutcome outcome = runner.run(config.policies[0], *connector, options);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(outcome.status == daemon::PassStatus::Ok);
  CHECK(outcome.affected == 20);
  CHECK(outcome.throttle_waited >= 1.5);
  CHECK(took >= 1500ms);
  REQUIRE(reported.size() == 4);
  // Twenty rows in four batches take milliseconds; the seconds waited are not in the figure.
  CHECK(reported.back() < took - 1500ms);
  CHECK(reported.back() < 1s);
}
