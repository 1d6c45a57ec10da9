// Whether a policy's promise is kept right now (`retentiond status`, and the daemon's overdue
// gauges): the records due (past their expiry), those overdue (past their expiry plus the
// lateness its deadline allows), the oldest overdue, and from the audit trail when the promise
// was last kept and whether passes still happen. Read-only: two plans and a read of the trail.
// With `notify:`, a record is due once its notice period has ended (sent at least `before`
// ago); one past its expiry (plus the lateness) whose notice never went out is overdue too.
#pragma once

#include <optional>
#include <string>

#include "daemon/engine/pass.h"
#include "policies/policy.h"
#include "policies/timestamp.h"

namespace retentiond::daemon {

class StateFile;

struct PolicyStatus {
  const policies::Policy* policy = nullptr;
  long long due = 0;
  long long overdue = 0;
  long long held = 0;
  // `notify:` policies: notices sent whose period still runs (those records are due for
  // nothing yet, and never overdue before the period ends); 0 for the others.
  long long notices_open = 0;
  std::optional<policies::TimePoint> oldest_overdue;
  // The end of the last pass that ended well and left nothing overdue (left_nothing_overdue).
  std::optional<policies::TimePoint> promise_kept_at;
  std::optional<policies::TimePoint> last_pass;
  std::string last_outcome;  // "" when no pass is recorded
  std::optional<policies::TimePoint> next_pass;
  bool stale = false;                // scheduled, but no pass within twice its longest gap
  std::optional<std::string> error;  // the store could not be read: the counts are unknown
  bool passes_unknown = false;       // the state could not be read: the passes are unknown too
};

// `policy`'s status at `now`; `runner` must not record (plans only); `state` may be null (no
// trail yet). Never throws for a store error: it goes in `error`.
PolicyStatus promise_status(const policies::Config& config, const policies::Policy& policy,
                            policies::TimePoint now, PassRunner& runner, StateFile* state);

}  // namespace retentiond::daemon
