// The mysql store (MySQL 8 and MariaDB, through MariaDB Connector/C): tables, optionally
// database-qualified, with integer, text or UUID keys. Batches are keyset ranges on the key, each
// one short transaction (a SELECT of the next range's last key, then a DELETE of that range
// re-checking expiry, `where` and holds). A lost connection is retried with backoff; lock waits
// are bounded by innodb_lock_wait_timeout.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "connectors/connector.h"
#include "connectors/mysql/client.h"
#include "connectors/mysql/statements.h"

namespace retentiond::connectors::mysql {

class MysqlConnector : public Connector {
 public:
  explicit MysqlConnector(const policies::StoreConfig& store) : store_(store) {}

  std::string_view type() const override { return "mysql"; }
  Result<void> open(AccessMode mode) override;
  Result<std::vector<policies::Diagnostic>> check(const Policy& policy) override;
  Result<PlanStats> plan(const Policy& policy, const PassContext& ctx) override;
  Result<std::vector<NoticeCandidate>> notice_candidates(const Policy& policy, const PassContext& ctx,
                                                         policies::TimePoint notice_cutoff) override;
  Result<BatchResult> apply_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                  long long limit) override;

 private:
  struct Prepared {
    MyStatements statements;
    bool integer_key = false;
  };
  Result<Prepared> prepared(const Policy& policy, bool operator_holds);
  std::vector<Value> values_for(const sql::Sql& s, const PassContext& ctx, bool integer_key,
                                const std::map<std::string, std::string>& extra) const;
  // Values of the anonymisation parameters; throws std::runtime_error for an unreadable key file.
  std::map<std::string, std::string> anonymise_values(const Policy& policy, const PassContext& ctx) const;
  Error query_error(const Policy& policy, const MysqlError& e) const;
  bool reconnect();

  policies::StoreConfig store_;
  AccessMode mode_ = AccessMode::ReadOnly;
  std::unique_ptr<Client> client_;
  std::map<std::pair<std::string, bool>, Prepared> prepared_;
};

}  // namespace retentiond::connectors::mysql
