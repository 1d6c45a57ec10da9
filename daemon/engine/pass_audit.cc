// How passes reach the audit trail: the entry of a finished pass, and the reconciliation of
// passes that a dead process left (their last batch asked of the store), so that the trail
// counts exactly what the stores lost. PassRunner's methods about records, apart from its run.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/engine/pass.h"
#include "daemon/engine/pass_partitions.h"
#include "daemon/engine/pass_related.h"
#include "daemon/state/audit.h"
#include "daemon/state/pass_journal.h"
#include "daemon/state/pass_lock.h"

namespace retentiond::daemon {
namespace {

using connectors::Error;
using policies::format_timestamp;
using policies::with_thousands;

std::string outcome_word(const PassOutcome& o) {
  // A pass only planned because the policy says dry_run: true.
  if (o.status == PassStatus::Planned) return "dry-run";
  return std::string(status_name(o.status));
}

// The fields an audit row shares with the journal's record of its pass.
AuditEntry entry_from(const PassRecord& r) {
  AuditEntry e;
  static_cast<PassFigures&>(e) = r;
  return e;
}

// The notices part of an audit row (AuditEntry::notices): "" when the pass sent none, failed
// none and found none without an address, and for a dry run (its counts say what would go).
std::string notices_json(const PassOutcome& o) {
  if (!o.notices || o.notices->dry) return "";
  const NoticeCounts& n = *o.notices;
  if (n.sent == 0 && n.failed == 0 && n.no_address == 0) return "";
  return nlohmann::json{{"sent", n.sent}, {"failed", n.failed}, {"no_address", n.no_address}}
      .dump();
}

AuditEntry entry_for(const PassOutcome& o) {
  AuditEntry e = entry_from(journal_record(o));
  e.affected = o.affected;
  e.finished = o.finished;
  e.outcome = outcome_word(o);
  e.error_class = o.error ? std::string(connectors::error_class(o.error->kind)) : "";
  e.waited = static_cast<long long>(o.throttle_waited + 0.5);
  e.partitions = partitions_json(o.partitions_done);
  e.also_stores = o.also_stores_record;
  e.notices = notices_json(o);
  return e;
}

AuditEntry entry_for_dead(const PassRecord& dead, long long reconciled) {
  AuditEntry e = entry_from(dead);
  e.affected = dead.affected + reconciled;
  // A batch of partitions goes whole or not at all: any change means all of it.
  e.partitions = settled_partitions(dead.partitions, reconciled > 0);
  // Another store's removals committed on their own, before the batch's: they stand either way.
  // A removal announced but not recorded as done: whether that store committed it is not known.
  e.also_stores = with_unconfirmed(dead.also_stores, dead.also_pending);
  e.waited = dead.waited;
  // The host that ran it, not the one recording it.
  e.host = owner_host(dead.owner);
  e.finished = dead.updated;
  e.outcome = "interrupted";
  e.error_class = "interrupted";
  return e;
}

void log_recovered(const AuditEntry& e, const PassRecord& dead) {
  spdlog::warn(
      "policy '{}': a pass started {} did not finish ({}); recorded as interrupted after {} "
      "affected; this pass completes the work",
      e.policy, format_timestamp(e.started),
      // This process's own: a pass whose end could not be recorded (the state was unreachable).
      owned_by_this_process(dead.owner) ? "this process could not record its end"
                                        : "its process ended",
      with_thousands(e.affected));
}

}  // namespace

PassRecord journal_record(const PassOutcome& o) {
  PassRecord r;
  r.policy = o.policy;
  r.store = o.store;
  r.action = std::string(policies::action_name(o.action));
  r.cutoff = o.cutoff.cutoff;
  r.matched = o.plan.matched;
  r.held = o.plan.held;
  r.started = o.started;
  return r;
}

void PassRunner::finish(PassOutcome& o) {
  if (!state_ || !record_) return;
  try {
    const auto done = PassJournal(*state_).finish(owner_, entry_for(o));
    if (done.recorded_by_another) {
      const std::string said = "another process recorded this pass as interrupted after " +
                               with_thousands(*done.recorded_by_another) + " " +
                               std::string(o.plan.unit) +
                               " (this process's lease on the shared state was lost meanwhile); " +
                               (done.appended ? "the " + with_thousands(done.appended->affected) +
                                                    " changed after that are recorded now"
                                              : "nothing was changed after that");
      spdlog::warn("policy '{}': {}", o.policy, said);
      o.plan.warnings.push_back(said);
    }
    if (done.appended)
      log_audit_head(*done.appended);
    else if (done.pending_intent)
      spdlog::warn(
          "policy '{}': whether the last batch committed is not known yet; the next pass asks the "
          "store and records this pass as interrupted with the exact count",
          o.policy);
  } catch (const std::exception& e) {
    // The report still tells what happened and the next pass records the pass from its row;
    // until then the trail lacks it, so the pass does not end well (enforce exits non-zero).
    const std::string said =
        "the outcome of this pass could not be recorded: " + std::string(e.what()) +
        "; the next pass records it from the state's record of it";
    spdlog::critical("policy '{}': {}", o.policy, said);
    if (o.status == PassStatus::Ok || o.status == PassStatus::Planned) {
      o.status = PassStatus::Failed;
      o.error = connectors::Error{connectors::ErrorKind::Io, said};
    }
    o.plan.warnings.push_back("error (io): " + said);
  }
}

void PassRunner::recover_interrupted() {
  if (!state_ || !record_) return;
  try {
    PassJournal journal(*state_);
    for (const auto& dead : journal.list()) {
      if (dead.intent) continue;  // its policy's next pass asks the store about the last batch
      auto lock = PassLock::try_acquire(*state_, dead.policy);
      if (!lock) continue;                     // alive: its owner holds the lock
      auto again = journal.find(dead.policy);  // it may have ended between list() and the lock
      if (!again || again->intent) continue;
      const AuditEntry e = journal.close_dead(*again, entry_for_dead(*again, 0));
      log_recovered(e, *again);
      log_audit_head(e);
    }
  } catch (const std::exception& e) {
    spdlog::error("cannot recover the passes left in progress: {}", e.what());
  }
}

std::optional<Error> PassRunner::recover_dead(const policies::Policy& policy,
                                              connectors::Connector& connector) {
  PassJournal journal(*state_);
  auto dead = journal.find(policy.name);
  if (!dead) return std::nullopt;
  long long reconciled = 0;
  if (dead->intent) {
    // The batch was judged at the dead pass's cut-off: ask about it at the same one.
    connectors::PassContext ctx = context(policy, policies::Cutoff{clock_->now(), dead->cutoff});
    auto n = connector.reconcile(policy, ctx, *dead->intent);
    if (!n)
      return Error{n.error().kind,
                   "the pass started " + format_timestamp(dead->started) +
                       " ended in the middle of a batch and the store cannot tell yet whether "
                       "that batch committed (" +
                       n.error().message + "); nothing is changed until it can"};
    reconciled = n.value();
    spdlog::info(
        "policy '{}': the last batch of the interrupted pass changed {} of its {} records (as "
        "store '{}' "
        "tells)",
        policy.name, with_thousands(reconciled), with_thousands(dead->intent->expected),
        policy.store);
  }
  const AuditEntry e = journal.close_dead(*dead, entry_for_dead(*dead, reconciled));
  log_recovered(e, *dead);
  log_audit_head(e);
  return std::nullopt;
}

void PassRunner::settle_failed_batch(const policies::Policy& policy,
                                     connectors::Connector& connector,
                                     const connectors::PassContext& ctx, PassOutcome& o) {
  try {
    PassJournal journal(*state_);
    auto record = journal.find(policy.name);
    if (!record || !record->intent) return;  // it failed before announcing itself: nothing changed
    auto n = connector.reconcile(policy, ctx, *record->intent);
    if (!n) {
      o.plan.warnings.push_back("whether the last batch committed cannot be told now (" +
                                n.error().message +
                                "); the next pass asks the store again and records it");
      return;
    }
    o.affected += n.value();
    // The batch's partitions, if it had any, went with it or stayed (whole or not at all).
    if (n.value() > 0) {
      auto went = pending_partitions(record->partitions);
      o.partitions_done.insert(o.partitions_done.end(), went.begin(), went.end());
    }
    RecordUpdate change;
    if (!record->partitions.empty()) change.partitions = partitions_json(o.partitions_done);
    if (!o.also_stores_record.empty()) change.also_stores = o.also_stores_record;
    journal.batch_done(policy.name, owner_, o.affected, change);
  } catch (const std::exception& e) {
    o.plan.warnings.push_back(std::string(e.what()) + "; the next pass reconciles the last batch");
  }
}

}  // namespace retentiond::daemon
