// How a pass takes its policy before it opens the store: the policy's lock (a file lock beside
// a state file) or lease (in a PostgreSQL state several hosts share), and, with a shared state,
// the runs that are another host's. PassRunner's methods about claims, apart from its run.
#include <spdlog/spdlog.h>

#include "daemon/engine/pass.h"
#include "daemon/state/pass_journal.h"
#include "daemon/state/pass_lock.h"

namespace retentiond::daemon {
namespace {

using connectors::Error;
using connectors::ErrorKind;
using policies::format_timestamp;

// The run another host already made of the run due since `since`, if any.
struct RunElsewhere {
  std::string host, started, store, action, outcome;
  std::string words() const {
    return "this run was made on " + (host.empty() ? std::string("another host") : host) + " at " +
           started;
  }
};

std::optional<RunElsewhere> run_elsewhere(StateFile& state, const std::string& policy,
                                          policies::TimePoint since, policies::TimePoint now) {
  // Not a run dated after now (a host whose clock runs ahead, an `enforce --at` in the
  // future): it would stand for every run until then, on every host (a few minutes of skew
  // between hosts are tolerated).
  auto st = state.db().prepare(
      "SELECT host, started, store, action, outcome FROM audit WHERE policy = ?1 AND "
      "started >= ?2 AND started <= ?3 AND outcome IN ('ok', 'refused', 'dry-run') ORDER BY id "
      "DESC LIMIT 1");
  st.bind(1, policy)
      .bind(2, format_timestamp(since))
      .bind(3, format_timestamp(now + std::chrono::minutes(5)));
  if (!st.step()) return std::nullopt;
  return RunElsewhere{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4)};
}

// Hosts sharing a state share their policies: a policy name is one promise, and a run or a
// lease of it is the run of every host. One that another host's configuration gives another
// store or action is not this policy's run: said, loudly, rather than skipping it for ever.
std::optional<std::string> disagreement(const policies::Policy& policy, const std::string& host,
                                        const std::string& store, const std::string& action) {
  const std::string mine(policies::action_name(policy.action));
  if (store == policy.store && action == mine) return std::nullopt;
  return (host.empty() ? std::string("another host") : host) +
         ", which shares this state, runs policy '" + policy.name + "' on store '" + store +
         "' (action " + action + "), but this configuration gives it store '" + policy.store +
         "' (action " + mine +
         "): hosts sharing a state must give each policy name the same store and rule (one name "
         "is one promise, one run, one set of holds); rename one of them";
}

}  // namespace

std::optional<PassOutcome> PassRunner::claim(const policies::Policy& policy,
                                             const PassOptions& options) {
  if (options.dry_run || !state_ || !record_) return std::nullopt;
  release();
  owner_.clear();
  PassOutcome o = starting_outcome(policy, options, *clock_);
  // Hosts that disagree on the policy: a failed pass, audited, with the reason (disagreement).
  auto disagreed = [&](const std::string& why) {
    spdlog::error("{}", why);
    o.plan.warnings.push_back("error (config): " + why);
    o.status = PassStatus::Failed;
    o.error = Error{ErrorKind::Config, why};
    o.finished = clock_->now();
    finish(o);
    return o;
  };
  try {
    if (auto lock = PassLock::try_acquire(*state_, policy.name)) {
      if (state_->shared() && options.done_since) {
        if (auto done = run_elsewhere(*state_, policy.name, *options.done_since, clock_->now())) {
          auto differs = disagreement(policy, done->host, done->store, done->action);
          // A dry run made elsewhere is no run of a policy this configuration enforces.
          if (!differs && done->outcome == "dry-run" && !policy.dry_run)
            differs = done->words() + " as a dry run ('dry_run: true' in its configuration), " +
                      "but this configuration enforces policy '" + policy.name +
                      "': hosts sharing a state must give each policy the same rule";
          if (differs) return disagreed(*differs);
          spdlog::info("policy '{}': {}; skipping this run", policy.name, done->words());
          o.status = PassStatus::Refused;
          o.elsewhere = true;
          o.finished = clock_->now();
          return o;
        }
      }
      lock_ = std::move(lock);
      locked_policy_ = policy.name;
      return std::nullopt;
    }
    std::string who = "another retentiond process";
    std::optional<std::string> differs;
    if (auto other = PassJournal(*state_).find(policy.name)) {
      who += state_->shared() ? " (" + owner_process(other->owner) + ")"
                              : " (pid " + std::to_string(other->pid) + ")";
      if (state_->shared())
        differs = disagreement(policy, owner_process(other->owner), other->store, other->action);
    }
    if (differs) return disagreed(*differs);
    std::string reason =
        "policy '" + policy.name + "' is being enforced by " + who + "; skipping this pass";
    if (state_->shared()) {
      // Several hosts share the state: the lease decides which one runs; the others' runs are
      // not theirs, and not worth an audit entry each.
      spdlog::info("{}", reason);
      o.plan.warnings.push_back(reason);
      o.status = PassStatus::Refused;
      o.error = Error{ErrorKind::LockConflict, reason};
      o.elsewhere = true;
      o.finished = clock_->now();
      return o;
    }
    spdlog::warn("{}", reason);
    o.plan.warnings.push_back(reason);
    o.status = PassStatus::Refused;
    o.error = Error{ErrorKind::LockConflict, reason};
  } catch (const std::exception& e) {
    spdlog::error("policy '{}': {} (io)", policy.name, e.what());
    o.plan.warnings.push_back("error (io): " + std::string(e.what()));
    o.status = PassStatus::Failed;
    o.error = Error{ErrorKind::Io, e.what()};
  }
  o.finished = clock_->now();
  finish(o);
  return o;
}

bool PassRunner::shares_state() const { return state_ && state_->shared(); }

void PassRunner::release() {
  lock_.reset();
  locked_policy_.clear();
}

}  // namespace retentiond::daemon
