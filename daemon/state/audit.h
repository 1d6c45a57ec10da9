// The audit trail: one row per policy per pass, kept in the state file, never holding a key, an
// address or a name. Each row carries the SHA-256 of its own content and of the previous row's
// hash, so that an edited or removed row breaks the chain and `history --verify` shows where.
// With an audit key (`audit_key_file:`, or the systemd credential `audit-key`), rows carry an
// HMAC-SHA256 instead: rewriting the chain then needs the key. What the chain cannot show alone
// (its newest rows removed, or the whole chain recomputed) shows against a head kept elsewhere:
// every pass logs the count and head hash, which `history --verify --head` compares.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/state/state_db.h"
#include "policies/timestamp.h"

namespace retentiond::daemon {

// What a pass's audit row and its row while under way (pass_journal.h) both say: which policy,
// on which store, doing what, from which cut-off, what it matched, held and changed, and when it
// started.
struct PassFigures {
  std::string policy;
  std::string store;
  std::string action;
  policies::TimePoint cutoff;
  long long matched = 0;
  long long held = 0;
  long long affected = 0;
  policies::TimePoint started;
};

struct AuditEntry : PassFigures {
  long long id = 0;
  policies::TimePoint finished;
  std::string outcome;      // ok, refused, failed, interrupted, dry-run
  std::string error_class;  // empty when ok; else one of connectors::error_class()
  std::string prev_hash;
  std::string hash;
  bool keyed = false;    // `hash` is an HMAC under the audit key
  long long waited = 0;  // seconds the pass waited for its store's throttle
  // The partitions the pass dropped or detached whole (`partitions: drop` or `detach`), as a JSON
  // array of {"action", "name", "bounds", "rows"}, kept beside the row (table audit_partitions)
  // and covered by its hash; empty for other passes. A pass whose process died gets those its
  // record in progress kept (daemon/engine/pass_partitions.h), its batch in flight's included
  // when the store says that batch committed.
  std::string partitions;
  // What other stores removed for the pass's records (`also:` entries with `store:`, such as a
  // Sympa store's subscriptions), as a JSON array of {"store", "sympa", "lists", "removed"} (and
  // "robot" when the rule names one), one element per rule that removed something; kept beside
  // the row (table audit_also_stores) and covered by its hash; empty when nothing was removed
  // there. Counts and list names only, never an address.
  std::string also_stores;
  // The notices the pass sent for its policy's `notify:` (and those it could not send, and the
  // records due for one without a usable address), as a JSON object {"sent", "failed",
  // "no_address"}; kept beside the row (table audit_notices) and covered by its hash; empty when
  // the pass had none of them (and for a dry run, which sends nothing). Counts only.
  std::string notices;
  // The host whose retentiond wrote the entry (gethostname), "" in entries written before
  // version 5 of the state; covered by the hash when set.
  std::string host;
};

// The hash of an entry: SHA-256 over its fields (id included) and prev_hash, or with `key` an
// HMAC-SHA256 of the same.
std::string audit_digest(const AuditEntry& e, const std::string& key = "");

inline const std::string kGenesisHash(64, '0');

// Logs the trail's head after a new entry ("audit trail: N entries, head HASH"): the journal
// keeps it outside the state file's reach, for `history --verify --entries N --head HASH`.
void log_audit_head(const AuditEntry& appended);

class AuditTrail {
 public:
  // `key`: the audit key, "" when none is configured (new rows are then plain SHA-256).
  explicit AuditTrail(StateDb& db, std::string key = "") : db_(db), key_(std::move(key)) {}

  // Appends `entry` (id, prev_hash and hash are filled in, and host when empty) and returns it
  // as stored. Runs in its own transaction unless `in_transaction` says the caller holds one.
  // Appends are serialised across hosts (StateDb::lock_audit_chain).
  AuditEntry append(AuditEntry entry, bool in_transaction = false);

  // Entries in order, optionally only one policy's and only those finished at or after `since`.
  std::vector<AuditEntry> list(const std::vector<std::string>& policies,
                               std::optional<policies::TimePoint> since) const;

  struct Verification {
    bool intact = true;
    long long rows = 0;
    long long first_bad_id = 0;
    std::string problem;
    std::string head;          // the newest entry's hash (kGenesisHash when empty)
    long long keyed_from = 0;  // the first keyed entry, 0 when none
    long long unchecked = 0;   // keyed entries whose HMAC could not be recomputed (no key given)
  };
  // A head kept outside the state file (from the journal): the trail must still hold `entries`
  // entries, and the entry with hash `hash` (entry number `entries`, when both are given).
  struct ExpectedHead {
    std::optional<std::string> hash;
    std::optional<long long> entries;
  };
  // Recomputes every hash and link from the first row; entries after a keyed one must be keyed,
  // and with a key the newest entry must be keyed.
  Verification verify(const ExpectedHead& expected = {}) const;

 private:
  StateDb& db_;
  std::string key_;
};

}  // namespace retentiond::daemon
