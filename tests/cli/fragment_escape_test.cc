// The issue's two `where:`s that escaped their parentheses on SQLite (#17), and their analogues in
// each dialect, through the real binary on SQLite, PostgreSQL and MariaDB: `check` refuses each at
// its file:line:column (the loader, which reads the store's dialect, or the server, which cannot
// compile it), and `enforce` deletes nothing. Where a dialect reads the escape as a harmless
// string, the policy runs and touches only what its condition selects.
#include <functional>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/report.h"
#include "support/run.h"
#include "support/sql_store.h"
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

void escapes_are_refused(const TempDir& dir, const SqlStore& store,
                         const std::vector<Refusal>& refusals) {
  seed(store.db);
  for (const auto& r : refusals) {
    INFO(r.field);
    // One policy per file: the loader's refusals would keep `check` from asking the server.
    const std::string config = store.write(policy(1, store.name, r.field));
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
    CHECK(store.db.integer("SELECT count(*) FROM t") == 20);
  }
}

}  // namespace

TEST_CASE("sqlite: the issue's escaping where:s are refused at their line and delete nothing",
          "[cli][sqlite][sql_fragment]") {
  TempDir dir;
  escapes_are_refused(
      dir, sqlite_store(dir),
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
      dir, postgresql_store(dir, pg),
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
  const SqlStore store = mysql_store(dir, my);
  escapes_are_refused(
      dir, store,
      {{kBrackets, 12, ""},  // a string for MySQL's lexer; the server refuses '['
       {R"~(    where: "x = \"\\\" ( \" ) OR 1=1 OR ( y = \" ) \\\" \"")~", 12, kClose},
       {R"~(    where: "name = '\\\\' ) OR 1=1 OR ( '")~", 12, kClose},
       {R"~(    where: "name = `\\` ) OR 1=1 OR ( `b`")~", 12, kClose},
       {R"~(    where: "1=1 /*! ) OR 1=1 OR ( */")~", 12,
        "'/*' comments are not allowed in a SQL condition"},
       {R"~(    where: "1=1 # ) OR (")~", 12, "'#' comments are not allowed in a SQL condition"}});

  // The issue's backslash where: is one string for MySQL: it compiles, and selects nothing.
  const std::string config = store.write(policy(1, "my", kBackslash) + "    max_affected: 100%\n");
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
