// plan then enforce through the real binary on SQLite databases holding expired, fresh, NULL,
// future and boundary rows (one second either side of the cut-off) in ISO, date and epoch forms.
// The clock is pinned with --at 2028-03-01T00:00:00Z; with expire_after 1y the cut-off is
// 2027-03-01T00:00:00Z (epoch 1803859200).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/child.h"
#include "support/pass_progress.h"
#include "support/report.h"
#include "support/run.h"
#include "support/sql_store.h"
#include "support/sqlite_file.h"
#include "support/sqlite_installation.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";

const std::string kRows = R"sql(
CREATE TABLE iso_rows (id INTEGER PRIMARY KEY, label TEXT NOT NULL, ts TEXT);
INSERT INTO iso_rows (label, ts) VALUES
  ('old', '2020-01-01T00:00:00Z'),
  ('minus-1s', '2027-02-28T23:59:59Z'),
  ('minus-1s-space', '2027-02-28 23:59:59'),
  ('minus-1s-offset', '2027-03-01T00:59:59+01:00'),
  ('exact', '2027-03-01T00:00:00Z'),
  ('plus-1s', '2027-03-01T00:00:01Z'),
  ('plus-1s-offset', '2027-03-01T01:00:01+01:00'),
  ('fresh', '2028-01-01T00:00:00Z'),
  ('null', NULL),
  ('future', '2031-01-01T00:00:00Z'),
  ('garbage', 'not a date');
CREATE TABLE epoch_rows (id INTEGER PRIMARY KEY, label TEXT NOT NULL, ts INTEGER);
INSERT INTO epoch_rows (label, ts) VALUES
  ('old', 1500000000), ('minus-1s', 1803859199), ('exact', 1803859200), ('plus-1s', 1803859201),
  ('null', NULL), ('future', 1950000000);
CREATE TABLE date_rows (id INTEGER PRIMARY KEY, label TEXT NOT NULL, day TEXT);
INSERT INTO date_rows (label, day) VALUES
  ('day-before', '2027-02-28'), ('same-day', '2027-03-01'), ('day-after', '2027-03-02'),
  ('null', NULL);
CREATE TABLE latest_rows (id TEXT PRIMARY KEY, label TEXT NOT NULL, last_login TEXT, created TEXT,
                          deleted_at TEXT);
INSERT INTO latest_rows VALUES
  ('6f1c0c1e-0000-4000-8000-000000000001', 'both-old', '2026-01-01', '2025-01-01', NULL),
  ('6f1c0c1e-0000-4000-8000-000000000002', 'login-recent', '2028-01-01', '2020-01-01', NULL),
  ('6f1c0c1e-0000-4000-8000-000000000003', 'never-logged-old', NULL, '2020-01-01', NULL),
  ('6f1c0c1e-0000-4000-8000-000000000004', 'never-logged-new', NULL, '2028-02-01', NULL),
  ('6f1c0c1e-0000-4000-8000-000000000005', 'no-dates', NULL, NULL, NULL),
  ('6f1c0c1e-0000-4000-8000-000000000006', 'old-but-excluded', '2020-01-01', '2020-01-01', '2020-02-01'),
  ('6f1c0c1e-0000-4000-8000-000000000007', 'created-future', '2020-01-01', '2031-01-01', NULL);
)sql";

const std::string kConfig = R"yaml(state: state.db
stores:
  app: {type: sqlite, path: app.db}
policies:
  - name: iso
    store: app
    table: iso_rows
    expire_after: 1y
    since: ts
    max_affected: 100%
  - name: epoch
    store: app
    table: epoch_rows
    expire_after: 12mo
    since: {column: ts, format: epoch}
    max_affected: 100%
  - name: dates
    store: app
    table: date_rows
    expire_after: 1y
    since: {column: day, format: date}
    max_affected: 100%
  - name: latest
    store: app
    table: latest_rows
    expire_after: 1y
    since: [last_login, created]
    where: "deleted_at IS NULL"
    max_affected: 100%
)yaml";

std::vector<std::string> labels(const std::string& db, const std::string& table) {
  return sqlite_column(db, "SELECT label FROM " + table + " ORDER BY rowid");
}

struct Fixture : SqliteInstallation {
  Fixture() : SqliteInstallation(kRows, kConfig, "retentiond.yaml") {}
};

// Starts `enforce` in the background, waits until its first batch is recorded in the state file
// (the pass is then genuinely mid-way), sends `sig` and waits for the end.
std::unique_ptr<Child> enforce_and_signal(const TempDir& dir, const std::string& config, int sig) {
  auto pass =
      std::make_unique<Child>(std::vector<std::string>{"enforce", "-c", config, "--at", kAt},
                              dir.path(), dir.file("enforce.log"));
  wait_until([&] { return batch_committed(dir.file("state.db")); }, std::chrono::seconds(20));
  pass->signal(sig);
  pass->wait_exit();
  return pass;
}

// One million rows: three expired for each fresh one.
std::string big_table(const TempDir& dir) {
  std::string db = dir.file("app.db");
  sqlite_exec(
      db,
      "CREATE TABLE hits (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)"
      "INSERT INTO hits SELECT i, CASE WHEN i % 4 = 0 THEN 1900000000 ELSE 1500000000 END FROM n;");
  return db;
}

// Enforces `policies` at kAt on app.db, built from `sql`; the pass must succeed. Returns the ids
// left in the table devices.
std::vector<std::string> devices_left_by_enforce(const std::string& sql,
                                                 const std::string& policies) {
  TempDir dir;
  sqlite_exec(dir.file("app.db"), sql);
  auto r =
      run_retentiond({"enforce", "-c", sqlite_store(dir).write(policies), "--at", kAt}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  return sqlite_column(dir.file("app.db"), "SELECT id FROM devices ORDER BY id");
}

const std::string kHitsConfig =
    "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
    "  - name: hits\n    store: app\n    table: hits\n    expire_after: 52d\n"
    "    since: {column: ts, format: epoch}\n    max_affected: 100%\n";

}  // namespace

TEST_CASE("plan counts exactly the expired rows and changes nothing", "[cli][sqlite]") {
  Fixture f;
  auto before = sqlite_column(
      f.db, "SELECT count(*) FROM iso_rows UNION ALL SELECT count(*) FROM epoch_rows");
  auto r = f.run({"plan", "--at", kAt, "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto report = json::parse(r.out);
  CHECK(report.at("dry_run") == true);
  CHECK(report.at("generated_at").is_string());
  auto iso = policy_in(report, "iso");
  CHECK(iso.at("matched") == 4);
  CHECK(iso.at("held") == 0);
  CHECK(iso.at("cutoff") == "2027-03-01T00:00:00Z");
  CHECK(iso.at("oldest") == "2020-01-01T00:00:00Z");
  CHECK(iso.at("store") == "app");
  CHECK(iso.at("action") == "delete");
  CHECK_FALSE(iso.at("statements").empty());
  CHECK_FALSE(iso.contains("affected"));
  CHECK(policy_in(report, "epoch").at("matched") == 2);
  CHECK(policy_in(report, "epoch").at("cutoff") == "2027-03-01T00:00:00Z");
  CHECK(policy_in(report, "dates").at("matched") == 1);
  CHECK(policy_in(report, "latest").at("matched") == 2);
  CHECK(sqlite_column(f.db,
                      "SELECT count(*) FROM iso_rows UNION ALL SELECT count(*) FROM epoch_rows") ==
        before);
  CHECK_FALSE(std::filesystem::exists(f.dir.file("state.db")));  // a dry run records nothing
}

TEST_CASE("enforce deletes exactly the expired rows", "[cli][sqlite]") {
  Fixture f;
  auto r = f.run({"enforce", "--at", kAt, "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto report = json::parse(r.out);
  CHECK(report.at("dry_run") == false);
  CHECK(policy_in(report, "iso").at("affected") == 4);
  CHECK(policy_in(report, "epoch").at("affected") == 2);
  CHECK(policy_in(report, "dates").at("affected") == 1);
  CHECK(policy_in(report, "latest").at("affected") == 2);

  CHECK(labels(f.db, "iso_rows") == std::vector<std::string>{"exact", "plus-1s", "plus-1s-offset",
                                                             "fresh", "null", "future", "garbage"});
  CHECK(labels(f.db, "epoch_rows") ==
        std::vector<std::string>{"exact", "plus-1s", "null", "future"});
  CHECK(labels(f.db, "date_rows") == std::vector<std::string>{"same-day", "day-after", "null"});
  CHECK(labels(f.db, "latest_rows") == std::vector<std::string>{"login-recent", "never-logged-new",
                                                                "no-dates", "old-but-excluded",
                                                                "created-future"});

  // A second pass at the same moment finds nothing.
  auto again = f.run({"enforce", "--at", kAt, "--format", "json"});
  REQUIRE(again.exit_code == 0);
  const json second = json::parse(again.out);  // kept alive: the loop walks a member of it
  REQUIRE(second.at("policies").size() == 4);
  for (const auto& p : second.at("policies")) CHECK(p.at("affected") == 0);
  // The journal says what each of those passes found, not only the audit trail's head.
  CHECK(again.err.find("policy 'epoch': nothing expired before 2027-03-01T00:00:00Z (store") !=
        std::string::npos);
}

TEST_CASE("policy selection limits the pass to the named policies", "[cli][sqlite]") {
  Fixture f;
  auto r = f.run({"enforce", "--at", kAt, "--policy", "epoch", "--format", "json"});
  REQUIRE(r.exit_code == 0);
  auto report = json::parse(r.out);
  REQUIRE(report.at("policies").size() == 1);
  CHECK(sqlite_int(f.db, "SELECT count(*) FROM iso_rows") == 11);
  CHECK(sqlite_int(f.db, "SELECT count(*) FROM epoch_rows") == 4);
  auto unknown = f.run({"plan", "--policy", "nope"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("nope") != std::string::npos);
}

TEST_CASE("an earlier --at moves the cut-off", "[cli][sqlite]") {
  Fixture f;
  // One second earlier, the row one second before the old cut-off is no longer expired.
  auto r = f.run({"plan", "--at", "2028-02-29T23:59:59Z", "--format", "json", "--policy", "epoch"});
  REQUIRE(r.exit_code == 0);
  auto epoch = policy_in(json::parse(r.out), "epoch");
  CHECK(epoch.at("cutoff") == "2027-02-28T23:59:59Z");
  CHECK(epoch.at("matched") == 1);
}

TEST_CASE("the max_affected guard refuses before touching anything", "[cli][sqlite][guard]") {
  TempDir dir;
  std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE logs (id INTEGER PRIMARY KEY, ts INTEGER);"
              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)"
              "INSERT INTO logs SELECT i, 1500000000 + i FROM n;"
              "INSERT INTO logs VALUES (100, 1900000000);");
  const SqlStore app = sqlite_store(dir);
  const std::string policy =
      "  - name: logs\n    store: app\n    table: logs\n    expire_after: 52d\n"
      "    since: {column: ts, format: epoch}\n";
  SECTION("default guard: more than 90% of more than 10 rows") {
    std::string config = app.write(policy);
    auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
    CHECK(r.exit_code == 1);
    auto p = policy_in(json::parse(r.out), "logs");
    CHECK(p.at("affected") == 0);
    CHECK(p.at("matched") == 50);
    CHECK(p.at("warnings").dump().find("max_affected") != std::string::npos);
    CHECK(sqlite_int(db, "SELECT count(*) FROM logs") == 51);
    auto h = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
    REQUIRE(h.exit_code == 0);
    CHECK(h.out.find("\"refused\"") != std::string::npos);
  }
  SECTION("a count guard") {
    std::string config = app.write(policy + "    max_affected: 49\n");
    auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK(sqlite_int(db, "SELECT count(*) FROM logs") == 51);
  }
  SECTION("a percentage guard that allows it") {
    std::string config = app.write(policy + "    max_affected: 100%\n");
    auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
    CHECK(r.exit_code == 0);
    CHECK(sqlite_int(db, "SELECT count(*) FROM logs") == 1);
  }
  SECTION("plan reports the refusal but exits 0") {
    std::string config = app.write(policy + "    max_affected: 10%\n");
    auto r = run_retentiond({"plan", "-c", config, "--at", kAt}, dir.path());
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("REFUSED") != std::string::npos);
  }
}

TEST_CASE("foreign keys: cascading children go with their parent", "[cli][sqlite]") {
  CHECK(devices_left_by_enforce(
            "CREATE TABLE members (id INTEGER PRIMARY KEY, left_on TEXT);"
            "CREATE TABLE devices (id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL "
            "  REFERENCES members(id) ON DELETE CASCADE);"
            "INSERT INTO members VALUES (1, '2020-01-01'), (2, '2028-01-01'), (3, NULL);"
            "INSERT INTO devices VALUES (10, 1), (11, 1), (20, 2), (30, 3);",
            "  - name: members\n    store: app\n    table: members\n"
            "    expire_after: 5y\n    since: left_on\n") == std::vector<std::string>{"20", "30"});
}

TEST_CASE("a related-table basis: devices of members who left", "[cli][sqlite]") {
  // Device 40 has no member row: no date, kept.
  CHECK(devices_left_by_enforce(
            "CREATE TABLE adherents (id INTEGER PRIMARY KEY, date_de_depart TEXT);"
            "CREATE TABLE devices (id INTEGER PRIMARY KEY, adherent_id INTEGER, mac TEXT);"
            "INSERT INTO adherents VALUES (1, '2026-01-01'), (2, '2027-12-01'), (3, NULL);"
            "INSERT INTO devices VALUES (10, 1, 'a'), (11, 1, 'b'), (20, 2, 'c'), (30, 3, 'd'), "
            "(40, 99, 'e');",
            "  - name: devices\n    store: app\n    table: devices\n    expire_after: 1y\n"
            "    since: {related: adherents, on: \"adherents.id = devices.adherent_id\", "
            "column: date_de_depart}\n"
            "    max_affected: 100%\n") == std::vector<std::string>{"20", "30", "40"});
}

TEST_CASE("a pass left in progress by a dead process is recorded as interrupted and finished",
          "[cli][sqlite][resume]") {
  Fixture f;
  // First create the state file, then plant the progress row a killed process leaves behind.
  REQUIRE(f.run({"enforce", "--at", kAt, "--policy", "dates"}).exit_code == 0);
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  sqlite_exec(f.dir.file("state.db"),
              "INSERT INTO pass_in_progress (policy, store, action, cutoff, matched, held, "
              "affected, started, "
              "updated, pid) VALUES ('iso', 'app', 'delete', '2027-03-01T00:00:00Z', 4, 0, 2,"
              " '2028-03-01T00:00:00Z', '2028-03-01T00:00:01Z', " +
                  std::to_string(dead) + ")");
  auto r = f.run({"enforce", "--at", kAt, "--policy", "iso"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(sqlite_int(f.db, "SELECT count(*) FROM iso_rows") == 7);
  auto h = f.run({"history", "--format", "json", "--policy", "iso"});
  REQUIRE(h.exit_code == 0);
  auto rows = json::parse(h.out);
  auto entries = rows.is_array() ? rows : rows.at("entries");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].at("outcome") == "interrupted");
  CHECK(entries[1].at("outcome") == "ok");
  CHECK(f.run({"history", "--verify"}).exit_code == 0);
}

TEST_CASE("a pass killed mid-way loses nothing and the next pass completes",
          "[cli][sqlite][resume]") {
  TempDir dir;
  std::string db = big_table(dir);
  std::string config = dir.write("r.yaml", kHitsConfig);
  REQUIRE(enforce_and_signal(dir, config, SIGKILL)->killed_by_signal());
  // No fresh row is gone, each batch was all or nothing, and some work is left.
  CHECK(sqlite_int(db, "SELECT count(*) FROM hits WHERE ts = 1900000000") == 250000);
  long long left = sqlite_int(db, "SELECT count(*) FROM hits WHERE ts = 1500000000");
  CHECK(left > 0);
  CHECK(left < 750000);
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out).at("policies").at(0).at("affected") == left);
  CHECK(sqlite_int(db, "SELECT count(*) FROM hits") == 250000);
  auto h = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  CHECK(h.out.find("\"interrupted\"") != std::string::npos);
  CHECK(run_retentiond({"history", "-c", config, "--verify"}, dir.path()).exit_code == 0);
}

TEST_CASE("SIGTERM stops a pass at a batch boundary and records it as interrupted",
          "[cli][sqlite][resume]") {
  TempDir dir;
  std::string db = big_table(dir);
  std::string config = dir.write("r.yaml", kHitsConfig);
  auto pass = enforce_and_signal(dir, config, SIGTERM);
  REQUIRE_FALSE(pass->killed_by_signal());  // handled, not killed by the signal
  CHECK(pass->wait_exit() == 1);
  CHECK(sqlite_int(db, "SELECT count(*) FROM hits WHERE ts = 1900000000") == 250000);
  long long left = sqlite_int(db, "SELECT count(*) FROM hits WHERE ts = 1500000000");
  CHECK(left > 0);
  auto h = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  CHECK(h.out.find("\"interrupted\"") != std::string::npos);
  CHECK(sqlite_int(dir.file("state.db"), "SELECT count(*) FROM pass_in_progress") == 0);
  CHECK(run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path()).exit_code == 0);
  CHECK(sqlite_int(db, "SELECT count(*) FROM hits") == 250000);
}

TEST_CASE("a policy's batch_budget sets the time its batches aim at", "[cli][sqlite]") {
  TempDir dir;
  std::string db = big_table(dir);
  auto r = run_retentiond(
      {"enforce", "-c", dir.write("r.yaml", kHitsConfig + "    batch_budget: 50ms\n"), "--at", kAt},
      dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("budget 50 ms)") != std::string::npos);
  CHECK(sqlite_int(db, "SELECT count(*) FROM hits") == 250000);
  TempDir other;
  big_table(other);
  auto by_default = run_retentiond(
      {"enforce", "-c", other.write("r.yaml", kHitsConfig), "--at", kAt}, other.path());
  CHECK(by_default.err.find("budget 200 ms)") != std::string::npos);
}

TEST_CASE("sqlite: julianday() dates are Julian days, not 1970 epochs", "[cli][sqlite][dates]") {
  // Cut-off 2027-03-01T00:00:00Z. julianday() stores REALs; a whole one (noon) in a column of
  // INTEGER affinity becomes an integer. With format: epoch the operator says they are seconds.
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE j (id INTEGER PRIMARY KEY, label TEXT, d REAL, i INTEGER);"
              "INSERT INTO j (label, d, i) VALUES"
              " ('old', julianday('2026-11-01'), CAST(julianday('2026-11-01 12:00') AS INTEGER)),"
              " ('minus-1s', julianday('2027-02-28 23:59:59'), NULL),"
              " ('exact', julianday('2027-03-01 00:00:00'), NULL),"
              " ('fresh', julianday('2028-01-01'), CAST(julianday('2028-01-01 12:00') AS INTEGER)),"
              " ('epoch', 1577836800.0, 1577836800);");
  CHECK(sqlite_column(db, "SELECT typeof(i) FROM j WHERE label = 'fresh'") ==
        std::vector<std::string>{"integer"});
  auto labels = [&] { return sqlite_column(db, "SELECT label FROM j ORDER BY id"); };
  for (const std::string since : {"d", "i"}) {
    INFO("since: " << since);
    const std::string config =
        dir.write("r.yaml",
                  "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                  "  - {name: j, store: app, table: j, expire_after: 1y, since: " +
                      since + ", max_affected: 100%}\n");
    auto plan = run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
    INFO(plan.out << plan.err);
    REQUIRE(plan.exit_code == 0);
    auto p = policy_in(json::parse(plan.out), "j");
    if (since == "d") {
      CHECK(p.at("matched") == 3);  // old, minus-1s, epoch
      CHECK(p.at("oldest") == "2020-01-01T00:00:00Z");
    } else {
      CHECK(p.at("matched") == 2);  // old (its noon) and epoch; minus-1s has no i
    }
  }
  const std::string config =
      dir.write("r.yaml",
                "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                "  - {name: j, store: app, table: j, expire_after: 1y, since: d, "
                "max_affected: 100%}\n");
  run_retentiond_ok({"enforce", "-c", config, "--at", kAt}, dir.path());
  CHECK(labels() == std::vector<std::string>{"exact", "fresh"});
}

TEST_CASE("sqlite: a basic ISO date a DATE column stored as an integer is no 1970 epoch",
          "[cli][sqlite][dates]") {
  // NUMERIC affinity (DATE, DATETIME, NUMERIC) turns the text '20991231' into the integer
  // 20991231: under auto it stays undated (kept), as the text is; format: epoch reads seconds.
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE u (id INTEGER PRIMARY KEY, label TEXT, d DATE);"
              "INSERT INTO u (label, d) VALUES ('basic-date', '20991231'), ('iso', '2099-12-31'),"
              " ('old', '2020-01-01'), ('epoch', 1577836800), ('not-a-date', 20991341);"
              // A REAL column makes 20991231.0 of the same text: no date either.
              "CREATE TABLE r (id INTEGER PRIMARY KEY, d REAL);"
              "INSERT INTO r (d) VALUES ('20991231');");
  {
    const std::string config =
        dir.write("real.yaml",
                  "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                  "  - {name: r, store: app, table: r, expire_after: 1y, since: d}\n");
    auto r = run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(policy_in(json::parse(r.out), "r").at("matched") == 0);
  }
  CHECK(sqlite_column(db, "SELECT typeof(d) FROM u WHERE label = 'basic-date'") ==
        std::vector<std::string>{"integer"});
  auto plan = [&](const std::string& since) {
    const std::string config =
        dir.write("r.yaml",
                  "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                  "  - {name: u, store: app, table: u, expire_after: 1y, since: " +
                      since + ", max_affected: 100%}\n");
    auto r = run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return policy_in(json::parse(r.out), "u");
  };
  auto by_auto = plan("d");
  CHECK(by_auto.at("matched") == 3);  // old, epoch and 20991341 (no date: seconds of 1970)
  CHECK(by_auto.at("warnings").dump().find("1 selected row has no usable date") !=
        std::string::npos);
  CHECK(plan("{column: d, format: epoch}").at("matched") == 3);  // basic-date, epoch, 20991341
  run_retentiond_ok({"enforce", "-c", dir.file("r.yaml"), "--at", kAt}, dir.path());
  CHECK(sqlite_column(db, "SELECT label FROM u ORDER BY id") ==
        std::vector<std::string>{"iso", "old"});
}

TEST_CASE("sqlite: expired rows with a NULL key are not counted as matched, and a warning says so",
          "[cli][sqlite]") {
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE u (id TEXT PRIMARY KEY, since TEXT);"
              "INSERT INTO u VALUES ('a', '2000-01-01'), ('b', '2001-01-01'), (NULL, '1999-01-01'),"
              " ('c', '2028-01-01');");
  const std::string config =
      dir.write("r.yaml",
                "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                "  - {name: u, store: app, table: u, expire_after: 1y, since: since, "
                "max_affected: 100%}\n");
  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(plan.out << plan.err);
  auto p = policy_in(json::parse(plan.out), "u");
  CHECK(p.at("matched") == 2);
  CHECK(p.at("oldest") == "2000-01-01T00:00:00Z");
  CHECK(p.at("warnings").dump().find("1 expired row is kept because its key is NULL") !=
        std::string::npos);
  auto enforce =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(enforce.out << enforce.err);
  CHECK(enforce.exit_code == 0);
  CHECK(policy_in(json::parse(enforce.out), "u").at("affected") == 2);
  CHECK(sqlite_int(db, "SELECT count(*) FROM u") == 2);
  // status counts the row no pass can touch as overdue: the promise is broken while it stays.
  auto status =
      run_retentiond({"status", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(status.out << status.err);
  CHECK(status.exit_code == 3);
  CHECK(status.out.find("\"overdue\": 1") != std::string::npos);
}

TEST_CASE("a state file that was there and is gone stops every pass until it is restored",
          "[cli][sqlite][state]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);"
              "INSERT INTO t VALUES (1, '2020-01-01'), (2, '2020-01-01'), (3, '2020-01-01');");
  const std::string config = dir.write(
      "r.yaml",
      "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
      "  - {name: t, store: app, table: t, expire_after: 1y, since: ts, max_affected: 100%}\n");
  // A legal hold, and no pass yet: the hold alone made the state file.
  auto hold = run_retentiond(
      {"hold", "add", "-c", config, "--policy", "t", "2", "--reason", "court"}, dir.path());
  INFO(hold.out << hold.err);
  REQUIRE(hold.exit_code == 0);
  std::filesystem::copy_file(dir.file("state.db"), dir.file("backup.db"));
  std::filesystem::remove(dir.file("state.db"));
  // An empty file in its place would forget the hold: the pass refuses, and changes nothing.
  auto refused = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("the state file '") != std::string::npos);
  CHECK(refused.err.find("is missing, but one was there") != std::string::npos);
  CHECK(sqlite_column(dir.file("app.db"), "SELECT count(*) FROM t") ==
        std::vector<std::string>{"3"});
  CHECK_FALSE(std::filesystem::exists(dir.file("state.db")));
  auto held = run_retentiond(
      {"hold", "add", "-c", config, "--policy", "t", "3", "--reason", "court"}, dir.path());
  CHECK(held.exit_code == 1);
  // Nor do the commands that read it act as on a first install: a plan without the hold, a
  // status without the passes, an empty trail that verifies, no hold listed.
  for (const std::vector<std::string>& reader :
       std::vector<std::vector<std::string>>{{"plan", "-c", config, "--at", kAt},
                                             {"status", "-c", config, "--at", kAt},
                                             {"history", "-c", config, "--verify"},
                                             {"hold", "list", "-c", config}}) {
    auto r = run_retentiond(reader, dir.path());
    INFO(reader.front() << ": " << r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("is missing, but one was there") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("state.db")));

  // Restored from the backup: the hold is there again, and the pass keeps its record.
  std::filesystem::copy_file(dir.file("backup.db"), dir.file("state.db"));
  auto restored = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(restored.err);
  CHECK(restored.exit_code == 0);
  CHECK(sqlite_column(dir.file("app.db"), "SELECT id FROM t") == std::vector<std::string>{"2"});

  // Starting anew is a deliberate act: the state file and its lock directory both go.
  std::filesystem::remove(dir.file("state.db"));
  std::filesystem::remove_all(dir.file("state.db.locks"));
  auto anew = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(anew.err);
  CHECK(anew.exit_code == 0);
  CHECK(std::filesystem::exists(dir.file("state.db.locks/-state-created")));
}

TEST_CASE("a state path that is not a regular file is refused by name, never a hang",
          "[cli][sqlite][state]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"), "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);");
  REQUIRE(::mkfifo(dir.file("fifo.db").c_str(), 0600) == 0);
  std::filesystem::create_directory(dir.file("dir.db"));
  for (const std::string state : {"fifo.db", "dir.db", "/dev/null"}) {
    INFO(state);
    const std::string config = dir.write(
        "r.yaml", "state: " + state +
                      "\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                      "  - {name: t, store: app, table: t, expire_after: 1y, since: ts}\n");
    for (const std::vector<std::string>& command :
         std::vector<std::vector<std::string>>{{"check", "-c", config},
                                               {"status", "-c", config},
                                               {"history", "-c", config},
                                               {"hold", "list", "-c", config},
                                               {"enforce", "-c", config, "--at", kAt}}) {
      auto r = run_retentiond(command, dir.path());
      INFO(command.front() << ": " << r.err);
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("' is not a regular file (") != std::string::npos);
    }
  }
}
