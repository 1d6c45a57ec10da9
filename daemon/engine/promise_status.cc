#include "daemon/engine/promise_status.h"

#include "daemon/engine/policy_runs.h"
#include "daemon/state/audit.h"
#include "daemon/state/state.h"
#include "policies/deadline.h"
#include "policies/schedule.h"

namespace retentiond::daemon {
namespace {

using policies::TimePoint;

// The lateness the policy's deadline allows: none for strict, else its schedule's longest gap
// (none without a schedule, where acting is the operator's call).
std::chrono::seconds allowed_lateness(const policies::Policy& p, TimePoint now) {
  if (p.deadline == policies::Deadline::Strict) return std::chrono::seconds(0);
  return policies::schedule_lateness(p, now).value_or(std::chrono::seconds(0));
}

// The plan of `policy` as of `at`, with a plain cut-off (at - expire_after).
PassOutcome plan_at(const policies::Config& config, policies::Policy policy, TimePoint at,
                    PassRunner& runner) {
  policy.deadline = policies::Deadline::Maximum;  // no moving forward to the next pass
  PassOptions options;
  options.dry_run = true;
  options.counts_only = true;
  options.now = at;
  return run_policies(config, {&policy}, runner, options).at(0);
}

void read_audit(StateFile* state, PolicyStatus& s) {
  if (!state) return;
  for (const auto& e : AuditTrail(state->db()).list({s.policy->name}, std::nullopt)) {
    // Only passes: holds are recorded in the trail too, and a dry run keeps no promise.
    if (e.action == "hold" || e.outcome == "dry-run") continue;
    if (!s.last_pass || e.finished >= *s.last_pass) {
      s.last_pass = e.finished;
      s.last_outcome = e.outcome;
    }
    if (e.outcome == "ok" && (!s.promise_kept_at || e.finished > *s.promise_kept_at))
      s.promise_kept_at = e.finished;
  }
}

}  // namespace

PolicyStatus promise_status(const policies::Config& config, const policies::Policy& p,
                            TimePoint now, PassRunner& runner, StateFile* state) {
  PolicyStatus s;
  s.policy = &p;
  PassOutcome due = plan_at(config, p, now, runner);
  PassOutcome overdue = plan_at(config, p, now - allowed_lateness(p, now), runner);
  for (const PassOutcome* o : {&due, &overdue})
    if (o->status == PassStatus::Failed || o->status == PassStatus::Interrupted)
      s.error = o->error ? o->error->message : "the store could not be read";
  s.due = due.plan.matched;
  s.held = due.plan.held;
  s.overdue = overdue.plan.matched;
  if (s.overdue > 0) s.oldest_overdue = overdue.plan.oldest;
  if (due.notices) s.notices_open = due.notices->open;
  if (overdue.notices && overdue.notices->expired_unnoticed > 0) {
    s.overdue += overdue.notices->expired_unnoticed;
    const auto& oldest = overdue.notices->oldest_unnoticed;
    if (oldest && (!s.oldest_overdue || *oldest < *s.oldest_overdue)) s.oldest_overdue = oldest;
  }
  read_audit(state, s);
  if (p.schedule) {
    s.next_pass = policies::next_run(*p.schedule, now);
    const auto gap = policies::schedule_lateness(p, now).value_or(std::chrono::seconds(0));
    s.stale = !s.last_pass || *s.last_pass < now - 2 * gap;
  }
  return s;
}

}  // namespace retentiond::daemon
