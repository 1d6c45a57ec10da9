// Issue 19: a store's `throttle:` pauses a pass between batches while a replica is behind (or its
// lag unknown: replication stopped, replay paused, replica unreachable) or the server is busy,
// resumes when it clears, and past `max_wait` ends the pass as interrupted, with nothing wrongly
// deleted. Against the test servers' real replicas (scripts/test-servers.sh); serial, since
// pausing a replica concerns every test that writes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/child.h"
#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";
constexpr long long kExpired = 20'000;

RunResult mysql_replica(const std::string& sql) {
  return run_program({"/usr/bin/mariadb", "--no-defaults",
                      "--socket=" + server_env("RETENTIOND_TEST_MYSQL_REPLICA_SOCKET"), "-uroot",
                      "-e", sql});
}

RunResult pg_replica(const std::string& sql) {
  return run_program({"/usr/bin/psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                      server_env("RETENTIOND_TEST_PG_REPLICA_PORT"), "-U", "postgres", "-d",
                      "postgres", "-c", sql});
}

// A pass in the background on a table of kExpired expired rows (and 100 fresh), small batches.
struct ThrottledPass {
  TempDir dir;
  std::string config;
  std::function<long long(const std::string&)> count;
  std::unique_ptr<Child> pass;

  void start() {
    pass = std::make_unique<Child>(
        std::vector<std::string>{"enforce", "-c", config, "--at", kAt, "--format", "json"},
        dir.path(), dir.file("pass.log"));
  }
  bool paused() { return pass->output().find("pausing between batches") != std::string::npos; }
  long long deleted() { return kExpired + 100 - count("SELECT count(*) FROM t"); }
  std::string state() const { return dir.file("state.db"); }
};

std::string policy_yaml();

// The throttle block that asks the server on port `port` as a replica, as `user` with the
// password in DIR/`password_file` (the test's own account and password unless told).
std::string replica_throttle(const TempDir& dir, const std::string& port,
                             const std::string& user = server_env("RETENTIOND_TEST_MYSQL_USER"),
                             const std::string& password_file = "own") {
  if (password_file == "own") dir.write("own", MysqlDatabase::password());
  return "{max_replica_lag: 5s, replicas: [{host: 127.0.0.1, port: " + port + ", user: " + user +
         ", password_file: " + password_file + "}]}";
}

// Table t: kExpired expired rows and 100 fresh ones (ids 1 to 100).
void fill_table(MysqlDatabase& db) {
  db.exec(
      "CREATE TABLE t (id INT PRIMARY KEY, ts DATETIME NOT NULL);"
      "INSERT INTO t SELECT seq, IF(seq <= 100, '2030-01-01', '2020-01-01') FROM seq_1_to_" +
      std::to_string(kExpired + 100));
}

// A configuration for `db` (its password in DIR/pw) whose store has `throttle`, and policy_yaml().
std::string mysql_config(const TempDir& dir, const MysqlDatabase& db, const std::string& throttle,
                         const std::string& state = "state: state.db\n") {
  dir.write("pw", MysqlDatabase::password());
  std::string store = db.store_yaml(dir.file("pw"));
  store.pop_back();  // the closing brace: the throttle goes inside
  return dir.write("c.yaml", state + "stores:\n  app: " + store + ",\n    throttle: " + throttle +
                                 "}\n" + policy_yaml());
}

// The same for the PostgreSQL database `db`.
std::string pg_config(const TempDir& dir, const PgDatabase& db, const std::string& throttle) {
  return dir.write("c.yaml", "state: state.db\nstores:\n  app: {type: postgresql, dsn: \"" +
                                 db.dsn() + "\",\n    throttle: " + throttle + "}\n" +
                                 policy_yaml());
}

// Table t of 120,000 rows (about 3,000 blocks: three parts of a paced count): every tenth
// undated, the other even ones expired (48,000), the odd ones in the future.
void fill_parts_table(const PgDatabase& db) {
  db.exec(
      "CREATE TABLE t (id int PRIMARY KEY, ts timestamptz, pad text);"
      "INSERT INTO t SELECT i, CASE WHEN i % 10 = 0 THEN NULL WHEN i % 2 = 0 THEN timestamptz "
      "'2020-01-01' ELSE '2030-01-01' END, repeat('x', 150) FROM generate_series(1, 120000) i;");
}

// The newest entry of the audit trail.
json last_pass(const TempDir& dir, const std::string& config) {
  auto listed = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  return json::parse(listed.out).at("entries").at(0);
}

// 1,000 expired rows on a store whose replica (port 1: nothing listens there) cannot be
// reached, so that a pass waits from its first batch on.
struct WaitingPass {
  MysqlDatabase db;
  TempDir dir;
  std::string config;
  WaitingPass() {
    db.exec(
        "CREATE TABLE t (id INT PRIMARY KEY, ts DATETIME NOT NULL);"
        "INSERT INTO t SELECT seq, '2020-01-01' FROM seq_1_to_1000");
    config = mysql_config(dir, db,
                          "{max_replica_lag: 5s, replicas: [{host: 127.0.0.1, port: 1, user: x}]}");
  }
  // An enforce in the background, once it says it waits.
  std::unique_ptr<Child> start() {
    auto pass =
        std::make_unique<Child>(std::vector<std::string>{"enforce", "-c", config, "--at", kAt},
                                dir.path(), dir.file("pass.log"));
    REQUIRE(wait_until(
        [&] { return pass->output().find("pausing between batches") != std::string::npos; }, 30s));
    return pass;
  }
};

std::string policy_yaml() {
  return "policies:\n  - name: p\n    store: app\n    table: t\n    since: ts\n    expire_after: "
         "1y\n"
         "    max_affected: 100%\n    batch_budget: 10ms\n";
}

}  // namespace

TEST_CASE(
    "throttle: a stopped MariaDB replica holds the pass after at most one batch and finishes once "
    "replication resumes",
    "[throttle][mysql]") {
  MysqlDatabase db(MysqlDatabase::kReplicatedPrefix);
  fill_table(db);
  ThrottledPass p;
  p.count = [&](const std::string& sql) { return db.integer(sql); };
  // The replica has the table before its SQL thread stops.
  REQUIRE(wait_until([&] {
    return mysql_replica("SELECT count(*) FROM " + db.name() + ".t")
               .out.find(std::to_string(kExpired + 100)) != std::string::npos;
  }));
  REQUIRE(mysql_replica("STOP SLAVE SQL_THREAD").exit_code == 0);
  struct Resume {
    ~Resume() { mysql_replica("START SLAVE SQL_THREAD"); }
  } resume;
  p.config = mysql_config(p.dir, db,
                          "{max_replica_lag: 5s, replicas: [{host: 127.0.0.1, port: " +
                              server_env("RETENTIOND_TEST_MYSQL_REPLICA_PORT") +
                              ", user: retentiond_test, password_file: pw}]}");
  auto plan = run_retentiond({"plan", "-c", p.config, "--at", kAt}, p.dir.path());
  CHECK(
      plan.out.find(
          "  throttle:   pause while a replica (127.0.0.1:" +
          server_env("RETENTIOND_TEST_MYSQL_REPLICA_PORT") +
          ") is more than 5 s behind or its lag is unknown; stop after 3600 s of waiting in all") !=
      std::string::npos);
  p.start();
  if (!wait_until([&] { return p.paused(); }, 30s))
    FAIL("the pass did not pause; its output:\n" << p.pass->output());
  std::this_thread::sleep_for(2s);
  CHECK(p.deleted() <= 500);  // at most one batch
  CHECK(p.pass->output().find("has its replication stopped") != std::string::npos);
  REQUIRE(mysql_replica("START SLAVE SQL_THREAD").exit_code == 0);
  CHECK(p.pass->wait_exit(120s) == 0);
  CHECK(p.pass->output().find("resuming after") != std::string::npos);
  CHECK(p.deleted() == kExpired);
  CHECK(db.integer("SELECT count(*) FROM t WHERE ts > '2029-01-01'") == 100);
  auto h = last_pass(p.dir, p.config);
  CHECK(h.at("affected") == kExpired);
  CHECK(h.at("throttle_waited_seconds").get<long long>() >= 1);
}

TEST_CASE("throttle: a pass killed (-9) during a wait is audited with the time it waited",
          "[throttle][mysql][audit]") {
  WaitingPass w;
  {
    auto pass = w.start();
    std::this_thread::sleep_for(8s);
    pass->signal(SIGKILL);
    pass->wait_exit();
  }
  MysqlDatabase& db = w.db;
  TempDir& dir = w.dir;
  // The next pass, throttle gone, records the dead one (and does the work).
  const std::string unthrottled =
      dir.write("u.yaml", "state: state.db\nstores:\n  app: " + db.store_yaml(dir.file("pw")) +
                              "\n" + policy_yaml());
  auto next = run_retentiond({"enforce", "-c", unthrottled, "--at", kAt}, dir.path());
  INFO(next.err);
  CHECK(next.exit_code == 0);
  CHECK(db.integer("SELECT count(*) FROM t") == 0);
  auto listed = run_retentiond({"history", "-c", unthrottled, "--format", "json"}, dir.path());
  REQUIRE(listed.exit_code == 0);
  const json trail = json::parse(listed.out);
  REQUIRE(trail.at("entries").size() == 2);
  const json& dead = trail.at("entries").at(0);
  CHECK(dead.at("outcome") == "interrupted");
  CHECK(dead.at("affected") == 0);
  // Written every 5 s of waiting: at least 5 of the 8 or so.
  CHECK(dead.at("throttle_waited_seconds").get<long long>() >= 5);
  CHECK(dead.at("throttle_waited_seconds").get<long long>() <= 9);
}

TEST_CASE(
    "throttle: an unreachable replica holds the pass, and past max_wait it is interrupted, nothing "
    "deleted",
    "[throttle][mysql]") {
  MysqlDatabase db(MysqlDatabase::kReplicatedPrefix);
  fill_table(db);
  TempDir dir;
  // Port 1: nothing listens there.
  std::string config = mysql_config(
      dir, db,
      "{max_replica_lag: 5s, max_wait: 3s, replicas: [{host: 127.0.0.1, port: 1, user: x}]}");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("replica 127.0.0.1:1 cannot be reached") != std::string::npos);
  CHECK(db.integer("SELECT count(*) FROM t") == kExpired + 100);
  auto h = last_pass(dir, config);
  CHECK(h.at("outcome") == "interrupted");
  CHECK(h.at("error_class") == "throttled");
  CHECK(h.at("throttle_waited_seconds").get<long long>() >= 3);
  // The text and markdown trails show the time waited too, in aligned columns.
  const std::string waited =
      std::to_string(h.at("throttle_waited_seconds").get<long long>()) + " s";
  auto text = run_retentiond_ok({"history", "-c", config}, dir.path()).out;
  INFO(text);
  const auto header = text.substr(0, text.find('\n'));
  const auto row = text.substr(text.find('\n') + 1);
  CHECK(header.find("WAITED") != std::string::npos);
  CHECK(row.find("interrupted (throttled)  ") != std::string::npos);
  CHECK(row.find(waited) != std::string::npos);
  CHECK(row.find(waited) + waited.size() == header.find("WAITED") + 6);  // right-aligned under it
  auto markdown =
      run_retentiond_ok({"history", "-c", config, "--format", "markdown"}, dir.path()).out;
  CHECK(markdown.find("| affected | waited | outcome |") != std::string::npos);
  CHECK(markdown.find("| " + waited + " | interrupted (throttled) |") != std::string::npos);
}

TEST_CASE(
    "throttle: a PostgreSQL replica gone from its slot holds the pass, and past max_wait it is "
    "interrupted",
    "[throttle][postgresql]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (id int PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO t SELECT i, '2020-01-01' FROM generate_series(1, 1000) i;");
  // A physical slot no replica is connected to: the replica it was made for has gone away.
  db.exec("SELECT pg_create_physical_replication_slot('rd_gone_replica')");
  struct DropSlot {
    PgDatabase& db;
    ~DropSlot() { db.exec("SELECT pg_drop_replication_slot('rd_gone_replica')"); }
  } drop{db};
  TempDir dir;
  std::string config = pg_config(dir, db, "{max_replica_lag: 5s, max_wait: 2s}");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(
            "replication slot 'rd_gone_replica' has no replica connected: its lag is unknown") !=
        std::string::npos);
  CHECK(db.integer("SELECT count(*) FROM t") == 1000);
  auto h = last_pass(dir, config);
  CHECK(h.at("outcome") == "interrupted");
  CHECK(h.at("error_class") == "throttled");
}

TEST_CASE("throttle: a busy MariaDB server holds the pass until it calms down",
          "[throttle][mysql]") {
  MysqlDatabase db;
  fill_table(db);
  ThrottledPass p;
  p.count = [&](const std::string& sql) { return db.integer(sql); };
  p.config = mysql_config(p.dir, db, "{max_threads_running: 3}");
  std::vector<std::unique_ptr<Child>> sleepers;
  std::vector<std::thread> busy;
  for (int i = 0; i < 5; ++i) busy.emplace_back([&] { db.exec("SELECT SLEEP(8)"); });
  REQUIRE(wait_until([&] {
    return db.integer(
               "SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT "
               "SLEEP(8)'") == 5;
  }));
  p.start();
  if (!wait_until([&] { return p.paused(); }, 30s))
    FAIL("the pass did not pause; its output:\n" << p.pass->output());
  CHECK(p.pass->output().find("threads running on the server (limit 3)") != std::string::npos);
  CHECK(p.deleted() == 0);
  for (auto& t : busy) t.join();
  CHECK(p.pass->wait_exit(120s) == 0);
  CHECK(p.deleted() == kExpired);
}

TEST_CASE("throttle: SIGTERM during a wait ends the pass within 10 s, interrupted",
          "[throttle][mysql]") {
  WaitingPass w;
  auto pass = w.start();
  const auto t0 = std::chrono::steady_clock::now();
  pass->signal(SIGTERM);
  CHECK(pass->wait_exit(30s) == 1);
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  CHECK(last_pass(w.dir, w.config).at("outcome") == "interrupted");
  CHECK(w.db.integer("SELECT count(*) FROM t") == 1000);
}

TEST_CASE(
    "throttle: a paused PostgreSQL replica holds the pass after at most one batch and finishes on "
    "resume",
    "[throttle][postgresql]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (id int PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO t SELECT i, CASE WHEN i <= 100 THEN timestamptz '2030-01-01' ELSE '2020-01-01' "
      "END "
      "FROM generate_series(1, " +
      std::to_string(kExpired + 100) + ") i;");
  ThrottledPass p;
  p.count = [&](const std::string& sql) { return db.integer(sql); };
  p.config = pg_config(p.dir, db, "{max_replica_lag: 5s}");
  auto plan = json::parse(
      run_retentiond({"plan", "-c", p.config, "--at", kAt, "--format", "json"}, p.dir.path()).out);
  CHECK(plan.at("policies").at(0).at("throttle") ==
        "pause while a replica (from pg_stat_replication) is more than 5 s behind or its lag is "
        "unknown; stop after "
        "3600 s of waiting in all");
  // The replica streams again (after a test that restarted the primary, it takes a few seconds
  // to reconnect; a replica that is not connected and has no slot is invisible to the primary).
  REQUIRE(wait_until([&] {
    return db.integer("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") > 0;
  }));
  REQUIRE(pg_replica("SELECT pg_wal_replay_pause()").exit_code == 0);
  struct Resume {
    ~Resume() { pg_replica("SELECT pg_wal_replay_resume()"); }
  } resume;
  // Paused, not only asked to pause: replay stops at its next record.
  REQUIRE(wait_until([&] {
    return run_program({"/usr/bin/psql", "-qtA", "-h", "127.0.0.1", "-p",
                        server_env("RETENTIOND_TEST_PG_REPLICA_PORT"), "-U", "postgres", "-d",
                        "postgres", "-c", "SELECT pg_get_wal_replay_pause_state()"})
               .out.find("paused") == 0;
  }));
  p.start();
  if (!wait_until([&] { return p.paused(); }, 30s))
    FAIL("the pass did not pause; its output:\n" << p.pass->output());
  std::this_thread::sleep_for(2s);
  CHECK(p.deleted() <= 500);
  CHECK(p.pass->output().find("replay paused or stuck") != std::string::npos);
  REQUIRE(pg_replica("SELECT pg_wal_replay_resume()").exit_code == 0);
  CHECK(p.pass->wait_exit(120s) == 0);
  CHECK(p.deleted() == kExpired);
  CHECK(db.integer("SELECT count(*) FROM t WHERE ts > '2029-01-01'") == 100);
  const std::string out = p.pass->output();  // log lines on stderr, then the report on stdout
  const auto from = out.find("{\n"), to = out.rfind("\n}\n");
  REQUIRE(to != std::string::npos);
  auto report = json::parse(out.substr(from, to + 2 - from));
  CHECK(report.at("policies").at(0).at("throttle_waited_seconds").get<long long>() >= 2);
}

TEST_CASE("throttle: a healthy PostgreSQL replica does not hold the pass",
          "[throttle][postgresql]") {
  // Batches milliseconds apart read the replica before it has reported replaying the last
  // batch's WAL (it reports when WAL reaches it, else every 10 s): an unmoved replay position
  // once held such passes for seconds, and a short max_wait interrupted them.
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (id int PRIMARY KEY, ts timestamptz NOT NULL, pad text);"
      "INSERT INTO t SELECT i, '2020-01-01', repeat('x', 100) FROM generate_series(1, 200000) i;");
  REQUIRE(wait_until([&] {
    return db.integer("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") > 0;
  }));
  TempDir dir;
  const std::string config = pg_config(dir, db, "{max_replica_lag: 1m, max_wait: 3s}");
  for (int run = 0; run < 2; ++run) {
    auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 0);
    const auto p = json::parse(r.out).at("policies").at(0);
    CHECK(p.at("throttle_waited_seconds").get<double>() < 1);
    CHECK(r.err.find("pausing") == std::string::npos);
    if (run == 1) {  // the text report says it waited for nothing
      db.exec("INSERT INTO t VALUES (0, '2020-01-01', 'x')");
      auto text = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
      CHECK(text.out.find("  waited:     none\n") != std::string::npos);
    }
    if (run == 0)
      db.exec(
          "INSERT INTO t SELECT i, '2020-01-01', repeat('x', 100) FROM generate_series(1, "
          "200000) i;");
  }
  CHECK(db.integer("SELECT count(*) FROM t") == 0);
}

TEST_CASE("throttle: a busy PostgreSQL server holds the pass until it calms down",
          "[throttle][postgresql]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (id int PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO t SELECT i, '2020-01-01' FROM generate_series(1, 2000) i;");
  TempDir dir;
  std::string config = pg_config(dir, db, "{max_threads_running: 2}");
  std::vector<std::thread> busy;
  for (int i = 0; i < 4; ++i) busy.emplace_back([&] { db.exec("SELECT pg_sleep(6)"); });
  REQUIRE(wait_until([&] {
    return db.integer(
               "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(6)' AND state "
               "= 'active'") == 4;
  }));
  Child pass({"enforce", "-c", config, "--at", kAt}, dir.path(), dir.file("pass.log"));
  REQUIRE(wait_until(
      [&] { return pass.output().find("pausing between batches") != std::string::npos; }, 30s));
  CHECK(pass.output().find("backends active on the server (limit 2)") != std::string::npos);
  CHECK(db.integer("SELECT count(*) FROM t") == 2000);
  for (auto& t : busy) t.join();
  CHECK(pass.wait_exit(60s) == 0);
  CHECK(db.integer("SELECT count(*) FROM t") == 0);
}

TEST_CASE("throttle: check names the grant a throttle needs", "[throttle][postgresql][mysql]") {
  SECTION("PostgreSQL: pg_monitor") {
    PgDatabase db;
    db.exec(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rd_unmonitored') THEN "
        "CREATE ROLE rd_unmonitored LOGIN; END IF; END $$; CREATE TABLE t (id int PRIMARY KEY, ts "
        "timestamptz);"
        "GRANT SELECT, DELETE ON t TO rd_unmonitored;");
    TempDir dir;
    std::string dsn = db.dsn();
    dsn.replace(dsn.find("user="), dsn.find(' ', dsn.find("user=")) - dsn.find("user="),
                "user=rd_unmonitored");
    std::string config =
        dir.write("c.yaml", "stores:\n  app: {type: postgresql, dsn: \"" + dsn +
                                "\",\n    throttle: {max_replica_lag: 5s}}\n" + policy_yaml());
    auto r = run_retentiond({"check", "-c", config}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("c.yaml:3:15: error: store 'app': throttle: the store's user 'rd_unmonitored' "
                     "cannot read the replicas' lag: GRANT pg_monitor TO rd_unmonitored") !=
          std::string::npos);
    // And a pass does not take the sessions it cannot see for idle ones: the limit holds it
    // (it would otherwise never hold), and the log says which grant is missing.
    db.exec("INSERT INTO t VALUES (1, '2020-01-01')");
    std::string busy =
        dir.write("busy.yaml", "state: state.db\nstores:\n  app: {type: postgresql, dsn: \"" + dsn +
                                   "\",\n    throttle: {max_threads_running: 5, max_wait: 1s}}\n" +
                                   policy_yaml());
    auto pass = run_retentiond({"enforce", "-c", busy, "--at", kAt}, dir.path());
    INFO(pass.err);
    CHECK(pass.exit_code == 1);
    CHECK(pass.err.find("sees only its own sessions: GRANT pg_monitor TO rd_unmonitored") !=
          std::string::npos);
    CHECK(db.integer("SELECT count(*) FROM t") == 1);
  }
  SECTION("MariaDB: REPLICATION CLIENT on the replica") {
    REQUIRE(mysql_replica("CREATE USER IF NOT EXISTS 'rd_nomon'@'127.0.0.1' IDENTIFIED BY 'nomon'")
                .exit_code == 0);
    MysqlDatabase db;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, ts DATETIME)");
    TempDir dir;
    dir.write("nomon", "nomon");
    std::string config = mysql_config(dir, db,
                                      "{max_replica_lag: 5s, replicas: [{host: 127.0.0.1, port: " +
                                          server_env("RETENTIOND_TEST_MYSQL_REPLICA_PORT") +
                                          ", user: rd_nomon, password_file: nomon}]}",
                                      "");
    auto r = run_retentiond({"check", "-c", config}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("refuses SHOW REPLICA STATUS") != std::string::npos);
    // MariaDB 10.11: REPLICATION CLIENT would grant BINLOG MONITOR only, not the status.
    CHECK(r.err.find("run on it: GRANT REPLICA MONITOR ON *.* TO 'rd_nomon'@'127.0.0.1'") !=
          std::string::npos);
  }
  SECTION("MariaDB: a replica whose replication is stopped is a warning") {
    MysqlDatabase db;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, ts DATETIME)");
    TempDir dir;
    std::string config = mysql_config(
        dir, db, replica_throttle(dir, server_env("RETENTIOND_TEST_MYSQL_REPLICA_PORT")), "");
    REQUIRE(mysql_replica("STOP SLAVE SQL_THREAD").exit_code == 0);
    struct Resume {
      ~Resume() { mysql_replica("START SLAVE SQL_THREAD"); }
    } resume;
    auto r = run_retentiond({"check", "-c", config}, dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("c.yaml:3:48: warning: store 'app': throttle: replica 127.0.0.1:" +
                     server_env("RETENTIOND_TEST_MYSQL_REPLICA_PORT") +
                     " has its replication stopped (IO thread Yes, SQL thread No)") !=
          std::string::npos);
  }
  SECTION("PostgreSQL: a listed replica whose replay is paused is a warning") {
    PgDatabase db;
    db.exec("CREATE TABLE t (id int PRIMARY KEY, ts timestamptz)");
    TempDir dir;
    const std::string config =
        pg_config(dir, db,
                  "{max_replica_lag: 5s, replicas: [{host: 127.0.0.1, port: " +
                      server_env("RETENTIOND_TEST_PG_REPLICA_PORT") +
                      ", user: postgres, password_file: pw}]}");
    dir.write("pw", "not-needed-on-loopback\n");  // read, then passed on (trust ignores it)
    REQUIRE(pg_replica("SELECT pg_wal_replay_pause()").exit_code == 0);
    struct Resume {
      ~Resume() { pg_replica("SELECT pg_wal_replay_resume()"); }
    } resume;
    auto r = run_retentiond({"check", "-c", config}, dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("warning: store 'app': throttle: replica 127.0.0.1:" +
                     server_env("RETENTIOND_TEST_PG_REPLICA_PORT") + " has its replay paused") !=
          std::string::npos);
  }
  SECTION("MariaDB: a replica's password file that cannot be read is named as such") {
    MysqlDatabase db;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, ts DATETIME)");
    TempDir dir;
    std::string config =
        mysql_config(dir, db,
                     replica_throttle(dir, server_env("RETENTIOND_TEST_MYSQL_REPLICA_PORT"),
                                      "monitor", "missing"),
                     "");
    auto r = run_retentiond({"check", "-c", config}, dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(" cannot be asked: ") != std::string::npos);
    CHECK(r.err.find("password file") != std::string::npos);
    CHECK(r.err.find("cannot be reached") == std::string::npos);
  }
  SECTION("MariaDB: a listed server that is not a replica") {
    MysqlDatabase db;
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, ts DATETIME)");
    TempDir dir;
    std::string config =
        mysql_config(dir, db, replica_throttle(dir, server_env("RETENTIOND_TEST_MYSQL_PORT")), "");
    auto r = run_retentiond({"check", "-c", config}, dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("127.0.0.1:" + server_env("RETENTIOND_TEST_MYSQL_PORT") +
                     " is not replicating (SHOW REPLICA STATUS is empty)") != std::string::npos);
    // At the replica's entry (line 3, column 48), not at the throttle block (column 15).
    CHECK(r.err.find("c.yaml:3:48: error: store 'app': throttle: replica 127.0.0.1:") !=
          std::string::npos);
  }
}

TEST_CASE("throttle: a throttled PostgreSQL pass counts in parts, paced, and acts exactly",
          "[throttle][postgresql]") {
  PgDatabase db;
  // About 3,000 blocks: three parts. Every tenth row undated, the other even ones expired, the
  // odd ones in the future.
  fill_parts_table(db);
  TempDir dir;
  const std::string config = pg_config(dir, db, "{nice_ratio: 0.2}");
  auto planned =
      json::parse(
          run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path()).out)
          .at("policies")
          .at(0);
  CHECK(planned.at("matched") == 48000);
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("counted in 3 parts of 1024 blocks") != std::string::npos);
  auto done = json::parse(r.out).at("policies").at(0);
  CHECK(done.at("matched") == 48000);
  CHECK(done.at("affected") == 48000);
  CHECK(db.integer("SELECT count(*) FROM t") == 72000);
  CHECK(db.integer("SELECT count(*) FROM t WHERE ts < '2028-01-01'") == 0);
  CHECK(db.integer("SELECT count(*) FROM t WHERE ts IS NULL") == 12000);
}

TEST_CASE("throttle: a throttled MariaDB pass counts in spans of its key, paced, and acts exactly",
          "[throttle][mysql]") {
  MysqlDatabase db;
  // Keys 2, 4, ... 240000: five spans of 50,000 keys. Every tenth row undated, the other even
  // ones expired, the odd ones in the future; `where:` leaves out every seventh row, and a
  // hold every eleventh expired one.
  db.exec(
      "CREATE TABLE t (id int PRIMARY KEY, ts datetime NULL, pad varchar(100));"
      "INSERT INTO t SELECT seq * 2, CASE WHEN seq % 10 = 0 THEN NULL WHEN seq % 2 = 0 THEN "
      "'2020-01-01' ELSE '2030-01-01' END, REPEAT('x', 100) FROM seq_1_to_120000;");
  TempDir dir;
  dir.write("pw", MysqlDatabase::password());
  std::string store = db.store_yaml(dir.file("pw"));
  store.pop_back();
  auto config_with = [&](const std::string& throttle) {
    return dir.write("c.yaml", "state: state.db\nstores:\n  app: " + store + throttle +
                                   "}\npolicies:\n  - name: p\n    store: app\n    table: t\n"
                                   "    since: ts\n    expire_after: 1y\n    max_affected: 100%\n"
                                   "    where: \"id % 7 <> 0\"\n    hold_where: \"id % 11 = 0\"\n");
  };
  // The plan's counts as the text report prints them: matched of total, held, oldest, and the
  // warnings that count the undated and future records.
  auto counts = [](const std::string& out) {
    std::string lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (line.find("matched:") != std::string::npos || line.find("oldest:") != std::string::npos ||
          line.find("no usable date") != std::string::npos ||
          line.find("a date after") != std::string::npos)
        lines += line + "\n";
    return lines;
  };
  // Unthrottled, one statement per count: what the parts must add up to.
  std::string config = config_with("");
  auto whole = run_retentiond({"plan", "-c", config, "--at", kAt}, dir.path());
  INFO(whole.err);
  REQUIRE(whole.exit_code == 0);
  const std::string expected = counts(whole.out);
  CHECK(expected.find("no usable date") != std::string::npos);
  CHECK(expected.find("a date after") != std::string::npos);
  const long long before = db.integer("SELECT count(*) FROM t");
  const long long expired =
      db.integer("SELECT count(*) FROM t WHERE ts < '2027-03-01' AND id % 7 <> 0 AND id % 11 <> 0");
  config = config_with(",\n    throttle: {nice_ratio: 0.2}");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("counted in 5 parts of 50000 keys") != std::string::npos);
  CHECK(counts(r.out) == expected);
  CHECK(before - db.integer("SELECT count(*) FROM t") == expired);
  CHECK(db.integer("SELECT count(*) FROM t WHERE ts < '2028-01-01' AND id % 7 <> 0 AND "
                   "id % 11 <> 0") == 0);
  CHECK(db.integer("SELECT count(*) FROM t WHERE ts < '2028-01-01' AND id % 7 = 0") > 0);
  CHECK(db.integer("SELECT count(*) FROM t WHERE ts IS NULL") == 12000);
}

namespace {

// A TCP port on loopback that accepts connections (the kernel completes them in the backlog) and
// never answers: a replica that hangs.
struct SilentPort {
  int fd = -1;
  int port = 0;
  SilentPort() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 64) == 0);
    socklen_t size = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) == 0);
    port = ntohs(a.sin_port);
  }
  ~SilentPort() { ::close(fd); }
};

}  // namespace

TEST_CASE(
    "throttle: replicas that accept connections but never answer hold the pass, and max_wait "
    "and SIGTERM still end it in time",
    "[throttle][postgresql][mysql]") {
  // Each reading gives up after 3 s and counts as waited: max_wait 3s ends the pass after about
  // one reading (was: never, on PostgreSQL; after 43 s reported as 3, on MariaDB).
  SilentPort one, two;
  const std::string backend = GENERATE(std::string("postgresql"), std::string("mysql"));
  INFO(backend);
  TempDir dir;
  std::unique_ptr<MysqlDatabase> my;
  std::unique_ptr<PgDatabase> pg;
  std::function<long long()> rows;
  auto config_with = [&](const std::string& extra) {
    if (backend == "mysql") {
      const auto replica = [](int port) {
        return "{host: 127.0.0.1, port: " + std::to_string(port) + ", user: x}";
      };
      return mysql_config(dir, *my,
                          "{max_replica_lag: 5s" + extra + ", replicas: [" + replica(one.port) +
                              ", " + replica(two.port) + "]}");
    }
    // One by host, as the issue lists MySQL's; one by libpq connection string.
    return pg_config(dir, *pg,
                     "{max_replica_lag: 5s" + extra +
                         ", replicas: [{host: 127.0.0.1, port: " + std::to_string(one.port) +
                         ", user: postgres}, {dsn: \"host=127.0.0.1 port=" +
                         std::to_string(two.port) + " user=postgres\"}]}");
  };
  if (backend == "mysql") {
    my = std::make_unique<MysqlDatabase>();
    fill_table(*my);
    rows = [&] { return my->integer("SELECT count(*) FROM t"); };
  } else {
    pg = std::make_unique<PgDatabase>();
    pg->exec(
        "CREATE TABLE t (id int PRIMARY KEY, ts timestamptz NOT NULL);"
        "INSERT INTO t SELECT i, CASE WHEN i <= 100 THEN timestamptz '2030-01-01' ELSE "
        "timestamptz '2020-01-01' END FROM generate_series(1, " +
        std::to_string(kExpired + 100) + ") i;");
    rows = [&] { return pg->integer("SELECT count(*) FROM t"); };
  }
  SECTION("max_wait") {
    const std::string config = config_with(", max_wait: 3s");
    const auto start = std::chrono::steady_clock::now();
    auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(took.count() < 20);  // two readings of 3 s each, at most twice, and a second's sleep
    CHECK(r.err.find("127.0.0.1:" + std::to_string(one.port)) != std::string::npos);
    auto h = last_pass(dir, config);
    CHECK(h.at("outcome") == "interrupted");
    CHECK(h.at("error_class") == "throttled");
    const auto waited = h.at("throttle_waited_seconds").get<double>();
    CHECK(waited >= 3);
    CHECK(waited <= took.count() + 1);
    CHECK(waited >= took.count() - 3);  // the readings' time counts as waited
    CHECK(kExpired + 100 - rows() == h.at("affected").get<long long>());
  }
  SECTION("SIGTERM") {
    const std::string config = config_with("");
    Child pass({"enforce", "-c", config, "--at", kAt}, dir.path(), dir.file("pass.log"));
    REQUIRE(wait_until(
        [&] {
          try {
            return pass.output().find("pausing between batches") != std::string::npos;
          } catch (const std::exception&) {  // its log not there yet
            return false;
          }
        },
        std::chrono::seconds(30)));
    const auto signalled = std::chrono::steady_clock::now();
    pass.signal(SIGTERM);
    const int code = pass.wait_exit();
    CHECK(std::chrono::steady_clock::now() - signalled < std::chrono::seconds(10));
    CHECK(code == 1);
    auto h = last_pass(dir, config);
    CHECK(h.at("outcome") == "interrupted");
    CHECK(kExpired + 100 - rows() == h.at("affected").get<long long>());
  }
}

TEST_CASE("throttle: a pass that ends while counting says it counted nothing",
          "[throttle][postgresql]") {
  // Its zeros would read as "nothing expired"; 48,000 rows are.
  SilentPort silent;
  PgDatabase db;
  fill_parts_table(db);
  TempDir dir;
  const std::string config =
      pg_config(dir, db,
                "{max_replica_lag: 5s, max_wait: 1s, replicas: [{dsn: \"host=127.0.0.1 port=" +
                    std::to_string(silent.port) + " user=postgres\"}]}");
  auto json_run =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(json_run.err);
  CHECK(json_run.exit_code == 1);
  const auto p = json::parse(json_run.out).at("policies").at(0);
  CHECK(p.at("counted") == false);
  // The throttle it waited for, and how long, as for a pass that counted.
  CHECK(p.at("throttle").get<std::string>().find("pause while a replica") == 0);
  CHECK(p.at("throttle_waited_seconds") >= 1);
  // The log says where the pass waited: no batch had begun.
  CHECK(json_run.err.find("pausing while counting") != std::string::npos);
  CHECK(json_run.err.find("pausing between batches") == std::string::npos);
  // Its end is a warning, not an error: the server asked for the pause.
  CHECK(json_run.err.find("warning: policy 'p': waited ") != std::string::npos);
  CHECK(json_run.err.find("error: policy 'p': waited ") == std::string::npos);
  auto text = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  CHECK(text.out.find("matched:    not counted: the pass ended before its count") !=
        std::string::npos);
  CHECK(text.out.find("  throttle:   pause while a replica") != std::string::npos);
  // Interrupted, not failed: the next pass goes on.
  CHECK(text.out.find(" 0 refused, 0 failed, 1 interrupted\n") != std::string::npos);
  CHECK(text.out.find("1 policy: 0 records expired (1 not counted), 0 acted on") !=
        std::string::npos);
  CHECK(text.out.find("  waited:     ") != std::string::npos);
  // The Markdown and HTML reports say the same.
  auto markdown =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "markdown"}, dir.path());
  CHECK(markdown.out.find("- Selected: not counted: the pass ended before its count\n") !=
        std::string::npos);
  CHECK(markdown.out.find("- Throttle: pause while a replica") != std::string::npos);
  CHECK(markdown.out.find("- Waited: ") != std::string::npos);
  auto html =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "html"}, dir.path());
  CHECK(html.out.find("<p>Throttle: pause while a replica") != std::string::npos);
  CHECK(html.out.find("<p>Waited: ") != std::string::npos);
  CHECK(db.integer("SELECT count(*) FROM t") == 120000);
}

TEST_CASE("throttle: a pass killed (-9) while it waits during its count is audited",
          "[throttle][postgresql][audit]") {
  // The replica never answers: the pass waits in its count (up to max_wait, an hour). Killed
  // there, it changed nothing, but it ran: the next pass records it as interrupted with the time
  // it waited, and a policy with dry_run: true, only planned, never waits at all.
  SilentPort silent;
  PgDatabase db;
  fill_parts_table(db);
  TempDir dir;
  const std::string throttle = "{max_replica_lag: 5s, replicas: [{dsn: \"host=127.0.0.1 port=" +
                               std::to_string(silent.port) + " user=postgres\"}]}";
  const std::string config = pg_config(dir, db, throttle);
  {
    Child pass({"enforce", "-c", config, "--at", kAt}, dir.path(), dir.file("enforce.log"));
    REQUIRE(wait_until(
        [&] { return pass.output().find("pausing while counting") != std::string::npos; }, 30s));
    std::this_thread::sleep_for(7s);
    pass.signal(SIGKILL);
    pass.wait_exit();
  }
  const std::string unthrottled =
      dir.write("u.yaml", "state: state.db\nstores:\n  app: {type: postgresql, dsn: \"" + db.dsn() +
                              "\"}\n" + policy_yaml());
  auto next = run_retentiond({"enforce", "-c", unthrottled, "--at", kAt}, dir.path());
  INFO(next.err);
  CHECK(next.exit_code == 0);
  auto listed = run_retentiond({"history", "-c", unthrottled, "--format", "json"}, dir.path());
  REQUIRE(listed.exit_code == 0);
  const json trail = json::parse(listed.out);
  REQUIRE(trail.at("entries").size() == 2);
  const json& dead = trail.at("entries").at(0);
  CHECK(dead.at("outcome") == "interrupted");
  CHECK(dead.at("affected") == 0);
  CHECK(dead.at("throttle_waited_seconds").get<long long>() >= 5);
  CHECK(trail.at("entries").at(1).at("affected") == 48000);

  // dry_run: true: planned as `plan` plans, unpaced, recorded as a dry run.
  const std::string dry = dir.write(
      "d.yaml", "state: state.db\nstores:\n  app: {type: postgresql, dsn: \"" + db.dsn() +
                    "\",\n    throttle: " + throttle + "}\n" +
                    "policies:\n  - name: d\n    store: app\n    table: t\n    since: ts\n"
                    "    expire_after: 1d\n    max_affected: 100%\n    dry_run: true\n");
  auto planned = run_retentiond({"enforce", "-c", dry, "--at", kAt}, dir.path());
  INFO(planned.err);
  CHECK(planned.exit_code == 0);
  CHECK(planned.err.find("pausing") == std::string::npos);
}

TEST_CASE("throttle: a replica whose password file cannot be read fails the pass at once",
          "[throttle][mysql][postgresql]") {
  // A mistake of the configuration, like the store's own password file: no wait can end it, so
  // the pass fails (config) instead of waiting out max_wait as for a replica that is down.
  const bool mariadb = GENERATE(true, false);
  INFO((mariadb ? "MariaDB" : "PostgreSQL"));
  TempDir dir;
  MysqlDatabase my;
  PgDatabase pg;
  std::string config;
  const std::string throttle_of =
      "{max_replica_lag: 5s, max_wait: 1h, replicas: [{host: "
      "127.0.0.1, port: ";
  if (mariadb) {
    my.exec(
        "CREATE TABLE t (id INT PRIMARY KEY, ts DATETIME NOT NULL);"
        "INSERT INTO t SELECT seq, '2020-01-01' FROM seq_1_to_1000");
    config = mysql_config(dir, my,
                          throttle_of + server_env("RETENTIOND_TEST_MYSQL_REPLICA_PORT") +
                              ", user: x, password_file: missing.pw}]}");
  } else {
    pg.exec(
        "CREATE TABLE t (id int PRIMARY KEY, ts timestamptz NOT NULL);"
        "INSERT INTO t SELECT i, '2020-01-01' FROM generate_series(1, 1000) i");
    config = pg_config(dir, pg,
                       throttle_of + server_env("RETENTIOND_TEST_PG_REPLICA_PORT") +
                           ", user: postgres, password_file: missing.pw}]}");
  }
  const auto started = std::chrono::steady_clock::now();
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(std::chrono::steady_clock::now() - started < 30s);
  CHECK(r.err.find("the throttle cannot be read: replica 127.0.0.1:") != std::string::npos);
  CHECK(r.err.find("missing.pw") != std::string::npos);
  CHECK((mariadb ? my.integer("SELECT count(*) FROM t") : pg.integer("SELECT count(*) FROM t")) ==
        1000);
  const json entry = last_pass(dir, config);
  CHECK(entry.at("outcome") == "failed");
  CHECK(entry.at("error_class") == "config");
}
