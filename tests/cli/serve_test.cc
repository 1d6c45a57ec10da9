// `retentiond serve` through the real binary: the systemd notification protocol on a Unix
// datagram socket (NOTIFY_SOCKET), catch-up of a missed run, reload with a broken configuration,
// and SIGTERM in the middle of a long pass.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/state/audit.h"
#include "daemon/state/state.h"
#include "policies/timestamp.h"
#include "support/child.h"
#include "support/pass_progress.h"
#include "support/pg_server.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// The socket systemd would listen on; collects every datagram the daemon sends.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { close(fd_); }
  const std::string& path() const { return path_; }
  // Waits until a received message contains `needle`; returns whether it came in time.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (received_.find(needle, consumed_) != std::string::npos) {
        consumed_ = received_.find(needle, consumed_) + needle.size();
        return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) > 0) {
        char buffer[4096];
        ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
        if (n > 0) received_ += std::string(buffer, static_cast<size_t>(n)) + "\n";
      }
    }
  }
  // Like wait_for, but also looks at what earlier waits already went past.
  bool seen(const std::string& needle, std::chrono::milliseconds timeout) {
    if (received_.find(needle) != std::string::npos) return true;
    return wait_for(needle, timeout);
  }
  const std::string& received() const { return received_; }

 private:
  int fd_;
  std::string path_;
  std::string received_;
  size_t consumed_ = 0;
};

// `retentiond serve -c CONFIG` in the background, its output in serve.log, notifying the socket
// notify() as under systemd (NOTIFY_SOCKET). (The socket, a base, is bound before the fork.)
class Daemon : private NotifySocket, public Child {
 public:
  Daemon(const TempDir& dir, const std::string& config, std::map<std::string, std::string> env = {},
         const std::vector<std::string>& extra_args = {})
      : NotifySocket(dir.file("notify")),
        Child(serve_args(config, extra_args), dir.path(), dir.file("serve.log"),
              with_socket(std::move(env), NotifySocket::path())) {}
  NotifySocket& notify() { return *this; }
  std::string log() const { return output(); }
  // SIGTERM, then the exit code.
  int stop() {
    signal(SIGTERM);
    return wait_exit(10s);
  }

 private:
  static std::vector<std::string> serve_args(const std::string& config,
                                             std::vector<std::string> extra) {
    std::vector<std::string> args{"serve", "-c", config};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  static std::map<std::string, std::string> with_socket(std::map<std::string, std::string> env,
                                                        const std::string& socket) {
    env["NOTIFY_SOCKET"] = socket;
    return env;
  }
};

// A pass of `policy` two days ago in the audit trail (ok unless `outcome` says otherwise):
// today's scheduled run counts as missed.
void record_old_success(const std::string& state_path, const std::string& policy,
                        const std::string& outcome = "ok", const std::string& store = "app",
                        std::chrono::minutes ago = std::chrono::hours(48)) {
  retentiond::daemon::StateFile state(state_path, true);
  retentiond::daemon::AuditEntry e;
  e.policy = policy;
  e.store = store;  // a pass on another store is not the policy's (engine/pass_claim.cc)
  e.action = "delete";
  auto when = retentiond::policies::now_utc() - ago;
  e.cutoff = when - std::chrono::hours(24 * 365);
  e.started = e.finished = when;
  e.outcome = outcome;
  if (outcome == "refused") e.error_class = "refused-by-guard";
  retentiond::daemon::AuditTrail(state.db()).append(e);
}

const std::string kConfig =
    "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
    "  - name: hits\n    store: app\n    table: hits\n    expire_after: 52d\n"
    "    since: {column: ts, format: epoch}\n    schedule: daily 03:15\n    max_affected: 100%\n";

// The table hits (id, ts as epoch seconds) in app.db in `dir`, filled by `rows`.
void hits_table(const TempDir& dir, const std::string& rows = "") {
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE hits (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL);" + rows);
}

// hits_table() and kConfig in `dir`; the configuration's path.
std::string hits_config(const TempDir& dir, const std::string& rows = "") {
  hits_table(dir, rows);
  return dir.write("r.yaml", kConfig);
}

}  // namespace

TEST_CASE("serve: READY, WATCHDOG, a missed run caught up, STOPPING and exit 0", "[serve][cli]") {
  TempDir dir;
  std::string config = hits_config(
      dir, "INSERT INTO hits VALUES (1, 1500000000), (2, 1500000000), (3, 4000000000);");
  record_old_success(dir.file("state.db"), "hits");
  Daemon d(dir, config, {{"WATCHDOG_USEC", "300000"}});
  NotifySocket& notify = d.notify();
  CHECK(notify.wait_for("READY=1", 5s));
  CHECK(notify.wait_for("WATCHDOG=1", 2s));
  // The catch-up pass runs right after start.
  bool caught_up = false;
  for (int i = 0; i < 100 && !caught_up; ++i) {
    caught_up = sqlite_int(dir.file("app.db"), "SELECT count(*) FROM hits") == 1;
    if (!caught_up) std::this_thread::sleep_for(50ms);
  }
  INFO(d.log());
  CHECK(caught_up);
  CHECK(notify.seen("STATUS=next: hits at ", 5s));
  CHECK(notify.seen("last: 1 policy ok, 2 rows", 5s));
  d.signal(SIGTERM);
  CHECK(notify.wait_for("STOPPING=1", 5s));
  CHECK(d.wait_exit(10s) == 0);
  auto h = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  const json history = json::parse(h.out);
  REQUIRE(history.at("entries").size() == 2);
  CHECK(history.at("entries").at(1).at("outcome") == "ok");
  CHECK(history.at("entries").at(1).at("affected") == 2);
}

TEST_CASE("serve: a broken reload keeps the daemon on its old configuration", "[serve][cli]") {
  TempDir dir;
  std::string config = hits_config(dir);
  Daemon d(dir, config);
  NotifySocket& notify = d.notify();
  REQUIRE(notify.wait_for("READY=1", 5s));
  dir.write("r.yaml", kConfig + "    expire_aftr: 3d\n");
  d.signal(SIGHUP);
  CHECK(notify.wait_for("RELOADING=1", 5s));
  CHECK(notify.received().find("MONOTONIC_USEC=") != std::string::npos);
  CHECK(notify.wait_for("READY=1", 5s));
  std::this_thread::sleep_for(200ms);
  CHECK(d.alive());
  INFO(d.log());
  CHECK(d.log().find("error: " + config + ":12:5: unknown key 'expire_aftr'") != std::string::npos);
  CHECK(d.log().find("keeping the current configuration") != std::string::npos);
  CHECK(notify.wait_for("STATUS=reload refused: running the previous configuration", 5s));
  // What check --offline refuses, a reload refuses too: an audit key no pass could read.
  dir.write("r.yaml", "audit_key_file: no-such-key\n" + kConfig);
  d.signal(SIGHUP);
  CHECK(notify.wait_for("RELOADING=1", 5s));
  CHECK(notify.wait_for("READY=1", 5s));
  std::this_thread::sleep_for(200ms);
  CHECK(d.log().find("error: " + config + ":1:17: cannot read the audit key file") !=
        std::string::npos);
  CHECK(d.log().find("configuration reloaded") == std::string::npos);
  // A good configuration is taken.
  dir.write("r.yaml", kConfig);
  d.signal(SIGHUP);
  CHECK(notify.wait_for("READY=1", 5s));
  CHECK(d.log().find("configuration reloaded") != std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("serve: a reload cannot move the daemon to another state", "[serve][cli]") {
  TempDir dir;
  std::string config = hits_config(dir);
  Daemon d(dir, config);
  NotifySocket& notify = d.notify();
  REQUIRE(notify.wait_for("READY=1", 5s));
  std::string moved = kConfig;
  moved.replace(moved.find("state: state.db"), 15, "state: other.db");
  dir.write("r.yaml", moved);
  d.signal(SIGHUP);
  CHECK(notify.wait_for("RELOADING=1", 5s));
  CHECK(notify.wait_for("READY=1", 5s));
  std::this_thread::sleep_for(200ms);
  INFO(d.log());
  CHECK(d.alive());
  CHECK(d.log().find(config + ":1:8: 'state:' changed; a reload cannot move the daemon to "
                              "another state") != std::string::npos);
  CHECK(d.log().find("configuration reloaded") == std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("serve: a policy a reload removes leaves the STATUS line's last passes", "[serve][cli]") {
  TempDir dir;
  std::string config = hits_config(dir, "INSERT INTO hits VALUES (1, 1500000000);");
  record_old_success(dir.file("state.db"), "hits");
  Daemon d(dir, config);
  NotifySocket& notify = d.notify();
  REQUIRE(notify.wait_for("READY=1", 5s));
  REQUIRE(notify.wait_for("last: 1 policy ok, 1 row", 10s));
  std::string renamed = kConfig;
  renamed.replace(renamed.find("name: hits"), 10, "name: visits");
  dir.write("r.yaml", renamed);
  d.signal(SIGHUP);
  REQUIRE(notify.wait_for("RELOADING=1", 5s));
  REQUIRE(notify.wait_for("STATUS=next: visits at ", 5s));
  const std::string& got = notify.received();
  const std::string after = got.substr(got.rfind("STATUS=next: visits at "));
  INFO(after);
  CHECK(after.substr(0, after.find('\n')).find("last:") == std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("serve: SIGTERM during a long pass stops at a batch boundary, recorded as interrupted",
          "[serve][cli]") {
  TempDir dir;
  std::string config = hits_config(
      dir,
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)"
      "INSERT INTO hits SELECT i, CASE WHEN i % 4 = 0 THEN 4000000000 ELSE 1500000000 END FROM n;");
  record_old_success(dir.file("state.db"), "hits");
  Daemon d(dir, config, {}, {"--metrics-file", dir.file("retentiond.prom")});
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  // Wait for the pass to be genuinely under way.
  REQUIRE(wait_until([&] { return batch_committed(dir.file("state.db")); }, 10s));
  auto t0 = std::chrono::steady_clock::now();
  CHECK(d.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  CHECK(sqlite_int(dir.file("app.db"), "SELECT count(*) FROM hits WHERE ts = 4000000000") ==
        250000);
  CHECK(sqlite_int(dir.file("app.db"), "SELECT count(*) FROM hits WHERE ts = 1500000000") > 0);
  auto h = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  const json history = json::parse(h.out);
  CHECK(history.at("entries").back().at("outcome") == "interrupted");
  // The service's own stop is no failure: a warning, not an error (journalctl -p err).
  INFO(d.log());
  CHECK(d.log().find("warning: policy 'hits': stopped by a signal") != std::string::npos);
  CHECK(d.log().find("error:") == std::string::npos);
  // The metrics file counts the pass the stop interrupted, as after every pass.
  const std::string file = read_file(dir.file("retentiond.prom"));
  INFO(file);
  CHECK(file.find("retentiond_last_affected_records{policy=\"hits\",store=\"app\"} 0\n") ==
        std::string::npos);
  CHECK(file.find("retentiond_last_affected_records{policy=\"hits\",store=\"app\"} ") !=
        std::string::npos);
}

TEST_CASE("serve: a pass refused at the last run, then a run missed while stopped, is caught up",
          "[serve][cli]") {
  TempDir dir;
  std::string config =
      hits_config(dir, "INSERT INTO hits VALUES (1, 1500000000), (2, 4000000000);");
  record_old_success(dir.file("state.db"), "hits", "refused");
  Daemon d(dir, config);
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  INFO(d.log());
  CHECK(wait_until([&] { return sqlite_int(dir.file("app.db"), "SELECT count(*) FROM hits") == 1; },
                   10s));
  CHECK(d.log().find("was missed (last pass ") != std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("serve: a pass dated after now (a clock ahead) does not put the schedule off",
          "[serve][cli]") {
  // A host whose clock runs 2 hours ahead recorded a pass: counted from it, `every 6h` would
  // wait 8 hours, on every host. The run missed since the real last pass, 2 days ago, is made
  // at start, and the log says why the future one was left aside.
  std::string every = kConfig;
  every.replace(every.find("daily 03:15"), 11, "every 6h");
  TempDir dir;
  hits_table(dir, "INSERT INTO hits VALUES (1, 1500000000), (2, 4000000000);");
  const std::string config = dir.write("r.yaml", every);
  record_old_success(dir.file("state.db"), "hits");
  record_old_success(dir.file("state.db"), "hits", "ok", "app", std::chrono::minutes(-120));
  Daemon d(dir, config);
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  INFO(d.log());
  CHECK(wait_until([&] { return sqlite_int(dir.file("app.db"), "SELECT count(*) FROM hits") == 1; },
                   10s));
  CHECK(d.log().find("after this host's clock") != std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("serve: a pass killed while its batch committed is recorded and retried at start",
          "[serve][cli][postgresql]") {
  // `enforce` is killed (kill -9) while its batch's COMMIT runs: its record and the batch's
  // intent stay in the state file, and no entry says the pass did not complete. serve asks the
  // store about that batch, records the pass as interrupted with its exact count, and finishes
  // the work at once instead of at the next scheduled run (6 hours after a success an hour ago).
  PgDatabase db;
  db.exec(
      "CREATE TABLE hits (id integer PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO hits SELECT i, '2020-01-01' FROM generate_series(1, 100) i;"
      "INSERT INTO hits VALUES (1000, '2030-01-01');"
      "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF old.id = 1 THEN PERFORM pg_sleep(4); END IF; RETURN NULL; END $$;"
      "CREATE CONSTRAINT TRIGGER slow_commit AFTER DELETE ON hits DEFERRABLE INITIALLY DEFERRED "
      "FOR EACH ROW EXECUTE FUNCTION slow_commit();");
  TempDir dir;
  const std::string config =
      dir.write("r.yaml", "state: state.db\nstores:\n  app: {type: postgresql, dsn: \"" + db.dsn() +
                              "\"}\npolicies:\n  - name: hits\n    store: app\n    table: hits\n"
                              "    expire_after: 52d\n    since: ts\n    schedule: every 6h\n"
                              "    max_affected: 100%\n");
  record_old_success(dir.file("state.db"), "hits", "ok", "app", std::chrono::minutes(60));
  Child pass({"enforce", "-c", config}, dir.path(), dir.file("enforce.log"));
  REQUIRE(wait_until(
      [&] { return sqlite_int(dir.file("state.db"), "SELECT count(*) FROM batch_intent") == 1; },
      20s, 20ms));
  pass.signal(SIGKILL);
  pass.wait_exit(10s);
  // The server finishes the COMMIT it was running (the client's end is noticed afterwards).
  REQUIRE(wait_until([&] { return db.integer("SELECT count(*) FROM hits") == 1; }, 20s));
  Daemon d(dir, config);
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  INFO(d.log());
  CHECK(wait_until(
      [&] {
        return d.log().find("policy 'hits': its last pass did not complete; running it now") !=
               std::string::npos;
      },
      10s));
  CHECK(
      wait_until([&] { return d.log().find("audit trail: 3 entries") != std::string::npos; }, 20s));
  CHECK(d.stop() == 0);
  CHECK(sqlite_int(dir.file("state.db"), "SELECT sum(affected) FROM audit WHERE policy = 'hits'") ==
        100);
  CHECK(sqlite_int(dir.file("state.db"), "SELECT count(*) FROM pass_in_progress") == 0);
  CHECK(run_retentiond({"history", "-c", config, "--verify"}, dir.path()).exit_code == 0);
}

TEST_CASE(
    "serve: a last pass that failed or was interrupted is retried at start, its failures "
    "in a row kept",
    "[serve][cli][metrics]") {
  // `every 6h` from a success an hour ago: the schedule alone would wait five hours.
  std::string every = kConfig;
  every.replace(every.find("daily 03:15"), 11, "every 6h");
  SECTION("interrupted: run now, and it completes the work") {
    TempDir dir;
    hits_table(dir, "INSERT INTO hits VALUES (1, 1500000000), (2, 4000000000);");
    const std::string config = dir.write("r.yaml", every);
    record_old_success(dir.file("state.db"), "hits", "ok", "app", std::chrono::minutes(60));
    record_old_success(dir.file("state.db"), "hits", "interrupted", "app",
                       std::chrono::minutes(30));
    Daemon d(dir, config);
    REQUIRE(d.notify().wait_for("READY=1", 5s));
    INFO(d.log());
    CHECK(wait_until(
        [&] { return sqlite_int(dir.file("app.db"), "SELECT count(*) FROM hits") == 1; }, 10s));
    CHECK(d.log().find("policy 'hits': its last pass did not complete; running it now") !=
          std::string::npos);
    CHECK(d.stop() == 0);
  }
  SECTION("failed twice: run now; failing again makes three in a row") {
    TempDir dir;  // no table: the pass fails
    const std::string config = dir.write("r.yaml", every);
    sqlite_exec(dir.file("app.db"), "CREATE TABLE other (id INTEGER PRIMARY KEY);");
    record_old_success(dir.file("state.db"), "hits", "ok", "app", std::chrono::minutes(60));
    for (int minutes : {40, 30})
      record_old_success(dir.file("state.db"), "hits", "failed", "app",
                         std::chrono::minutes(minutes));
    Daemon d(dir, config, {}, {"--metrics-file", dir.file("retentiond.prom")});
    REQUIRE(d.notify().wait_for("READY=1", 5s));
    INFO(d.log());
    CHECK(wait_until([&] { return d.log().find("(3 in a row)") != std::string::npos; }, 10s));
    CHECK(wait_until(
        [&] {
          return read_file(dir.file("retentiond.prom"))
                     .find("retentiond_consecutive_failures{policy=\"hits\",store=\"app\"} 3") !=
                 std::string::npos;
        },
        10s));
    CHECK(d.stop() == 0);
  }
}

TEST_CASE("serve: a state that cannot be written stops the start, before READY", "[serve][cli]") {
  TempDir dir;
  hits_table(dir);
  dir.write("not-a-directory", "x");
  std::string config = dir.write(
      "r.yaml", "state: not-a-directory/state.db\n" + kConfig.substr(kConfig.find('\n') + 1));
  auto r = run_retentiond({"serve", "-c", config}, dir.path(), {{"NOTIFY_SOCKET", ""}});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not-a-directory/state.db") != std::string::npos);
  CHECK(r.err.find("not starting: no pass could be recorded") != std::string::npos);
}

TEST_CASE("serve: an invalid configuration at start exits 1 naming file:line:column",
          "[serve][cli]") {
  TempDir dir;
  std::string config = dir.write("r.yaml", kConfig + "    schedule: daily 25:00\n");
  auto r = run_retentiond({"serve", "-c", config}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(config + ":") != std::string::npos);
}

namespace {
// Context switches of every thread of `pid`: each one is a wake-up.
long long wakeups(pid_t pid) {
  long long total = 0;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::string status = read_file(task.path().string() + "/status");
    for (const char* key : {"voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"}) {
      auto at = status.find(key);
      if (at != std::string::npos) total += std::stoll(status.substr(at + std::strlen(key)));
    }
  }
  return total;
}
}  // namespace

TEST_CASE("serve: no periodic wake-ups between scheduled runs", "[serve][cli]") {
  TempDir dir;
  Daemon d(dir, hits_config(dir));
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  std::this_thread::sleep_for(300ms);
  long long before = wakeups(d.pid());
  std::this_thread::sleep_for(3s);
  long long after = wakeups(d.pid());
  CHECK(after - before <= 1);
  CHECK(d.stop() == 0);
}

namespace {
// GET http://127.0.0.1:port/path, the whole response as text ("" when nothing answers).
std::string http_get(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) < 0) {
    close(fd);
    return "";
  }
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) response.append(buffer, static_cast<size_t>(n));
  close(fd);
  return response;
}
}  // namespace

TEST_CASE("serve: Prometheus metrics over HTTP and in a textfile", "[serve][cli][metrics]") {
  TempDir dir;
  hits_table(dir, "INSERT INTO hits VALUES (1, 1500000000), (2, 1500000000), (3, 4000000000);");
  const int port = 20000 + getpid() % 20000;
  std::string config =
      dir.write("r.yaml", "metrics: {listen: 127.0.0.1:" + std::to_string(port) + "}\n" + kConfig);
  record_old_success(dir.file("state.db"), "hits");
  Daemon d(dir, config, {}, {"--metrics-file", dir.file("retentiond.prom")});
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  REQUIRE(d.notify().seen("last: 1 policy ok", 5s));
  std::string http = http_get(port, "/metrics");
  INFO(d.log() << http);
  CHECK(http.find("200 OK") != std::string::npos);
  CHECK(http.find("retentiond_last_affected_records{policy=\"hits\",store=\"app\"} 2") !=
        std::string::npos);
  CHECK(http.find("retentiond_next_run_timestamp_seconds{policy=\"hits\"") != std::string::npos);
  CHECK(http.find("retentiond_consecutive_failures{policy=\"hits\",store=\"app\"} 0") !=
        std::string::npos);
  // The pass kept the promise: nothing overdue, and when.
  CHECK(http.find("retentiond_overdue_records{policy=\"hits\",store=\"app\"} 0\n") !=
        std::string::npos);
  CHECK(http.find("retentiond_oldest_overdue_age_seconds{policy=\"hits\",store=\"app\"} 0\n") !=
        std::string::npos);
  CHECK(http.find("retentiond_held_records{policy=\"hits\",store=\"app\"} 0\n") !=
        std::string::npos);
  CHECK(http.find("retentiond_promise_kept_timestamp_seconds{policy=\"hits\",store=\"app\"} ") !=
        std::string::npos);
  CHECK(http_get(port, "/other").find("404") != std::string::npos);
  std::string file = read_file(dir.file("retentiond.prom"));
  CHECK(file.find("retentiond_last_success_timestamp_seconds{policy=\"hits\",store=\"app\"}") !=
        std::string::npos);
  CHECK(file.find("# TYPE retentiond_failures_total counter") != std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("serve: the overdue gauges are known before any pass and follow records that expire",
          "[serve][cli][metrics]") {
  TempDir dir;
  // Two records from 2017 are past 52 days and a daily schedule's lateness; no pass is due
  // (no pass recorded: the first runs at 03:15).
  hits_table(dir, "INSERT INTO hits VALUES (1, 1500000000), (2, 1500000000), (3, 4000000000);");
  const int port = 20000 + (getpid() + 7) % 20000;
  // And a policy without a schedule (run by `enforce` from cron): its promise has gauges too.
  std::string config = dir.write(
      "r.yaml", "metrics: {listen: 127.0.0.1:" + std::to_string(port) + "}\n" + kConfig +
                    "  - {name: by-cron, store: app, table: hits, expire_after: 52d, since: "
                    "{column: ts, format: epoch}}\n");
  Daemon d(dir, config, {},
           {"--metrics-file", dir.file("retentiond.prom"), "--status-every", "1s"});
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  const std::string gauge = "retentiond_overdue_records{policy=\"hits\",store=\"app\"} ";
  auto wait_for_gauge = [&](const std::string& line) {
    for (int i = 0; i < 100; ++i) {
      if (http_get(port, "/metrics").find(line) != std::string::npos) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  };
  INFO(d.log() << http_get(port, "/metrics"));
  CHECK(wait_for_gauge(gauge + "2\n"));
  CHECK(read_file(dir.file("retentiond.prom")).find(gauge + "2\n") != std::string::npos);
  CHECK(wait_for_gauge("retentiond_overdue_records{policy=\"by-cron\",store=\"app\"} 2\n"));
  // Records expire between passes: the timer sees them without a pass.
  sqlite_exec(dir.file("app.db"), "INSERT INTO hits VALUES (4, 1500000000), (5, 1400000000);");
  CHECK(wait_for_gauge(gauge + "4\n"));
  CHECK(wait_for_gauge("retentiond_oldest_overdue_age_seconds{policy=\"hits\",store=\"app\"} "));
  // The state goes missing: no promise can be told kept, each is unknown (as `status` says).
  CHECK(wait_for_gauge("retentiond_promise_unknown{policy=\"hits\",store=\"app\"} 0\n"));
  std::filesystem::rename(dir.file("state.db"), dir.file("state.db.moved"));
  CHECK(wait_for_gauge("retentiond_promise_unknown{policy=\"hits\",store=\"app\"} 1\n"));
  CHECK(wait_for_gauge("retentiond_promise_unknown{policy=\"by-cron\",store=\"app\"} 1\n"));
  std::filesystem::rename(dir.file("state.db.moved"), dir.file("state.db"));
  CHECK(d.stop() == 0);
  // The figures came from no pass: every record is still there.
  CHECK(sqlite_int(dir.file("app.db"), "SELECT count(*) FROM hits") == 5);

  CHECK(run_retentiond({"serve", "-c", config, "--status-every", "soon"}, dir.path()).exit_code ==
        2);
}

TEST_CASE("serve: a store unreadable from the start still has its promise series: unknown, stale",
          "[serve][cli][metrics]") {
  TempDir dir;
  hits_table(dir, "INSERT INTO hits VALUES (1, 1500000000);");
  const int port = 20000 + (getpid() + 11) % 20000;
  const std::string config = dir.write(
      "r.yaml", "metrics: {listen: 127.0.0.1:" + std::to_string(port) +
                    "}\nstate: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n"
                    "  gone: {type: sqlite, path: gone/app.db}\npolicies:\n"
                    "  - {name: hits, store: app, table: hits, expire_after: 52d, since: {column: "
                    "ts, format: epoch}, schedule: daily 03:15}\n"
                    "  - {name: broken, store: gone, table: hits, expire_after: 52d, since: "
                    "{column: ts, format: epoch}, schedule: daily 03:15}\n");
  Daemon d(dir, config, {}, {"--status-every", "1s"});
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  auto wait_for = [&](const std::string& line) {
    for (int i = 0; i < 100; ++i) {
      if (http_get(port, "/metrics").find(line) != std::string::npos) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  };
  INFO(d.log() << http_get(port, "/metrics"));
  CHECK(wait_for("retentiond_promise_unknown{policy=\"broken\",store=\"gone\"} 1\n"));
  CHECK(wait_for("retentiond_promise_stale{policy=\"broken\",store=\"gone\"} "));
  CHECK(wait_for("retentiond_promise_unknown{policy=\"hits\",store=\"app\"} 0\n"));
  CHECK(wait_for("retentiond_overdue_records{policy=\"hits\",store=\"app\"} 1\n"));
  CHECK(http_get(port, "/metrics").find("retentiond_overdue_records{policy=\"broken\"") ==
        std::string::npos);  // no figure was ever read: none is made up
  CHECK(d.stop() == 0);
}

TEST_CASE("serve: a refused pass waits for its next scheduled run and is shown as refused",
          "[serve][cli]") {
  TempDir dir;
  hits_table(dir,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) "
             "INSERT INTO hits SELECT i, 1500000000 FROM n;");
  const std::string policy =
      "    store: app\n    table: hits\n    expire_after: 52d\n"
      "    since: {column: ts, format: epoch}\n    schedule: every 1d\n";
  std::string config = dir.write("r.yaml",
                                 "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n"
                                 "policies:\n  - name: guarded\n" +
                                     policy +
                                     "    max_affected: 10%\n"
                                     "  - name: rehearsal\n" +
                                     policy + "    dry_run: true\n    max_affected: 100%\n");
  record_old_success(dir.file("state.db"), "guarded");
  record_old_success(dir.file("state.db"), "rehearsal");
  Daemon d(dir, config, {}, {"--metrics-file", dir.file("metrics.prom")});
  NotifySocket& notify = d.notify();
  REQUIRE(notify.wait_for("READY=1", 5s));
  CHECK(notify.seen("last: 0 policies ok, 1 dry-run, 1 refused, nothing changed", 10s));
  INFO(d.log());
  CHECK(notify.received().find("failed") == std::string::npos);
  CHECK(d.log().find("warning: policy 'guarded': refused") != std::string::npos);
  std::string metrics;
  for (int i = 0;
       i < 100 && metrics.find("retentiond_refused_total{policy=\"guarded\"") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(50ms);
    try {
      metrics = read_file(dir.file("metrics.prom"));
    } catch (const std::exception&) {
    }
  }
  INFO(metrics);
  CHECK(metrics.find("retentiond_refused_total{policy=\"guarded\",store=\"app\"} 1\n") !=
        std::string::npos);
  CHECK(metrics.find("retentiond_last_pass_refused{policy=\"guarded\",store=\"app\"} 1\n") !=
        std::string::npos);
  CHECK(metrics.find("retentiond_failures_total{policy=\"guarded\",store=\"app\"} 0\n") !=
        std::string::npos);
  // The refused pass left its 20 records past the promise (every 1d: 24 h of lateness allowed,
  // and they are years past it), the oldest since 2017.
  CHECK(metrics.find("retentiond_overdue_records{policy=\"guarded\",store=\"app\"} 20\n") !=
        std::string::npos);
  CHECK(metrics.find("retentiond_oldest_overdue_age_seconds{policy=\"guarded\",store=\"app\"} ") !=
        std::string::npos);
  // Not a retry in 5 minutes: the schedule's next run, a day on.
  const auto at =
      metrics.find("retentiond_next_run_timestamp_seconds{policy=\"guarded\",store=\"app\"} ");
  REQUIRE(at != std::string::npos);
  const double next = std::stod(metrics.substr(metrics.find("} ", at) + 2));
  const double now = static_cast<double>(std::time(nullptr));
  CHECK(next > now + 23 * 3600);
  CHECK(d.stop() == 0);
  CHECK(sqlite_int(dir.file("app.db"), "SELECT count(*) FROM hits") == 20);
  // Restarted before that run: the refusal still waits for an operator, and the gauge says so.
  std::filesystem::remove(dir.file("metrics.prom"));
  std::filesystem::remove(dir.file("notify"));
  Daemon again(dir, config, {}, {"--metrics-file", dir.file("metrics.prom")});
  REQUIRE(again.notify().wait_for("READY=1", 5s));
  CHECK(wait_until(
      [&] {
        try {
          return read_file(dir.file("metrics.prom"))
                     .find("retentiond_last_pass_refused{policy=\"guarded\",store=\"app\"} 1\n") !=
                 std::string::npos;
        } catch (const std::exception&) {
          return false;
        }
      },
      10s));
  CHECK(again.stop() == 0);
}

namespace {
// A loopback port nothing listens on (bound, then closed): connecting to it is refused at once.
int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t length = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}
}  // namespace

TEST_CASE("serve: the throttle's wait shows in STATUS and in the metrics while it lasts",
          "[serve][cli][metrics][throttle][postgresql]") {
  // A replica that cannot be reached holds the pass (its lag is unknown): the wait metric grows
  // during the wait, not only when the pass ends.
  PgDatabase db;
  db.exec(
      "CREATE TABLE hits (id int PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO hits SELECT i, '2020-01-01' FROM generate_series(1, 1000) i;");
  TempDir dir;
  const int port = 20000 + (getpid() + 7) % 20000;
  const int closed = closed_port();
  std::string store = db.store_yaml();
  store.pop_back();  // the closing brace: the throttle goes inside
  const std::string config = dir.write(
      "r.yaml", "metrics: {listen: 127.0.0.1:" + std::to_string(port) +
                    "}\nstate: state.db\nstores:\n  app: " + store +
                    ", throttle: {max_replica_lag: 5s, max_threads_running: 1000, replicas: "
                    "[{dsn: \"host=127.0.0.1 port=" +
                    std::to_string(closed) +
                    " user=postgres\"}]}}\npolicies:\n  - {name: hits, store: app, table: hits, "
                    "expire_after: 1y, since: ts, schedule: every 1h, max_affected: 100%}\n");
  record_old_success(dir.file("state.db"), "hits");  // so that the run is due at once
  Daemon d(dir, config);
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  REQUIRE(d.notify().seen("running hits, paused: ", 30s));
  // A reason the pass never waited for has its counter too, at 0.
  CHECK(http_get(port, "/metrics")
            .find("retentiond_throttle_wait_seconds_total{store=\"app\",reason=\"threads-"
                  "running\"} 0\n") != std::string::npos);
  const std::string metric =
      "retentiond_throttle_wait_seconds_total{store=\"app\",reason=\"replica-lag\"} ";
  double waited = 0;
  for (int i = 0; i < 100 && waited < 2; ++i) {
    const std::string http = http_get(port, "/metrics");
    if (const auto at = http.find(metric); at != std::string::npos)
      waited = std::stod(http.substr(at + metric.size()));
    if (waited < 2) std::this_thread::sleep_for(100ms);
  }
  INFO(d.log());
  CHECK(waited >= 2);
  CHECK(db.integer("SELECT count(*) FROM hits") == 1000);  // still waiting: nothing deleted
  // A reload during the wait leaves STATUS saying so (it once switched to "next: ...").
  d.signal(SIGHUP);
  REQUIRE(d.notify().wait_for("RELOADING=1", 5s));
  REQUIRE(d.notify().wait_for("READY=1", 5s));
  d.notify().wait_for("no such message", 500ms);  // collects what follows the reload
  const std::string& got = d.notify().received();
  const auto last_status = got.rfind("STATUS=");
  REQUIRE(last_status != std::string::npos);
  CHECK(got.substr(last_status, 29) == "STATUS=running hits, paused: ");
  // The running policy keeps its run: no "missed" run is announced (or queued) for it; the one
  // line is the start's catch-up, one interval after the last success.
  const std::string log = d.log();
  CHECK(log.find("was missed") == log.rfind("was missed"));
  CHECK(log.find("(last successful pass ") != std::string::npos);
  CHECK(d.stop() == 0);
  CHECK(d.log().find("127.0.0.1:" + std::to_string(closed)) != std::string::npos);
}

namespace {
// The value of `metric{policy="NAME",store="STORE"}` in the metrics file, once it is there.
std::optional<double> metric_of(const TempDir& dir, const std::string& metric,
                                const std::string& policy, const std::string& store) {
  const std::string key = metric + "{policy=\"" + policy + "\",store=\"" + store + "\"} ";
  std::string text;
  try {
    text = read_file(dir.file("metrics.prom"));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const auto at = text.find(key);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + key.size()));
}
}  // namespace

TEST_CASE("serve: a reload keeps each unchanged policy's next run, a failed pass's retry included",
          "[serve][cli]") {
  // 'steady' (every 6h) and 'failing' (every 1h, on a database that cannot be opened) both
  // missed a run: they run at start; 'failing' fails and is retried five minutes later. A reload
  // of the same configuration must move neither (it used to push every run to a whole interval
  // from the reload, and the retry with it).
  TempDir dir;
  hits_table(dir);
  const std::string policy =
      "    table: hits\n    expire_after: 52d\n    since: {column: ts, format: epoch}\n"
      "    max_affected: 100%\n";
  std::string config = dir.write(
      "r.yaml",
      "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n"
      "  gone: {type: sqlite, path: missing/app.db}\npolicies:\n"
      "  - name: steady\n    store: app\n    schedule: every 6h\n" +
          policy + "  - name: failing\n    store: gone\n    schedule: every 1h\n" + policy);
  record_old_success(dir.file("state.db"), "steady");
  record_old_success(dir.file("state.db"), "failing", "ok", "gone");
  Daemon d(dir, config, {}, {"--metrics-file", dir.file("metrics.prom")});
  NotifySocket& notify = d.notify();
  REQUIRE(notify.wait_for("READY=1", 5s));
  auto next_of = [&](const std::string& name, const std::string& store) {
    return metric_of(dir, "retentiond_next_run_timestamp_seconds", name, store).value_or(0);
  };
  const bool both_ran = wait_until(
      [&] {
        return metric_of(dir, "retentiond_failures_total", "failing", "gone").value_or(0) == 1 &&
               metric_of(dir, "retentiond_last_success_timestamp_seconds", "steady", "app")
                       .value_or(0) > static_cast<double>(std::time(nullptr)) - 60;
      },
      10s, 50ms);
  INFO(d.log());
  REQUIRE(both_ran);
  const double now = static_cast<double>(std::time(nullptr));
  const double steady = next_of("steady", "app"), retry = next_of("failing", "gone");
  CHECK(steady > now + 5 * 3600);
  CHECK(retry < now + 6 * 60);  // the retry, not the next hour
  for (int i = 0; i < 2; ++i) {
    d.signal(SIGHUP);
    REQUIRE(notify.wait_for("RELOADING=1", 5s));
    REQUIRE(notify.wait_for("READY=1", 5s));
  }
  std::this_thread::sleep_for(200ms);
  CHECK(next_of("steady", "app") == steady);
  CHECK(next_of("failing", "gone") == retry);
  CHECK(d.stop() == 0);
}

TEST_CASE("serve: a second daemon on the same state file refuses to start", "[serve][cli]") {
  TempDir dir;
  std::string config = hits_config(dir);
  {
    Daemon first(dir, config);
    REQUIRE(first.notify().wait_for("READY=1", 5s));
    auto second = run_retentiond({"serve", "-c", config}, dir.path());
    INFO(second.out << second.err);
    CHECK(second.exit_code == 1);
    CHECK(second.err.find("another 'retentiond serve' is running on the state file") !=
          std::string::npos);
    // The same file reached through a symlink is the same state.
    std::filesystem::create_symlink(dir.file("state.db"), dir.file("other.db"));
    std::string through_link = read_file(config);
    through_link.replace(through_link.find("state: state.db"), 15, "state: other.db");
    auto linked =
        run_retentiond({"serve", "-c", dir.write("linked.yaml", through_link)}, dir.path());
    INFO(linked.err);
    CHECK(linked.exit_code == 1);
    CHECK(linked.err.find("another 'retentiond serve' is running") != std::string::npos);
    CHECK(first.alive());
    CHECK(first.log().find("created empty") == std::string::npos);  // its own lock is no sign
    CHECK(first.stop() == 0);
  }
  // Once the first has stopped, a daemon starts again.
  std::filesystem::remove(dir.file("notify"));
  Daemon again(dir, config);
  CHECK(again.notify().wait_for("READY=1", 5s));
  CHECK(again.stop() == 0);
}
