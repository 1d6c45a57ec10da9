#include "daemon/commands/prologue.h"

#include <algorithm>
#include <iostream>

#include "connectors/specs.h"
#include "daemon/commands/cli.h"
#include "daemon/state/state.h"
#include "policies/config_loader.h"
#include "policies/printable.h"

namespace retentiond::daemon {

void add_config_option(po::options_description& options, std::string& path, const char* help) {
  options.add_options()("config,c", po::value(&path)->default_value(policies::kDefaultConfigPath),
                        help);
}

void add_policy_option(po::options_description& options, std::vector<std::string>& names,
                       const char* help) {
  options.add_options()("policy", po::value(&names)->composing(), help);
}

std::optional<policies::Config> load_and_report(const std::string& path) {
  auto result = policies::load_config(path, connectors::store_specs());
  for (const auto& d : result.diagnostics.all()) std::cerr << d.str() << "\n";
  if (!result.config) {
    size_t n = result.diagnostics.errors().size();
    std::cerr << policies::printable(path) << ": " << n << (n == 1 ? " error" : " errors")
              << " in the configuration; nothing was done\n";
  }
  return std::move(result.config);
}

std::optional<int> select_policies(const std::string& command, const policies::Config& config,
                                   const std::vector<std::string>& names,
                                   std::vector<const policies::Policy*>& selected) {
  for (const auto& name : names) {
    if (config.policy(name)) continue;
    std::string known;
    for (const auto& p : config.policies) known += (known.empty() ? "" : ", ") + p.name;
    return usage_failure(
        command, "no policy named '" + name + "' in " + config.file +
                     (known.empty() ? " (it declares none)" : " (policies: " + known + ")"));
  }
  selected.clear();
  for (const auto& p : config.policies)
    if (names.empty() || std::find(names.begin(), names.end(), p.name) != names.end())
      selected.push_back(&p);
  return std::nullopt;
}

std::optional<int> load_selection(const std::string& command, const std::string& config_path,
                                  const std::vector<std::string>& names, Selection& selection) {
  auto config = load_and_report(config_path);
  if (!config) return kExitFailure;
  selection.config = std::move(*config);
  return select_policies(command, selection.config, names, selection.policies);
}

}  // namespace retentiond::daemon
