// The PostgreSQL throttle. Replica lag is read on the primary (pg_stat_replication): a replica
// that has replayed everything is 0 behind; one behind is behind by the time since the oldest WAL
// it has not replayed was current (from earlier readings), or by its replay_lag; one that is not
// streaming, or has replayed nothing while WAL was written since the last reading and still
// nothing once asked to report again (replay paused or stuck; until it replays again), has an
// unknown lag, so counts as over the limit.
// Replicas listed with a `dsn` (behind a cascade) are asked directly. The server's busy-ness is its
// active backends.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>

#include <pqxx/pqxx>

#include "connectors/throttle.h"

namespace retentiond::connectors::postgresql {

class PostgresqlThrottle : public ThrottleProbe {
 public:
  explicit PostgresqlThrottle(const policies::StoreConfig& store) : store_(store) {}
  std::vector<ThrottleHold> holds() override;
  std::vector<ThrottleProblem> check() override;
  std::string describe() const override;

 private:
  struct Seen {
    std::string replay_lsn;
    unsigned long long primary_lsn = 0;
    bool stalled = false;
  };
  Result<pqxx::connection*> primary();
  void primary_view(std::vector<ThrottleHold>& out);
  // Whether the replica of walsender `pid`, whose replay position had not moved since the last
  // reading, reports a new one within half a second once asked. A replica reports what it has
  // replayed when WAL reaches it (and every wal_receiver_status_interval, 10 s): right after a
  // batch its last report may predate the replay of the batch's WAL, which a healthy replica
  // finishes in milliseconds. So the reading first writes one tiny WAL record (a non-transactional
  // logical message, which any user may write: no table, no transaction; once per reading,
  // `nudged`), which makes every streaming replica report again. A paused replica reports the
  // same position.
  bool replay_moves(pqxx::connection& conn, const std::string& pid, const std::string& replay_lsn,
                    bool& nudged);
  void listed_replica(const policies::ReplicaConfig& replica, std::vector<ThrottleHold>& out);

  policies::StoreConfig store_;
  std::unique_ptr<pqxx::connection> primary_;
  std::map<std::string, std::unique_ptr<pqxx::connection>> replicas_;  // by ReplicaConfig::name()
  std::map<std::string, Seen> seen_;  // by walsender pid: the last reading
  // The primary's WAL position at each reading, oldest first (the last few minutes).
  std::deque<std::pair<unsigned long long, std::chrono::steady_clock::time_point>> samples_;
};

// "16/B374D848" as a number; 0 for what is not an LSN.
unsigned long long parse_lsn(const std::string& text);

}  // namespace retentiond::connectors::postgresql
