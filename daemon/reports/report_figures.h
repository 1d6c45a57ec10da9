// What the HTML report shows of each policy beyond one pass: whether its promise is kept now
// (engine/promise_status.h), how old its records are and how many expire each coming month
// (engine/age_profile.h), and its last passes from the audit trail. Read-only; counts only.
#pragma once

#include <vector>

#include "daemon/engine/age_profile.h"
#include "daemon/engine/promise_status.h"
#include "daemon/state/audit.h"
#include "policies/policy.h"

namespace retentiond::daemon {

class StateFile;

struct PolicyFigures {
  const policies::Policy* policy = nullptr;
  PolicyStatus status;
  AgeProfile ages;
  std::vector<AuditEntry> last_passes;  // newest first, at most kLastPasses
};

inline constexpr size_t kLastPasses = 5;

// The figures of each of `selected` at `now`. `state` may be null (no trail, no hold yet).
// Never throws for a store error (it goes in the figures); throws for an unreadable state file.
std::vector<PolicyFigures> gather_figures(const policies::Config& config,
                                          const std::vector<const policies::Policy*>& selected,
                                          policies::TimePoint now, StateFile* state);

}  // namespace retentiond::daemon
