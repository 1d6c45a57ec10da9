// The sqlite store: a database file (`path:`) that retentiond opens directly. Batches are keyset
// ranges on the policy's key, each in one BEGIN IMMEDIATE transaction, so an application
// writing to the same file waits at most one short batch.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "connectors/connector.h"
#include "connectors/sqlite/connection.h"
#include "connectors/sqlite/statements.h"

namespace retentiond::connectors::sqlite {

class SqliteConnector : public Connector {
 public:
  explicit SqliteConnector(const policies::StoreConfig& store);

  std::string_view type() const override { return "sqlite"; }
  Result<void> open(AccessMode mode) override;
  Result<std::vector<policies::Diagnostic>> check(const Policy& policy) override;
  Result<PlanStats> plan(const Policy& policy, const PassContext& ctx) override;
  Result<BatchResult> apply_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                  long long limit) override;
  Result<long long> reconcile(const Policy& policy, const PassContext& ctx, const BatchIntent& intent) override;
  Result<std::vector<NoticeCandidate>> notice_candidates(const Policy& policy, const PassContext& ctx,
                                                         policies::TimePoint notice_cutoff) override;

 private:
  struct Column {
    std::string name;
    std::string declared_type;
    int pk = 0;  // position in the primary key, 0 when not part of it
  };
  // Columns of `table` (empty when it does not exist).
  std::vector<Column> columns_of(const policies::QualifiedName& table);
  struct Key {
    std::string column;  // unquoted, or "rowid"
    bool integer = false;  // integer affinity: held keys are compared as numbers
  };
  // The key column the policy's batches walk: `key:`, the single-column primary key, or rowid.
  Result<Key> resolve_key(const Policy& policy);
  Result<SqliteStatements> statements_for(const Policy& policy, bool operator_holds);
  std::string held_keys_json(const Policy& policy, const PassContext& ctx);
  // Keys as a JSON array, numbers for integer keys (so that IN (json_each) compares them right).
  std::string keys_json(const Policy& policy, const std::vector<std::string>& keys);
  // Values of the anonymisation parameters; throws std::runtime_error for an unreadable key file.
  std::map<std::string, std::string> named_values(const Policy& policy, const PassContext& ctx) const;
  Error query_error(const Policy& policy, const SqliteError& e) const;

  policies::StoreConfig store_;
  std::string path_;
  int busy_timeout_ms_ = 5000;
  std::unique_ptr<Database> db_;
  std::map<std::pair<std::string, bool>, SqliteStatements> statements_;  // by policy, holds
  std::map<std::string, Key> keys_;                                      // by policy
};

}  // namespace retentiond::connectors::sqlite
