#include "daemon/engine/promise_status.h"

#include <algorithm>

#include "daemon/engine/policy_runs.h"
#include "daemon/state/audit.h"
#include "daemon/state/state.h"
#include "policies/deadline.h"
#include "policies/planner.h"
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

// Whether a pass that ended well left nothing overdue, as far as the trail and the store tell:
// its cut-off was that of its own time (an `enforce --at` in the past acts on older records only),
// and no record overdue now was already expired at its cut-off (a guard's stop, a record a notice
// cannot reach, rows it could not act on leave such records). A record overdue now of unknown
// age proves no pass.
bool left_nothing_overdue(const policies::Policy& p, const AuditEntry& e, const PolicyStatus& s) {
  if (e.cutoff < policies::cutoff_for(p, e.started).cutoff - std::chrono::minutes(1)) return false;
  if (s.overdue == 0) return true;
  return s.oldest_overdue && *s.oldest_overdue >= e.cutoff;
}

// The passes recorded up to `now` (a status --at in the past knows nothing of later ones).
void read_audit(StateFile* state, TimePoint now, PolicyStatus& s) {
  if (!state) return;
  for (const auto& e : AuditTrail(state->db()).list({s.policy->name}, std::nullopt)) {
    // Only passes: holds are recorded in the trail too. And only this policy's: a pass of its
    // name on another store (a host sharing the state whose configuration disagrees) kept no
    // promise of this store.
    if (e.action == "hold" || e.finished > now || e.store != s.policy->store) continue;
    // A pass of any outcome shows the schedule runs (a policy with dry_run: true included)...
    if (!s.last_pass || e.finished >= *s.last_pass) {
      s.last_pass = e.finished;
      s.last_outcome = e.outcome;
    }
    // ...but only an enforcing pass that ended well and left nothing overdue keeps the promise.
    if (e.outcome == "ok" && left_nothing_overdue(*s.policy, e, s) &&
        (!s.promise_kept_at || e.finished > *s.promise_kept_at))
      s.promise_kept_at = e.finished;
  }
}

}  // namespace

PolicyStatus promise_status(const policies::Config& config, const policies::Policy& p,
                            TimePoint now, PassRunner& runner, StateFile* state) {
  PolicyStatus s;
  s.policy = &p;
  PassOutcome due = plan_at(config, p, now, runner);
  // A store that could not be read once is not asked (and its error not logged) a second time.
  const bool unread = due.status == PassStatus::Failed || due.status == PassStatus::Interrupted;
  // Overdue is a part of due: at a month's end the cut-off of the earlier moment can be the
  // later one (2027-03-31T03:00 less 1 month is 02-28T03:00, 03-30T21:00 less 1 month is
  // 02-28T21:00, both clamped), and then due's is the one that holds.
  const TimePoint overdue_at = now - allowed_lateness(p, now);
  policies::Policy as_planned = p;
  as_planned.deadline = policies::Deadline::Maximum;
  const bool clamped = policies::cutoff_for(as_planned, overdue_at).cutoff >
                       policies::cutoff_for(as_planned, now).cutoff;
  PassOutcome overdue = unread || clamped ? due : plan_at(config, p, overdue_at, runner);
  for (const PassOutcome* o : {&due, &overdue})
    if (o->status == PassStatus::Failed || o->status == PassStatus::Interrupted)
      s.error = o->error ? o->error->message : "the store could not be read";
  // Part of the store could not be read (a files store's directory): whether the promise is
  // kept there is not known.
  if (!s.error && due.plan.unread_parts > 0)
    s.error = "could not read " + due.plan.unread_words +
              ": the records there are not counted, so whether the promise is kept is unknown";
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
  read_audit(state, now, s);
  if (p.schedule) {
    s.next_pass = policies::next_run(*p.schedule, now);
    // `every`: the daemon counts the interval from the end of the last pass.
    if (p.schedule->kind == policies::Schedule::Kind::Every && s.last_pass)
      s.next_pass = std::max(now, *s.last_pass + p.schedule->interval);
    const auto gap = policies::schedule_lateness(p, now).value_or(std::chrono::seconds(0));
    s.stale = !s.last_pass || *s.last_pass < now - 2 * gap;
  }
  return s;
}

}  // namespace retentiond::daemon
