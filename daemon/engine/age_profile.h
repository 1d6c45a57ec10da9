// How old the records in a policy's scope are, and how many will expire in each of the next 12
// months: the figures behind the HTML report's charts. Read-only, and no connector code of its
// own: a plan's "due" count at a cut-off X counts the records dated before X, so the records
// older than an age are one plan, a bin is the difference of two, and one call plans them all
// with the store opened once (about 20 count plans per policy).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/engine/pass.h"
#include "policies/duration.h"
#include "policies/policy.h"
#include "policies/timestamp.h"

namespace retentiond::daemon {

// Records aged `from` (included) to `to` (excluded; none for the last bin) at the report's moment.
struct AgeBin {
  policies::Duration from;
  std::optional<policies::Duration> to;
  long long count = 0;
  bool past_promise = false;  // `from` is the policy's expire_after or more
};

// Records that expire in the month ending at `until` (after the previous month's end).
struct ForecastMonth {
  policies::TimePoint until;
  long long count = 0;
};

struct AgeProfile {
  std::vector<AgeBin> bins;  // youngest first; the expiry line falls between the two halves
  std::vector<ForecastMonth> forecast;  // the next 12 months
  long long undated = 0;                // no usable date: kept, in no bin
  std::string unit = "rows";
  std::optional<std::string> error;  // the store could not be read: no figures
};

struct AgeEdges {
  std::vector<policies::Duration> edges;  // increasing, from 0
  size_t promise = 0;                     // edges[promise] is expire_after itself
};

// The bins' lower bounds, as fractions of `expire_after`: 0, 1/4, 1/2, 3/4, 1, 3/2, 2, 3, in a
// unit that makes them whole when an exact smaller one does (1y: 0, 3, ... 36 months; 2d: 0,
// 12, ... 144 hours). Else an edge is rounded: to the day for fewer than 4 months (a month being
// 30.436875 days), else to the unit (2w: 0, 4, 7, 11, 14 ... 42 days); edges rounded together (a
// few hours) are merged.
AgeEdges age_edges(const policies::Duration& expire_after);

// The bins from the counts of records dated before `now` minus each edge (`older[i]`: records
// older than edges[i], holds included; bins from edges[promise] on are past it), and the forecast
// from the counts due at each month's end
// (`due[0]` due now, `due[k]` due at the end of month k).
std::vector<AgeBin> bins_from_counts(const std::vector<policies::Duration>& edges,
                                     const std::vector<long long>& older, size_t promise);
std::vector<ForecastMonth> forecast_from_counts(const std::vector<policies::TimePoint>& month_ends,
                                                const std::vector<long long>& due);

// The profile of `policy` at `now`; `runner` must not record. Plans copies of the policy with
// notices, `also:` stores and strict deadlines set aside (dates only). Never throws for a store
// error: it goes in `error`.
AgeProfile age_profile(const policies::Config& config, const policies::Policy& policy,
                       policies::TimePoint now, PassRunner& runner);

}  // namespace retentiond::daemon
