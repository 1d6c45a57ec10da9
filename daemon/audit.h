// The audit trail: one row per policy per pass, kept in the state file, never holding a key, an
// address or a name. Each row carries the SHA-256 of its own content and of the previous row's
// hash, so that an edited or removed row breaks the chain and `history --verify` shows where.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/sqlite/database.h"
#include "policies/timestamp.h"

namespace retentiond::daemon {

struct AuditEntry {
  long long id = 0;
  std::string policy;
  std::string store;
  std::string action;
  policies::TimePoint cutoff;
  long long matched = 0;
  long long held = 0;
  long long affected = 0;
  policies::TimePoint started;
  policies::TimePoint finished;
  std::string outcome;      // ok, refused, failed, interrupted, dry-run
  std::string error_class;  // empty when ok; else one of connectors::error_class()
  std::string prev_hash;
  std::string hash;
};

// The hash of an entry: SHA-256 over its fields (id included) and prev_hash.
std::string audit_digest(const AuditEntry& e);

inline const std::string kGenesisHash(64, '0');

class AuditTrail {
 public:
  explicit AuditTrail(connectors::sqlite::Database& db) : db_(db) {}

  // Appends `entry` (id, prev_hash and hash are filled in) and returns it as stored. Runs in its
  // own transaction unless `in_transaction` says the caller holds one.
  AuditEntry append(AuditEntry entry, bool in_transaction = false);

  // Entries in order, optionally only one policy's and only those finished at or after `since`.
  std::vector<AuditEntry> list(const std::vector<std::string>& policies,
                               std::optional<policies::TimePoint> since) const;

  struct Verification {
    bool intact = true;
    long long rows = 0;
    long long first_bad_id = 0;
    std::string problem;
  };
  // Recomputes every hash and link from the first row.
  Verification verify() const;

 private:
  connectors::sqlite::Database& db_;
};

}  // namespace retentiond::daemon
