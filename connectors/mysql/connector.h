// The mysql store (MySQL 8 and MariaDB, through MariaDB Connector/C): tables, optionally
// database-qualified, with integer, text or UUID keys. Each batch is one short transaction whose
// statement re-checks expiry, `where` and holds. A policy that only deletes, on an integer key,
// walks spans of the key (one DELETE ... ORDER BY key LIMIT n per batch); the others walk keyset
// ranges (a SELECT of the next range's last key, then the action on that range). A lost
// connection is retried with backoff; lock waits are bounded by innodb_lock_wait_timeout.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "connectors/batch_evidence.h"
#include "connectors/mysql/connection.h"
#include "connectors/mysql/partitions.h"
#include "connectors/mysql/statements.h"
#include "connectors/sql/server_connector.h"

namespace retentiond::connectors::mysql {

class MysqlConnector : public sql::ServerConnector {
 public:
  using ServerConnector::ServerConnector;

  std::string_view type() const override { return "mysql"; }
  Result<std::vector<policies::Diagnostic>> check(const Policy& policy) override;
  Result<PlanStats> plan(const Policy& policy, const PassContext& ctx) override;
  Result<std::optional<std::string>> find_key(const Policy& policy,
                                              const std::string& key) override;
  Result<std::vector<NoticeCandidate>> notice_candidates(
      const Policy& policy, const PassContext& ctx, policies::TimePoint notice_cutoff) override;
  Result<BatchResult> apply_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                  long long limit) override;
  // Counts the expired records left in the batch's key range: as many as before its COMMIT
  // means it committed.
  Result<long long> reconcile(const Policy& policy, const PassContext& ctx,
                              const BatchIntent& intent) override;

 private:
  Result<void> connect(AccessMode mode) override;
  void forget() override { prepared_.clear(); }

  struct Prepared {
    MyStatements statements;
    bool integer_key = false;
    std::string key_column;  // unquoted; empty without a key (delete-only, LIMIT n)
  };
  Result<Prepared> prepared(const Policy& policy, bool operator_holds);
  std::vector<Value> values_for(const sql::Sql& s, const PassContext& ctx, bool integer_key,
                                const std::map<std::string, std::string>& extra) const;
  // Values of the anonymisation parameters; throws std::runtime_error for an unreadable key file.
  std::map<std::string, std::string> anonymise_values(const Policy& policy,
                                                      const PassContext& ctx) const;
  Error query_error(const Policy& policy, const MysqlError& e) const;
  // Runs one batch in its own transaction: commits what `batch` did, rolls back on an error, and
  // after a lost connection reconnects and runs it once more, unless the batch had announced
  // itself (its COMMIT may have been lost: the pass reconciles it instead).
  Result<BatchResult> in_transaction(const Policy& policy,
                                     const std::function<BatchResult()>& batch);
  // Inside the batch's transaction, before COMMIT: records its intent in ctx's journal, with
  // the expired records `count` finds left in `range`, and returns that count (0 without a
  // journal).
  // Warns, once per policy, that an UPDATE matched `rows` rows it did not change: they held the
  // values already, in the column's own type, though the "already anonymised" test read them as
  // different; rows anonymised, but matched and counted as left by every pass.
  void tell_unchanged(const Policy& policy, long long rows);
  long long announce(const PassContext& ctx, const sql::Sql& count, bool integer_key,
                     const std::map<std::string, std::string>& extra, long long affected,
                     KeyRange range);
  // The same for a keyless batch whose count of the records left is known already.
  void announce_remaining(const PassContext& ctx, long long affected, long long remaining);
  // One batch of a keyset walk: a SELECT of the next range's last key, then the action on it.
  Result<BatchResult> keyset_batch(const Policy& policy, const PassContext& ctx,
                                   const MyStatements& s, bool integer_key,
                                   std::map<std::string, std::string> extra, const Cursor& from,
                                   long long limit);
  // One batch of a key walk (MyStatements::key_walk): the next span of keys of the walk `from`
  // (a Span cursor) carries, sized so that it holds about `limit` expired rows.
  Result<BatchResult> walk_batch(const Policy& policy, const PassContext& ctx,
                                 const MyStatements& s, std::map<std::string, std::string> extra,
                                 const Cursor& from, long long limit);
  // One batch on a table without a key (MyStatements::keyless): at most `limit` expired rows.
  Result<BatchResult> keyless_batch(const Policy& policy, const PassContext& ctx,
                                    const MyStatements& s, std::map<std::string, std::string> extra,
                                    long long limit);

  // `partitions: drop` or `detach` (connectors/mysql/partition_pass.cc): the steps of the
  // table's partitions, or nullopt with a warning in `stats` saying why every row goes through
  // row deletion.
  std::optional<std::vector<PartitionStep>> partition_layout(const Policy& policy,
                                                             const PassContext& ctx,
                                                             const HeldLook& held,
                                                             PlanStats& stats);
  // The plan's counting statements restricted to the partitions whose bounds do not tell all
  // (PartitionStep::Range::Unknown), with empty texts when there is none.
  static MyStatements reading_partitions(const Policy& policy, const MyStatements& s,
                                         const std::vector<PartitionStep>& steps);
  // Adds to `stats` what the plan did not read: the units' and the other partitions' rows from
  // the statistics (or counted, when small), and the oldest expired row from the oldest unit.
  void add_partition_estimates(const Policy& policy, const std::vector<PartitionStep>& steps,
                               PlanStats& stats);
  // The plan's counts on a throttled store (ctx.pace) over an integer key: span after span of
  // the key, resting and waiting between them as between batches, each count a short read
  // instead of one scan as long as a plain DELETE. Fills matched, held, undated, future, total,
  // oldest and the first and last matched key; false when the key cannot be cut in spans (an
  // unsigned key past the signed range: the caller counts whole), an Error when pace says stop.
  Result<bool> plan_in_parts(const Policy& policy, const PassContext& ctx, const MyStatements& s,
                             bool integer_key, const std::map<std::string, std::string>& named,
                             PlanStats& stats, std::optional<std::string>& first_key,
                             std::optional<std::string>& last_key);
  // The units' statements first in the plan, and a cursor that acts on them before the rows.
  void plan_partition_units(const Policy& policy, const PassContext& ctx,
                            std::vector<PartitionStep> steps, PlanStats& stats);
  // The problems `check` reports for them, at the policy's `partitions:`.
  std::vector<policies::Diagnostic> check_partitions(const Policy& policy);
  // The undated records of the partitions the plan reads, through the date's index
  // (count_undated); nullopt when the plan must count them with its guard.
  std::optional<long long> undated_in_read_partitions(const Policy& policy,
                                                      const std::vector<PartitionStep>& steps);
  // One unit, or several partitions dropped by one ALTER TABLE (which commits on its own,
  // announced before), or a detached table dropped.
  Result<BatchResult> unit_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                 long long limit, const HeldLook& held);
  // The Drop units from `from` on, by one ALTER TABLE ... DROP PARTITION (at most
  // kUnitsPerAlter, within `limit` rows).
  Result<BatchResult> drop_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                 long long limit, const HeldLook& held);
  // Whether the partition change a batch announced happened (reconcile).
  Result<long long> reconcile_partition(const Policy& policy, const PartitionChange& change,
                                        long long expected);

  std::unique_ptr<Client> client_;
  std::map<std::pair<std::string, bool>, Prepared> prepared_;
  bool announced_ = false;  // the batch under way has recorded its intent (in_transaction)
  // A keyless batch's evidence is the count of the expired records left in the whole table: a
  // scan. The first batch of a pass counts them; the next ones take that count less what each
  // deleted, since the cut-off stays where it is (only another client deleting or inserting
  // expired rows meanwhile would make it drift, and then only a reconciliation after a crash
  // would be off, by at most that batch). Keyed by policy and cut-off; forgotten on any error.
  struct KeylessRemaining {
    std::string policy;
    std::string cutoff;
    long long remaining = 0;
  };
  std::optional<KeylessRemaining> keyless_remaining_;
  // What the look for undated rows needs to know of each policy's date column (partitions.h).
  std::map<std::string, std::optional<UndatedLook>> looks_;
  // Policies whose account may not LOCK TABLES: their partitions go without the lock (logged once).
  std::set<std::string> unlocked_;
  // Policies whose rows an UPDATE matched without changing them (see tell_unchanged): said once.
  std::set<std::string> told_unchanged_;
};

}  // namespace retentiond::connectors::mysql
