// Runs passes for a list of policies, opening each store once (in the order the policies come)
// and reusing its connection. Shared by `plan` and `enforce`.
#pragma once

#include <vector>

#include "connectors/connector.h"
#include "daemon/pass.h"
#include "policies/policy.h"

namespace retentiond::daemon {

std::vector<PassOutcome> run_policies(const policies::Config& config,
                                      const std::vector<const policies::Policy*>& selected,
                                      PassRunner& runner, const PassOptions& options);

}  // namespace retentiond::daemon
