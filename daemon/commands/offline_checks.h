// What `check --offline` finds beyond loading the configuration, and what serve's reload checks
// too: key and password files a pass reads (hmac keys, the audit key, passwords), partition modes
// no basis allows, and delete policies that overlap. Nothing here reaches a store.
#pragma once

#include <vector>

#include "policies/diagnostics.h"
#include "policies/policy.h"

namespace retentiond::daemon {

// Appends to `diagnostics` what the checks find for `selected` (policies of `config`), and
// smtp's password file; the stores' and their throttle replicas' with `store_passwords` (online,
// `check` finds those when it connects).
void offline_checks(const policies::Config& config,
                    const std::vector<const policies::Policy*>& selected,
                    std::vector<policies::Diagnostic>& diagnostics, bool store_passwords);

}  // namespace retentiond::daemon
