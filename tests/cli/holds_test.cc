// Legal holds through the real binary: `hold_where` in the policy and `retentiond hold add|
// remove|list` from the operator. A held record is never deleted or anonymised, is counted as
// `held` in plan and enforce, and the audit trail records the hold without its key or reason.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/child.h"
#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";

const char* kPolicies = R"(  - name: accounts
    store: db
    table: accounts
    expire_after: 1y
    since: seen
    hold_where: "litigation = 1"
    max_affected: 100%
  - name: accounts-anonymised
    store: db
    table: accounts
    expire_after: 1y
    since: seen
    action: anonymise
    anonymise: {email: null}
    max_affected: 100%
)";

}  // namespace

TEST_CASE("holds: hold_where and operator holds keep records, counted as held",
          "[cli][holds][sqlite]") {
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(
      db,
      "CREATE TABLE accounts (id TEXT PRIMARY KEY, email TEXT, seen TEXT, litigation INTEGER);"
      "INSERT INTO accounts VALUES ('a1', 'a@x', '2020-01-01', 0), ('a2', 'b@x', '2020-01-01', 1),"
      "('a3', 'c@x', '2020-01-01', 0), ('a4', 'd@x', '2020-01-01', 0), ('a5', 'e@x', '2028-01-01', "
      "0);");
  std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\npolicies:\n" +
                    std::string(kPolicies));

  // Operator holds: a3 until removed, a4 until a date before the pass.
  auto add = run_retentiond({"hold", "add", "-c", config, "--policy", "accounts", "a3", "--reason",
                             "court order 2027-114 (M. Dupont)"},
                            dir.path());
  INFO(add.out << add.err);
  REQUIRE(add.exit_code == 0);
  REQUIRE(run_retentiond({"hold", "add", "-c", config, "--policy", "accounts", "a4", "--reason",
                          "audit", "--until", "2028-02-01"},
                         dir.path())
              .exit_code == 0);
  REQUIRE(run_retentiond({"hold", "add", "-c", config, "--policy", "accounts-anonymised", "a1",
                          "--reason", "x"},
                         dir.path())
              .exit_code == 0);

  auto list = run_retentiond({"hold", "list", "-c", config, "--format", "json"}, dir.path());
  REQUIRE(list.exit_code == 0);
  auto holds = json::parse(list.out);
  REQUIRE(holds.size() == 3);
  CHECK(holds[0].at("policy") == "accounts");
  CHECK(holds[0].at("key") == "a3");
  CHECK(holds[0].at("until").is_null());
  CHECK(holds[1].at("until") == "2028-02-01T00:00:00Z");

  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(plan.err);
  REQUIRE(plan.exit_code == 0);
  auto p = policy_in(json::parse(plan.out), "accounts");
  CHECK(p.at("matched") == 2);  // a1, a4 (its hold ended before 2028-03-01)
  CHECK(p.at("held") == 2);     // a2 (hold_where), a3 (operator)
  CHECK(policy_in(json::parse(plan.out), "accounts-anonymised").at("held") == 1);

  // Anonymisation first (a1 is held for it), then deletion.
  auto anonymise = run_retentiond(
      {"enforce", "-c", config, "--policy", "accounts-anonymised", "--at", kAt}, dir.path());
  INFO(anonymise.err);
  REQUIRE(anonymise.exit_code == 0);
  CHECK(sqlite_column(db, "SELECT email FROM accounts ORDER BY id") ==
        std::vector<std::string>{"a@x", "NULL", "NULL", "NULL", "e@x"});
  auto enforce = run_retentiond(
      {"enforce", "-c", config, "--policy", "accounts", "--at", kAt, "--format", "json"},
      dir.path());
  INFO(enforce.err);
  REQUIRE(enforce.exit_code == 0);
  CHECK(policy_in(json::parse(enforce.out), "accounts").at("affected") == 2);
  CHECK(sqlite_column(db, "SELECT id FROM accounts ORDER BY id") ==
        std::vector<std::string>{"a2", "a3", "a5"});

  // Released, a3 goes on the next pass.
  auto remove =
      run_retentiond({"hold", "remove", "-c", config, "--policy", "accounts", "a3"}, dir.path());
  INFO(remove.err);
  REQUIRE(remove.exit_code == 0);
  CHECK(run_retentiond({"hold", "remove", "-c", config, "--policy", "accounts", "a3"}, dir.path())
            .exit_code == 1);
  REQUIRE(run_retentiond({"enforce", "-c", config, "--policy", "accounts", "--at", kAt}, dir.path())
              .exit_code == 0);
  CHECK(sqlite_column(db, "SELECT id FROM accounts ORDER BY id") ==
        std::vector<std::string>{"a2", "a5"});

  // The audit trail records the holds, never their keys or reasons.
  auto history = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  REQUIRE(history.exit_code == 0);
  CHECK(history.out.find("hold-added") != std::string::npos);
  CHECK(history.out.find("hold-removed") != std::string::npos);
  CHECK(history.out.find("Dupont") == std::string::npos);
  CHECK(history.out.find("\"a3\"") == std::string::npos);
  CHECK(run_retentiond({"history", "-c", config, "--verify"}, dir.path()).exit_code == 0);
}

TEST_CASE("holds: usage errors", "[cli][holds]") {
  TempDir dir;
  std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\npolicies:\n" +
                    std::string(kPolicies));
  CHECK(run_retentiond({"hold", "add", "-c", config, "--policy", "accounts", "k"}, dir.path())
            .exit_code == 2);  // no reason
  CHECK(run_retentiond({"hold", "add", "-c", config, "--policy", "nope", "k", "--reason", "r"},
                       dir.path())
            .exit_code == 2);
  CHECK(run_retentiond({"hold", "add", "-c", config, "--policy", "accounts", "--reason", "r"},
                       dir.path())
            .exit_code == 2);
  CHECK(run_retentiond({"hold", "add", "-c", config, "--policy", "accounts", "k", "--reason", "r",
                        "--until", "soon"},
                       dir.path())
            .exit_code == 2);
  // A hold ended before it is added protects nothing: refused, not recorded.
  auto past = run_retentiond({"hold", "add", "-c", config, "--policy", "accounts", "k", "--reason",
                              "r", "--until", "2020-01-01"},
                             dir.path());
  CHECK(past.exit_code == 2);
  CHECK(past.err.find("--until 2020-01-01T00:00:00Z has already passed: such a hold would "
                      "protect nothing") != std::string::npos);
  CHECK(run_retentiond({"hold", "frobnicate"}, dir.path()).exit_code == 2);
  auto help = run_retentiond({"hold", "add", "--help"}, dir.path());
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--reason") != std::string::npos);
  auto empty = run_retentiond({"hold", "list", "-c", config}, dir.path());
  CHECK(empty.exit_code == 0);
  CHECK(empty.out.find("No hold") != std::string::npos);
}

TEST_CASE("holds on postgresql: integer and uuid keys", "[cli][holds][postgresql]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (id bigint PRIMARY KEY, seen timestamptz);"
      "INSERT INTO t VALUES (1, '2020-01-01'), (2, '2020-01-01'), (3, '2020-01-01');");
  TempDir dir;
  std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  pg: {type: postgresql, dsn: \"" + db.dsn() +
                    "\"}\npolicies:\n  - {name: t, store: pg, table: t, expire_after: 1y, "
                    "since: seen, max_affected: 100%}\n");
  REQUIRE(run_retentiond({"hold", "add", "-c", config, "--policy", "t", "2", "--reason", "r"},
                         dir.path())
              .exit_code == 0);
  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  REQUIRE(plan.exit_code == 0);
  CHECK(policy_in(json::parse(plan.out), "t").at("held") == 1);
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(db.column("SELECT id FROM t") == std::vector<std::string>{"2"});
}

namespace {

// `hold add` with each of `given` (a key written another way) holds its record under the
// store's own text of the key (`stored`, in order); a key no record has is refused (exit 1) and
// holds nothing; the pass keeps exactly the held records.
void holds_in_the_store_form(const TempDir& dir, const std::string& config,
                             const std::vector<std::string>& given,
                             const std::vector<std::string>& stored,
                             const std::vector<std::string>& refused,
                             const std::function<std::vector<std::string>()>& left) {
  for (const auto& key : given) {
    auto add = run_retentiond({"hold", "add", "-c", config, "--policy", "t", key, "--reason", "r"},
                              dir.path());
    INFO(key << ": " << add.out << add.err);
    CHECK(add.exit_code == 0);
  }
  for (const auto& key : refused) {
    auto add = run_retentiond({"hold", "add", "-c", config, "--policy", "t", key, "--reason", "r"},
                              dir.path());
    INFO(key << ": " << add.out << add.err);
    CHECK(add.exit_code == 1);
    CHECK(add.err.find("has the key") != std::string::npos);
    CHECK(add.err.find("nothing held") != std::string::npos);
  }
  auto list = run_retentiond({"hold", "list", "-c", config, "--format", "json"}, dir.path());
  REQUIRE(list.exit_code == 0);
  std::vector<std::string> keys;
  for (const auto& h : json::parse(list.out)) keys.push_back(h.at("key"));
  std::sort(keys.begin(), keys.end());
  CHECK(keys == stored);
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(policy_in(json::parse(r.out), "t").at("held") == static_cast<long long>(stored.size()));
  CHECK(left() == stored);
}

std::string policy_t(const std::string& store) {
  return "policies:\n  - {name: t, store: " + store +
         ", table: t, expire_after: 1y, since: seen, max_affected: 100%}\n";
}

// Policy t on `my`, its password in the directory.
std::string mysql_config(const TempDir& dir, const MysqlDatabase& my) {
  dir.write("my.password", MysqlDatabase::password() + "\n");
  return dir.write("r.yaml", "state: state.db\nstores:\n  my: " + my.store_yaml("my.password") +
                                 "\n" + policy_t("my"));
}

}  // namespace

TEST_CASE("holds: a key written another way holds its record, and one no record has holds nothing",
          "[cli][holds][postgresql][mysql][sqlite]") {
  SECTION("postgresql: uuid and integer keys, compared in their type") {
    PgDatabase db;
    db.exec(
        "CREATE TABLE t (id uuid PRIMARY KEY, seen timestamptz);"
        "INSERT INTO t VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2020-01-01'),"
        " ('b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '2020-01-01'),"
        " ('c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13', '2020-01-01');");
    TempDir dir;
    const std::string config =
        dir.write("r.yaml", "state: state.db\nstores:\n  pg: {type: postgresql, dsn: \"" +
                                db.dsn() + "\"}\n" + policy_t("pg"));
    holds_in_the_store_form(
        dir, config,
        {"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12}"},
        {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12"},
        {"d0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14", "not-a-uuid"},
        [&] { return db.column("SELECT id::text FROM t ORDER BY id"); });
  }
  SECTION("postgresql: integer keys") {
    PgDatabase db;
    db.exec(
        "CREATE TABLE t (id bigint PRIMARY KEY, seen timestamptz);"
        "INSERT INTO t VALUES (5, '2020-01-01'), (6, '2020-01-01'), (7, '2020-01-01');");
    TempDir dir;
    const std::string config =
        dir.write("r.yaml", "state: state.db\nstores:\n  pg: {type: postgresql, dsn: \"" +
                                db.dsn() + "\"}\n" + policy_t("pg"));
    holds_in_the_store_form(dir, config, {"05", " 6"}, {"5", "6"}, {"8", "abc", "5abc"},
                            [&] { return db.column("SELECT id FROM t ORDER BY id"); });
    // Removed as given to `hold add`, or as `hold list` shows it.
    auto remove =
        run_retentiond({"hold", "remove", "-c", config, "--policy", "t", "05"}, dir.path());
    INFO(remove.err);
    CHECK(remove.exit_code == 0);
    CHECK(remove.out.find("Released the hold on key 5 ") != std::string::npos);
    CHECK(run_retentiond({"hold", "remove", "-c", config, "--policy", "t", "6"}, dir.path())
              .exit_code == 0);
    CHECK(run_retentiond({"hold", "remove", "-c", config, "--policy", "t", "06"}, dir.path())
              .exit_code == 1);
  }
  SECTION("mysql: integer keys ('abc' is not the number 0 here)") {
    MysqlDatabase my;
    my.exec(
        "CREATE TABLE t (id int PRIMARY KEY, seen datetime);"
        "INSERT INTO t VALUES (0, '2020-01-01'), (5, '2020-01-01'), (6, '2020-01-01'),"
        " (7, '2020-01-01');");
    TempDir dir;
    const std::string config = mysql_config(dir, my);
    holds_in_the_store_form(dir, config, {"05", "+6"}, {"5", "6"}, {"8", "abc", "5abc"},
                            [&] { return my.column("SELECT id FROM t WHERE id > 0 ORDER BY id"); });
    CHECK(my.column("SELECT id FROM t WHERE id = 0").empty());
  }
  SECTION("mysql: character keys in a case-insensitive collation") {
    MysqlDatabase my;
    my.exec(
        "CREATE TABLE t (id char(36) PRIMARY KEY, seen datetime);"
        "INSERT INTO t VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2020-01-01'),"
        " ('b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '2020-01-01');");
    TempDir dir;
    const std::string config = mysql_config(dir, my);
    holds_in_the_store_form(dir, config, {"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"},
                            {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, {"c0eebc99"},
                            [&] { return my.column("SELECT id FROM t ORDER BY id"); });
  }
  SECTION("mysql: a key: column written 'x' and 'X' holds the one written as given") {
    MysqlDatabase my;
    my.exec(
        "CREATE TABLE t (id int PRIMARY KEY, code varchar(10), seen datetime);"
        "INSERT INTO t VALUES (1, 'x', '2020-01-01'), (2, 'X', '2020-01-01'), (3, 'y', "
        "'2020-01-01');");
    TempDir dir;
    dir.write("my.password", MysqlDatabase::password() + "\n");
    const std::string config = dir.write(
        "r.yaml",
        "state: state.db\nstores:\n  my: " + my.store_yaml("my.password") +
            "\npolicies:\n  - {name: t, store: my, table: t, key: code, expire_after: 1y, "
            "since: seen, max_affected: 100%}\n");
    auto add = run_retentiond({"hold", "add", "-c", config, "--policy", "t", "X", "--reason", "r"},
                              dir.path());
    INFO(add.err);
    CHECK(add.out.find("Held on key X of policy") != std::string::npos);
    REQUIRE(run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path()).exit_code == 0);
    const auto left = my.column("SELECT code FROM t ORDER BY id");
    CHECK(std::find(left.begin(), left.end(), "X") != left.end());
    CHECK(std::find(left.begin(), left.end(), "y") == left.end());
  }
  SECTION("sqlite: a key column without a declared type holds integers") {
    TempDir dir;
    const std::string db = dir.file("app.db");
    sqlite_exec(
        db,
        "CREATE TABLE t (id PRIMARY KEY, seen TEXT);"
        "INSERT INTO t VALUES (5, '2020-01-01'), ('six', '2020-01-01'), (7, '2020-01-01');");
    const std::string config =
        dir.write("r.yaml", "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n" +
                                policy_t("db"));
    holds_in_the_store_form(dir, config, {"5", "six"}, {"5", "six"}, {"8", "Six"},
                            [&] { return sqlite_column(db, "SELECT id FROM t ORDER BY id"); });
  }
  SECTION("sqlite: negative and 19-digit integers in a key column without a declared type") {
    // Compared as the integers they are: sent as text only, the held records were deleted.
    TempDir dir;
    const std::string db = dir.file("app.db");
    sqlite_exec(db,
                "CREATE TABLE t (id PRIMARY KEY, seen TEXT);"
                "INSERT INTO t VALUES (-5, '2020-01-01'), (1234567890123456789, '2020-01-01'),"
                " (7, '2020-01-01'), (8.0, '2020-01-01');");
    const std::string config =
        dir.write("r.yaml", "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n" +
                                policy_t("db"));
    for (const std::string key : {"-5", "1234567890123456789", "8"}) {  // 8: the REAL 8.0
      auto add = run_retentiond(
          {"hold", "add", "-c", config, "--policy", "t", "--reason", "r", "--", key}, dir.path());
      INFO(add.err);
      REQUIRE(add.exit_code == 0);
    }
    auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(policy_in(json::parse(r.out), "t").at("held") == 3);
    CHECK(sqlite_column(db, "SELECT id FROM t ORDER BY id") ==
          std::vector<std::string>{"-5", "8.0", "1234567890123456789"});
  }
  SECTION("sqlite: integer keys") {
    TempDir dir;
    const std::string db = dir.file("app.db");
    sqlite_exec(db,
                "CREATE TABLE t (id INTEGER PRIMARY KEY, seen TEXT);"
                "INSERT INTO t VALUES (5, '2020-01-01'), (6, '2020-01-01'), (7, '2020-01-01');");
    const std::string config =
        dir.write("r.yaml", "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n" +
                                policy_t("db"));
    holds_in_the_store_form(dir, config, {"05", "6"}, {"5", "6"}, {"8", "abc"},
                            [&] { return sqlite_column(db, "SELECT id FROM t ORDER BY id"); });
  }
}

TEST_CASE("holds: a store that cannot be asked holds nothing, and says so", "[cli][holds]") {
  TempDir dir;
  const std::string config =
      dir.write("r.yaml",
                "state: state.db\nstores:\n  pg: {type: postgresql, dsn: \"host=127.0.0.1 port=1 "
                "dbname=x connect_timeout=2\"}\n" +
                    policy_t("pg"));
  auto add = run_retentiond({"hold", "add", "-c", config, "--policy", "t", "5", "--reason", "r"},
                            dir.path());
  INFO(add.err);
  CHECK(add.exit_code == 1);
  CHECK(add.err.find("cannot look the key up") != std::string::npos);
  CHECK(add.err.find("nothing held") != std::string::npos);
  auto list = run_retentiond({"hold", "list", "-c", config}, dir.path());
  CHECK(list.out.find("No hold") != std::string::npos);
}

TEST_CASE("holds: check warns of a hold that protects nothing, without printing its key",
          "[cli][holds][check]") {
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE t (id INTEGER PRIMARY KEY, seen TEXT);"
              "INSERT INTO t VALUES (5, '2020-01-01'), (6, '2020-01-01'), (7, '2020-01-01');");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n" + policy_t("db"));
  for (const char* key : {"5", "6"})
    REQUIRE(run_retentiond({"hold", "add", "-c", config, "--policy", "t", key, "--reason", "r"},
                           dir.path())
                .exit_code == 0);
  auto clean = run_retentiond({"check", "-c", config}, dir.path());
  INFO(clean.err);
  CHECK(clean.exit_code == 0);
  CHECK(clean.err.find("hold added") == std::string::npos);

  // A hold stored as typed by an older `hold add`, and a held record removed by hand.
  sqlite_exec(dir.file("state.db"),
              "INSERT INTO holds (policy, key, reason, created) VALUES "
              "('t', '0000007', 'r', '2026-01-02T03:04:05Z'), "
              "('t', '9', 'r', '2026-01-02T03:04:06Z'), "
              "('t', '10', 'r', '2026-01-02T03:04:07Z');"
              "UPDATE holds SET until = '2026-01-03T00:00:00Z' WHERE key = '10';");
  sqlite_exec(db, "DELETE FROM t WHERE id = 6");
  auto stale = run_retentiond({"check", "-c", config}, dir.path());
  INFO(stale.err);
  CHECK(stale.exit_code == 0);  // warnings: the configuration itself is valid
  CHECK(stale.err.find("the hold added 2026-01-02T03:04:05Z names its record's key written "
                       "another way") != std::string::npos);
  CHECK(stale.err.find("the hold added 2026-01-02T03:04:06Z names a key no record") !=
        std::string::npos);
  CHECK(stale.err.find("names a key no record of table 't' has") != std::string::npos);
  // The hold on 6 (record gone) is warned too; the expired hold on 10 is not.
  size_t warned = 0;
  for (size_t at = 0;
       (at = stale.err.find("warning: policy 't': the hold added", at)) != std::string::npos; ++at)
    ++warned;
  CHECK(warned == 3);
  CHECK(stale.err.find("0000007") == std::string::npos);
  CHECK(stale.err.find("T03:04:07Z") == std::string::npos);
  CHECK(stale.out.find("3 warning(s)") != std::string::npos);
}

TEST_CASE("holds: a hold added while a pass runs binds from its next batch",
          "[cli][holds][postgresql]") {
  // From another host sharing the state, or another terminal: the pass reads the holds again
  // before each batch. Small batches resting 20 times as long as they take leave time to add
  // the hold on the last record of the walk (block by block: the last row written) while the
  // pass is under way (about 30 batches, some 10 s).
  using namespace std::chrono_literals;
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (id bigint PRIMARY KEY, seen timestamptz);"
      "INSERT INTO t SELECT g, '2020-01-01' FROM generate_series(1, 200000) g;");
  TempDir dir;
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  pg:\n    type: postgresql\n    dsn: \"" + db.dsn() +
                    "\"\n    throttle: {nice_ratio: 50}\npolicies:\n  - {name: t, store: pg, "
                    "table: t, expire_after: 1y, since: seen, max_affected: 100%, "
                    "batch_budget: 10ms}\n");
  Child pass({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path(),
             dir.file("enforce.log"));
  REQUIRE(wait_until([&] { return db.integer("SELECT count(*) FROM t") < 195000; }, 60s));
  REQUIRE(db.integer("SELECT count(*) FROM t WHERE id = 200000") == 1);
  auto add = run_retentiond(
      {"hold", "add", "-c", config, "--policy", "t", "200000", "--reason", "mid-pass"}, dir.path());
  INFO(add.err);
  REQUIRE(add.exit_code == 0);
  CHECK(add.out.find("A pass of policy 't' is under way: it keeps the record from its next batch "
                     "on") != std::string::npos);
  CHECK(add.out.find("The record is still there; the pass keeps it.") != std::string::npos);
  REQUIRE(pass.wait_exit(120s) == 0);
  INFO(pass.output());
  CHECK(db.column("SELECT id FROM t") == std::vector<std::string>{"200000"});
  CHECK(pass.output().find("a legal hold was added during the pass") != std::string::npos);
  // The report says why one matched record was not acted on.
  CHECK(pass.output().find("a legal hold was added during the pass: the records it holds that "
                           "were still there at the next batch are kept") != std::string::npos);
}

TEST_CASE("holds: on files, a path the policy does not select holds nothing and is refused",
          "[cli][holds][files]") {
  TempDir dir;
  dir.write("logs/site/access.log-1", "x");
  dir.write("logs/site/notes.txt", "x");
  dir.write("outside.log", "x");
  REQUIRE(::symlink(dir.file("outside.log").c_str(), dir.file("logs/site/link.log-2").c_str()) ==
          0);
  const std::string config = dir.write(
      "r.yaml",
      "state: state.db\nstores:\n  logs: {type: files, root: logs}\npolicies:\n  - {name: web, "
      "store: logs, files: '*/access.log-*', expire_after: 1d, since: mtime}\n");
  auto add = [&](const std::string& key) {
    return run_retentiond({"hold", "add", "-c", config, "--policy", "web", key, "--reason", "r"},
                          dir.path());
  };
  for (const char* key : {"site/access.log-9", "site/notes.txt", "site/link.log-2",
                          "site/../site/access.log-1", "/site/access.log-1", "site"}) {
    auto r = add(key);
    INFO(key << ": " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("that policy 'web' selects under the root") != std::string::npos);
  }
  auto ok = add("site/access.log-1");
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  auto list = run_retentiond({"hold", "list", "-c", config, "--format", "json"}, dir.path());
  CHECK(json::parse(list.out).size() == 1);

  // A name with a newline: `hold list` prints it escaped, and `hold remove` takes that text.
  dir.write("logs/site/access.log-a\nb", "x");
  auto odd = add("site/access.log-a\nb");
  INFO(odd.err);
  REQUIRE(odd.exit_code == 0);
  auto text = run_retentiond_ok({"hold", "list", "-c", config}, dir.path()).out;
  CHECK(text.find("site/access.log-a\\nb") != std::string::npos);
  // A file named with a backslash and an 'n' is listed the same: then the listed text is
  // refused, --exact releases the key as typed, and the listed text the other one.
  dir.write("logs/site/access.log-a\\nb", "x");
  REQUIRE(add("site/access.log-a\\nb").exit_code == 0);
  auto remove = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv{
        "hold", "remove", "-c", config, "--policy", "web", "site/access.log-a\\nb"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_retentiond(argv, dir.path());
  };
  auto ambiguous = remove({});
  INFO(ambiguous.err);
  CHECK(ambiguous.exit_code == 1);
  CHECK(ambiguous.err.find("give --exact") != std::string::npos);
  auto literal = remove({"--exact"});
  INFO(literal.out << literal.err);
  CHECK(literal.exit_code == 0);
  auto keys = [&] {
    std::vector<std::string> out;
    for (const auto& h : json::parse(
             run_retentiond_ok({"hold", "list", "-c", config, "--format", "json"}, dir.path()).out))
      out.push_back(h.at("key").get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(keys() == std::vector<std::string>{"site/access.log-1", "site/access.log-a\nb"});
  auto newline = remove({});
  INFO(newline.out << newline.err);
  CHECK(newline.exit_code == 0);
  CHECK(keys() == std::vector<std::string>{"site/access.log-1"});
  CHECK(remove({}).exit_code == 1);  // nothing left that answers to it

  // The root moved down a level: the held path names no file the policy selects, and check says
  // so (without the path).
  CHECK(run_retentiond_ok({"check", "-c", config}, dir.path()).err.find("holds nothing") ==
        std::string::npos);
  const std::string moved = dir.write(
      "moved.yaml",
      "state: state.db\nstores:\n  logs: {type: files, root: logs/site}\npolicies:\n  - {name: "
      "web, store: logs, files: 'access.log-*', expire_after: 1d, since: mtime}\n");
  auto check = run_retentiond({"check", "-c", moved}, dir.path());
  INFO(check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.err.find("names a file the policy does not select under its store's root (the "
                       "file is gone, or the root or the globs changed): it holds nothing") !=
        std::string::npos);
  CHECK(check.err.find("access.log-1") == std::string::npos);
}

TEST_CASE("holds: a table without a key column holds nothing, and says why",
          "[cli][holds][postgresql]") {
  // Its passes refuse holds they cannot apply: a hold would stop every pass of the policy.
  PgDatabase db;
  db.exec("CREATE TABLE nk (a int, seen timestamptz); INSERT INTO nk VALUES (1, '2020-01-01');");
  TempDir dir;
  const std::string config =
      dir.write("r.yaml", "state: state.db\nstores:\n  pg: {type: postgresql, dsn: \"" + db.dsn() +
                              "\"}\npolicies:\n  - {name: nk, store: pg, table: nk, "
                              "expire_after: 1y, since: seen, max_affected: 100%}\n");
  auto add = run_retentiond({"hold", "add", "-c", config, "--policy", "nk", "1", "--reason", "r"},
                            dir.path());
  INFO(add.err);
  CHECK(add.exit_code == 1);
  CHECK(add.err.find("has no key column a record can be named by") != std::string::npos);
  CHECK(run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path()).exit_code == 0);
}

TEST_CASE(
    "holds: list sorts keys of digits by value and aligns its columns, and a key starting "
    "with '-' is given after '--'",
    "[cli][holds]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE t (id INTEGER PRIMARY KEY, seen TEXT);"
              "INSERT INTO t VALUES (-5, '2020-01-01'), (2, '2020-01-01'), (10, '2020-01-01'),"
              "(100, '2020-01-01'), (9, '2020-01-01');");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n" + policy_t("db"));
  for (const char* key : {"100", "2", "10", "9"})
    REQUIRE(run_retentiond({"hold", "add", "-c", config, "--policy", "t", key, "--reason", "r"},
                           dir.path())
                .exit_code == 0);
  auto dash = run_retentiond({"hold", "add", "-c", config, "--policy", "t", "-5"}, dir.path());
  CHECK(dash.exit_code == 2);
  CHECK(dash.err.find("'-5' is read as an option; a KEY that starts with '-' goes after '--'") !=
        std::string::npos);
  auto help = run_retentiond({"hold", "--help"}, dir.path());
  CHECK(help.out.find("A KEY that starts\nwith '-' goes after '--'") != std::string::npos);
  auto after = run_retentiond(
      {"hold", "add", "-c", config, "--policy", "t", "--reason", "r", "--", "-5"}, dir.path());
  INFO(after.out << after.err);
  CHECK(after.exit_code == 0);

  auto list = run_retentiond({"hold", "list", "-c", config}, dir.path());
  INFO(list.out);
  std::vector<std::string> keys;
  std::set<size_t> since_columns;
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);) {
    keys.push_back(line.substr(line.find("key ") + 4,
                               line.find(' ', line.find("key ") + 4) - line.find("key ") - 4));
    since_columns.insert(line.find("since"));
  }
  CHECK(keys == std::vector<std::string>{"2", "9", "10", "100", "-5"});
  CHECK(since_columns.size() == 1);  // one column, whatever the key's width
}

TEST_CASE("holds: changing a hold in force keeps when it began, and one that ended is held anew",
          "[cli][holds]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE t (id INTEGER PRIMARY KEY, seen TEXT);"
              "INSERT INTO t VALUES (5, '2020-01-01'), (6, '2020-01-01');");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n" + policy_t("db"));
  auto add = [&](const std::string& key, const std::string& reason,
                 const std::vector<std::string>& more = {}) {
    std::vector<std::string> a{"hold", "add", "-c",       config, "--policy",
                               "t",    key,   "--reason", reason};
    a.insert(a.end(), more.begin(), more.end());
    auto r = run_retentiond(a, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  auto listed = [&](const std::string& key) {
    auto list = json::parse(
        run_retentiond_ok({"hold", "list", "-c", config, "--format", "json"}, dir.path()).out);
    for (const auto& h : list)
      if (h.at("key") == key) return h;
    FAIL("no hold on " << key);
    return json{};
  };
  CHECK(add("5", "first").find("Held") == 0);
  const auto soon = std::chrono::system_clock::now() + std::chrono::seconds(2);
  const std::time_t t = std::chrono::system_clock::to_time_t(soon);
  char until[32];
  std::strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  CHECK(add("6", "short", {"--until", until}).find("Held") == 0);
  const auto began = listed("5").at("created");
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));

  CHECK(add("5", "second", {"--until", "2099-01-01T00:00:00Z"}).find("Changed the hold") == 0);
  CHECK(listed("5").at("created") == began);
  CHECK(listed("5").at("reason") == "second");
  CHECK(listed("5").at("until") == "2099-01-01T00:00:00Z");

  // 6's hold ended: adding it again is a new hold, from now.
  CHECK(listed("6").at("active") == false);
  CHECK(add("6", "again").find("Held") == 0);
  CHECK(listed("6").at("created") != began);
  CHECK(listed("6").at("until").is_null());
  CHECK(listed("6").at("active") == true);

  auto history =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  std::vector<std::string> outcomes;
  for (const auto& e : history.at("entries")) outcomes.push_back(e.at("outcome"));
  CHECK(outcomes ==
        std::vector<std::string>{"hold-added", "hold-added", "hold-changed", "hold-added"});
}

TEST_CASE("holds: an option of another action is refused, never ignored", "[cli][holds]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE t (id INTEGER PRIMARY KEY, seen TEXT);"
              "INSERT INTO t VALUES (5, '2020-01-01');");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n" + policy_t("db"));
  REQUIRE(run_retentiond({"hold", "add", "-c", config, "--policy", "t", "5", "--reason", "r"},
                         dir.path())
              .exit_code == 0);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"remove", "--policy", "t", "5", "--until", "2099-06-01T00:00:00Z"},
       "--until is for 'hold add', not 'hold remove'"},
      {{"remove", "--policy", "t", "5", "--reason", "r"},
       "--reason is for 'hold add', not 'hold remove'"},
      {{"add", "--policy", "t", "5", "--reason", "r", "--exact"},
       "--exact is for 'hold remove', not 'hold add'"},
      {{"list", "--reason", "r"}, "--reason is for 'hold add', not 'hold list'"},
      {{"add", "--policy", "t", "5", "--reason", "r", "--format", "json"},
       "--format is for 'hold list', not 'hold add'"}};
  for (const auto& [options, message] : cases) {
    std::vector<std::string> argv{"hold"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"-c", config});
    auto r = run_retentiond(argv, dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(message) != std::string::npos);
  }
  // The hold is still there: the refused remove released nothing.
  CHECK(json::parse(
            run_retentiond_ok({"hold", "list", "-c", config, "--format", "json"}, dir.path()).out)
            .size() == 1);
}

TEST_CASE("holds: list gives one order for any mix of keys, in columns of characters",
          "[cli][holds]") {
  for (const std::vector<std::string>& added :
       {std::vector<std::string>{"1a", "9", "10", "élodie", "bob"},
        std::vector<std::string>{"10", "bob", "1a", "élodie", "9"}}) {
    TempDir dir;
    sqlite_exec(dir.file("app.db"),
                "CREATE TABLE t (k TEXT PRIMARY KEY, seen TEXT);"
                "INSERT INTO t VALUES ('1a', '2020-01-01'), ('9', '2020-01-01'), ('10', "
                "'2020-01-01'), ('élodie', '2020-01-01'), ('bob', '2020-01-01');");
    const std::string config =
        dir.write("r.yaml",
                  "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\npolicies:\n"
                  "  - {name: t, store: db, table: t, key: k, expire_after: 1y, since: seen}\n");
    for (const auto& key : added)
      REQUIRE(run_retentiond({"hold", "add", "-c", config, "--policy", "t", key, "--reason", "r"},
                             dir.path())
                  .exit_code == 0);
    auto list = run_retentiond({"hold", "list", "-c", config}, dir.path());
    INFO(list.out);
    std::vector<std::string> keys;
    std::set<size_t> since_columns;
    std::istringstream lines(list.out);
    for (std::string line; std::getline(lines, line);) {
      const size_t from = line.find("key ") + 4;
      keys.push_back(line.substr(from, line.find(' ', from) - from));
      // Characters before "since": 'é' is two bytes and one column.
      const std::string before = line.substr(0, line.find("since"));
      since_columns.insert(
          static_cast<size_t>(std::count_if(before.begin(), before.end(), [](char c) {
            return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
          })));
    }
    CHECK(keys == std::vector<std::string>{"9", "10", "1a", "bob", "élodie"});
    CHECK(since_columns.size() == 1);
  }
}

TEST_CASE("holds: a renamed policy's holds are said to protect nothing, and can be released",
          "[cli][holds]") {
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE t (id INTEGER PRIMARY KEY, seen TEXT);"
              "INSERT INTO t VALUES (5, '2020-01-01'), (6, '2020-01-01');");
  const std::string store = "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n";
  const std::string config = dir.write("r.yaml", store + policy_t("db"));
  REQUIRE(run_retentiond({"hold", "add", "-c", config, "--policy", "t", "5", "--reason", "court"},
                         dir.path())
              .exit_code == 0);
  // The policy is renamed: its holds stay under the old name, and check says so.
  std::string renamed = policy_t("db");
  renamed.replace(renamed.find("name: t"), 7, "name: t2");
  const std::string config2 = dir.write("r2.yaml", store + renamed);
  auto check = run_retentiond({"check", "-c", config2}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.err.find("1 hold in force names policy 't', which this configuration does not "
                       "have: it protects nothing") != std::string::npos);
  CHECK(check.err.find("the passes of the policies on its store fail until it is released") !=
        std::string::npos);
  // Passes on that store fail, touching nothing (record 5 is still meant to be held); a policy
  // of another store goes on.
  sqlite_exec(dir.file("other.db"),
              "CREATE TABLE u (id INTEGER PRIMARY KEY, seen TEXT);"
              "INSERT INTO u VALUES (1, '2020-01-01');");
  const std::string config3 =
      dir.write("r3.yaml",
                "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n"
                "  o: {type: sqlite, path: other.db}\n" +
                    renamed +
                    "  - {name: u, store: o, table: u, expire_after: 1y, since: seen, "
                    "max_affected: 100%}\n");
  const std::string refusal =
      "1 hold in force names policy 't' of store 'db', which this configuration does not have: "
      "if policy 't2' is the one it was placed under, renamed, its record is no longer held, so "
      "nothing was done";
  auto plan = run_retentiond(
      {"plan", "-c", config3, "--at", "2028-03-01T00:00:00Z", "--format", "json"}, dir.path());
  INFO(plan.out << plan.err);
  CHECK(plan.out.find(refusal) != std::string::npos);
  auto enforce =
      run_retentiond({"enforce", "-c", config3, "--at", "2028-03-01T00:00:00Z"}, dir.path());
  INFO(enforce.out << enforce.err);
  CHECK(enforce.exit_code == 1);
  CHECK(enforce.err.find(refusal) != std::string::npos);
  CHECK(sqlite_int(db, "SELECT count(*) FROM t") == 2);
  CHECK(sqlite_int(dir.file("other.db"), "SELECT count(*) FROM u") == 0);
  // The store renamed too: the holds' store is gone, so the passes of every store wait.
  const std::string config4 = dir.write(
      "r4.yaml",
      "state: state.db\nstores:\n  db2: {type: sqlite, path: app.db}\npolicies:\n"
      "  - {name: t2, store: db2, table: t, expire_after: 1y, since: seen, max_affected: 100%}\n");
  auto renamed_store =
      run_retentiond({"enforce", "-c", config4, "--at", "2028-03-01T00:00:00Z"}, dir.path());
  INFO(renamed_store.err);
  CHECK(renamed_store.exit_code == 1);
  CHECK(renamed_store.err.find("1 hold in force names policy 't' of store 'db': this "
                               "configuration has neither: if policy 't2' is the one it was "
                               "placed under, renamed") != std::string::npos);
  // The old name given to a policy of another store: the holds were placed on 'db'.
  const std::string config5 =
      dir.write("r5.yaml",
                "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\n"
                "  o: {type: sqlite, path: other.db}\npolicies:\n"
                "  - {name: t2, store: db, table: t, expire_after: 1y, since: seen, "
                "max_affected: 100%}\n"
                "  - {name: t, store: o, table: u, expire_after: 1y, since: seen}\n");
  auto reused = run_retentiond(
      {"enforce", "-c", config5, "--at", "2028-03-01T00:00:00Z", "--policy", "t2"}, dir.path());
  INFO(reused.err);
  CHECK(reused.exit_code == 1);
  CHECK(reused.err.find("1 hold in force names policy 't' of store 'db', which this "
                        "configuration now puts on store 'o': if policy 't2' is the one it was "
                        "placed under, renamed") != std::string::npos);
  CHECK(sqlite_int(db, "SELECT count(*) FROM t") == 2);
  auto list = run_retentiond({"hold", "list", "-c", config2, "--policy", "t", "--format", "json"},
                             dir.path());
  INFO(list.err);
  REQUIRE(list.exit_code == 0);
  CHECK(json::parse(list.out).size() == 1);
  auto remove = run_retentiond({"hold", "remove", "-c", config2, "--policy", "t", "5"}, dir.path());
  INFO(remove.err);
  CHECK(remove.exit_code == 0);
  CHECK(remove.out.find("Released the hold on key 5 of policy 't' (a policy this configuration no "
                        "longer has)") != std::string::npos);
  CHECK(run_retentiond({"check", "-c", config2}, dir.path()).err.find("hold in force") ==
        std::string::npos);
  // Released: the renamed policy runs again.
  CHECK(run_retentiond({"enforce", "-c", config2, "--at", "2028-03-01T00:00:00Z"}, dir.path())
            .exit_code == 0);
  CHECK(sqlite_int(db, "SELECT count(*) FROM t") == 0);
  // Without holds, an unknown policy stays a usage error.
  CHECK(run_retentiond({"hold", "remove", "-c", config2, "--policy", "t", "5"}, dir.path())
            .exit_code == 2);
}
