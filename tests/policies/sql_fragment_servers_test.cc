// The fragments the validator accepts for PostgreSQL and MySQL, judged by the real servers: put
// between two false conditions the way retentiond splices it, a fragment that stays inside its
// parentheses selects no row (a server error is no escape either). The sessions read SQL as the
// connectors' sessions do (standard_conforming_strings on; sql_mode without
// NO_BACKSLASH_ESCAPES or ANSI_QUOTES).
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "policies/sql_fragment.h"
#include "support/fragment_corpus.h"
#include "support/mysql_server.h"
#include "support/pg_server.h"

using namespace retentiond::testing;
using retentiond::policies::SqlDialect;

namespace {

const std::string kTable =
    "CREATE TABLE t (name text, a int, b int, x int, y int, data %JSON%, deleted_at %TIME%);"
    "INSERT INTO t VALUES ('n', 1, 2, 3, 4, '{\"a\": \"x\"}', NULL)";

std::string table_for(const std::string& json, const std::string& time) {
  std::string sql = kTable;
  sql.replace(sql.find("%JSON%"), 6, json);
  sql.replace(sql.find("%TIME%"), 6, time);
  return sql;
}

std::string spliced(const std::string& fragment) {
  return "SELECT 1 FROM t WHERE (1=0) AND (" + fragment + ") AND (1=0)";
}

}  // namespace

TEST_CASE("fragments accepted for PostgreSQL stay inside their parentheses on the server",
          "[sql_fragment][postgresql]") {
  PgDatabase db;
  db.exec(table_for("jsonb", "timestamptz"));
  pqxx::connection c(db.dsn());
  pqxx::nontransaction t(c);
  t.exec("SET standard_conforming_strings = on");
  auto escapes = [&](const std::string& fragment) {
    try {
      return !t.exec(spliced(fragment)).empty();
    } catch (const pqxx::sql_error&) {
      return false;
    }
  };
  long long accepted = 0;
  for (const auto& k : fragment_corpus(SqlDialect::Postgresql)) {
    if (!k.problem.empty()) continue;
    INFO(k.sql);
    ++accepted;
    CHECK_FALSE(escapes(k.sql));
  }
  CHECK(accepted >= 15);
  // The judge can tell: the backslash where: (#17) escapes on PostgreSQL.
  CHECK(escapes("name = '\\' ) OR 1=1 OR ( 1=1 --'\n"));
}

TEST_CASE("fragments accepted for MySQL stay inside their parentheses on the server",
          "[sql_fragment][mysql]") {
  MysqlDatabase db;
  db.exec(table_for("text", "datetime"));
  auto escapes = [&](const std::string& fragment) {
    try {
      return !db.column("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'; " + spliced(fragment))
                  .empty();
    } catch (const std::runtime_error&) {
      return false;
    }
  };
  long long accepted = 0;
  for (const auto& k : fragment_corpus(SqlDialect::Mysql)) {
    if (!k.problem.empty()) continue;
    INFO(k.sql);
    ++accepted;
    CHECK_FALSE(escapes(k.sql));
  }
  CHECK(accepted >= 15);
  // The judge can tell: "\"" escapes on MySQL, where the other dialects' quotes differ.
  CHECK(escapes("x = \"\\\" ( \" ) OR 1=1 OR ( y = \" ) \\\" \""));
}
