#include "daemon/serve/run_timing.h"

#include <algorithm>

#include "policies/schedule.h"

namespace retentiond::daemon {

using connectors::ErrorKind;
using policies::TimePoint;

TimePoint first_run(const policies::Policy& policy, std::optional<TimePoint> last, TimePoint now,
                    bool catch_up) {
  TimePoint when = policies::next_run(*policy.schedule, now);
  if (!catch_up || !last) return when;
  if (*last < policies::previous_run(*policy.schedule, now)) return now;
  if (policy.schedule->kind == policies::Schedule::Kind::Every)
    return std::max(now, *last + policy.schedule->interval);
  return when;
}

TimePoint run_made_since(const policies::Schedule& schedule, TimePoint now) {
  if (schedule.kind == policies::Schedule::Kind::Every) return now - schedule.interval * 9 / 10;
  return policies::previous_run(schedule, now);
}

AfterPass judge(const PassOutcome& outcome) {
  switch (outcome.status) {
    case PassStatus::Ok:
    case PassStatus::Planned:
      return AfterPass::Done;
    case PassStatus::Refused:
      return AfterPass::Waiting;
    case PassStatus::Interrupted:
      if (stopped_by_signal(outcome)) return AfterPass::Stopping;
      if (outcome.error && outcome.error->kind == ErrorKind::Throttled) return AfterPass::Throttled;
      return AfterPass::Failed;
    case PassStatus::Failed:
      return AfterPass::Failed;
  }
  return AfterPass::Failed;
}

std::chrono::minutes backoff(int failures) {
  auto delay = std::chrono::minutes(5);
  for (int i = 1; i < failures && delay < std::chrono::minutes(60); ++i) delay *= 2;
  return std::min(delay, std::chrono::minutes(60));
}

TimePoint next_after(const policies::Policy& policy, AfterPass verdict, int failures,
                     TimePoint now) {
  const TimePoint scheduled = policies::next_run(*policy.schedule, now);
  if (verdict != AfterPass::Failed) return scheduled;
  return std::min(scheduled, now + backoff(std::max(failures, 1)));
}

}  // namespace retentiond::daemon
