#include "daemon/reports/report_deadline.h"

namespace retentiond::daemon {

PolicyDeadline policy_deadline(const policies::Policy& policy, const PassOutcome& o, bool dry_run) {
  using std::chrono::seconds;
  PolicyDeadline d;
  std::optional<seconds> run_time;
  if (!dry_run) run_time = std::chrono::duration_cast<seconds>(o.finished - o.started);
  if (auto gap = policies::schedule_lateness(policy, o.cutoff.now)) {
    if (policy.deadline == policies::Deadline::Strict)
      d.lateness = run_time.value_or(seconds(0));
    else
      d.lateness = *gap + run_time.value_or(seconds(0));
  }
  d.words = std::string(policies::deadline_name(policy.deadline)) + "; " +
            policies::lateness_words(policy, o.cutoff.now, run_time);
  if (o.cutoff.horizon > o.cutoff.now) {
    d.moved = std::chrono::duration_cast<seconds>(o.cutoff.horizon - o.cutoff.now);
    d.moved_words = "cut-off taken from the next scheduled pass, " +
                    policies::format_timestamp(o.cutoff.horizon) + " (" +
                    policies::span_words(*d.moved) +
                    " ahead): records that would expire before it are acted on now";
  }
  return d;
}

}  // namespace retentiond::daemon
