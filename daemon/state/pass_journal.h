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
};

// A fresh owner token for a pass of this process.
std::string new_owner_token();

class PassJournal {
 public:
  explicit PassJournal(StateFile& state) : state_(state) {}

  // Records that `r.owner` starts its batches (the caller holds the policy's lock). A row left
  // by a dead pass must have been recovered first.
  void begin(const PassRecord& r);
  // Adds to the intent of the batch in flight (BatchJournal::before_commit); with `partitions`,
  // the pass's partitions become those (the batch's own marked pending), in the same
  // transaction.
  void add_intent(const std::string& policy, const connectors::BatchIntent& intent,
                  const std::optional<std::string>& partitions = std::nullopt);
  // The batch committed in the store: the pass's count becomes `affected`, the intent goes; with
  // `partitions`, the pass's partitions become those.
  void batch_done(const std::string& policy, const std::string& owner, long long affected,
                  const std::optional<std::string>& partitions = std::nullopt);
  // Ends the pass: removes its row and appends its audit entry, in one transaction. Only the
  // owner's row is removed; a pending intent keeps the row for the next pass to reconcile (and
  // no entry is written now: returns nullopt). Returns the entry as appended.
  std::optional<AuditEntry> finish(const std::string& owner, const AuditEntry& entry);
  // Appends `entry` for a dead pass (its count reconciled) and removes its row and intent.
  AuditEntry close_dead(const PassRecord& dead, const AuditEntry& entry);

  std::optional<PassRecord> find(const std::string& policy);
  std::vector<PassRecord> list();

 private:
  std::optional<connectors::BatchIntent> intent_of(const std::string& policy);
  void set_partitions(const std::string& policy, const std::string& partitions);
  // kColumns, with '' for those a state of an older retentiond lacks.
  std::string columns();
  void remove(const std::string& policy);

  StateFile& state_;
};

}  // namespace retentiond::daemon
