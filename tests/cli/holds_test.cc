// Legal holds through the real binary: `hold_where` in the policy and `retentiond hold add|
// remove|list` from the operator. A held record is never deleted or anonymised, is counted as
// `held` in plan and enforce, and the audit trail records the hold without its key or reason.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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
