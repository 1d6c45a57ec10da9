#include "daemon/engine/pass.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <spdlog/spdlog.h>

#include "daemon/engine/batch_size.h"
#include "daemon/engine/pass_notices.h"
#include "daemon/engine/pass_partitions.h"
#include "daemon/engine/pass_related.h"
#include "daemon/engine/throttle_gate.h"
#include "daemon/state/holds.h"
#include "daemon/state/pass_journal.h"
#include "daemon/state/pass_lock.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

using connectors::Error;
using connectors::ErrorKind;
using policies::format_timestamp;
using policies::with_thousands;

// What a pass's record keeps besides its count, as it stands: the partitions taken so far (and
// `in_flight`, the batch's own, marked pending), what other stores removed, the time waited.
RecordUpdate record_update(const PassOutcome& o, bool with_partitions,
                           const std::vector<connectors::PartitionStep>& in_flight = {}) {
  RecordUpdate u;
  if (with_partitions) u.partitions = partitions_json(o.partitions_done, in_flight);
  if (!o.also_stores_record.empty()) u.also_stores = o.also_stores_record;
  if (o.throttle_waited > 0) u.waited = std::llround(o.throttle_waited);
  return u;
}

// The pass's BatchJournal: each batch's intent goes to the state file before the store commits.
class JournalOfPass : public connectors::BatchJournal {
 public:
  // `o`: the pass so far, whose record the intent brings up to date (the partitions taken,
  // those of the batch in flight beside them; what other stores removed for it).
  JournalOfPass(StateFile& state, std::string policy, PassLock* lease, const PassOutcome& o)
      : state_(state), journal_(state), policy_(std::move(policy)), lease_(lease), o_(o) {}
  void before_commit(const connectors::BatchIntent& intent) override {
    try {
      state_.check_still_there();
      // A lease lost (its session ended: the state server restarted, the network cut) may be
      // another host's already: no batch commits without it.
      if (lease_ && !lease_->still_held())
        throw StateError("the lease of policy '" + policy_ +
                         "' in the shared state was lost; stopping before this batch commits");
      journal_.add_intent(policy_, intent, record_update(o_, !intent.units.empty(), intent.units));
    } catch (const std::exception& e) {
      failure_ = e.what();
      throw;
    }
  }
  // Why the last before_commit() failed (the store rolled the batch back), if it did.
  const std::optional<std::string>& failure() const { return failure_; }

 private:
  StateFile& state_;
  PassJournal journal_;
  std::string policy_;
  PassLock* lease_;
  const PassOutcome& o_;
  std::optional<std::string> failure_;
};

}  // namespace

std::string_view status_name(PassStatus s) {
  switch (s) {
    case PassStatus::Planned:
      return "planned";
    case PassStatus::Ok:
      return "ok";
    case PassStatus::Refused:
      return "refused";
    case PassStatus::Failed:
      return "failed";
    case PassStatus::Interrupted:
      return "interrupted";
  }
  return "failed";
}

bool stopped_by_signal(const PassOutcome& o) {
  return o.status == PassStatus::Interrupted &&
         (!o.error || o.error->kind == ErrorKind::Interrupted);
}

connectors::PassContext PassRunner::context(const policies::Policy& policy,
                                            const policies::Cutoff& cutoff) {
  connectors::PassContext ctx;
  ctx.cutoff = cutoff;
  if (!state_) return ctx;
  ctx.held_keys = Holds(*state_).keys_held(policy.name, cutoff.now);
  ctx.anonymisation_key = state_->anonymisation_key();
  return ctx;
}

bool PassRunner::add_new_holds(const policies::Policy& policy, connectors::PassContext& ctx) {
  const std::set<std::string> known(ctx.held_keys.begin(), ctx.held_keys.end());
  const size_t before = ctx.held_keys.size();
  for (auto& key : Holds(*state_).keys_held(policy.name, ctx.cutoff.now))
    if (!known.count(key)) ctx.held_keys.push_back(std::move(key));
  return ctx.held_keys.size() > before;
}

connectors::SightingBook* PassRunner::sightings() {
  if (!state_) return nullptr;
  if (!sightings_) sightings_ = std::make_unique<StateSightingBook>(*state_, record_);
  return sightings_.get();
}

// Holds in force may no longer protect their records on this policy's store (Holds::stray_holds):
// if this policy is the one they were placed under, renamed (or its store renamed), its held
// records are no longer held. Nothing is done until the holds are moved to its name or released.
Error stray_holds_error(const policies::Policy& policy, const std::vector<Holds::Stray>& strays,
                        bool shared) {
  const Holds::Stray& stray = strays.front();
  const std::string name = policies::printable(stray.policy);
  const size_t count = stray.holds;
  std::string text =
      std::to_string(count) +
      (count == 1 ? " hold in force names policy '" : " holds in force name policy '") + name + "'";
  // The store is gone when it is not this policy's (stray_holds: it concerns this store then).
  const bool store_gone = !stray.held_on.empty() && stray.held_on != policy.store;
  if (!stray.held_on.empty()) text += " of store '" + stray.held_on + "'";
  if (!stray.policy_on)
    text += store_gone ? ": this configuration has neither"
                       : ", which this configuration does not have";
  else if (store_gone)
    text += ": this configuration no longer has that store, and puts the policy on store '" +
            *stray.policy_on + "'";
  else
    text += ", which this configuration now puts on store '" + *stray.policy_on + "'";
  text += ": if policy '" + policy.name + "' is the one " + (count == 1 ? "it was" : "they were") +
          " placed under, renamed, " + (count == 1 ? "its record is" : "its records are") +
          " no longer held, so nothing was done. Hold " + (count == 1 ? "it" : "them") +
          " again under the policy's name now (retentiond hold add --policy " + policy.name +
          " ...) and release the old " + (count == 1 ? "hold" : "holds") +
          " (retentiond hold list --policy " + name + "; retentiond hold remove --policy " + name +
          " KEY)";
  if (strays.size() > 1)
    text += "; " + std::to_string(strays.size() - 1) + " other " +
            (strays.size() == 2 ? "policy has" : "policies have") + " such holds too";
  // Hosts sharing a state share their holds: another host's policy is no renamed one, and its
  // holds are not this host's to release.
  if (shared)
    text += ". If another host sharing this state still runs policy '" + name +
            "', release nothing: hosts sharing a state must have the same policies, and the same "
            "store names for the same databases (docs/deployment.md); give this host the same "
            "configuration";
  return Error{ErrorKind::Config, text};
}

PassOutcome starting_outcome(const policies::Policy& policy, const PassOptions& options,
                             const policies::Clock& clock) {
  PassOutcome o;
  o.policy = policy.name;
  o.store = policy.store;
  o.action = policy.action;
  o.cutoff = policies::cutoff_for(policy, options.now);
  o.started = clock.now();
  return o;
}

PassOutcome failed_outcome(const policies::Policy& policy, const PassOptions& options, Error error,
                           const policies::Clock& clock) {
  PassOutcome o = starting_outcome(policy, options, clock);
  o.finished = o.started;
  o.status = error.kind == ErrorKind::Interrupted ? PassStatus::Interrupted : PassStatus::Failed;
  o.plan.warnings.push_back("error (" + std::string(connectors::error_class(error.kind)) +
                            "): " + error.message);
  o.error = std::move(error);
  return o;
}

PassOutcome PassRunner::failed_before_start(const policies::Policy& policy,
                                            const PassOptions& options, Error error) {
  release();
  PassOutcome o = failed_outcome(policy, options, std::move(error), *clock_);
  if (!options.dry_run) finish(o);
  return o;
}

PassOutcome PassRunner::run(const policies::Policy& policy, connectors::Connector& connector,
                            const PassOptions& options) {
  PassOutcome o = starting_outcome(policy, options, *clock_);
  owner_.clear();
  const bool dry = options.dry_run || policy.dry_run;
  const bool recording = !options.dry_run && state_ && record_;
  RelatedOfPass related;  // the other stores the policy's `also:` names
  auto conclude = [&](PassStatus status, std::optional<Error> error) {
    if (!dry) related.log(o.batches > 0);
    o.status = status;
    if (error) {
      if (status != PassStatus::Refused) {
        o.plan.warnings.push_back("error (" + std::string(connectors::error_class(error->kind)) +
                                  "): " + error->message);
        // Never silent: a failed pass is logged as well as reported and audited. A pass that
        // waited max_wait for its throttle did not fail: the server asked for the pause.
        // Nor did one stopped by the service's own stop (systemctl stop, a restart): the next
        // pass finishes the work; `journalctl -p err` keeps to failures.
        const bool asked =
            error->kind == ErrorKind::Throttled ||
            (error->kind == ErrorKind::Interrupted && options.stop && options.stop->load());
        // A store's error names the policy already ("store 'x', policy 'y': ..."): once is enough.
        const std::string named = "policy '" + policy.name + "'";
        const bool says_policy = error->message.find(named) != std::string::npos;
        spdlog::log(asked ? spdlog::level::warn : spdlog::level::err, "{}{} ({})",
                    says_policy ? "" : named + ": ", error->message,
                    connectors::error_class(error->kind));
      }
      o.error = std::move(error);
    }
    // A lease lost after the last batch (or in a pass without one) changed nothing here, but
    // another host may have made this run meanwhile: the report and the log say so.
    if (recording && status == PassStatus::Ok && lock_ && !lock_->still_held()) {
      const std::string lost = "the lease of policy '" + policy.name +
                               "' in the shared state was lost during this pass; another host "
                               "may have made this run too";
      spdlog::warn("{}", lost);
      o.plan.warnings.push_back(lost);
    }
    o.finished = clock_->now();
    if (!options.dry_run) finish(o);
    return o;
  };

  // The policy's lock is held until this function returns, after the outcome is recorded.
  struct Release {
    PassRunner& runner;
    ~Release() { runner.release(); }
  } release{*this};
  if (recording) {
    if (locked_policy_ != policy.name)
      if (auto refused = claim(policy, options)) return *refused;
    try {
      if (auto error = recover_dead(policy, connector)) return conclude(PassStatus::Failed, error);
    } catch (const std::exception& e) {
      return conclude(PassStatus::Failed, Error{ErrorKind::Io, e.what()});
    }
  }

  connectors::PassContext ctx;
  try {
    ctx = context(policy, o.cutoff);
    ctx.stop = options.stop;
    if (options.dry_run) ctx.samples = options.samples;
    ctx.counts_only = options.dry_run && options.counts_only;
  } catch (const std::exception& e) {
    return conclude(PassStatus::Failed,
                    Error{ErrorKind::Io,
                          "cannot read the legal holds from the state: " + std::string(e.what())});
  }
  if (state_ && options.policy_store && options.configured_store) {
    std::vector<Holds::Stray> gone;
    try {
      gone = Holds(*state_).stray_holds(options.policy_store, options.configured_store,
                                        policy.store, o.cutoff.now);
    } catch (const std::exception& e) {
      return conclude(PassStatus::Failed,
                      Error{ErrorKind::Io, "cannot read the legal holds from the state: " +
                                               std::string(e.what())});
    }
    if (!gone.empty())
      return conclude(PassStatus::Failed, stray_holds_error(policy, gone, state_->shared()));
  }
  // A pass under way is recorded from its first change on: with notices to send, from before
  // the first goes out, so that a pass killed while sending them is recorded as interrupted.
  auto begin_record = [&]() -> std::optional<Error> {
    try {
      if (!owner_.empty()) {
        RecordUpdate counted;
        counted.matched = o.plan.matched;
        counted.held = o.plan.held;
        if (o.throttle_waited > 0) counted.waited = std::llround(o.throttle_waited);
        PassJournal(*state_).update(policy.name, owner_, counted);
        return std::nullopt;
      }
      PassRecord record = journal_record(o);
      record.owner = new_owner_token();
      record.waited = std::llround(o.throttle_waited);  // while counting
      PassJournal(*state_).begin(record);
      owner_ = record.owner;
      return std::nullopt;
    } catch (const std::exception& e) {
      return Error{ErrorKind::Io, std::string(e.what()) + "; nothing was changed"};
    }
  };
  std::vector<std::string> notice_warnings;
  if (policy.notify && recording && !dry)
    if (auto error = begin_record()) return conclude(PassStatus::Failed, error);
  if (policy.notify) {
    NoticeCounts counts;
    std::optional<Error> error;
    try {
      error =
          prepare_notices(state_, policy, connector, ctx, dry, options, counts, notice_warnings);
    } catch (const std::exception& e) {
      error = Error{ErrorKind::Io, std::string(e.what()) + "; nothing was changed"};
    }
    o.notices = counts;
    if (error) {
      o.plan.warnings = notice_warnings;
      return conclude(
          error->kind == ErrorKind::Interrupted ? PassStatus::Interrupted : PassStatus::Failed,
          *error);
    }
  }
  ThrottleGate gate(options.throttle, options.throttle_max_wait, policy.name, options.stop,
                    [&](const std::string& why) {
                      if (options.on_throttle) options.on_throttle(policy.name, why);
                    });
  // The record of a pass under way keeps its time waited, written every few seconds of a wait,
  // so that a pass killed while it waits is audited with it.
  auto waited_recorded = std::chrono::steady_clock::now();
  gate.on_waited([&](const std::string& reason, double seconds) {
    if (options.on_throttle_waited) options.on_throttle_waited(reason, seconds);
    const auto now = std::chrono::steady_clock::now();
    if (!recording || owner_.empty() || now - waited_recorded < std::chrono::seconds(5)) return;
    waited_recorded = now;
    try {
      RecordUpdate u;
      u.waited = std::llround(gate.waited().count());
      PassJournal(*state_).update(policy.name, owner_, u);
    } catch (const std::exception& e) {
      spdlog::warn("policy '{}': {}", policy.name, e.what());
    }
  });
  // Before the count: a pass that ends while counting reports the throttle it waited for.
  if (options.throttle) o.throttle = options.throttle->describe();
  // An enforcing pass on a throttled store counts in parts where the store can, resting and
  // waiting between them as between batches: the count is a scan as long as a plain DELETE's.
  // (Not a policy with dry_run: true, which is only planned, as `plan` plans: unpaced.)
  if (!dry && (options.throttle || options.nice_ratio > 0)) {
    // Recorded from the count on: it may wait up to max_wait, and a pass killed meanwhile is
    // recorded as interrupted with the time it waited (nothing changed).
    if (recording && owner_.empty())
      if (auto error = begin_record()) return conclude(PassStatus::Failed, error);
    auto part_start = std::chrono::steady_clock::now();
    gate.set_phase("while counting");
    ctx.pace = [&, part_start]() mutable -> std::optional<Error> {
      gate.rest_after(std::chrono::steady_clock::now() - part_start, options.nice_ratio);
      const auto verdict = gate.wait();
      part_start = std::chrono::steady_clock::now();
      if (verdict == ThrottleGate::Verdict::Stopped)
        return Error{ErrorKind::Interrupted, "stopped by a signal while counting; nothing changed"};
      if (verdict == ThrottleGate::Verdict::TooLong)
        return Error{ErrorKind::Throttled,
                     "waited more than the throttle's max_wait while counting (" +
                         gate.last_reasons() + "); nothing changed, the next pass tries again"};
      if (verdict == ThrottleGate::Verdict::Misconfigured)
        return Error{ErrorKind::Config,
                     "the throttle cannot be read: " + gate.last_reasons() + "; nothing changed"};
      return std::nullopt;
    };
  }
  auto plan = connector.plan(policy, ctx);
  ctx.pace = nullptr;
  gate.set_phase("between batches");
  o.throttle_waited = gate.waited().count();
  o.throttle_by_reason = gate.waited_by_reason();
  if (!plan) {
    const auto kind = plan.error().kind;
    const bool ended = kind == ErrorKind::Interrupted || kind == ErrorKind::Throttled;
    return conclude(ended ? PassStatus::Interrupted : PassStatus::Failed, plan.error());
  }
  o.plan = std::move(plan.value());
  o.counted = true;
  o.plan.warnings.insert(o.plan.warnings.end(), notice_warnings.begin(), notice_warnings.end());
  // Before anything changes, and in plan too: the other stores open and say what they will do.
  if (ctx.counts_only) return conclude(PassStatus::Planned, std::nullopt);
  if (!policy.also_stores.empty())
    if (auto error = related.open(policy, options, o)) return conclude(PassStatus::Failed, error);
  // What the count could not read may hold expired records: the pass does the rest, then fails
  // (never an "ok" over a promise it could not check).
  auto unread_failure = [&]() -> std::optional<Error> {
    if (o.plan.unread_parts == 0) return std::nullopt;
    return Error{ErrorKind::Io, connectors::error_prefix(policy.store, policy.name) +
                                    "could not read " + o.plan.unread_words +
                                    ": the expired records there, if any, are neither counted nor "
                                    "acted on; give the service read access, or narrow the "
                                    "policy to leave them out"};
  };
  // Records whose notice could not be sent are kept, and the pass says so: never silent.
  auto notice_failure = [&]() -> std::optional<Error> {
    if (!o.notices || o.notices->failed == 0) return std::nullopt;
    return Error{ErrorKind::NoticeFailed,
                 with_thousands(o.notices->failed) +
                     (o.notices->failed == 1 ? " notice could not be sent; its record is kept"
                                             : " notices could not be sent; their records are "
                                               "kept") +
                     " and the next pass tries again"};
  };
  // "1 selected row has", "3 selected rows have".
  auto counted = [&](long long n) {
    std::string unit = o.plan.unit;
    if (n == 1 && !unit.empty() && unit.back() == 's') unit.pop_back();
    return with_thousands(n) + " selected " + unit + (n == 1 ? " has" : " have");
  };
  if (o.plan.undated > 0)
    o.plan.warnings.push_back(counted(o.plan.undated) +
                              " no usable date (NULL or unreadable); kept");
  if (o.plan.future > 0)
    o.plan.warnings.push_back(counted(o.plan.future) + " a date after " +
                              format_timestamp(o.cutoff.now) + "; kept");
  if (o.plan.unread_parts > 0)
    o.plan.warnings.push_back("could not read " + o.plan.unread_words +
                              ": what it holds is neither counted nor acted on" +
                              (dry ? "" : "; the pass fails once the rest is done"));

  auto guard = policies::check_guard(policy.max_affected, o.plan.matched, o.plan.total, o.plan.unit,
                                     connectors::any_unit_estimated(o.plan.partitions));
  if (!guard.allowed) {
    o.plan.warnings.push_back(guard.reason);
    // No failure (deployment.md): the guard did its job; the operator decides.
    if (!options.dry_run) spdlog::warn("policy '{}': {}", policy.name, guard.reason);
    return conclude(PassStatus::Refused, Error{ErrorKind::RefusedByGuard, guard.reason});
  }
  if (dry) {
    if (!options.dry_run)
      o.plan.warnings.push_back("the policy says dry_run: true, so it was only planned");
    else if (policy.dry_run)  // a plan of it: what it shows is not what enforce will do
      o.plan.warnings.push_back(
          "the policy says dry_run: true: enforce and serve only plan it, nothing goes until it "
          "is removed");
    return conclude(PassStatus::Planned, std::nullopt);
  }
  // Tables detached by earlier passes may be due to go even when no row has expired since.
  if (o.plan.matched == 0 && o.plan.start.kind != connectors::Cursor::Kind::Partitions) {
    // Said in the journal too, so that every pass leaves a line saying what it found.
    spdlog::info("policy '{}': nothing expired before {} (store '{}')", policy.name,
                 format_timestamp(o.cutoff.cutoff), policy.store);
    if (auto failure = notice_failure()) return conclude(PassStatus::Failed, failure);
    if (auto failure = unread_failure()) return conclude(PassStatus::Failed, failure);
    return conclude(PassStatus::Ok, std::nullopt);
  }

  std::optional<JournalOfPass> journal;
  if (recording) {
    if (auto error = begin_record()) return conclude(PassStatus::Failed, error);
    journal.emplace(*state_, policy.name, lock_ ? &*lock_ : nullptr, o);
    ctx.journal = &*journal;
  }
  if (!policy.also_stores.empty()) {
    ctx.related = &related;
    if (recording) {
      related.on_pending([&](const std::string& pending) {
        RecordUpdate u;
        u.also_pending = pending;
        PassJournal(*state_).update(policy.name, owner_, u);
      });
      related.on_removed([&](const std::string& record) {
        RecordUpdate u;
        u.also_stores = record;
        u.also_pending = "";
        PassJournal(*state_).update(policy.name, owner_, u);
      });
    }
  }

  spdlog::info("policy '{}': {} {} expired before {} (store '{}')", policy.name,
               policy.action == policies::Action::Delete ? "deleting" : "anonymising",
               policies::counted(o.plan.matched, o.plan.unit), format_timestamp(o.cutoff.cutoff),
               policy.store);
  // "about 62,133 rows" when a whole partition's estimate is in the count, as the report says.
  auto done_so_far = [&] {
    return (connectors::any_unit_estimated(o.partitions_done) ? "about " : "") +
           policies::counted(o.affected, o.plan.unit);
  };
  const auto pass_start = std::chrono::steady_clock::now();
  // The progress line's rate and time left leave out the time waited for the throttle: a wait
  // says nothing of how fast the rows go, nor of how long the next one will be.
  const auto waited_before = gate.waited();
  const auto budget = policy.batch_budget.value_or(options.batch_budget);
  long long size = std::min(options.first_batch, options.max_batch);
  BatchSizer sizer(budget, options.max_batch);
  connectors::Cursor cursor = o.plan.start;
  bool hold_added_said = false;      // the report's warning, once
  std::optional<Error> left_behind;  // expired records a batch had to leave (BatchResult)
  while (true) {
    if (options.stop && options.stop->load()) {
      return conclude(PassStatus::Interrupted,
                      Error{ErrorKind::Interrupted, "stopped by a signal after " + done_so_far() +
                                                        "; the next pass finishes the work"});
    }
    long long room = guard.limit - o.affected;
    // Dropping a table an earlier pass detached, or a partition counted empty, removes no row
    // of the policy's table (the connector re-counts a partition and refuses one that holds
    // more than the room left).
    const bool rowless_unit = [&] {
      if (cursor.kind != connectors::Cursor::Kind::Partitions ||
          cursor.position >= static_cast<long long>(cursor.units.size()))
        return false;
      const auto& step = cursor.units[cursor.position];
      return step.kind == connectors::PartitionStep::Kind::DropDetached ||
             (step.rows == 0 && !step.estimated);
    }();
    if (room <= 0 && !rowless_unit) {
      // Said only when the count left something: records that expired since it wait anyway.
      if (o.affected < o.plan.matched)
        o.plan.warnings.push_back("stopped at the max_affected limit of " +
                                  with_thousands(guard.limit) + " " + o.plan.unit +
                                  "; the rest waits for the next pass");
      break;  // ended as every pass does: its log line, and a failure a batch left, said
    }
    const auto verdict = gate.wait();
    o.throttle_waited = gate.waited().count();
    o.throttle_by_reason = gate.waited_by_reason();
    if (verdict == ThrottleGate::Verdict::Stopped) continue;  // the stop check above ends the pass
    if (verdict == ThrottleGate::Verdict::Misconfigured)
      return conclude(
          PassStatus::Failed,
          Error{ErrorKind::Config, "the throttle cannot be read: " + gate.last_reasons() +
                                       "; stopped after " + done_so_far()});
    if (verdict == ThrottleGate::Verdict::TooLong)
      return conclude(
          PassStatus::Interrupted,
          Error{ErrorKind::Throttled, "waited " + std::to_string(std::llround(o.throttle_waited)) +
                                          " s in all for the throttle (" + gate.last_reasons() +
                                          "), more than its max_wait; interrupted after " +
                                          done_so_far() + ", the next pass finishes the work"});
    // A partition goes whole or not at all: its batch may take all the room the guard leaves
    // (the connector refuses one that holds more), and says nothing about the next batch's size.
    const bool unit = cursor.kind == connectors::Cursor::Kind::Partitions;
    const long long limit = unit ? std::max(room, 0LL) : std::min(size, room);
    // A hold added while the pass runs (by an operator, from another host sharing the state)
    // binds from the next batch on: the keys held are read again before each one. A hold
    // removed meanwhile still binds until the pass ends (it was counted as held).
    if (state_) {
      try {
        if (add_new_holds(policy, ctx)) {
          spdlog::info(
              "policy '{}': a legal hold was added during the pass; it binds from this "
              "batch on",
              policy.name);
          if (!hold_added_said)
            o.plan.warnings.push_back(
                "a legal hold was added during the pass: the records it holds that were still "
                "there at the next batch are kept (counted as matched, not as held); one the "
                "batch in flight had already removed is gone, as 'hold add' said");
          hold_added_said = true;
        }
      } catch (const std::exception& e) {
        return conclude(
            PassStatus::Failed,
            Error{ErrorKind::Io, "cannot read the legal holds again: " + std::string(e.what()) +
                                     "; stopped after " + done_so_far() +
                                     ", the next pass finishes the work"});
      }
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto batch = connector.apply_batch(policy, ctx, cursor, limit);
    const auto took = std::chrono::steady_clock::now() - t0;
    if (!batch) {
      Error error = batch.error();
      if (journal && journal->failure()) {
        // The intent could not be written, so the store rolled the batch back.
        return conclude(
            PassStatus::Failed,
            Error{ErrorKind::Io, *journal->failure() + "; the batch was rolled back, the next pass "
                                                       "finishes the work"});
      }
      // A lost COMMIT, or a files batch stopped half-way: count what the store really did.
      if (recording) settle_failed_batch(policy, connector, ctx, o);
      if (error.kind == ErrorKind::Interrupted) return conclude(PassStatus::Interrupted, error);
      if (error.kind == ErrorKind::RefusedByGuard) {
        // A partition the guard's room cannot take whole (more rows than counted at the plan):
        // the pass stops at the limit as it does between batches, and the next one goes on.
        o.plan.warnings.push_back("stopped at the max_affected limit of " +
                                  with_thousands(guard.limit) + " " + o.plan.unit + ": " +
                                  error.message + "; the rest waits for the next pass");
        spdlog::warn("policy '{}': {}", policy.name, o.plan.warnings.back());
        break;
      }
      if (error.kind == ErrorKind::StoreUnreachable) {
        // The connector has already tried to reconnect.
        error.message +=
            "; interrupted after " + done_so_far() + ", the next pass finishes the work";
        return conclude(PassStatus::Interrupted, error);
      }
      return conclude(PassStatus::Failed, error);
    }
    const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took);
    o.longest_batch = std::max(o.longest_batch, took_ms);
    spdlog::debug("policy '{}': batch {} of at most {}: {} {} in {} ms", policy.name, o.batches + 1,
                  limit, batch->affected, o.plan.unit, took_ms.count());
    o.affected += batch->affected;
    if (batch->left_behind) left_behind = batch->left_behind;
    o.partitions_done.insert(o.partitions_done.end(), batch->units.begin(), batch->units.end());
    // A batch that changed nothing and ends at the key it started after would be asked again
    // forever: the key does not read back as the store compares it (a REAL with more digits
    // than its text, a BLOB, blank text). Said, never spun on.
    const auto last_before = cursor.last_key();
    const auto last_after = batch->next.last_key();
    if (!batch->done && batch->affected == 0 && last_before && last_after &&
        *last_before == *last_after)
      return conclude(
          PassStatus::Failed,
          Error{ErrorKind::QueryFailed,
                connectors::error_prefix(policy.store, policy.name) +
                    "the batches do not move past a value of " +
                    (policy.key.empty() ? std::string("the key column")
                                        : "the key column '" + policy.key + "'") +
                    ": it does not read back as the store compares it (a floating-point number, "
                    "a BLOB, text that is not UTF-8?); stopped after " +
                    done_so_far() +
                    ", the other records wait. Set 'key:' to a column of integers, "
                    "text or UUIDs"});
    cursor = batch->next;
    ++o.batches;
    gate.rest_after(took, options.nice_ratio);
    if (recording) {
      try {
        PassJournal(*state_).batch_done(policy.name, owner_, o.affected,
                                        record_update(o, !batch->units.empty()));
      } catch (const std::exception& e) {
        // The store committed; the intent stays, and the next pass counts this batch.
        return conclude(PassStatus::Failed,
                        Error{ErrorKind::Io, std::string(e.what()) +
                                                 "; the pass stops here, the next pass records "
                                                 "this batch and finishes the work"});
      }
    }
    if (options.on_progress)
      options.on_progress(Progress{
          o.policy, o.affected, o.plan.matched,
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              std::chrono::steady_clock::now() - pass_start - (gate.waited() - waited_before)),
          o.plan.unit});
    if (batch->done) break;
    if (!unit) size = sizer.next(limit, took);
  }
  spdlog::info("policy '{}': {} {} in {} {} (longest {} ms, budget {} ms)", policy.name,
               policy.action == policies::Action::Delete ? "deleted" : "anonymised",
               policies::counted(o.affected, o.plan.unit), o.batches,
               o.batches == 1 ? "batch" : "batches", o.longest_batch.count(), budget.count());
  if (auto failure = notice_failure()) return conclude(PassStatus::Failed, failure);
  if (left_behind) return conclude(PassStatus::Failed, left_behind);
  if (auto failure = unread_failure()) return conclude(PassStatus::Failed, failure);
  return conclude(PassStatus::Ok, std::nullopt);
}

}  // namespace retentiond::daemon
