// The Sympa kind of target: one of the fixed targets its store names (StoreSpec::targets), each
// with its own date (Basis::Kind::Target).
#include <algorithm>

#include "policies/policy_parser.h"

namespace retentiond::policies {
namespace {

void parse_sympa_target(const TargetInput& in, Policy& p) {
  collect(in.ctx.diags, [&] {
    const YamlField& f = in.required("sympa");
    p.sympa_target = in.map.text(f);
    p.sympa_target_location = f.value_location;
    const auto& targets = in.spec.targets;
    if (std::find(targets.begin(), targets.end(), p.sympa_target) != targets.end()) return;
    std::string list;
    for (auto t : targets) list += (list.empty() ? "" : ", ") + std::string(t);
    throw ConfigError(f.value_location,
                      "unknown Sympa target '" + p.sympa_target + "' (use one of: " + list + ")");
  });
}

}  // namespace

PolicyTarget sympa_target() {
  return PolicyTarget{"select a Sympa target with 'sympa:'", {"sympa"}, parse_sympa_target};
}

}  // namespace retentiond::policies
