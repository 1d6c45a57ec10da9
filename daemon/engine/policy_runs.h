// Runs passes for a list of policies, opening each store once (in the order the policies come)
// and reusing its connection. Shared by `plan` and `enforce`. A pass that throws (the state file
// cannot be written) comes back failed, with the error, and the policies after it are not run:
// the report still tells what happened.
#pragma once

#include <vector>

#include "connectors/connector.h"
#include "daemon/engine/pass.h"
#include "policies/policy.h"

namespace retentiond::daemon {

std::vector<PassOutcome> run_policies(const policies::Config& config,
                                      const std::vector<const policies::Policy*>& selected,
                                      PassRunner& runner, const PassOptions& options);

}  // namespace retentiond::daemon
