// The passes under way, as the state file records them: which process runs each policy's pass
// (its owner token), how many records it has changed so far, and the batch whose store commit
// may be in flight (its intent, written before the store commits). A pass's row exists only
// while its batches run; its owner holds the policy's PassLock all along. After a crash the
// row and the intent are what the next pass reconciles, so that the audit trail counts exactly
// what the store lost. Every method throws StateError (naming the state file) on failure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "daemon/state/audit.h"
#include "daemon/state/state.h"

namespace retentiond::daemon {

// Its `affected`: committed in the store and recorded, batch by batch.
struct PassRecord : PassFigures {
  policies::TimePoint updated;
  long long pid = 0;
  std::string owner;                              // "host:pid:random", unique to one pass
  std::optional<connectors::BatchIntent> intent;  // a batch that may or may not have committed
  // The partitions the pass has dropped or detached whole, as a JSON array (pass_partitions.h);
  // the in-flight batch's marked pending. Empty when there are none.
  std::string partitions;
  // What other stores have removed for the pass so far (AuditEntry::also_stores), including the
  // batch in flight's (the other store commits first, in a transaction of its own).
  std::string also_stores;
  // What another store is about to commit for the batch in flight (the same form, its count
  // only), written before that store's COMMIT and cleared once also_stores has it: left set by
  // a process that died in between, when whether it committed is not known.
  std::string also_pending;
  long long waited = 0;  // seconds waited for the store's throttle so far
};

// What a write to a pass's record changes besides its count: each field given replaces the
// record's.
struct RecordUpdate {
  std::optional<long long> matched;  // the plan's figures, for a record begun before the count
  std::optional<long long> held;
  std::optional<std::string> partitions;
  std::optional<std::string> also_stores;
  std::optional<std::string> also_pending;
  std::optional<long long> waited;
};

// A fresh owner token for a pass of this process.
std::string new_owner_token();
// The host an owner token names ("" for a record of an older retentiond, which had none).
std::string owner_host(const std::string& token);
// The process an owner token names, "host:pid".
std::string owner_process(const std::string& token);
// Whether the token is one of this process's own passes.
bool owned_by_this_process(const std::string& token);
// Whether the token is a pass of a process of this host.
bool owned_by_this_host(const std::string& token);

class PassJournal {
 public:
  explicit PassJournal(StateFile& state) : state_(state) {}

  // Records that `r.owner` starts its batches (the caller holds the policy's lock). A row left
  // by a dead pass must have been recovered first.
  void begin(const PassRecord& r);
  // Adds to the intent of the batch in flight (BatchJournal::before_commit) and applies `update`
  // in the same transaction (the partitions then include the batch's own, marked pending).
  void add_intent(const std::string& policy, const connectors::BatchIntent& intent,
                  const RecordUpdate& change = {});
  // The batch committed in the store: the pass's count becomes `affected`, the intent goes, and
  // `update` applies.
  void batch_done(const std::string& policy, const std::string& owner, long long affected,
                  const RecordUpdate& change = {});
  // Applies `update` to the owner's record (between batches: the time waited so far).
  void update(const std::string& policy, const std::string& owner, const RecordUpdate& change);
  // How finish() ended.
  struct Finished {
    std::optional<AuditEntry> appended;  // the entry as appended, if one was
    bool pending_intent = false;         // the row stays for the next pass to reconcile
    // The row was gone: another process found the pass dead (its lease lost) and recorded it as
    // interrupted with this count; only what this process did after that was appended.
    std::optional<long long> recorded_by_another;
  };
  // Ends the pass: removes its row and appends its audit entry, in one transaction. Only the
  // owner's row is removed; a pending intent keeps the row for the next pass to reconcile (and
  // no entry is written now). A row another process has already closed as dead is not counted
  // twice: only the records changed beyond the count it recorded are appended, if any.
  Finished finish(const std::string& owner, const AuditEntry& entry);
  // Appends `entry` for a dead pass (its count reconciled) and removes its row and intent.
  AuditEntry close_dead(const PassRecord& dead, const AuditEntry& entry);

  std::optional<PassRecord> find(const std::string& policy);
  std::vector<PassRecord> list();

 private:
  std::optional<connectors::BatchIntent> intent_of(const std::string& policy);
  // The entry another process appended for this owner's pass when it found it dead.
  std::optional<AuditEntry> closed_as_dead(const std::string& owner, const AuditEntry& entry);
  void apply(const std::string& policy, const RecordUpdate& change);
  // kColumns, with '' for those a state of an older retentiond lacks.
  std::string columns();
  void remove(const std::string& policy);

  StateFile& state_;
};

}  // namespace retentiond::daemon
