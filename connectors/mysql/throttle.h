// The MySQL/MariaDB throttle: each listed replica's Seconds_Behind_Master (SHOW REPLICA STATUS;
// NULL, no row or no connection counts as unknown, so as over the limit, as pt-archiver does)
// and the primary's Threads_running.
#pragma once

#include <map>
#include <memory>
#include <set>

#include "connectors/mysql/connection.h"
#include "connectors/throttle.h"

namespace retentiond::connectors::mysql {

class MysqlThrottle : public ThrottleProbe {
 public:
  explicit MysqlThrottle(const policies::StoreConfig& store) : store_(store) {}
  std::vector<ThrottleHold> holds() override;
  std::vector<ThrottleProblem> check() override;
  std::string describe() const override;

 private:
  // The connection to `replica` (made on first use, remade after an error), or the error.
  Result<Client*> replica(const policies::ReplicaConfig& replica);
  Result<Client*> primary();
  // The replica's lag in seconds; nullopt with `why` when it cannot be told.
  std::optional<long long> lag_of(const policies::ReplicaConfig& replica, std::string& why);

  policies::StoreConfig store_;
  std::unique_ptr<Client> primary_;
  std::map<std::string, std::unique_ptr<Client>> replicas_;  // by ReplicaConfig::name()
  // Replicas whose last connection failed on the configuration (ThrottleHold::misconfigured).
  std::set<std::string> misconfigured_;
};

}  // namespace retentiond::connectors::mysql
