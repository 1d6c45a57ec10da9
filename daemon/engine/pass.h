// One pass of one policy: plan, guard, then (unless dry) batches until done, each batch sized to
// a time budget; the outcome goes to the audit trail. `plan`, `enforce` and `serve` all run
// passes through here, so a dry run is the real path with the mutations off.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "connectors/throttle.h"
#include "daemon/state/pass_lock.h"
#include "daemon/state/sightings.h"
#include "daemon/state/state.h"
#include "policies/clock.h"
#include "policies/policy.h"

namespace retentiond::daemon {

enum class PassStatus { Planned, Ok, Refused, Failed, Interrupted };
std::string_view status_name(PassStatus s);  // "planned", "ok", "refused", ...

// Notices of a policy with `notify:` in this pass.
struct NoticeCounts {
  long long sent = 0;     // plan: would be sent now; enforce: sent
  long long failed = 0;   // could not be sent: those records are kept, retried next pass
  long long waiting = 0;  // records waiting out their notice period (including those just noticed)
  long long no_address = 0;         // due but without an address: never acted on
  long long open = 0;               // sent by earlier passes, their period still running
  long long expired_unnoticed = 0;  // past their expiry, no notice gone out (NoticeDecision)
  std::optional<policies::TimePoint> oldest_unnoticed;
  bool dry = false;  // a dry run's: `sent` is what would have been sent
};

struct PassOutcome {
  std::string policy;
  std::string store;
  policies::Action action = policies::Action::Delete;
  policies::Cutoff cutoff;
  connectors::PlanStats plan;  // matched, held, total, oldest, statements, warnings
  bool counted = false;        // the plan's counts were made (not when the pass ended before)
  long long affected = 0;
  PassStatus status = PassStatus::Planned;
  std::optional<connectors::Error> error;
  policies::TimePoint started;
  policies::TimePoint finished;
  long long batches = 0;
  std::chrono::milliseconds longest_batch{0};  // the slowest batch, against the time budget
  std::optional<NoticeCounts> notices;
  // Policies whose `also:` names other stores: what each of policy.also_stores removed there
  // (enforce; Sympa: subscriptions), in the rules' order. Empty for the others.
  std::vector<long long> also_removed;
  // What another store was about to commit when its COMMIT failed (the reply lost with the
  // connection): whether it committed is not known. Same order; usually all 0.
  std::vector<long long> also_unconfirmed;
  // The same as the audit trail keeps it (AuditEntry::also_stores): "" until a store removed
  // something.
  std::string also_stores_record;
  // `partitions: drop` or `detach`: the partitions (and detached tables) the pass acted on whole,
  // with their exact row counts, in order.
  std::vector<connectors::PartitionStep> partitions_done;
  std::string throttle;                              // the store's throttle, in words ("" for none)
  double throttle_waited = 0;                        // seconds the pass waited for the throttle
  std::map<std::string, double> throttle_by_reason;  // the same, by reason (replica-lag, ...)
  // With a shared state (PostgreSQL): not run here because another host holds the policy's
  // lease or already ran this scheduled run. Neither audited nor counted as refused or failed.
  bool elsewhere = false;
};

// Interrupted on purpose (a signal), as opposed to by a lost connection: only the latter calls
// for an early retry, and counts as a failure in the metrics.
bool stopped_by_signal(const PassOutcome& o);

struct Progress {
  const std::string& policy;
  long long affected;
  long long matched;
  std::chrono::steady_clock::duration elapsed;  // since the first batch, throttle waits left out
  std::string_view unit = "rows";               // "rows", "files" or "users"
};

struct PassOptions {
  bool dry_run = true;                      // plan only
  policies::TimePoint now;                  // the moment cut-offs are computed from
  const std::atomic<bool>* stop = nullptr;  // set by a signal: stop at the next batch boundary
  std::chrono::milliseconds batch_budget{200};
  long long first_batch = 500;
  long long max_batch = 50'000;
  std::function<void(const Progress&)> on_progress;  // after each batch
  const policies::SmtpConfig* smtp = nullptr;        // for `notify:` (the config's `smtp:`)
  long long samples = 0;  // plan --samples N: keys of expired records shown in the report
  // Dry runs for `status` and the charts: only the matched and held counts and the oldest date
  // are wanted (PassContext::counts_only); no guard, no other store opened.
  bool counts_only = false;
  // The store's throttle (connectors/throttle.h), when it has a `throttle:` block.
  connectors::ThrottleProbe* throttle = nullptr;
  std::chrono::seconds throttle_max_wait{3600};
  // Told when the pass starts waiting for the throttle (why) and when it resumes ("").
  std::function<void(const std::string& policy, const std::string& why)> on_throttle;
  // Each stretch of time the pass waits for the throttle, as it waits, and why (the reason).
  std::function<void(const std::string& reason, double seconds)> on_throttle_waited;
  double nice_ratio = 0;  // the store's throttle: rest this many times each batch's time after it
  // The other stores a policy's `also:` names, open (read-write unless dry), by name; an Error
  // when one cannot be opened. Unset: such a policy fails before it changes anything.
  std::function<connectors::Result<connectors::Connector*>(const std::string& store)> other_store;
  // With a shared state: this run is another host's to make when a pass of the policy started
  // at or after this moment (the scheduled run's time) and ended ok, refused or dry-run (the
  // scheduler's; unset for enforce, which always runs).
  std::optional<policies::TimePoint> done_since;
  // The configuration's store of a policy (nullopt: no such policy) and whether it has a store
  // (run_policies sets both): holds in force that may no longer protect their records on this
  // store (Holds::stray_holds: their policy renamed, removed or moved) fail the pass.
  std::function<std::optional<std::string>(const std::string& policy)> policy_store;
  std::function<bool(const std::string& store)> configured_store;
};

struct PassRecord;  // daemon/state/pass_journal.h
// The journal's record of a pass about to run its batches: what its audit row will say if its
// process dies (policy, store, action, cut-off, matched, held, start).
PassRecord journal_record(const PassOutcome& o);

// The outcome of a pass of `policy` starting at `clock`'s now: its names, action and cut-off.
PassOutcome starting_outcome(const policies::Policy& policy, const PassOptions& options,
                             const policies::Clock& clock);
// A pass that failed before it touched its store (its status Interrupted when `error` is a
// stop), with the error among its warnings; not recorded.
PassOutcome failed_outcome(const policies::Policy& policy, const PassOptions& options,
                           connectors::Error error, const policies::Clock& clock);

class PassRunner {
 public:
  // `state` may be null for dry runs (plan) when no state file exists yet. With `record` false
  // (plan), the state file is only read, for legal holds and the anonymisation key.
  // `clock` stamps each pass's start and end (the cut-offs come from PassOptions::now).
  explicit PassRunner(StateFile* state, bool record = true,
                      const policies::Clock& clock = policies::system_clock())
      : state_(state), record_(record), clock_(&clock) {}
  const policies::Clock& clock() const { return *clock_; }
  // Whether the state is one several hosts share (a PostgreSQL state).
  bool shares_state() const;

  // Records, as interrupted, the passes that ended processes left in progress (their lock is
  // free) and whose count needs no store to be exact. A pass whose last batch may or may not
  // have committed waits for its policy's next pass, which asks the store.
  void recover_interrupted();

  // Runs one pass. Never throws: store and state-file errors come back in the outcome. The
  // connector must be open (read-write unless dry). Unless dry, the pass holds the policy's
  // PassLock throughout; a policy another process is enforcing is refused (lock-conflict).
  PassOutcome run(const policies::Policy& policy, connectors::Connector& connector,
                  const PassOptions& options);

  // Takes the policy's lock before its store is opened (enforce), so that a policy another
  // process is enforcing is refused as such, whatever that process holds in the store; the next
  // run() of the policy keeps it. The outcome (recorded) when the lock is taken by another
  // process or cannot be taken; nullopt when held now, or for dry runs, which need none.
  std::optional<PassOutcome> claim(const policies::Policy& policy, const PassOptions& options);

  // The state file's sighting book, for the stores that keep dates there (connectors/registry.h
  // ConnectorServices); null without a state file. Read-only unless this runner records.
  connectors::SightingBook* sightings();

  // The outcome for a policy whose store could not be opened; recorded unless dry.
  PassOutcome failed_before_start(const policies::Policy& policy, const PassOptions& options,
                                  connectors::Error error);

 private:
  void release();
  // Records the outcome in the audit trail (unless dry); logs instead of throwing.
  void finish(PassOutcome& o);
  // Under the policy's lock: closes the pass a dead process left, if any, asking `connector`
  // whether its last batch committed. An Error when that cannot be told yet.
  std::optional<connectors::Error> recover_dead(const policies::Policy& policy,
                                                connectors::Connector& connector);
  // After a failed batch: if it had announced itself, asks the store what it really did.
  void settle_failed_batch(const policies::Policy& policy, connectors::Connector& connector,
                           const connectors::PassContext& ctx, PassOutcome& o);

  // What the state file knows about this pass: operator holds, the anonymisation key.
  connectors::PassContext context(const policies::Policy& policy, const policies::Cutoff& cutoff);
  // Adds to ctx.held_keys the holds of the policy added since they were read; true if any.
  // Throws when the state cannot be read.
  bool add_new_holds(const policies::Policy& policy, connectors::PassContext& ctx);

  StateFile* state_;
  bool record_ = true;
  const policies::Clock* clock_;
  std::string owner_;             // the owner token of the pass being run, once its batches began
  std::optional<PassLock> lock_;  // the lock of `locked_policy_`, between claim() and its run()
  std::string locked_policy_;
  std::unique_ptr<StateSightingBook> sightings_;  // made on first use, when a state file exists
};

}  // namespace retentiond::daemon
