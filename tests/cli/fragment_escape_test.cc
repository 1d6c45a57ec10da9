// The issue's two `where:`s that escaped their parentheses on SQLite (#17), and their analogues in
// each dialect, through the real binary on SQLite, PostgreSQL and MariaDB: `check` refuses each at
// its file:line:column (the loader, which reads the store's dialect, or the server, which cannot
// compile it), and `enforce` deletes nothing. Where a dialect reads the escape as a harmless
// string, the policy runs and touches only what its condition selects.
#include <functional>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/check_scenarios.h"
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
const std::string kBrackets = R"~(    where: "CAST(1 AS [a'b]) ) OR 1=1 OR ( CAST(1 AS [c'd])")~";
const std::string kBackslash = R"~(    where: "name = '\\' ) OR 1=1 OR ( 1=1 --'")~";
const std::string kClose = "unbalanced ')' in SQL condition";

struct Refusal {
  std::string field;    // the policy's last line, e.g. kBrackets
  int column;           // where its value starts
  std::string problem;  // the loader's sentence; empty: the server refuses it (online check)
};

// Twenty rows (two expired) in `t (id, name, d)`, and a configuration per policy list.
void seed(const ScenarioDatabase& db) {
  db.exec("CREATE TABLE t (id integer PRIMARY KEY, name varchar(20), d date)");
  std::string rows;
  for (int i = 1; i <= 20; ++i)
    rows += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 'n" + std::to_string(i) + "', '" +
            (i <= 2 ? "2020-01-01" : "2030-01-01") + "')";
  db.exec("INSERT INTO t VALUES " + rows);
}

std::string policy(int index, const std::string& store, const std::string& field) {
  return "  - name: p" + std::to_string(index) + "\n    store: " + store +
         "\n    table: t\n    expire_after: 1y\n    since: d\n" + field + "\n";
}

void escapes_are_refused(const TempDir& dir, const std::string& store, const WriteConfig& write,
                         const ScenarioDatabase& db, const std::vector<Refusal>& refusals) {
  seed(db);
  for (const auto& r : refusals) {
    INFO(r.field);
    // One policy per file: the loader's refusals would keep `check` from asking the server.
    const std::string config = write(policy(1, store, r.field));
    auto check = run_retentiond({"check", "-c", config}, dir.path());
    INFO(check.err);
    CHECK(check.exit_code == 1);
    const std::string at = config + ":10:" + std::to_string(r.column) + ": error: ";
    if (r.problem.empty())
      CHECK(check.err.find(at + "where: ") != std::string::npos);
    else
      CHECK(check.err.find(at + "'" + r.field.substr(4, r.field.find(':') - 4) +
                           "' in policy 'p1': " + r.problem) != std::string::npos);
    auto enforce = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
    CHECK(enforce.exit_code != 0);
    CHECK(db.integer("SELECT count(*) FROM t") == 20);
  }
}

}  // namespace

TEST_CASE("sqlite: the issue's escaping where:s are refused at their line and delete nothing",
          "[cli][sqlite][sql_fragment]") {
  TempDir dir;
  const std::string path = dir.file("app.db");
  ScenarioDatabase db{[&](const std::string& sql) { sqlite_exec(path, sql); },
                      [&](const std::string& sql) { return sqlite_int(path, sql); },
                      [&](const std::string& sql) { return sqlite_column(path, sql); }};
  escapes_are_refused(
      dir, "app",
      [&](const std::string& policies) {
        return dir.write(
            "r.yaml", "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n" +
                          policies);
      },
      db,
      {{kBrackets, 12, kClose},
       {kBackslash, 12, kClose},
       {R"~(    hold_where: "CAST(1 AS [a'b]) ) OR 1=1 OR ( CAST(1 AS [c'd])")~", 17, kClose},
       {R"~(    where: "x = `\\` ) OR 1=1 OR ( `y`")~", 12, kClose},
       {R"~(    where: "x = :cutoff")~", 12,
        "bind parameters (':') are not allowed in a SQL condition; write the value itself"}});
}

TEST_CASE("postgresql: the issue's escaping where:s are refused at their line and delete nothing",
          "[cli][postgresql][sql_fragment]") {
  PgDatabase pg;
  TempDir dir;
  escapes_are_refused(
      dir, "pg",
      [&](const std::string& policies) {
        return dir.write("r.yaml", "state: state.db\nstores:\n  pg: {type: postgresql, dsn: \"" +
                                       pg.dsn() + "\"}\npolicies:\n" + policies);
      },
      scenario_database(pg),
      {{kBrackets, 12, ""},  // a string for PostgreSQL's lexer; the server refuses '['
       {kBackslash, 12, kClose},
       {R"~(    where: "name = E'\\\\' ) OR 1=1 OR ( '")~", 12, kClose},
       {R"~(    where: "name = $a$ ) OR 1=1 OR ( $A$")~", 12,
        "unterminated $a$ quote in SQL condition"},
       {R"~(    where: "name = `) OR 1=1 OR (`")~", 12, kClose},
       {R"~(    where: "id = $1")~", 12,
        "bind parameters ('$1') are not allowed in a SQL condition; write the value itself"}});
}

TEST_CASE("mysql: the issue's escaping where:s are refused at their line and delete nothing",
          "[cli][mysql][sql_fragment]") {
  MysqlDatabase my;
  TempDir dir;
  dir.write("my.password", MysqlDatabase::password() + "\n");
  auto write = [&](const std::string& policies) {
    return dir.write("r.yaml", "state: state.db\nstores:\n  my: " + my.store_yaml("my.password") +
                                   "\npolicies:\n" + policies);
  };
  escapes_are_refused(
      dir, "my", write, scenario_database(my),
      {{kBrackets, 12, ""},  // a string for MySQL's lexer; the server refuses '['
       {R"~(    where: "x = \"\\\" ( \" ) OR 1=1 OR ( y = \" ) \\\" \"")~", 12, kClose},
       {R"~(    where: "name = '\\\\' ) OR 1=1 OR ( '")~", 12, kClose},
       {R"~(    where: "name = `\\` ) OR 1=1 OR ( `b`")~", 12, kClose},
       {R"~(    where: "1=1 /*! ) OR 1=1 OR ( */")~", 12,
        "'/*' comments are not allowed in a SQL condition"},
       {R"~(    where: "1=1 # ) OR (")~", 12, "'#' comments are not allowed in a SQL condition"}});

  // The issue's backslash where: is one string for MySQL: it compiles, and selects nothing.
  const std::string config = write(policy(1, "my", kBackslash) + "    max_affected: 100%\n");
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.err);
  CHECK(check.exit_code == 0);
  auto enforce =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(enforce.err);
  REQUIRE(enforce.exit_code == 0);
  CHECK(policy_in(json::parse(enforce.out), "p1").at("affected") == 0);
  CHECK(my.integer("SELECT count(*) FROM t") == 20);
}
