#include "support/fault_scenario.h"

#include <signal.h>

#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "support/child.h"
#include "support/run.h"
#include "support/sqlite_file.h"

namespace retentiond::testing {

const char* const kFaultAt = "2028-03-01T00:00:00Z";

std::string fault_config(const TempDir& dir, const FaultStore& store) {
  return dir.write("c.yaml",
                   "state: state.db\nstores:\n  app: " + store.store_yaml +
                       "\npolicies:\n  - name: p\n    store: app\n" + store.target_yaml +
                       "    expire_after: 1y\n    max_affected: 100%\n    batch_budget: 10ms\n");
}

long long audited(const TempDir& dir) {
  return sqlite_int(
      dir.file("state.db"),
      "SELECT coalesce(sum(affected), 0) FROM audit WHERE policy = 'p' AND action <> 'hold'");
}

void kill_at_random_moments(const TempDir& dir, const FaultStore& store, int kills, int per_round) {
  const std::string config = fault_config(dir, store);
  auto retentiond = [&](std::vector<std::string> args) {
    return run_on_config(config, std::move(args), dir.path());
  };
  const long long fresh = store.fresh_left();
  REQUIRE(fresh > 0);
  // How long a whole pass of one round takes here, now: kills land within it.
  store.add_expired(per_round);
  long long added = per_round;
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(retentiond({"enforce", "--at", kFaultAt}).exit_code == 0);
  const auto pass_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  REQUIRE(store.expired_left() == 0);
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay(0, static_cast<int>(pass_ms.count() * 9 / 10));
  int killed_mid_pass = 0;
  for (int round = 0; round < kills; ++round) {
    store.add_expired(per_round);
    added += per_round;
    const int after_ms = delay(random);
    INFO("round " << round << ", SIGKILL after " << after_ms << " ms");
    {
      Child pass({"enforce", "-c", config, "--at", kFaultAt}, dir.path(), dir.file("pass.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
      pass.signal(SIGKILL);
      pass.wait_exit();
      if (pass.killed_by_signal()) ++killed_mid_pass;
    }
    CHECK(store.fresh_left() == fresh);
    // A pass at a moment when nothing has expired changes nothing, but records the dead pass
    // with what the store says of its last batch.
    auto recovery = retentiond({"enforce", "--at", "2000-01-01T00:00:00Z"});
    INFO(recovery.err);
    REQUIRE(recovery.exit_code == 0);
    CHECK(audited(dir) == added - store.expired_left());
    auto verify = retentiond({"history", "--verify"});
    INFO(verify.out);
    CHECK(verify.exit_code == 0);
  }
  // Most kills must have landed while a pass ran, or the scenario proves little.
  CHECK(killed_mid_pass > kills / 2);
  auto last = retentiond({"enforce", "--at", kFaultAt});
  INFO(last.err);
  CHECK(last.exit_code == 0);
  CHECK(store.expired_left() == 0);
  CHECK(store.fresh_left() == fresh);
  CHECK(audited(dir) == added);
  CHECK(retentiond({"history", "--verify"}).exit_code == 0);
}

}  // namespace retentiond::testing
