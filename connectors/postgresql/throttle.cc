#include "connectors/postgresql/throttle.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <thread>

#include "connectors/postgresql/connection.h"

namespace retentiond::connectors::postgresql {
namespace {

// A replica's DSN with libpq's connect_timeout, unless it sets one: a replica that accepts the
// connection but never answers would hold the pass (and its stop signal) for good. Keyword and
// URI forms.
std::string bounded_dsn(const std::string& dsn) {
  if (dsn.find("connect_timeout") != std::string::npos) return dsn;
  if (dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0)
    return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=3";
  return dsn + " connect_timeout=3";
}

// libpq's message on one line: it ends with a newline and may hold a HINT on the next, or a
// second line indented with a tab ("\tIs the server running ...").
std::string one_line(const char* what) {
  std::string text = what;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  for (auto at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) {
    auto next = at + 1;
    while (next < text.size() && (text[next] == '\t' || text[next] == ' ')) ++next;
    text.replace(at, next - at, "; ");
  }
  for (char& c : text)
    if (c == '\t') c = ' ';
  return text;
}

// A listed replica's connection string: its dsn, or one made of its host, port, user and dbname;
// with the password of its password_file (through connection_string, as for a store), and a
// short connect_timeout. Error kind Config when the password file cannot be read.
Result<std::string> replica_conninfo(const policies::StoreConfig& primary,
                                     const policies::ReplicaConfig& r) {
  std::string dsn = r.dsn;
  if (dsn.empty()) {
    dsn = "host=" + conninfo_value(r.host) + " port=" + std::to_string(r.port) +
          " dbname=" + conninfo_value(r.dbname);
    if (!r.user.empty()) dsn += " user=" + conninfo_value(r.user);
  }
  policies::StoreConfig s;
  s.name = primary.name + "' replica '" + r.name();
  s.type = "postgresql";
  s.location = r.location;
  s.options["dsn"] = {bounded_dsn(dsn), r.location};
  if (!r.password_file.empty()) s.options["password_file"] = {r.password_file, r.location};
  return connection_string(s);
}

std::string seconds(double n) { return std::to_string(static_cast<long long>(n)) + " s"; }

constexpr auto kKeepSamples = std::chrono::minutes(10);

}  // namespace

unsigned long long parse_lsn(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return 0;
  char* end = nullptr;
  const unsigned long long hi = std::strtoull(text.substr(0, slash).c_str(), &end, 16);
  const unsigned long long lo = std::strtoull(text.substr(slash + 1).c_str(), &end, 16);
  return (hi << 32) | lo;
}

Result<pqxx::connection*> PostgresqlThrottle::primary() {
  if (!primary_ || !primary_->is_open()) {
    auto c = connect(store_, AccessMode::ReadOnly);
    if (!c) return c.error();
    primary_ = std::move(c.value());
  }
  return primary_.get();
}

void PostgresqlThrottle::primary_view(std::vector<ThrottleHold>& out) {
  const double limit = static_cast<double>(store_.throttle->max_replica_lag->count());
  auto conn = primary();
  if (!conn) {
    out.push_back({"replica-lag", "the replicas' lag cannot be read: " + conn.error().message});
    return;
  }
  pqxx::result rows;
  unsigned long long current = 0;
  try {
    pqxx::nontransaction t(*conn.value());
    current = parse_lsn(t.exec1("SELECT pg_current_wal_lsn()::text")[0].c_str());
    rows = t.exec(
        "SELECT pid, coalesce(application_name, ''), coalesce(host(client_addr), 'local'), "
        "coalesce(state, ''), "
        "replay_lsn::text, EXTRACT(EPOCH FROM replay_lag) FROM pg_stat_replication ORDER BY pid");
  } catch (const std::exception& e) {
    primary_.reset();
    out.push_back(
        {"replica-lag", std::string("the replicas' lag cannot be read: ") + one_line(e.what())});
    return;
  }
  // A replica that has gone away is no longer in pg_stat_replication; its physical slot, when it
  // has one, still says it is missing, and its lag is then unknown.
  try {
    pqxx::nontransaction t(*conn.value());
    for (const auto& slot : t.exec("SELECT slot_name FROM pg_replication_slots WHERE slot_type = "
                                   "'physical' AND NOT active "
                                   "ORDER BY slot_name"))
      out.push_back({"replica-lag", "replication slot '" + std::string(slot[0].c_str()) +
                                        "' has no replica connected: its lag is unknown"});
  } catch (const std::exception& e) {
    primary_.reset();
    out.push_back({"replica-lag",
                   std::string("the replication slots cannot be read: ") + one_line(e.what())});
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  samples_.emplace_back(current, now);
  while (!samples_.empty() && now - samples_.front().second > kKeepSamples) samples_.pop_front();
  std::map<std::string, Seen> seen;
  bool nudged = false;  // this reading wrote its WAL record (replay_moves)
  for (const auto& row : rows) {
    const std::string pid = row[0].c_str();
    const std::string name =
        "replica '" + std::string(row[1].c_str()) + "' (" + row[2].c_str() + ")";
    const std::string state = row[3].c_str();
    if (state != "streaming" || row[4].is_null()) {
      out.push_back({"replica-lag", name + " is not streaming (" +
                                        (state.empty() ? "state unknown: the store's "
                                                         "user needs pg_monitor"
                                                       : state) +
                                        "): its lag is unknown"});
      continue;
    }
    const std::string replay_text = row[4].c_str();
    const unsigned long long replay = parse_lsn(replay_text);
    seen[pid] = {replay_text, current, false};
    if (replay >= current) continue;  // everything replayed
    // Stalled: nothing replayed while WAL was written since the last reading; it stays so until
    // its replay moves again.
    auto before = seen_.find(pid);
    if (before != seen_.end() && before->second.replay_lsn == replay_text &&
        (before->second.stalled || current > before->second.primary_lsn) &&
        !replay_moves(*conn.value(), pid, replay_text, nudged)) {
      seen[pid].stalled = true;
      out.push_back({"replica-lag",
                     name + " has replayed nothing since the last reading while WAL was written "
                            "(replay paused or stuck): its lag is unknown"});
      continue;
    }
    // Behind since the first reading at which the primary was past what it has replayed.
    double lag = row[5].is_null() ? 0.0 : row[5].as<double>();
    for (const auto& [lsn, when] : samples_)
      if (lsn > replay) {
        lag = std::max(lag, std::chrono::duration<double>(now - when).count());
        break;
      }
    if (lag > limit)
      out.push_back(
          {"replica-lag", name + " is " + seconds(lag) + " behind (limit " + seconds(limit) + ")"});
  }
  seen_ = std::move(seen);
}

bool PostgresqlThrottle::replay_moves(pqxx::connection& conn, const std::string& pid,
                                      const std::string& replay_lsn, bool& nudged) {
  try {
    pqxx::nontransaction t(conn);
    if (!nudged) {
      t.exec("SELECT pg_logical_emit_message(false, 'retentiond', '')");
      nudged = true;
    }
    for (int i = 0; i < 10; ++i) {
      auto r =
          t.exec_params("SELECT replay_lsn::text FROM pg_stat_replication WHERE pid = $1", pid);
      if (!r.empty() && !r[0][0].is_null() && replay_lsn != r[0][0].c_str()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } catch (const std::exception&) {  // no record written or read: the position as it was
  }
  return false;
}

void PostgresqlThrottle::listed_replica(const policies::ReplicaConfig& r,
                                        std::vector<ThrottleHold>& out) {
  const double limit = static_cast<double>(store_.throttle->max_replica_lag->count());
  auto& conn = replicas_[r.name()];
  try {
    if (!conn || !conn->is_open()) {
      auto conninfo = replica_conninfo(store_, r);
      if (!conninfo) {
        out.push_back({"replica-lag",
                       "replica " + r.name() + " cannot be asked: " + conninfo.error().message,
                       conninfo.error().kind == ErrorKind::Config});
        return;
      }
      conn = std::make_unique<pqxx::connection>(conninfo.value());
    }
    pqxx::nontransaction t(*conn);
    auto row = t.exec1(
        "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN "
        "pg_get_wal_replay_pause_state() ELSE 'not paused' END, "
        "pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(), "
        "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())");
    if (!row[0].as<bool>()) {
      out.push_back({"replica-lag", "replica " + r.name() + " is not a replica (not in recovery)"});
    } else if (std::string(row[1].c_str()) != "not paused") {
      out.push_back(
          {"replica-lag", "replica " + r.name() + " has its replay paused: its lag is unknown"});
    } else if (!row[2].as<bool>()) {
      const double lag = row[3].is_null() ? limit + 1 : row[3].as<double>();
      if (lag > limit)
        out.push_back({"replica-lag", "replica " + r.name() + " is " + seconds(lag) +
                                          " behind (limit " + seconds(limit) + ")"});
    }
  } catch (const std::exception& e) {
    conn.reset();
    out.push_back(
        {"replica-lag", "replica " + r.name() + " cannot be asked: " + one_line(e.what())});
  }
}

std::vector<ThrottleHold> PostgresqlThrottle::holds() {
  std::vector<ThrottleHold> out;
  const auto& t = *store_.throttle;
  if (t.max_replica_lag) {
    primary_view(out);
    for (const auto& r : t.replicas) listed_replica(r, out);
  }
  if (t.max_threads_running) {
    auto conn = primary();
    std::optional<long long> active;
    std::string why;
    if (conn) {
      try {
        pqxx::nontransaction tx(*conn.value());
        // Without pg_monitor (pg_read_all_stats) the other roles' sessions show no state: their
        // count would always be 0, and the limit would never hold.
        auto row = tx.exec1(
            "SELECT count(*) FILTER (WHERE state = 'active'), pg_has_role(current_user, "
            "'pg_read_all_stats', 'MEMBER') OR (SELECT rolsuper FROM pg_roles WHERE rolname = "
            "current_user), current_user FROM pg_stat_activity WHERE backend_type = 'client "
            "backend' AND pid <> pg_backend_pid()");
        if (row[1].as<bool>())
          active = row[0].as<long long>();
        else
          why = "the store's user sees only its own sessions: GRANT pg_monitor TO " +
                std::string(row[2].c_str());
      } catch (const std::exception& e) {
        primary_.reset();
        why = one_line(e.what());
      }
    } else {
      why = conn.error().message;
    }
    if (!active)
      out.push_back(
          {"threads-running", "the server's active backends cannot be read (" + why + ")"});
    else if (*active > *t.max_threads_running)
      out.push_back({"threads-running", std::to_string(*active) +
                                            " backends active on the server (limit " +
                                            std::to_string(*t.max_threads_running) + ")"});
  }
  return out;
}

std::vector<ThrottleProblem> PostgresqlThrottle::check() {
  std::vector<ThrottleProblem> problems;
  if (!store_.throttle->max_replica_lag && !store_.throttle->max_threads_running) return problems;
  auto conn = primary();
  if (!conn) return {{std::nullopt, "throttle: " + conn.error().message}};
  try {
    pqxx::nontransaction t(*conn.value());
    auto row = t.exec1(
        "SELECT pg_has_role(current_user, 'pg_monitor', 'MEMBER') OR "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), current_user");
    const bool lag = store_.throttle->max_replica_lag.has_value();
    const bool activity = store_.throttle->max_threads_running.has_value();
    if (!row[0].as<bool>())
      problems.push_back(
          {std::nullopt, "throttle: the store's user '" + std::string(row[1].c_str()) +
                             "' cannot read " +
                             (lag && activity ? "the replicas' lag and the server's activity"
                              : lag           ? "the replicas' lag"
                                              : "the server's activity") +
                             ": GRANT pg_monitor TO " + row[1].c_str()});
    // A slot whose replica is gone holds every pass until max_wait: said before the first.
    if (lag)
      for (const auto& slot : t.exec("SELECT slot_name FROM pg_replication_slots WHERE slot_type = "
                                     "'physical' AND NOT active ORDER BY slot_name"))
        problems.push_back(
            {std::nullopt,
             "throttle: replication slot '" + std::string(slot[0].c_str()) +
                 "' has no replica connected: passes wait for it until it comes back or "
                 "max_wait; if its replica is gone for good, drop the slot, which also holds "
                 "WAL on the server: SELECT pg_drop_replication_slot('" +
                 slot[0].c_str() + "')",
             /*warning=*/true});
  } catch (const std::exception& e) {
    problems.push_back({std::nullopt, std::string("throttle: ") + one_line(e.what())});
  }
  for (const auto& r : store_.throttle->replicas) {
    try {
      auto conninfo = replica_conninfo(store_, r);
      if (!conninfo) {
        problems.push_back({r.location, "throttle: replica " + r.name() +
                                            " cannot be asked: " + conninfo.error().message});
        continue;
      }
      pqxx::connection c(conninfo.value());
      pqxx::nontransaction t(c);
      auto row = t.exec1(
          "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN "
          "pg_get_wal_replay_pause_state() <> 'not paused' ELSE false END");
      if (!row[0].as<bool>())
        problems.push_back(
            {r.location, "throttle: replica " + r.name() + " is not a replica (not in recovery)"});
      else if (row[1].as<bool>())
        problems.push_back({r.location,
                            "throttle: replica " + r.name() +
                                " has its replay paused; passes wait for it until it replays "
                                "again or max_wait",
                            /*warning=*/true});
    } catch (const std::exception& e) {
      problems.push_back({r.location, "throttle: replica " + r.name() +
                                          " cannot be reached: " + one_line(e.what())});
    }
  }
  return problems;
}

std::string PostgresqlThrottle::describe() const {
  const auto& t = *store_.throttle;
  std::string out;
  if (t.max_replica_lag)
    out += "pause while a replica (from pg_stat_replication" +
           std::string(t.replicas.empty() ? "" : ", and those listed") + ") is more than " +
           seconds(static_cast<double>(t.max_replica_lag->count())) +
           " behind or its lag is unknown";
  if (t.max_threads_running)
    out += (out.empty() ? "pause" : "; or") + std::string(" while more than ") +
           std::to_string(*t.max_threads_running) +
           (*t.max_threads_running == 1 ? " backend is" : " backends are") +
           " active on the server";
  if (out.empty()) return nice_words(t.nice_ratio);
  out += "; stop after " + seconds(static_cast<double>(t.max_wait.count())) + " of waiting in all";
  return t.nice_ratio > 0 ? out + "; " + nice_words(t.nice_ratio) : out;
}

}  // namespace retentiond::connectors::postgresql
