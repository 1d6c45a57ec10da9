// The postgresql store (libpqxx): tables, optionally schema-qualified, with integer, text or UUID
// keys. Each batch is one short transaction whose statement re-checks expiry, `where` and holds.
// A policy that only deletes walks the table's blocks in physical order (a DELETE of a range of
// blocks per batch, the same scan as a plain DELETE); the others walk keyset ranges on the key
// (a SELECT of the next range's last key, then the action on that range). A lost connection is
// retried with backoff; lock waits are bounded by lock_timeout.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "connectors/postgresql/statements.h"
#include "connectors/sql/catalog.h"
#include "connectors/sql/server_connector.h"

namespace retentiond::connectors::postgresql {

class PostgresqlConnector : public sql::ServerConnector {
 public:
  using ServerConnector::ServerConnector;

  std::string_view type() const override { return "postgresql"; }
  Result<std::vector<policies::Diagnostic>> check(const Policy& policy) override;
  Result<PlanStats> plan(const Policy& policy, const PassContext& ctx) override;
  Result<std::optional<std::string>> find_key(const Policy& policy,
                                              const std::string& key) override;
  Result<std::vector<NoticeCandidate>> notice_candidates(
      const Policy& policy, const PassContext& ctx, policies::TimePoint notice_cutoff) override;
  Result<BatchResult> apply_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                  long long limit) override;
  // Asks the server whether the batch's transaction (its id, recorded before COMMIT) committed.
  Result<long long> reconcile(const Policy& policy, const PassContext& ctx,
                              const BatchIntent& intent) override;

 private:
  Result<void> connect(AccessMode mode) override;
  void forget() override { prepared_.clear(); }

  struct Prepared {
    PgStatements statements;
    bool integer_key = false;
    bool keyless = false;  // no key column: rows are walked by block, ctid stands in for the key
    std::string table_oid;
    // What built the statements, for those of one partition (partition_statements).
    std::string key_column;
    bool stored_table = false;
    std::shared_ptr<const sql::PolicyTables> tables;
  };
  // Describes the policy's tables and builds its statements (cached per policy and holds).
  Result<Prepared> prepared(const Policy& policy, bool operator_holds);
  // Values of every named parameter; throws std::runtime_error for an unreadable hmac key file.
  std::map<std::string, std::string> bindings(const Policy& policy, const PassContext& ctx) const;
  Error query_error(const Policy& policy, const std::exception& e) const;
  // PassContext::counts_only: matched, held and oldest from PgStatements::tally alone.
  Result<PlanStats> tally(const Policy& policy, const sql::Sql& tally,
                          const std::map<std::string, std::string>& values);
  // The plan's counts of the table `s` is about (the policy's, or one of its partitions), added
  // to `stats` and `walk`: in one statement, or through plan_in_parts when ctx paces the store.
  std::optional<Error> count_rows(const Policy& policy, const PgStatements& s,
                                  const std::map<std::string, std::string>& values,
                                  const PassContext& ctx, PlanStats& stats, sql::Walk& walk);
  // The plan's counts over the table's blocks in parts of kPlanPartBlocks, each its own
  // transaction, with ctx.pace between them (a throttled store: a long counting scan rests and
  // waits like the batches). An error when pace says stop; `stats` and `walk` summed otherwise.
  std::optional<Error> plan_in_parts(const Policy& policy, const PgStatements& s,
                                     const std::map<std::string, std::string>& values,
                                     const PassContext& ctx, PlanStats& stats, sql::Walk& walk);
  // One batch of a block walk (PgStatements::block_walk): the next range of blocks of the walk
  // `from` (a Block cursor) carries.
  Result<BatchResult> walk_batch(const Policy& policy, const PassContext& ctx,
                                 const PgStatements& s, std::map<std::string, std::string> values,
                                 const Cursor& from, long long limit);
  // `partitions: drop` or `detach` (connectors/postgresql/partition_pass.cc): the steps of the
  // table's partitions, or nullopt with a warning in `stats` saying why every row goes through
  // row deletion.
  std::optional<std::vector<PartitionStep>> partition_layout(const Policy& policy,
                                                             const PassContext& ctx,
                                                             const Prepared& p, PlanStats& stats);
  // The plan's counts, partition by partition: the units and the partitions whose bounds tell
  // all (PartitionStep::Range) from the statistics, the others read (in parts, paced, on a
  // throttled store). `steps` get their counts. An error when pace says stop.
  std::optional<Error> count_partitions(const Policy& policy, const PassContext& ctx,
                                        const Prepared& p,
                                        const std::map<std::string, std::string>& values,
                                        std::vector<PartitionStep>& steps, PlanStats& stats,
                                        sql::Walk& walk);
  // The statements of the policy on one partition of its table (the same columns and basis).
  PgStatements partition_statements(const Policy& policy, const Prepared& p, bool operator_holds,
                                    const PartitionStep& step) const;
  // The problems `check` reports for them, at the policy's `partitions:`.
  std::vector<policies::Diagnostic> check_partitions(const Policy& policy);
  // One unit (a partition dropped or detached, a detached table dropped) in one transaction.
  Result<BatchResult> unit_batch(const Policy& policy, const PassContext& ctx, const Prepared& p,
                                 const Cursor& from, long long limit);
  // Runs one batch (its own transaction); after a lost connection reconnects and runs it once
  // more, unless the batch had announced itself (its COMMIT may have been lost: the pass
  // reconciles it instead). Errors come back named after the store and policy.
  Result<BatchResult> with_retry(const Policy& policy,
                                 const std::function<BatchResult(bool& announced)>& batch);
  // Commits `t` after recording the batch's intent (its transaction id, and the partitions it
  // drops or detaches whole) in ctx's journal.
  void announce_and_commit(pqxx::work& t, const PassContext& ctx, long long affected,
                           bool& announced, const std::vector<PartitionStep>& units = {});

  std::unique_ptr<pqxx::connection> conn_;
  std::map<std::pair<std::string, bool>, Prepared> prepared_;
};

}  // namespace retentiond::connectors::postgresql
