// When serve runs a scheduled policy, decided from its schedule, the time and what its last
// pass did: the scheduler's arithmetic without its timers, so that catch-up and backoff are
// tested with any clock.
#pragma once

#include <chrono>
#include <optional>

#include "daemon/engine/pass.h"
#include "policies/policy.h"

namespace retentiond::daemon {

// The first run after start (or reload), `now` being the clock's time. With `catch_up`, a run
// missed while the service was stopped (`last`, the end of the last pass that settled the
// policy's run, is older than the latest scheduled moment) runs now, and an `every` schedule
// continues from `last`. The scheduler passes the last success for `every`, the last pass that
// succeeded or was refused for calendar schedules.
policies::TimePoint first_run(const policies::Policy& policy,
                              std::optional<policies::TimePoint> last, policies::TimePoint now,
                              bool catch_up);

// With a state several hosts share: a pass of the policy started at or after this moment made
// the run due at `now` (PassOptions::done_since). Daily and weekly: the scheduled moment itself,
// which every host computes alike. `every`: nine tenths of the interval back, since each host
// counts the interval from its own runs, and seconds of skew must not make two runs of one.
policies::TimePoint run_made_since(const policies::Schedule& schedule, policies::TimePoint now);

// What a pass's outcome means for the policy's schedule.
enum class AfterPass {
  Done,       // ok or planned: the next scheduled run; failures start over
  Waiting,    // refused (by the guard, or another process held the policy): the next scheduled
              // run, not a failure; the operator decides
  Failed,     // failed, or interrupted by a lost connection: retried with backoff
  Throttled,  // interrupted after waiting `max_wait` for its store's throttle: the next
              // scheduled run, not a failure (the server asked for the pause; the wait counter
              // and the overdue gauges show it)
  Stopping    // interrupted by a signal: nothing more is armed
};
AfterPass judge(const PassOutcome& outcome);

// The wait before retry number `failures` (1, 2, ...): 5 minutes, doubling, at most an hour.
std::chrono::minutes backoff(int failures);

// When the policy runs next after a pass judged `verdict`, with `failures` consecutive failures
// counted so far (this one included): the next scheduled moment, or a retry before it.
policies::TimePoint next_after(const policies::Policy& policy, AfterPass verdict, int failures,
                               policies::TimePoint now);

}  // namespace retentiond::daemon
