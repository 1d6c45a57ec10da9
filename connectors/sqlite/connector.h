// The sqlite store: a database file (`path:`) that retentiond opens directly. Batches are keyset
// ranges on the policy's key, each in one BEGIN IMMEDIATE transaction, so an application
// writing to the same file waits at most one short batch.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "connectors/connector.h"
#include "connectors/sql/catalog.h"
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
  Result<std::optional<std::string>> find_key(const Policy& policy,
                                              const std::string& key) override;
  Result<BatchResult> apply_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                  long long limit) override;
  Result<long long> reconcile(const Policy& policy, const PassContext& ctx,
                              const BatchIntent& intent) override;
  Result<std::vector<NoticeCandidate>> notice_candidates(
      const Policy& policy, const PassContext& ctx, policies::TimePoint notice_cutoff) override;

 private:
  // A table as PRAGMA table_xinfo describes it (its rowid, when it has one, as its implicit
  // key); nullopt when it does not exist.
  std::optional<sql::TableShape> describe(const policies::QualifiedName& table);
  std::vector<std::string> table_names();
  struct Prepared {
    SqliteStatements statements;
    bool integer_key = false;  // integer affinity: held and noticed keys are compared as numbers
  };
  // Describes the policy's table, chooses its key and builds its statements (cached per policy
  // and holds).
  Result<Prepared> prepared(const Policy& policy, bool operator_holds);
  // The values of every named parameter but limit, after and last; throws std::runtime_error
  // for an unreadable hmac key file. `literals` gets the anonymisation values, for plan's notes.
  std::map<std::string, KeyValue> values(
      const Policy& policy, const PassContext& ctx, bool integer_key,
      std::map<std::string, std::string>* literals = nullptr) const;
  Error query_error(const Policy& policy, const SqliteError& e) const;

  policies::StoreConfig store_;
  std::string path_;
  int busy_timeout_ms_ = 5000;
  std::unique_ptr<Database> db_;
  std::map<std::pair<std::string, bool>, Prepared> prepared_;  // by policy, holds
};

}  // namespace retentiond::connectors::sqlite
