// A store's `throttle:` block: when a pass pauses between its batches (a replica behind, a busy
// server) and how long it may wait in all. Plain data, read by the configuration loader.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "policies/location.h"

namespace retentiond::policies {

// A replica to ask for its lag. MySQL/MariaDB: host, port, user, password_file (SHOW REPLICA
// STATUS). PostgreSQL: a `dsn` (for replicas behind a cascade; the primary's own view,
// pg_stat_replication, is read without any).
struct ReplicaConfig {
  // MySQL/MariaDB: host, port, user, password_file. PostgreSQL: those (and dbname, 'postgres'
  // unless given), or a libpq `dsn` (with a password_file or not).
  std::string host;
  int port = 0;
  std::string user;
  std::string password_file;  // resolved
  std::string dbname;
  std::string dsn;
  Location location;
  std::string name() const;  // "host:port", or the dsn's host and port, for messages
};

struct ThrottleConfig {
  std::optional<std::chrono::seconds> max_replica_lag;
  std::vector<ReplicaConfig> replicas;
  std::optional<long long> max_threads_running;
  std::chrono::seconds max_wait{3600};  // a pass that has waited this long in all is interrupted
  // After each batch, rest this many times as long as the batch took (gh-ost's --nice-ratio):
  // 1 leaves the server to the application half of the time. 0: no rest.
  double nice_ratio = 0;
  Location location;
};

}  // namespace retentiond::policies
