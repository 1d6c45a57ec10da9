// `check` on a SQLite store runs the same checks as on PostgreSQL and MySQL
// (connectors/sql/check.h), so it says the same things: a "did you mean" for every misspelt column,
// a related table's column named as any table's, and a table without a key refused the way the
// servers refuse it.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "lib/sqlite/database.h"
#include "support/check_scenarios.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

const std::string kStores =
    "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("sqlite: check names the `also:` tables, their columns and the notice's e-mail column",
          "[sqlite][cli][check]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE users (id INTEGER PRIMARY KEY, last_login TEXT, email TEXT);"
              "CREATE TABLE follows (id INTEGER PRIMARY KEY, user_id INTEGER, notes TEXT);");
  check_reports_also_and_notify_names(dir, sqlite_store(dir));
  check_refuses_null_on_not_null(dir, sqlite_store(dir));
}

TEST_CASE(
    "sqlite: check names a related table's column and a table without a key like the servers do",
    "[sqlite][cli][check]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE adherents (id INTEGER PRIMARY KEY, date_de_depart TEXT);"
              "CREATE TABLE devices (id INTEGER PRIMARY KEY, adherent_id INTEGER);"
              "CREATE TABLE pairs (a INTEGER, b INTEGER, created TEXT, note TEXT, PRIMARY KEY (a, "
              "b)) WITHOUT ROWID;");
  // The errors `check` prints for `policy`, each after the file's name.
  auto check = [&](const std::string& policy) {
    const std::string config = dir.write("r.yaml", kStores + policy);
    auto r = run_retentiond({"check", "-c", config}, dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 1);
    std::string err = r.err;
    for (auto at = err.find(config); at != std::string::npos; at = err.find(config, at))
      err.replace(at, config.size(), "r.yaml");
    return err;
  };
  CHECK(has(check("  - name: devices\n    store: app\n    table: devices\n    expire_after: 1y\n"
                  "    since: {related: adherents, on: \"adherents.id = devices.adherent_id\", "
                  "column: date_de_departt}\n"),
            "r.yaml:9:83: error: no column 'date_de_departt' in table 'adherents' (did you mean "
            "'date_de_depart'?)"));

  // Only deleting, the policy could walk a table without a key, but SQLite walks only by key or
  // rowid, and a WITHOUT ROWID table has none.
  CHECK(has(check("  - name: pairs\n    store: app\n    table: pairs\n    expire_after: 1y\n    "
                  "since: created\n"),
            "r.yaml:9:12: error: store 'app', policy 'pairs': table 'pairs' has no single-column "
            "primary key and "
            "no rowid; set 'key:' to a unique column"));
  CHECK(has(check("  - name: pairs\n    store: app\n    table: pairs\n    expire_after: 1y\n    "
                  "since: created\n"
                  "    action: anonymise\n    anonymise: {note: null}\n"),
            "r.yaml:7:12: error: table 'pairs' has no single-column primary key, and anonymising "
            "needs one to "
            "follow its records; set 'key:' to a unique column"));
}

TEST_CASE("check says so when the state file exists but cannot be read", "[sqlite][cli][check]") {
  // Every pass would fail on it ("file is not a database"): check names it at `state:`. No state
  // file yet is fine (the first pass creates it).
  TempDir dir;
  sqlite_exec(dir.file("app.db"), "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);");
  const std::string config = dir.write(
      "c.yaml", kStores + "  - {name: p, store: app, table: t, since: ts, expire_after: 1y}\n");
  auto fresh = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(fresh.exit_code == 0);
  dir.write("state.db", std::string(200, 'x'));
  auto damaged = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(damaged.exit_code == 1);
  CHECK(has(damaged.err, config + ":1:8: error: cannot open the state file '" +
                             dir.file("state.db") + "': file is not a database"));
}

TEST_CASE("check warns when two policies delete the same records after different times",
          "[sqlite][cli][check]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE members (id INTEGER PRIMARY KEY, left_at TEXT, created TEXT);");
  std::string config = dir.write(
      "r.yaml", kStores +
                    "  - {name: short, store: app, table: members, expire_after: 1y, since: "
                    "left_at}\n"
                    "  - {name: legal-minimum, store: app, table: members, expire_after: 10y, "
                    "since: left_at}\n"
                    "  - {name: any-account, store: app, table: members, expire_after: 20y, "
                    "since: created}\n");
  auto r = run_retentiond({"check", "-c", config}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);  // a warning: the operator may mean it
  CHECK(has(r.err, "r.yaml:6:5: warning: policy 'legal-minimum' (10y) and policy 'short' (1y, "));
  CHECK(has(r.err, "give 'short' a 'where:' that leaves its records out"));
  // Another date is another promise (inactive or old accounts): nothing to say about it.
  CHECK_FALSE(has(r.err, "policy 'any-account'"));
  CHECK_FALSE(has(r.err, "warning: policy 'short'"));
  // A where that separates them: no warning either.
  config = dir.write("r.yaml", kStores +
                                   "  - {name: short, store: app, table: members, expire_after: "
                                   "1y, since: left_at, where: \"id > 100\"}\n"
                                   "  - {name: legal-minimum, store: app, table: members, "
                                   "expire_after: 10y, since: left_at}\n");
  r = run_retentiond({"check", "-c", config}, dir.path());
  CHECK_FALSE(has(r.err, "warning"));
}

TEST_CASE("check --offline reads the password files a pass reads", "[cli][check]") {
  // Unread, a missing one failed every pass of its store (or every notice) after a reload that
  // checks as --offline does.
  TempDir dir;
  const std::string config = dir.write(
      "r.yaml",
      "state: state.db\nsmtp: {host: 127.0.0.1, from: dpo@example.org, password_file: smtp.pw}\n"
      "stores:\n  my: {type: mysql, host: 127.0.0.1, database: d, user: u, password_file: my.pw}\n"
      "policies:\n  - {name: p, store: my, table: t, expire_after: 1y, since: ts}\n");
  auto r = run_retentiond({"check", "-c", config, "--offline"}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("r.yaml:2:7: error: smtp: cannot read the password file '" +
                   dir.file("smtp.pw") + "': no such file") != std::string::npos);
  CHECK(r.err.find("r.yaml:2:7: warning: smtp: 'password_file' is not used without 'user'") !=
        std::string::npos);
  CHECK(r.err.find("r.yaml:4:75: error: store 'my': cannot read the password file '" +
                   dir.file("my.pw") + "': no such file") != std::string::npos);
}

TEST_CASE("sqlite: a writer killed mid-transaction is named, not 'attempt to write a readonly'",
          "[sqlite][cli]") {
  // The application was killed in the middle of a transaction: its hot rollback journal stays
  // beside the file, and only a connection that may write rolls it back. plan and status, which
  // read only, say so and what does it; enforce rolls it back and then all read again.
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER, v TEXT);"
              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
              "INSERT INTO t SELECT i, 1500000000, printf('%0200d', i) FROM n;");
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // A cache of one page: the update spills to the file, after its journal is synced (hot).
    retentiond::lib::sqlite::Database writer(db, SQLITE_OPEN_READWRITE);
    writer.exec("PRAGMA cache_size = 1; BEGIN; UPDATE t SET v = v || 'x';");
    _exit(0);  // no COMMIT, no close
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(std::filesystem::file_size(db + "-journal") > 0);
  const std::string config = dir.write(
      "r.yaml",
      "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
      "  - name: p\n    store: app\n    table: t\n    since: {column: ts, format: epoch}\n"
      "    expire_after: 52d\n    max_affected: 100%\n");
  auto plan = run_retentiond({"plan", "-c", config}, dir.path());
  INFO(plan.out << plan.err);
  CHECK(plan.exit_code == 1);
  CHECK(plan.err.find("left its rollback journal '" + db + "-journal'") != std::string::npos);
  CHECK(plan.err.find("readonly") == std::string::npos);
  run_retentiond_ok({"enforce", "-c", config}, dir.path());
  CHECK(sqlite_int(db, "SELECT count(*) FROM t") == 0);
  run_retentiond_ok({"plan", "-c", config}, dir.path());
}
