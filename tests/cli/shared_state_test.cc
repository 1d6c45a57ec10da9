// Issue 22: several `serve` processes share one PostgreSQL state. Each scheduled run is made
// once (no two passes of a policy overlap, none is made twice), the one audit chain verifies,
// each notice goes out once, a daemon killed with its lease mid-pass is taken over at the next
// due time with nothing wrongly deleted and its pass recorded as interrupted; a restarted state
// server is reconnected to. Real time: these tests take a minute or two each.
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/state/audit.h"
#include "daemon/state/state.h"
#include "policies/timestamp.h"
#include "support/child.h"
#include "support/pg_server.h"
#include "support/run.h"
#include "support/smtp_server.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using namespace std::chrono_literals;
using nlohmann::json;
namespace rd = retentiond::daemon;
namespace policies = retentiond::policies;

namespace {

// An ok pass of each policy two days ago: the daemons' first runs are catch-ups, made at start.
void record_old_successes(const PgDatabase& state_db, const std::vector<std::string>& names) {
  rd::StateFile state(state_db.state_config(), true);
  for (const auto& name : names) {
    rd::AuditEntry e;
    e.policy = name;
    e.store = "app";
    e.action = "delete";
    auto when = policies::now_utc() - std::chrono::hours(48);
    e.cutoff = when - std::chrono::hours(24 * 365);
    e.started = e.finished = when;
    e.outcome = "ok";
    rd::AuditTrail(state.db()).append(e);
  }
}

std::vector<std::unique_ptr<Child>> start_daemons(const TempDir& dir, const std::string& config,
                                                  int count) {
  std::vector<std::unique_ptr<Child>> daemons;
  for (int i = 0; i < count; ++i)
    daemons.push_back(std::make_unique<Child>(std::vector<std::string>{"serve", "-c", config},
                                              dir.path(),
                                              dir.file("serve" + std::to_string(i) + ".log")));
  return daemons;
}

std::string logs_of(const std::vector<std::unique_ptr<Child>>& daemons) {
  std::string out;
  for (const auto& d : daemons)
    out += "--- serve pid " + std::to_string(d->pid()) + "\n" + d->output();
  return out;
}

// The entries of `policy` this test's daemons wrote (the seeded ones are two days old).
std::vector<json> entries_of(const json& history, const std::string& policy,
                             policies::TimePoint since) {
  std::vector<json> out;
  for (const auto& e : history.at("entries"))
    if (e.at("policy") == policy &&
        *policies::parse_timestamp(e.at("started").get<std::string>()) >= since)
      out.push_back(e);
  return out;
}

policies::TimePoint at(const json& e, const char* field) {
  return *policies::parse_timestamp(e.at(field).get<std::string>());
}

// No two passes of one policy overlap, and none makes a run another already made.
void check_runs_made_once(const std::vector<json>& entries) {
  for (size_t i = 1; i < entries.size(); ++i) {
    INFO("entries " << entries[i - 1].dump() << " and " << entries[i].dump());
    CHECK(at(entries[i], "started") >= at(entries[i - 1], "finished"));
    if (entries[i - 1].at("outcome") == "ok")
      CHECK(at(entries[i], "started") - at(entries[i - 1], "started") >= 50s);
  }
}

}  // namespace

TEST_CASE("issue 22: three serve processes share one PostgreSQL state",
          "[cli][serve][shared][postgresql]") {
  PgDatabase state_db, store_db;
  SmtpServer smtp;
  constexpr long long kBig = 300'000;
  store_db.exec(
      "CREATE TABLE logs (id bigserial PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO logs (ts) SELECT now() - interval '90 days' FROM generate_series(1, 100);"
      "INSERT INTO logs (ts) SELECT now() FROM generate_series(1, 100);"
      "CREATE TABLE accounts (id bigserial PRIMARY KEY, email text, last_seen timestamptz);"
      "INSERT INTO accounts (email, last_seen) VALUES "
      "('a@example.org', now() - interval '355 days'), ('b@example.org', now() - interval '350 "
      "days'), ('c@example.org', now() - interval '345 days'), ('d@example.org', now());"
      "CREATE TABLE big (id bigserial PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO big (ts) SELECT now() - interval '90 days' FROM generate_series(1, " +
      std::to_string(kBig) +
      ");"
      "INSERT INTO big (ts) SELECT now() FROM generate_series(1, 1000);");
  TempDir dir;
  dir.write("notice.txt", "Your account goes on {date}.\n");
  const std::string config =
      dir.write("r.yaml", "state: {type: postgresql, dsn: \"" + state_db.dsn() +
                              "\"}\nsmtp: {host: 127.0.0.1, port: " + std::to_string(smtp.port()) +
                              ", starttls: false, from: dpo@example.org}\nstores:\n  app: {type: "
                              "postgresql, dsn: \"" +
                              store_db.dsn() + "\"}\npolicies:\n" + R"(  - name: logs
    store: app
    table: logs
    expire_after: 30d
    since: ts
    schedule: every 1m
    max_affected: 100%
  - name: accounts
    store: app
    table: accounts
    expire_after: 1y
    since: last_seen
    notify: {before: 30d, email: email, template: notice.txt, subject: s}
    schedule: every 1m
    max_affected: 100%
  - name: big
    store: app
    table: big
    expire_after: 30d
    since: ts
    schedule: every 1m
    batch_budget: 20ms
    max_affected: 100%
)");
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  REQUIRE(check.exit_code == 0);
  record_old_successes(state_db, {"logs", "accounts", "big"});
  const auto t0 = policies::now_utc() - 1s;
  auto daemons = start_daemons(dir, config, 3);

  // Kill -9 the daemon whose lease runs big's pass, once it has committed a batch.
  pid_t killed = 0;
  const bool mid_pass = wait_until(
      [&] {
        auto owner = state_db.column(
            "SELECT owner FROM pass_in_progress WHERE policy = 'big' AND affected > 0");
        if (owner.empty()) return false;
        const std::string o = owner.front();
        const std::string without_random = o.substr(0, o.rfind(':'));
        const pid_t pid = std::stoi(without_random.substr(without_random.rfind(':') + 1));
        for (auto& d : daemons)
          if (d->pid() == pid) {
            d->signal(SIGKILL);
            killed = pid;
          }
        return killed != 0;
      },
      60s, 20ms);
  INFO(logs_of(daemons));
  REQUIRE(mid_pass);
  const long long left_at_kill =
      store_db.integer("SELECT count(*) FROM big WHERE ts < now() - interval '30 days'");
  CHECK(left_at_kill > 0);

  // Another daemon makes big's run at its next due time, within a minute and a bit.
  CHECK(wait_until(
      [&] {
        return store_db.integer(
                   "SELECT count(*) FROM big WHERE ts < now() - interval '30 "
                   "days'") == 0 &&
               state_db.integer("SELECT count(*) FROM pass_in_progress") == 0;
      },
      100s, 20ms));
  // Let the other policies run their next scheduled run too.
  CHECK(wait_until(
      [&] {
        return state_db.integer(
                   "SELECT count(*) FROM audit WHERE policy = 'logs' AND outcome = "
                   "'ok'") >= 3 &&
               state_db.integer(
                   "SELECT count(*) FROM audit WHERE policy = 'accounts' AND "
                   "outcome = 'ok'") >= 3;
      },
      90s, 20ms));
  for (auto& d : daemons)
    if (d->pid() != killed) {
      d->signal(SIGTERM);
      CHECK(d->wait_exit(20s) == 0);
    }

  auto h = run_retentiond({"history", "-c", config, "--format", "json", "--verify"}, dir.path());
  INFO(h.out << h.err);
  CHECK(h.exit_code == 0);
  const json history = json::parse(h.out);
  CHECK(history.at("verification").at("intact") == true);
  CHECK(history.at("verification").at("complete") == true);
  for (const auto& e : history.at("entries")) {
    CHECK(e.at("outcome") != "refused");  // a run another host has is not audited here
    if (at(e, "started") >= t0) CHECK(e.at("host").is_string());
  }
  for (const char* name : {"logs", "accounts", "big"}) {
    INFO("policy " << name);
    check_runs_made_once(entries_of(history, name, t0));
  }
  CHECK(entries_of(history, "logs", t0).size() >= 2);
  // big: the killed pass recorded as interrupted, with what it deleted, then the run finished.
  const auto big = entries_of(history, "big", t0);
  REQUIRE(big.size() >= 2);
  CHECK(big.at(0).at("outcome") == "interrupted");
  long long audited = 0;
  for (const auto& e : big) audited += e.at("affected").get<long long>();
  CHECK(audited == kBig);
  CHECK(store_db.integer("SELECT count(*) FROM big") == 1000);
  CHECK(store_db.integer("SELECT count(*) FROM logs") == 100);
  CHECK(store_db.integer("SELECT count(*) FROM accounts") == 4);
  // Each notice once, whichever daemon ran the pass that sent it.
  std::vector<std::string> to;
  for (const auto& m : smtp.messages()) to.insert(to.end(), m.to.begin(), m.to.end());
  std::sort(to.begin(), to.end());
  CHECK(to == std::vector<std::string>{"a@example.org", "b@example.org", "c@example.org"});
}

TEST_CASE("issue 22: daemons sharing a PostgreSQL state carry on after it restarts",
          "[restart][shared][postgresql]") {
  PgDatabase state_db, store_db;
  store_db.exec(
      "CREATE TABLE logs (id bigserial PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO logs (ts) SELECT now() - interval '90 days' FROM generate_series(1, 100);"
      "INSERT INTO logs (ts) SELECT now() FROM generate_series(1, 100);");
  TempDir dir;
  const std::string config = dir.write(
      "r.yaml", "state: {type: postgresql, dsn: \"" + state_db.dsn() +
                    "\"}\nstores:\n  app: {type: postgresql, dsn: \"" + store_db.dsn() +
                    "\"}\npolicies:\n  - {name: logs, store: app, table: logs, expire_after: "
                    "30d, since: ts, schedule: every 1m, max_affected: 100%}\n");
  record_old_successes(state_db, {"logs"});
  auto daemons = start_daemons(dir, config, 2);
  auto expired = [&] {
    return store_db.integer("SELECT count(*) FROM logs WHERE ts < now() - interval '30 days'");
  };
  const bool first_runs_done = wait_until([&] { return expired() == 0; }, 30s, 20ms);
  INFO(logs_of(daemons));  // read once the daemons have written their logs
  REQUIRE(first_runs_done);

  // -l: the restarted server must not inherit this process's output pipes.
  const std::string data = server_env("RETENTIOND_TEST_PG_DATA");
  const std::string log = std::filesystem::path(data).parent_path() / "server.log";
  std::vector<std::string> argv{
      "/usr/lib/postgresql/15/bin/pg_ctl", "-D", data, "-l", log, "-m", "fast", "-w", "restart"};
  if (geteuid() == 0)
    argv.insert(argv.begin(),
                {"/usr/sbin/runuser", "-u", server_env("RETENTIOND_TEST_SERVER_USER"), "--"});
  auto restart = run_program(argv);
  INFO(restart.out << restart.err);
  REQUIRE(restart.exit_code == 0);
  store_db.exec(
      "INSERT INTO logs (ts) SELECT now() - interval '90 days' FROM generate_series(1, 50)");
  // The next scheduled run (a minute after the first) reconnects and does its work.
  CHECK(wait_until([&] { return expired() == 0; }, 90s, 20ms));
  for (auto& d : daemons) CHECK(d->alive());
  for (auto& d : daemons) {
    d->signal(SIGTERM);
    CHECK(d->wait_exit(20s) == 0);
  }
  CHECK(store_db.integer("SELECT count(*) FROM logs") == 100);
  auto h = run_retentiond({"history", "-c", config, "--format", "json", "--verify"}, dir.path());
  INFO(h.out << h.err);
  CHECK(h.exit_code == 0);
  long long deleted = 0;
  const json history = json::parse(h.out);
  for (const auto& e : history.at("entries")) deleted += e.at("affected").get<long long>();
  CHECK(deleted == 150);
}

TEST_CASE("issue 22: check reaches the PostgreSQL state and names what stops it",
          "[cli][check][shared][postgresql]") {
  PgDatabase state_db;
  TempDir dir;
  dir.write("f/a.log", "x");
  auto config_for = [&](const std::string& dsn) {
    return dir.write("r.yaml", "state: {type: postgresql, dsn: \"" + dsn +
                                   "\"}\nstores:\n  app: {type: files, root: f}\npolicies: []\n");
  };
  // A fresh database: its user may create the tables, which the first pass does.
  auto fresh = run_retentiond({"check", "-c", config_for(state_db.dsn())}, dir.path());
  INFO(fresh.out << fresh.err);
  CHECK(fresh.exit_code == 0);
  // Written by a newer retentiond.
  { rd::StateFile create(state_db.state_config(), true); }
  state_db.exec("UPDATE retentiond_schema SET version = 99");
  auto newer = run_retentiond({"check", "-c", config_for(state_db.dsn())}, dir.path());
  CHECK(newer.exit_code == 1);
  CHECK((newer.out + newer.err)
            .find("r.yaml:1:8: error: the PostgreSQL state '" + state_db.dsn() +
                  "' was written by a newer retentiond (schema 99)") != std::string::npos);
  // Unreachable; --offline does not try.
  const std::string nowhere = "host=127.0.0.1 port=1 dbname=nowhere connect_timeout=2";
  auto unreachable = run_retentiond({"check", "-c", config_for(nowhere)}, dir.path());
  CHECK(unreachable.exit_code == 1);
  CHECK((unreachable.out + unreachable.err)
            .find("r.yaml:1:8: error: cannot connect to the PostgreSQL state '" + nowhere + "'") !=
        std::string::npos);
  CHECK(run_retentiond({"check", "--offline", "-c", config_for(nowhere)}, dir.path()).exit_code ==
        0);
}

TEST_CASE("issue 22: a pass whose lease is lost stops before its next batch commits",
          "[cli][shared][postgresql]") {
  PgDatabase state_db, store_db;
  constexpr long long kRows = 300'000;
  store_db.exec(
      "CREATE TABLE big (id bigserial PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO big (ts) SELECT now() - interval '90 days' FROM generate_series(1, " +
      std::to_string(kRows) + "); INSERT INTO big (ts) SELECT now() FROM generate_series(1, 10);");
  TempDir dir;
  const std::string config = dir.write(
      "r.yaml", "state: {type: postgresql, dsn: \"" + state_db.dsn() +
                    "\"}\nstores:\n  app: {type: postgresql, dsn: \"" + store_db.dsn() +
                    "\"}\npolicies:\n  - {name: big, store: app, table: big, expire_after: 30d, "
                    "since: ts, batch_budget: 20ms, max_affected: 100%}\n");
  Child pass({"enforce", "-c", config}, dir.path(), dir.file("enforce.log"));
  REQUIRE(wait_until(
      [&] {
        return state_db.integer(
                   "SELECT count(*) FROM pass_in_progress WHERE policy = 'big' AND affected > "
                   "0") == 1;
      },
      60s, 20ms));
  // The server ends the lease's session (as it does for a host gone silent).
  state_db.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
      "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
  INFO(pass.output());
  CHECK(pass.wait_exit(60s) == 1);
  const long long left =
      store_db.integer("SELECT count(*) FROM big WHERE ts < now() - interval '30 days'");
  CHECK(left > 0);
  CHECK(pass.output().find("the lease of policy 'big' in the shared state was lost") !=
        std::string::npos);
  // The next pass finishes; the trail counts exactly what the store lost.
  run_retentiond_ok({"enforce", "-c", config}, dir.path());
  CHECK(store_db.integer("SELECT count(*) FROM big") == 10);
  auto h = run_retentiond({"history", "-c", config, "--format", "json", "--verify"}, dir.path());
  INFO(h.out << h.err);
  CHECK(h.exit_code == 0);
  const json history = json::parse(h.out);
  REQUIRE(history.at("entries").size() == 2);
  CHECK(history.at("entries").at(0).at("outcome") != "ok");
  CHECK(history.at("entries").at(0).at("affected").get<long long>() == kRows - left);
  CHECK(history.at("entries").at(1).at("affected").get<long long>() == left);
  // status reads the shared state too: the promise is kept now.
  auto status = run_retentiond({"status", "-c", config, "--format", "json"}, dir.path());
  INFO(status.out << status.err);
  CHECK(status.exit_code == 0);
}

TEST_CASE("issue 22: serve does not start on a PostgreSQL state its user cannot write",
          "[cli][serve][shared][postgresql]") {
  // The owner made the tables; the daemon's role may read and write them all but one privilege
  // a pass needs: every pass would fail, or delete rows it could not audit. check names it
  // (exit 1), serve stops before READY.
  const auto [revoke, named] = GENERATE(table<std::string, std::string>(
      {{"REVOKE DELETE ON batch_intent", "DELETE on batch_intent"},
       {"REVOKE UPDATE ON batch_intent", "UPDATE on batch_intent"},  // its upsert
       {"REVOKE UPDATE ON notices", "UPDATE on notices"},
       {"REVOKE INSERT ON audit_partitions", "INSERT on audit_partitions"},
       {"REVOKE USAGE ON SEQUENCE batch_intent_items_seq_seq",
        "USAGE on the sequence of batch_intent_items"}}));
  PgDatabase state_db;
  { rd::StateFile create(state_db.state_config(), true); }
  const std::string role = state_db.name() + "_daemon";
  state_db.exec("CREATE ROLE " + role +
                " LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " +
                role + "; GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + role + "; " +
                revoke + " FROM " + role + ";");
  TempDir dir;
  dir.write("f/a.log", "x");
  const std::string config = dir.write(
      "r.yaml", "state: {type: postgresql, dsn: \"" + state_db.dsn() + " user=" + role +
                    "\"}\nstores:\n  app: {type: files, root: f}\npolicies:\n  - {name: logs, "
                    "store: app, files: '*.log', expire_after: 1d, schedule: daily 03:00}\n");
  INFO(revoke);
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("its user lacks what a pass writes with: " + named) != std::string::npos);
  auto r = run_retentiond({"serve", "-c", config}, dir.path(), {{"NOTIFY_SOCKET", ""}});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot be written: its user lacks " + named) != std::string::npos);
  CHECK(r.err.find("not starting") != std::string::npos);
  state_db.exec("DROP OWNED BY " + role + "; DROP ROLE " + role);
}

TEST_CASE("issue 22: a pass whose end cannot be recorded does not end well",
          "[cli][shared][postgresql]") {
  // The daemon's role may not append to the audit trail (a grant forgotten; a state server gone
  // at the pass's very end takes the same path): the file goes, its pass's record stays in
  // pass_in_progress, and enforce says the outcome was not recorded and exits 1 instead of
  // reporting a pass that ended well. Once the grant is back, the next pass records it.
  PgDatabase state_db;
  { rd::StateFile create(state_db.state_config(), true); }
  const std::string role = state_db.name() + "_daemon";
  state_db.exec("CREATE ROLE " + role +
                " LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " +
                role + "; GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + role +
                "; REVOKE INSERT ON audit FROM " + role + ";");
  TempDir dir;
  dir.write("f/a.log", "x");
  const struct timeval old[2] = {{::time(nullptr) - 3 * 86400, 0},
                                 {::time(nullptr) - 3 * 86400, 0}};
  REQUIRE(::utimes(dir.file("f/a.log").c_str(), old) == 0);
  const std::string config = dir.write(
      "r.yaml", "state: {type: postgresql, dsn: \"" + state_db.dsn() + " user=" + role +
                    "\"}\nstores:\n  app: {type: files, root: f}\npolicies:\n  - {name: logs, "
                    "store: app, files: '*.log', expire_after: 1d, max_affected: 100%}\n");
  auto r = run_retentiond({"enforce", "-c", config, "--format", "json"}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(dir.file("f/a.log")));
  CHECK(r.err.find("the outcome of this pass could not be recorded") != std::string::npos);
  const json logs = json::parse(r.out).at("policies").at(0);
  CHECK(logs.at("warnings")
            .dump()
            .find("error (io): the outcome of this pass could not be "
                  "recorded") != std::string::npos);
  CHECK(logs.at("affected") == 1);
  CHECK(state_db.integer("SELECT count(*) FROM pass_in_progress") == 1);
  state_db.exec("GRANT INSERT ON audit TO " + role);
  run_retentiond_ok({"enforce", "-c", config}, dir.path());
  auto h = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  INFO(h.out << h.err);
  const json entries = json::parse(h.out).at("entries");
  REQUIRE(entries.size() == 2);
  CHECK(entries.at(0).at("outcome") == "interrupted");
  CHECK(entries.at(0).at("affected") == 1);
  CHECK(entries.at(1).at("affected") == 0);
  state_db.exec("DROP OWNED BY " + role + "; DROP ROLE " + role);
}

TEST_CASE("issue 22: a host lacking a policy another host holds records under releases nothing",
          "[cli][shared][postgresql]") {
  // Host A holds a file under policy 'logs' of store 'app'; host B shares the state, names its
  // own store 'app' too, and has only policy 'tmp'. B's pass on 'app' is refused (its holds may
  // be a renamed policy's), and the error says not to release another host's holds.
  PgDatabase state_db;
  TempDir dir;
  dir.write("a/x.log", "x");
  dir.write("b/y.tmp", "y");
  const std::string state = "state: {type: postgresql, dsn: \"" + state_db.dsn() + "\"}\n";
  const std::string a =
      dir.write("a.yaml", state +
                              "stores:\n  app: {type: files, root: a}\npolicies:\n  - {name: logs, "
                              "store: app, files: '*.log', expire_after: 1d}\n");
  const std::string b =
      dir.write("b.yaml", state +
                              "stores:\n  app: {type: files, root: b}\npolicies:\n  - {name: tmp, "
                              "store: app, files: '*.tmp', expire_after: 1d}\n");
  run_retentiond_ok({"hold", "add", "-c", a, "--policy", "logs", "x.log", "--reason", "court"},
                    dir.path());
  auto r = run_retentiond({"enforce", "-c", b}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("1 hold in force names policy 'logs' of store 'app'") != std::string::npos);
  CHECK(r.err.find("If another host sharing this state still runs policy 'logs', release "
                   "nothing") != std::string::npos);
}
