// A policy's deadline as the reports show it: how late its pass may act (the schedule's longest
// gap, plus this pass's run time for `enforce`) and, for `deadline: strict`, how far its cut-off
// was moved forward. Shared by the text, JSON, Markdown and HTML reports.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "daemon/engine/pass.h"
#include "policies/deadline.h"

namespace retentiond::daemon {

struct PolicyDeadline {
  std::optional<std::chrono::seconds> lateness;  // nullopt: no schedule, unknown
  std::optional<std::chrono::seconds> moved;     // strict: horizon minus the pass's moment
  std::string words;                             // "maximum; at most 7 d late (schedule ...)"
  std::string moved_words;  // strict: "cut-off taken from the next scheduled pass, ..."; else empty
};

PolicyDeadline policy_deadline(const policies::Policy& policy, const PassOutcome& o, bool dry_run);

}  // namespace retentiond::daemon
