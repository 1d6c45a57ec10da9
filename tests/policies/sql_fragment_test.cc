// The fragment validator, dialect by dialect, on the escape corpus (support/fragment_corpus.h).
// For SQLite, SQLite itself is the judge of the accepted ones: put between two false conditions
// the way retentiond splices it, a fragment that stays inside its parentheses selects no row.
#include "policies/sql_fragment.h"

#include <catch2/catch.hpp>

#include "support/fragment_corpus.h"
#include "support/sqlite_judge.h"

using namespace retentiond::policies;
using retentiond::testing::fragment_corpus;

namespace {

// Whether `fragment` escapes its parentheses in SQLite, judged on a fresh database.
bool escapes_in_sqlite(const std::string& fragment) {
  return retentiond::testing::SqliteJudge().escapes(fragment);
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n')
      out += "\\n";
    else if (c < 0x20 || c >= 0x7f)
      out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
    else
      out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

TEST_CASE("each dialect's escape attempts get the exact verdict", "[sql_fragment]") {
  for (SqlDialect d : {SqlDialect::Sqlite, SqlDialect::Postgresql, SqlDialect::Mysql}) {
    const auto& corpus = fragment_corpus(d);
    long long refused = 0;
    for (const auto& c : corpus) {
      INFO(dialect_name(d) << ": " << printable(c.sql));
      auto problem = sql_fragment_problem(c.sql, d);
      CHECK(problem.value_or("") == c.problem);
      if (!c.problem.empty()) ++refused;
    }
    INFO(dialect_name(d));
    CHECK(refused >= 30);
  }
}

TEST_CASE("fragments SQLite accepts stay inside their parentheses when SQLite runs them",
          "[sql_fragment]") {
  long long accepted = 0, escaping_refused = 0;
  for (const auto& c : fragment_corpus(SqlDialect::Sqlite)) {
    INFO(printable(c.sql));
    if (c.problem.empty()) {
      ++accepted;
      CHECK_FALSE(escapes_in_sqlite(c.sql));
    } else if (escapes_in_sqlite(c.sql)) {
      ++escaping_refused;  // a real escape, which the validator refused
    }
  }
  CHECK(accepted >= 10);
  // The judge can tell: the two where:s (#17) do escape in SQLite, among others.
  CHECK(escapes_in_sqlite("CAST(1 AS [a'b]) ) OR 1=1 OR ( CAST(1 AS [c'd])"));
  CHECK(escapes_in_sqlite("name = '\\' ) OR 1=1 OR ( 1=1 --'\n"));
  CHECK(escaping_refused >= 3);
}

TEST_CASE("a store of unknown dialect gets every dialect's refusals", "[sql_fragment]") {
  std::optional<SqlDialect> unknown;
  CHECK(sql_fragment_problem("deleted_at IS NULL", unknown) == std::nullopt);
  CHECK(sql_fragment_problem("a = 1 # x", unknown) ==
        "bind parameters ('#') are not allowed in a SQL condition; write the value itself");
  CHECK(sql_fragment_problem("x = $$)$$", unknown) ==
        "bind parameters ('$') are not allowed in a SQL condition; write the value itself");
  CHECK(sql_fragment_problem("x = 'a\\' )", unknown) == "unbalanced ')' in SQL condition");
  CHECK(sql_fragment_problem("data #>> '{a}' = 'x'", SqlDialect::Postgresql) == std::nullopt);
  CHECK(sql_fragment_problem("data #>> '{a}' = 'x'", SqlDialect::Mysql) ==
        "'#' comments are not allowed in a SQL condition");
}

TEST_CASE("the dialects have their names", "[sql_fragment]") {
  CHECK(dialect_name(SqlDialect::Sqlite) == "SQLite");
  CHECK(dialect_name(SqlDialect::Postgresql) == "PostgreSQL");
  CHECK(dialect_name(SqlDialect::Mysql) == "MySQL");
}
