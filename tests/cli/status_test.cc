// `retentiond status` through the real binary: due and overdue counted exactly around their
// boundaries on SQLite, PostgreSQL and MariaDB (a daily schedule allows 24 h of lateness; a strict
// deadline none), held records are neither, a pass brings both to 0 and records when the promise
// was kept, and the exit status says it all: 0 kept, 3 overdue or no recent pass, 1 unreadable.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "policies/timestamp.h"
#include "support/child.h"
#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/run.h"
#include "support/smtp_server.h"
#include "support/sql_store.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;
using retentiond::policies::format_timestamp;
using retentiond::policies::parse_timestamp;

namespace {

const std::map<std::string, std::string> kUtc = {{"TZ", "UTC"}};

// --at 2028-03-01T00:00:00Z, 1y: due before 2027-03-01T00:00:00Z; a daily pass may be 24 h late,
// so overdue before 2027-02-28T00:00:00Z.
const char* kRows = R"sql(
INSERT INTO hits VALUES
 (1, '2027-02-27 23:59:59'), (2, '2027-02-28 00:00:00'), (3, '2027-02-28 23:59:59'),
 (4, '2027-03-01 00:00:00'), (5, NULL), (6, '2020-01-01 00:00:00');
)sql";

json status_json(const std::string& config, const std::string& dir, int expected_exit,
                 const std::vector<std::string>& extra = {"--at", "2028-03-01T00:00:00Z"}) {
  std::vector<std::string> args = {"status", "-c", config, "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_retentiond(args, dir, kUtc);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == expected_exit);
  auto out = json::parse(r.out);
  REQUIRE(out.at("policies").size() == 1);
  return out.at("policies").at(0);
}

void boundary_scenario(const SqlStore& store, const std::string& dir,
                       const std::string& timestamp_type) {
  store.db.exec("CREATE TABLE hits (id integer PRIMARY KEY, ts " + timestamp_type + " NULL);");
  store.db.exec(kRows);
  const std::string policy = "  - name: hits\n    store: " + store.name +
                             "\n    table: hits\n    expire_after: 1y\n    since: ts\n"
                             "    max_affected: 100%\n";
  auto daily = status_json(store.write(policy + "    schedule: daily 03:00\n"), dir, 3);
  CHECK(daily.at("due") == 4);      // 1, 2, 3, 6
  CHECK(daily.at("overdue") == 2);  // 1, 6
  CHECK(daily.at("oldest_overdue") == "2020-01-01T00:00:00Z");
  CHECK(daily.at("held") == 0);
  CHECK(daily.at("next_pass") == "2028-03-01T03:00:00Z");
  CHECK(daily.at("promise_kept_at").is_null());
  CHECK(daily.at("last_outcome").is_null());
  // No lateness under deadline: strict: everything due is overdue.
  auto strict = status_json(
      store.write(policy + "    schedule: daily 03:00\n    deadline: strict\n"), dir, 3);
  CHECK(strict.at("overdue") == 4);
}

}  // namespace

TEST_CASE("status counts due and overdue exactly on sqlite", "[cli][status][sqlite]") {
  TempDir dir;
  boundary_scenario(sqlite_store(dir), dir.path(), "text");
}

TEST_CASE("status counts due and overdue exactly on postgresql", "[cli][status][postgresql]") {
  TempDir dir;
  PgDatabase db;
  boundary_scenario(postgresql_store(dir, db), dir.path(), "timestamp");
}

TEST_CASE("status counts due and overdue exactly on mariadb", "[cli][status][mysql]") {
  TempDir dir;
  MysqlDatabase db;
  boundary_scenario(mysql_store(dir, db), dir.path(), "datetime");
}

TEST_CASE("status: a hold is not overdue, a pass keeps the promise, exit statuses",
          "[cli][status][sqlite]") {
  TempDir dir;
  SqlStore store = sqlite_store(dir);
  // Dates relative to the real clock: the pass below is recorded at the real time.
  store.db.exec(
      "CREATE TABLE hits (id integer PRIMARY KEY, ts text);"
      "INSERT INTO hits VALUES (1, datetime('now', '-2 years')), (2, datetime('now', '-2 years')),"
      " (3, datetime('now', '-10 days')), (4, NULL);");
  const std::string config = store.write(
      "  - name: hits\n    store: app\n    table: hits\n    expire_after: 1y\n"
      "    since: ts\n    max_affected: 100%\n    schedule: daily 03:00\n");
  run_retentiond_ok({"hold", "add", "-c", config, "--policy", "hits", "2", "--reason", "court"},
                    dir.path());
  auto before = status_json(config, dir.path(), 3, {});
  CHECK(before.at("due") == 1);
  CHECK(before.at("overdue") == 1);
  CHECK(before.at("held") == 1);
  CHECK(before.at("stale") == true);  // never enforced

  run_retentiond_ok({"enforce", "-c", config}, dir.path(), kUtc);
  auto after = status_json(config, dir.path(), 0, {});
  CHECK(after.at("due") == 0);
  CHECK(after.at("overdue") == 0);
  CHECK(after.at("held") == 1);
  CHECK(after.at("last_outcome") == "ok");
  CHECK(after.at("promise_kept_at").is_string());
  CHECK(after.at("stale") == false);

  auto text = run_retentiond({"status", "-c", config}, dir.path(), kUtc);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("1 of 1 promise kept") != std::string::npos);
  CHECK(text.out.find("hits (store app): kept") != std::string::npos);

  // A store that cannot be read: exit 1, and the policy says why.
  const std::string broken =
      dir.write("broken.yaml",
                "state: state.db\nstores:\n  app: {type: sqlite, path: missing/app.db}\npolicies:\n"
                "  - {name: hits, store: app, table: hits, expire_after: 1y, since: ts}\n");
  auto unreadable = status_json(broken, dir.path(), 1, {});
  CHECK(unreadable.at("error").is_string());
  // Its counts are unknown, not 0: a script reading `overdue` must not take it for kept.
  for (const char* count : {"due", "overdue", "held", "notices_open"})
    CHECK(unreadable.at(count).is_null());
  auto unreadable_text = run_retentiond({"status", "-c", broken}, dir.path(), kUtc);
  CHECK(unreadable_text.out.find("  overdue:         unknown\n") != std::string::npos);
  CHECK(run_retentiond({"status", "-c", dir.file("nonexistent.yaml")}, dir.path()).exit_code == 1);
  CHECK(run_retentiond({"status", "--format", "xml", "-c", config}, dir.path()).exit_code == 2);
}

TEST_CASE("status on a files store: old files are overdue until a pass removes them",
          "[cli][status][files]") {
  TempDir dir;
  for (const char* name : {"logs/a.log-1", "logs/b.log-2", "logs/c.log-3"}) dir.write(name, "x\n");
  // a: 400 days old (past 365 days and a daily pass's 24 h); b: 365.5 days (due, not overdue);
  // c: new.
  REQUIRE(
      run_program({"/usr/bin/touch", "-d", "400 days ago", dir.file("logs/a.log-1")}).exit_code ==
      0);
  REQUIRE(
      run_program({"/usr/bin/touch", "-d", "8772 hours ago", dir.file("logs/b.log-2")}).exit_code ==
      0);
  const std::string config = dir.write(
      "r.yaml",
      "state: state.db\nstores:\n  logs: {type: files, root: " + dir.file("logs") +
          "}\npolicies:\n  - {name: logs, store: logs, files: \"*.log-*\", "
          "expire_after: 365d, since: mtime, max_affected: 100%, schedule: daily 03:00}\n");
  auto before = status_json(config, dir.path(), 3, {});
  CHECK(before.at("due") == 2);
  CHECK(before.at("overdue") == 1);
  run_retentiond_ok({"enforce", "-c", config}, dir.path(), kUtc);
  auto after = status_json(config, dir.path(), 0, {});
  CHECK(after.at("due") == 0);
  CHECK(after.at("overdue") == 0);
}

TEST_CASE("status: a pending notice is not overdue until its period ends, and a missing one is",
          "[cli][status][notify][sqlite]") {
  SmtpServer smtp;
  TempDir dir;
  SqlStore store = sqlite_store(dir);
  // 1y after last_seen, notice 30 days before; a daily schedule allows 24 h of lateness.
  store.db.exec(
      "CREATE TABLE users (id integer PRIMARY KEY, email text, last_seen text);"
      "INSERT INTO users VALUES (1, 'old@example.org', '2020-01-01'),"
      " (2, 'soon@example.org', '2027-03-15'), (3, NULL, '2020-01-01'),"
      " (4, 'later@example.org', '2027-06-01');");
  dir.write("notice.txt", "Your account goes on {date}.\n");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nsmtp: {host: 127.0.0.1, port: " + std::to_string(smtp.port()) +
                    ", starttls: false, from: dpo@example.org}\n"
                    "stores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                    "  - name: users\n    store: app\n    table: users\n    expire_after: 1y\n"
                    "    since: last_seen\n    max_affected: 100%\n    schedule: daily 03:00\n"
                    "    notify: {before: 30d, email: email, template: notice.txt,"
                    " subject: Your account}\n");
  // Before any notice: nothing may be acted on, but 1 and 3 are a year past their expiry with
  // nothing done: overdue.
  auto never = status_json(config, dir.path(), 3);
  CHECK(never.at("due") == 0);
  CHECK(never.at("overdue") == 2);
  CHECK(never.at("oldest_overdue") == "2020-01-01T00:00:00Z");
  CHECK(never.at("notices_open") == 0);

  // The pass of 2028-03-01 sends notices to 1 and 2 (2 expires on 2028-03-15); 3 has no address.
  run_retentiond_ok({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path(), kUtc);
  REQUIRE(smtp.messages().size() == 2);
  auto pending = status_json(config, dir.path(), 3, {"--at", "2028-03-10T00:00:00Z"});
  CHECK(pending.at("notices_open") == 2);
  CHECK(pending.at("due") == 0);
  CHECK(pending.at("overdue") == 1);  // 3 only: it can never be noticed

  // The period ended on 2028-03-31: both are due, not overdue before a day's lateness has passed.
  auto ended = status_json(config, dir.path(), 3, {"--at", "2028-03-31T12:00:00Z"});
  CHECK(ended.at("notices_open") == 0);
  CHECK(ended.at("due") == 2);
  CHECK(ended.at("overdue") == 1);
  auto late = status_json(config, dir.path(), 3, {"--at", "2028-04-02T00:00:00Z"});
  CHECK(late.at("due") == 2);
  CHECK(late.at("overdue") == 3);

  auto text =
      run_retentiond({"status", "-c", config, "--at", "2028-03-10T00:00:00Z"}, dir.path(), kUtc);
  CHECK(text.out.find("notices open:    2") != std::string::npos);
}

TEST_CASE("status counts from the date's index on postgresql, where plan scans the table",
          "[cli][status][postgresql]") {
  TempDir dir;
  PgDatabase db;
  SqlStore store = postgresql_store(dir, db);
  // 100,000 rows, 100 of them expired: with an index on the date, counting the expired ones
  // need not read the table.
  db.exec(
      "CREATE TABLE hits (id integer PRIMARY KEY, ts timestamp);"
      "CREATE INDEX hits_ts ON hits (ts);"
      "INSERT INTO hits SELECT i, CASE WHEN i <= 100 THEN timestamp '2020-01-01' ELSE "
      "timestamp '2028-02-01' END FROM generate_series(1, 100000) i;"
      "ANALYZE hits;");
  const std::string config = store.write("  - name: hits\n    store: " + store.name +
                                         "\n    table: hits\n    expire_after: 1y\n    since: ts\n"
                                         "    max_affected: 100%\n    schedule: daily 03:00\n");
  // The server's counters of this table (flushed when retentiond's session ends).
  auto scans = [&](const std::string& kind) {
    return db.integer("SELECT coalesce(" + kind +
                      ", 0) FROM pg_stat_user_tables WHERE relname = 'hits'");
  };
  const long long seq_before = scans("seq_scan"), idx_before = scans("idx_scan");
  auto s = status_json(config, dir.path(), 3);
  CHECK(s.at("due") == 100);
  CHECK(s.at("overdue") == 100);
  CHECK(s.at("oldest_overdue") == "2020-01-01T00:00:00Z");
  REQUIRE(wait_until([&] { return scans("idx_scan") > idx_before; }));
  CHECK(scans("seq_scan") == seq_before);
  // plan counts every row (total, undated, future): a scan of the table.
  run_retentiond_ok({"plan", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path(), kUtc);
  CHECK(wait_until([&] { return scans("seq_scan") > seq_before; }));
}

namespace {

// A policy on one hit two years old (the real clock: passes are recorded at the real time),
// with `more` (its schedule...), enforced once.
std::string enforced_old_hit(const TempDir& dir, const std::string& more) {
  SqlStore store = sqlite_store(dir);
  store.db.exec(
      "CREATE TABLE hits (id integer PRIMARY KEY, ts text);"
      "INSERT INTO hits VALUES (1, datetime('now', '-2 years'));");
  const std::string config = store.write(
      "  - name: hits\n    store: app\n    table: hits\n    expire_after: 1y\n"
      "    since: ts\n    max_affected: 100%\n" +
      more);
  run_retentiond_ok({"enforce", "-c", config}, dir.path(), kUtc);
  return config;
}

}  // namespace

TEST_CASE("status --at in the past knows only the passes made by then", "[cli][status][sqlite]") {
  TempDir dir;
  const std::string config = enforced_old_hit(dir, "    schedule: every 6h\n");
  const json now = status_json(config, dir.path(), 0, {});
  REQUIRE(now.at("last_pass").is_string());
  // `every`: the daemon counts the interval from the end of the last pass.
  const auto last = *parse_timestamp(now.at("last_pass").get<std::string>());
  CHECK(now.at("next_pass") == format_timestamp(last + std::chrono::hours(6)));
  const json before = status_json(config, dir.path(), 3, {"--at", "2020-01-01T00:00:00Z"});
  CHECK(before.at("last_pass").is_null());
  CHECK(before.at("last_outcome").is_null());
  CHECK(before.at("promise_kept_at").is_null());
  CHECK(before.at("stale") == true);
}

TEST_CASE("status counts the passes of a policy with dry_run: true as passes, not as kept",
          "[cli][status][sqlite]") {
  // Its schedule runs, so it is not stale; it keeps no promise, so none is recorded as kept.
  TempDir dir;
  const std::string config = enforced_old_hit(dir, "    schedule: every 1h\n    dry_run: true\n");
  const json s = status_json(config, dir.path(), 3, {});  // its record is overdue, untouched
  CHECK(s.at("last_outcome") == "dry-run");
  CHECK(s.at("last_pass").is_string());
  CHECK(s.at("stale") == false);
  CHECK(s.at("promise_kept_at").is_null());
  CHECK(s.at("overdue") == 1);
  // Its plan says so: what it shows is not what enforce will do.
  const auto plan = run_retentiond_ok({"plan", "-c", config}, dir.path(), kUtc);
  CHECK(plan.out.find("the policy says dry_run: true: enforce and serve only plan it, nothing "
                      "goes until it is removed") != std::string::npos);
  // enforce says it only planned it.
  const auto enforce = run_retentiond({"enforce", "-c", config}, dir.path(), kUtc);
  CHECK(enforce.out.find("the policy says dry_run: true, so it was only planned") !=
        std::string::npos);
}

TEST_CASE("status: promise_kept_at is a pass that left nothing overdue", "[cli][status][sqlite]") {
  // A pass of `enforce --at` in the past ends well but acts on older records only; a record
  // overdue now that was already expired at a pass's cut-off (left by it, or written later with
  // an old date) shows that pass did not keep the promise. The next full pass does.
  TempDir dir;
  SqlStore store = sqlite_store(dir);
  store.db.exec(
      "CREATE TABLE hits (id integer PRIMARY KEY, ts text);"
      "INSERT INTO hits VALUES (1, datetime('now', '-3 years')), (2, datetime('now', '-3 years')),"
      " (3, datetime('now', '-2 years')), (4, datetime('now', '-10 days'));");
  const std::string config = store.write(
      "  - name: hits\n    store: app\n    table: hits\n    expire_after: 1y\n"
      "    since: ts\n    schedule: daily 03:00\n    max_affected: 100%\n");
  // 18 months ago: only what had expired 30 months ago (1 and 2) goes.
  const std::string past =
      format_timestamp(retentiond::policies::now_utc() - std::chrono::hours(24 * 548));
  run_retentiond_ok({"enforce", "-c", config, "--at", past}, dir.path(), kUtc);
  auto after_past = status_json(config, dir.path(), 3, {});
  CHECK(after_past.at("overdue") == 1);  // 3
  CHECK(after_past.at("last_outcome") == "ok");
  CHECK(after_past.at("promise_kept_at").is_null());

  run_retentiond_ok({"enforce", "-c", config}, dir.path(), kUtc);
  auto kept = status_json(config, dir.path(), 0, {});
  CHECK(kept.at("overdue") == 0);
  REQUIRE(kept.at("promise_kept_at").is_string());

  store.db.exec("INSERT INTO hits VALUES (5, datetime('now', '-2 years'))");  // an old import
  auto late = status_json(config, dir.path(), 3, {});
  CHECK(late.at("overdue") == 1);
  CHECK(late.at("promise_kept_at").is_null());
  run_retentiond_ok({"enforce", "-c", config}, dir.path(), kUtc);
  CHECK(status_json(config, dir.path(), 0, {}).at("promise_kept_at").is_string());
}

TEST_CASE("status: a state that cannot be read leaves every policy unknown, said per policy",
          "[cli][status][state]") {
  TempDir dir;
  // Nothing listens on port 1: the shared state cannot be reached.
  const std::string config =
      dir.write("r.yaml",
                "state: {type: postgresql, dsn: \"host=127.0.0.1 port=1 dbname=x user=x "
                "connect_timeout=2\"}\n"
                "stores:\n  db: {type: sqlite, path: " +
                    dir.file("a.db") +
                    "}\n"
                    "policies:\n"
                    "  - {name: hits, store: db, table: hits, expire_after: 1y, since: ts, "
                    "schedule: daily 03:00}\n");
  const json s = status_json(config, dir.path(), 1);
  CHECK(s.at("name") == "hits");
  CHECK(s.at("due").is_null());
  CHECK(s.at("overdue").is_null());
  CHECK(s.at("last_pass").is_null());
  CHECK(s.at("stale").is_null());  // not known either
  CHECK(s.at("error").get<std::string>().find("the state could not be read") == 0);
  const auto text = run_retentiond({"status", "-c", config}, dir.path());
  CHECK(text.exit_code == 1);
  CHECK(text.out.find("hits (store db): UNKNOWN") != std::string::npos);
  CHECK(text.out.find(": 0 of 1 promise kept; 1 unknown\n") != std::string::npos);
  CHECK(text.out.find("  last pass:       unknown\n  next pass:       unknown\n") !=
        std::string::npos);
  CHECK(text.err.find("cannot connect to the PostgreSQL state") != std::string::npos);
}

TEST_CASE("status: at a month's end overdue stays a part of due, never more",
          "[cli][status][sqlite]") {
  // 1 month, every 6h (6 h of lateness), at 2027-03-31T03:00:00Z: due before 02-28T03:00:00Z
  // (03-31 less a month, clamped to February's end); 6 h earlier, 03-30T21:00 less a month is
  // 02-28T21:00, also clamped, and later: records due in 18 hours were counted overdue. One row
  // an hour from 02-26 to 03-02.
  TempDir dir;
  SqlStore store = sqlite_store(dir);
  store.db.exec(
      "CREATE TABLE hits (id integer PRIMARY KEY, ts text);"
      "WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM h WHERE n < 119) "
      "INSERT INTO hits SELECT n, datetime('2027-02-26 00:00:00', '+' || n || ' hours') FROM h;");
  const std::string config = store.write(
      "  - name: hits\n    store: app\n    table: hits\n    expire_after: 1mo\n"
      "    since: ts\n    max_affected: 100%\n    schedule: every 6h\n");
  const json before = status_json(config, dir.path(), 3, {"--at", "2027-03-31T03:00:00Z"});
  CHECK(before.at("due") == 51);  // 02-26T00:00 to 02-28T02:00
  CHECK(before.at("overdue") == 51);
  run_retentiond_ok({"enforce", "-c", config, "--at", "2027-03-31T03:00:00Z"}, dir.path(), kUtc);
  const json after = status_json(config, dir.path(), 3, {"--at", "2027-03-31T03:00:00Z"});
  CHECK(after.at("due") == 0);
  CHECK(after.at("overdue") == 0);  // was 18
  // Away from a month's end the lateness counts as before: on 04-15T03:00 due is before
  // 03-15T03:00 and overdue before 03-14T21:00 (none left of this table either way).
  const json mid = status_json(config, dir.path(), 3, {"--at", "2027-04-15T03:00:00Z"});
  CHECK(mid.at("due") == 69);      // the rest: 02-28T03:00 to 03-02T23:00
  CHECK(mid.at("overdue") == 69);  // all older than 03-14T21:00
}

TEST_CASE("status: the Nagios wrapper of the deployment guide maps the exit statuses",
          "[cli][status][sqlite]") {
  // The ```sh block of docs/deployment.md that starts with "#!/bin/sh" and mentions Nagios, run
  // with this build's retentiond first on PATH: OK (0) when kept, CRITICAL (2) when a record is
  // overdue, UNKNOWN (3) when the configuration cannot be read; one line each.
  std::ifstream in(source_dir() + "/docs/deployment.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  auto begin = doc.find("```sh\n#!/bin/sh\n# retentiond status as a Nagios");
  REQUIRE(begin != std::string::npos);
  begin += std::string("```sh\n").size();
  const std::string script = doc.substr(begin, doc.find("```", begin) - begin);
  TempDir dir;
  const std::string plugin = dir.write("check_retentiond", script);
  std::filesystem::create_directory(dir.file("bin"));
  std::filesystem::create_symlink(RETENTIOND_BINARY, dir.file("bin/retentiond"));
  const std::map<std::string, std::string> env = {{"TZ", "UTC"},
                                                  {"PATH", dir.file("bin") + ":/usr/bin:/bin"}};
  const std::string config = enforced_old_hit(dir, "");
  auto kept = run_program({"/bin/sh", plugin, "-c", config}, dir.path(), env);
  CHECK(kept.exit_code == 0);
  CHECK(kept.out.find(": 1 of 1 promise kept\n") != std::string::npos);
  sqlite_exec(dir.file("app.db"), "INSERT INTO hits VALUES (2, datetime('now', '-2 years'))");
  auto broken = run_program({"/bin/sh", plugin, "-c", config}, dir.path(), env);
  CHECK(broken.exit_code == 2);
  INFO(broken.out);
  CHECK(broken.out.find(": 0 of 1 promise kept") != std::string::npos);
  auto unknown = run_program({"/bin/sh", plugin, "-c", dir.file("none.yaml")}, dir.path(), env);
  CHECK(unknown.exit_code == 3);
  CHECK(unknown.out == "retentiond status exited 1: run it by hand to see why\n");
}
