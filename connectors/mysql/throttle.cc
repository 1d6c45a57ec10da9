#include "connectors/mysql/throttle.h"

#include <mysqld_error.h>

#include <cstdio>

namespace retentiond::connectors::mysql {
namespace {

// A replica's connection settings, as a store of its own (user, password_file, host, port).
policies::StoreConfig replica_store(const policies::StoreConfig& primary,
                                    const policies::ReplicaConfig& r) {
  policies::StoreConfig s;
  s.name = primary.name + "' replica '" + r.name();
  s.type = "mysql";
  s.location = r.location;
  s.options["host"] = {r.host, r.location};
  s.options["port"] = {std::to_string(r.port ? r.port : 3306), r.location};
  if (!r.user.empty()) s.options["user"] = {r.user, r.location};
  if (!r.password_file.empty()) s.options["password_file"] = {r.password_file, r.location};
  return s;
}

std::string seconds(long long n) { return std::to_string(n) + " s"; }

// The statement that lets the session's account read SHOW REPLICA STATUS on this server: MariaDB
// 10.5 split REPLICA MONITOR off REPLICATION CLIENT (which there grants BINLOG MONITOR only).
std::string monitor_grant(Client& c) {
  std::string version, account = "...";
  try {
    const auto row = c.query("SELECT VERSION(), CURRENT_USER()").at(0);
    version = row[0].value_or("");
    const std::string who = row[1].value_or("");
    if (const auto at = who.rfind('@'); at != std::string::npos)
      account = "'" + who.substr(0, at) + "'@'" + who.substr(at + 1) + "'";
  } catch (const MysqlError&) {  // then the advice for both
  }
  const bool mariadb = version.find("MariaDB") != std::string::npos;
  int major = 0, minor = 0;
  std::sscanf(version.c_str(), "%d.%d", &major, &minor);
  if (mariadb && (major > 10 || (major == 10 && minor >= 5)))
    return "run on it: GRANT REPLICA MONITOR ON *.* TO " + account +
           " (REPLICATION CLIENT, the grant of MySQL and of MariaDB before 10.5, no longer "
           "allows it: since 10.5 it means BINLOG MONITOR)";
  if (!version.empty()) return "run on it: GRANT REPLICATION CLIENT ON *.* TO " + account;
  return "grant its user REPLICA MONITOR (MariaDB 10.5 and later) or REPLICATION CLIENT (MySQL, "
         "older MariaDB) ON *.*";
}

// Why a replica could not be asked: "cannot be reached (...)", or, for its password file, what
// is wrong with that file (a mistake in the configuration, not the network).
std::string unreachable_words(const Error& e) {
  // The connection's error starts "store 'x' replica 'host:port': ", which the caller's words
  // ("replica host:port ...", in a pass of the store) already say.
  std::string why = e.message;
  if (why.rfind("store '", 0) == 0)
    if (const auto named = why.find("': "); named != std::string::npos) why.erase(0, named + 3);
  if (e.kind == ErrorKind::Config) return "cannot be asked: " + why;
  return "cannot be reached (" + why + ")";
}

// A reading (connecting included) gives up after this many seconds: a server that accepts the
// connection but never answers counts as over the limit, and the pass still stops in time.
constexpr unsigned kReadingTimeout = 3;

}  // namespace

Result<Client*> MysqlThrottle::primary() {
  if (!primary_) {
    auto c = Client::connect(store_, AccessMode::ReadOnly, kReadingTimeout);
    if (!c) return c.error();
    primary_ = std::move(c.value());
  }
  return primary_.get();
}

Result<Client*> MysqlThrottle::replica(const policies::ReplicaConfig& r) {
  auto& client = replicas_[r.name()];
  if (!client) {
    auto c = Client::connect(replica_store(store_, r), AccessMode::ReadOnly, kReadingTimeout);
    if (!c) return c.error();
    client = std::move(c.value());
  }
  return client.get();
}

std::optional<long long> MysqlThrottle::lag_of(const policies::ReplicaConfig& r, std::string& why) {
  auto client = replica(r);
  if (!client) {
    why = unreachable_words(client.error());
    if (client.error().kind == ErrorKind::Config)
      misconfigured_.insert(r.name());
    else
      misconfigured_.erase(r.name());
    return std::nullopt;
  }
  misconfigured_.erase(r.name());
  std::vector<std::map<std::string, std::optional<std::string>>> rows;
  try {
    try {
      rows = client.value()->named_rows("SHOW REPLICA STATUS");
    } catch (const MysqlError& e) {
      if (e.connection_lost()) throw;
      rows =
          client.value()->named_rows("SHOW SLAVE STATUS");  // before MySQL 8.0.22 / MariaDB 10.5.1
    }
  } catch (const MysqlError& e) {
    replicas_.erase(r.name());  // connect again next time
    why = "cannot be asked for its status (" + std::string(e.what()) + ")";
    return std::nullopt;
  }
  if (rows.empty()) {
    why = "is not replicating (SHOW REPLICA STATUS is empty)";
    return std::nullopt;
  }
  const auto& row = rows.front();
  std::optional<std::string> behind;
  for (const char* column : {"Seconds_Behind_Master", "Seconds_Behind_Source"})
    if (auto it = row.find(column); it != row.end()) behind = it->second;
  if (!behind) {
    auto io = row.count("Slave_IO_Running")     ? row.at("Slave_IO_Running")
              : row.count("Replica_IO_Running") ? row.at("Replica_IO_Running")
                                                : std::nullopt;
    auto sql = row.count("Slave_SQL_Running")     ? row.at("Slave_SQL_Running")
               : row.count("Replica_SQL_Running") ? row.at("Replica_SQL_Running")
                                                  : std::nullopt;
    why = "has its replication stopped (IO thread " + io.value_or("?") + ", SQL thread " +
          sql.value_or("?") + "): its lag is unknown";
    return std::nullopt;
  }
  try {
    return std::stoll(*behind);
  } catch (const std::exception&) {
    why = "reports a lag that is not a number";
    return std::nullopt;
  }
}

std::vector<ThrottleHold> MysqlThrottle::holds() {
  std::vector<ThrottleHold> out;
  const auto& t = *store_.throttle;
  if (t.max_replica_lag) {
    const long long limit = t.max_replica_lag->count();
    for (const auto& r : t.replicas) {
      std::string why;
      auto lag = lag_of(r, why);
      if (!lag)
        out.push_back(
            {"replica-lag", "replica " + r.name() + " " + why, misconfigured_.count(r.name()) > 0});
      else if (*lag > limit)
        out.push_back({"replica-lag", "replica " + r.name() + " is " + seconds(*lag) +
                                          " behind (limit " + seconds(limit) + ")"});
    }
  }
  if (t.max_threads_running) {
    auto client = primary();
    std::optional<long long> running;
    std::string why;
    if (client) {
      try {
        auto rows = client.value()->named_rows("SHOW GLOBAL STATUS LIKE 'Threads_running'");
        if (!rows.empty() && rows[0]["Value"])
          running = std::stoll(*rows[0]["Value"]) - 1;  // this reading's own
      } catch (const std::exception& e) {
        primary_.reset();
        why = e.what();
      }
    } else {
      why = client.error().message;
    }
    if (!running)
      out.push_back(
          {"threads-running", "the server's running threads cannot be read (" + why + ")"});
    else if (*running > *t.max_threads_running)
      out.push_back({"threads-running", std::to_string(*running) +
                                            " threads running on the server (limit " +
                                            std::to_string(*t.max_threads_running) + ")"});
  }
  return out;
}

std::vector<ThrottleProblem> MysqlThrottle::check() {
  std::vector<ThrottleProblem> problems;
  const auto& t = *store_.throttle;
  if (t.max_replica_lag) {
    for (const auto& r : t.replicas) {
      auto client = replica(r);
      if (!client) {
        problems.push_back({r.location, "throttle: replica " + r.name() + " " +
                                            unreachable_words(client.error())});
        continue;
      }
      try {
        if (client.value()->named_rows("SHOW SLAVE STATUS").empty()) {
          problems.push_back(
              {r.location, "throttle: replica " + r.name() +
                               " is not replicating (SHOW REPLICA STATUS is empty): is it a "
                               "replica? Every pass would wait for it until max_wait"});
          continue;
        }
        // Readable, but its replication stopped now: not a mistake in the configuration, and
        // every pass waits for it, so a warning.
        std::string why;
        if (!lag_of(r, why) && why.find("stopped") != std::string::npos)
          problems.push_back({r.location,
                              "throttle: replica " + r.name() + " " + why +
                                  "; passes wait for it until it replicates again or max_wait",
                              /*warning=*/true});
      } catch (const MysqlError& e) {
        problems.push_back({r.location, "throttle: replica " + r.name() +
                                            " refuses SHOW REPLICA STATUS (" + e.what() + "); " +
                                            monitor_grant(*client.value())});
      }
    }
  }
  if (t.max_threads_running) {
    auto client = primary();
    if (!client) problems.push_back({std::nullopt, "throttle: " + client.error().message});
  }
  return problems;
}

std::string MysqlThrottle::describe() const {
  const auto& t = *store_.throttle;
  std::string out;
  if (t.max_replica_lag) {
    out += "pause while a replica (";
    for (size_t i = 0; i < t.replicas.size(); ++i) out += (i ? ", " : "") + t.replicas[i].name();
    out +=
        ") is more than " + seconds(t.max_replica_lag->count()) + " behind or its lag is unknown";
  }
  if (t.max_threads_running)
    out += (out.empty() ? "pause" : "; or") + std::string(" while more than ") +
           std::to_string(*t.max_threads_running) +
           (*t.max_threads_running == 1 ? " thread runs" : " threads run") + " on the server";
  if (out.empty()) return nice_words(t.nice_ratio);
  out += "; stop after " + seconds(t.max_wait.count()) + " of waiting in all";
  return t.nice_ratio > 0 ? out + "; " + nice_words(t.nice_ratio) : out;
}

}  // namespace retentiond::connectors::mysql
