// libFuzzer target: bytes as a `where`/`on`/`hold_where` fragment, through the validator of each
// dialect (policies/sql_fragment.h). Besides never crashing, hanging or leaking:
//   - a fragment accepted in a dialect is accepted within parentheses, and refused with one more
//     ')' after it (its parentheses balance, as that dialect reads them);
//   - the validator of an unknown dialect refuses what any dialect refuses;
//   - a fragment accepted for SQLite stays inside its parentheses when SQLite itself runs it
//     (tests/support/sqlite_judge.h).
#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "policies/sql_fragment.h"
#include "support/sqlite_judge.h"

namespace {

using retentiond::policies::sql_fragment_problem;
using retentiond::policies::SqlDialect;

retentiond::testing::SqliteJudge* sqlite = nullptr;

[[noreturn]] void fail(const std::string& what, const std::string& fragment) {
  std::fprintf(stderr, "property violated: %s, for the fragment [%s]\n", what.c_str(),
               fragment.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sqlite = new retentiond::testing::SqliteJudge();  // lives as long as the process
  // Bounded work per statement: a recursive query or a huge blob stops early (an error, no row).
  sqlite3_limit(sqlite->handle(), SQLITE_LIMIT_LENGTH, 1'000'000);
  sqlite3_progress_handler(
      sqlite->handle(), 10'000, [](void*) { return 1; }, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string fragment(reinterpret_cast<const char*>(data), size);
  std::optional<std::string> first_problem;
  for (SqlDialect d : {SqlDialect::Sqlite, SqlDialect::Postgresql, SqlDialect::Mysql}) {
    const auto problem = sql_fragment_problem(fragment, d);
    if (problem && !first_problem) first_problem = problem;
    if (problem) continue;
    const std::string dialect(retentiond::policies::dialect_name(d));
    if (sql_fragment_problem("(" + fragment + ")", d))
      fail(dialect + " refuses an accepted fragment within parentheses", fragment);
    if (!sql_fragment_problem(fragment + ")", d))
      fail(dialect + " accepts an accepted fragment followed by ')'", fragment);
    if (d == SqlDialect::Sqlite && sqlite->escapes(fragment))
      fail("SQLite runs an accepted fragment outside its parentheses", fragment);
  }
  if (sql_fragment_problem(fragment, std::optional<SqlDialect>()) != first_problem)
    fail("the unknown dialect's verdict differs from the first dialect's refusal", fragment);
  return 0;
}
