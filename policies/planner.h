// The decisions made before any store is touched: a policy's cut-off for a given moment, and the
// max_affected guard that refuses a pass touching far more than expected.
#pragma once

#include <string>
#include <string_view>

#include "policies/policy.h"
#include "policies/timestamp.h"

namespace retentiond::policies {

struct Cutoff {
  TimePoint now;     // the pass's moment (`--at`, or the current time)
  TimePoint cutoff;  // records whose basis is strictly before this are expired
  // The moment the cut-off is taken from: `now`, or for `deadline: strict` the next scheduled
  // pass (see deadline.h), so that records expiring before it are acted on now.
  TimePoint horizon = now;
};

// The horizon minus the policy's expire_after, in calendar arithmetic (see duration.h).
Cutoff cutoff_for(const Policy& policy, TimePoint now);

struct GuardDecision {
  bool allowed = true;
  long long limit = 0;  // the most records the pass may touch, even if more expire meanwhile
  std::string reason;   // when refused: what and why, with how to allow it
};

// `matched`: records the pass would touch; `total`: records the policy's table (and `where`)
// select; `unit`: "rows" or "files", for the message; `estimated`: the counts include a catalog
// estimate (whole partitions), which the message says ("about").
GuardDecision check_guard(const MaxAffected& max, long long matched, long long total,
                          const std::string& unit, bool estimated = false);

// "1,204"
std::string with_thousands(long long n);
// "1 row", "1,204 rows", "1 entry": `n` with `unit` (a plural ending in 's' or "ies"),
// singular for 1.
std::string counted(long long n, std::string_view unit);

}  // namespace retentiond::policies
