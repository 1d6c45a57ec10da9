#include "daemon/policy_runs.h"

#include <map>
#include <memory>

#include <spdlog/spdlog.h>

#include "connectors/registry.h"

namespace retentiond::daemon {

std::vector<PassOutcome> run_policies(const policies::Config& config,
                                      const std::vector<const policies::Policy*>& selected,
                                      PassRunner& runner, const PassOptions& options) {
  struct OpenStore {
    std::unique_ptr<connectors::Connector> connector;
    std::optional<connectors::Error> error;
  };
  std::map<std::string, OpenStore> stores;
  const auto mode = options.dry_run ? connectors::AccessMode::ReadOnly
                                    : connectors::AccessMode::ReadWrite;
  std::vector<PassOutcome> out;
  for (const policies::Policy* policy : selected) {
    // Before its store is opened: a policy another process is enforcing is refused as such.
    if (!(options.stop && options.stop->load()))
      if (auto refused = runner.claim(*policy, options)) {
        out.push_back(*refused);
        continue;
      }
    auto [it, fresh] = stores.try_emplace(policy->store);
    OpenStore& store = it->second;
    if (fresh) {
      const policies::StoreConfig* sc = config.store(policy->store);
      store.connector = connectors::make_connector(*sc);
      auto opened = store.connector->open(mode);
      if (!opened) {
        store.error = opened.error();
        spdlog::error("{}; skipping its policies", opened.error().message);
      }
    }
    if (options.stop && options.stop->load()) {
      out.push_back(runner.failed_before_start(
          *policy, options,
          connectors::Error{connectors::ErrorKind::Interrupted,
                            "not started: stopped by a signal"}));
      continue;
    }
    if (store.error) {
      out.push_back(runner.failed_before_start(*policy, options, *store.error));
      continue;
    }
    out.push_back(runner.run(*policy, *store.connector, options));
  }
  return out;
}

}  // namespace retentiond::daemon
