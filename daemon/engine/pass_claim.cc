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

// What says that another host already made the run due since `since`: "ran on HOST at TIME".
std::optional<std::string> run_elsewhere(StateFile& state, const std::string& policy,
                                         policies::TimePoint since) {
  auto st = state.db().prepare(
      "SELECT host, started FROM audit WHERE policy = ?1 AND started >= ?2 AND outcome IN ('ok', "
      "'refused', 'dry-run') ORDER BY id DESC LIMIT 1");
  st.bind(1, policy).bind(2, format_timestamp(since));
  if (!st.step()) return std::nullopt;
  return "this run was made on " + (st.text(0).empty() ? std::string("another host") : st.text(0)) +
         " at " + st.text(1);
}

}  // namespace

std::optional<PassOutcome> PassRunner::claim(const policies::Policy& policy,
                                             const PassOptions& options) {
  if (options.dry_run || !state_ || !record_) return std::nullopt;
  release();
  owner_.clear();
  PassOutcome o = starting_outcome(policy, options, *clock_);
  try {
    if (auto lock = PassLock::try_acquire(*state_, policy.name)) {
      if (state_->shared() && options.done_since) {
        if (auto done = run_elsewhere(*state_, policy.name, *options.done_since)) {
          spdlog::info("policy '{}': {}; skipping this run", policy.name, *done);
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
    if (auto other = PassJournal(*state_).find(policy.name))
      who += state_->shared() ? " (" + owner_process(other->owner) + ")"
                              : " (pid " + std::to_string(other->pid) + ")";
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
