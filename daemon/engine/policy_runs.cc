#include "daemon/engine/policy_runs.h"

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "connectors/registry.h"
#include "connectors/throttle.h"
#include "policies/planner.h"

namespace retentiond::daemon {
namespace {

// The outcome of a pass that could not be run or recorded; nothing is written to the state file.
PassOutcome not_run(const policies::Policy& policy, const PassOptions& options,
                    const std::string& why, const policies::Clock& clock) {
  return failed_outcome(policy, options, connectors::Error{connectors::ErrorKind::Io, why}, clock);
}

}  // namespace

std::vector<PassOutcome> run_policies(const policies::Config& config,
                                      const std::vector<const policies::Policy*>& selected,
                                      PassRunner& runner, const PassOptions& given) {
  PassOptions options = given;
  if (!options.policy_store)
    options.policy_store = [&config](const std::string& name) -> std::optional<std::string> {
      if (const policies::Policy* p = config.policy(name)) return p->store;
      return std::nullopt;
    };
  if (!options.configured_store)
    options.configured_store = [&config](const std::string& name) {
      return config.store(name) != nullptr;
    };
  struct OpenStore {
    std::unique_ptr<connectors::Connector> connector;
    std::unique_ptr<connectors::ThrottleProbe> throttle;  // when the store has a `throttle:` block
    std::optional<connectors::Error> error;
  };
  std::map<std::string, OpenStore> stores;
  const auto mode =
      options.dry_run ? connectors::AccessMode::ReadOnly : connectors::AccessMode::ReadWrite;
  // Each store is opened once, when a policy first needs it: its own, or one its `also:` names.
  auto store_named = [&](const std::string& name) -> OpenStore& {
    auto [it, fresh] = stores.try_emplace(name);
    OpenStore& store = it->second;
    if (fresh) {
      const policies::StoreConfig* sc = config.store(name);
      store.connector = connectors::make_connector(*sc, {runner.sightings()});
      store.throttle = connectors::make_throttle_probe(*sc);
      auto opened = store.connector->open(mode);
      if (!opened) {
        store.error = opened.error();
        spdlog::error("{}; skipping its policies", opened.error().message);
      }
    }
    return store;
  };
  auto other_store = [&](const std::string& name) -> connectors::Result<connectors::Connector*> {
    OpenStore& store = store_named(name);
    if (store.error) return *store.error;
    return store.connector.get();
  };
  std::vector<PassOutcome> out;
  // Set when a pass threw: the state file cannot be written (a full disk...), so no other policy
  // may act, since nothing it did could be audited.
  std::optional<std::string> broken;
  for (const policies::Policy* policy : selected) {
    if (broken) {
      out.push_back(not_run(*policy, options, "not started: " + *broken, runner.clock()));
      continue;
    }
    // Before its store is opened: a policy another process is enforcing is refused as such.
    if (!(options.stop && options.stop->load()))
      if (auto refused = runner.claim(*policy, options)) {
        out.push_back(*refused);
        continue;
      }
    OpenStore& store = store_named(policy->store);
    try {
      if (options.stop && options.stop->load()) {
        const connectors::Error stopped{connectors::ErrorKind::Interrupted,
                                        "not started: stopped by a signal"};
        // With a state several hosts share, a run this host did not start is another host's
        // to make, and nothing happened: not audited, like a run another host already made.
        out.push_back(runner.shares_state()
                          ? failed_outcome(*policy, options, stopped, runner.clock())
                          : runner.failed_before_start(*policy, options, stopped));
        continue;
      }
      if (store.error) {
        out.push_back(runner.failed_before_start(*policy, options, *store.error));
        continue;
      }
      PassOptions with_throttle = options;
      with_throttle.other_store = other_store;
      with_throttle.throttle = store.throttle.get();
      if (const auto& t = config.store(policy->store)->throttle) {
        with_throttle.throttle_max_wait = t->max_wait;
        with_throttle.nice_ratio = t->nice_ratio;
      }
      out.push_back(runner.run(*policy, *store.connector, with_throttle));
    } catch (const std::exception& e) {
      spdlog::critical("policy '{}': {}; the pass stopped, and the policies after it are not run",
                       policy->name, e.what());
      out.push_back(not_run(*policy, options,
                            std::string(e.what()) + "; the pass stopped; the next pass records "
                                                    "what it had already done",
                            runner.clock()));
      broken = e.what();
    }
  }
  return out;
}

}  // namespace retentiond::daemon
