// How late a policy may act on an expired record, and how `deadline: strict` moves its cut-off
// forward so that no record outlives a promise stated as a maximum ("deleted after at most 1
// year"). A scheduled policy acts at its next pass: a record may outlive its expiry by the longest
// gap between two passes, plus `random_delay`, plus the pass's own run time. See
// docs/policy-reference.md, "deadline".
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "policies/policy.h"
#include "policies/timestamp.h"

namespace retentiond::policies {

// "maximum", "exact", "strict".
std::string_view deadline_name(Deadline d);
std::optional<Deadline> parse_deadline(std::string_view text);

// The longest time between two consecutive passes of `schedule` in the year after `from` (a daily
// schedule: 25 h across a fall-back night), plus `random_delay`. Nullopt without a schedule: the
// policy acts whenever `enforce` is run.
std::optional<std::chrono::seconds> schedule_lateness(const Policy& policy, TimePoint from);

// For `deadline: strict`: the moment the cut-off is taken from at `now`, the next scheduled pass
// after `now` plus `random_delay`; for every other policy, `now`.
TimePoint deadline_horizon(const Policy& policy, TimePoint now);

// "7 d", "25 h", "6 h 30 min", "45 s"
std::string span_words(std::chrono::seconds span);

// Lateness sentence for reports: "at most 7 d late (schedule weekly sun 04:00) plus the pass's run
// time", "none: deadline strict, ...", "unknown: no schedule (acts when enforce is run)".
std::string lateness_words(const Policy& policy, TimePoint from,
                           std::optional<std::chrono::seconds> run_time = std::nullopt);

}  // namespace retentiond::policies
