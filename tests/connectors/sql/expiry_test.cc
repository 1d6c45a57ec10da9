// The shared expiry condition and quoting, evaluated by a real SQL engine (SQLite) on a truth
// table of known, NULL and late dates.
#include "connectors/sql/expiry.h"

#include <catch2/catch.hpp>

#include "connectors/sql/quote.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::connectors::sql;
using namespace retentiond::testing;

namespace {

// Evaluates `expression` over (a, b) pairs; the cut-off is 100.
std::string evaluate(const std::string& expression, const std::string& a, const std::string& b) {
  TempDir dir;
  auto values =
      sqlite_column(dir.file("x.db"), "SELECT CASE WHEN " + expression +
                                          " THEN 'expired' ELSE 'kept' END FROM (SELECT " + a +
                                          " AS a, " + b + " AS b)");
  return values.at(0);
}

std::string latest(const std::string& a, const std::string& b) {
  TempDir dir;
  return sqlite_column(dir.file("x.db"), "SELECT " + latest_of({"a", "b"}, "max") +
                                             " FROM (SELECT " + a + " AS a, " + b + " AS b)")
      .at(0);
}

}  // namespace

TEST_CASE("expired means every known date is before the cut-off", "[expiry]") {
  std::vector<TermSql> two = {{"a", "a < 100"}, {"b", "b < 100"}};
  std::string both = expired_condition(two);
  CHECK(evaluate(both, "50", "60") == "expired");
  CHECK(evaluate(both, "50", "NULL") == "expired");
  CHECK(evaluate(both, "NULL", "60") == "expired");
  CHECK(evaluate(both, "NULL", "NULL") == "kept");  // no date at all: kept
  CHECK(evaluate(both, "50", "150") == "kept");     // one recent date keeps the record
  CHECK(evaluate(both, "150", "NULL") == "kept");
  CHECK(evaluate(both, "100", "50") == "kept");  // exactly the cut-off is not before it
  std::string one = expired_condition({{"a", "a < 100"}});
  CHECK(evaluate(one, "99", "0") == "expired");
  CHECK(evaluate(one, "NULL", "0") == "kept");
}

TEST_CASE("latest_of returns the latest known date, NULL when none", "[expiry]") {
  CHECK(latest("50", "60") == "60");
  CHECK(latest("NULL", "60") == "60");
  CHECK(latest("70", "NULL") == "70");
  CHECK(latest("NULL", "NULL") == "NULL");
  CHECK(latest_of({"x"}, "GREATEST") == "x");
  CHECK(latest_of({"x", "y"}, "GREATEST") == "GREATEST(COALESCE(x, y), COALESCE(y, x))");
}

TEST_CASE("identifiers are quoted per dialect, quotes doubled", "[quote]") {
  CHECK(quote_identifier("users", '"') == "\"users\"");
  CHECK(quote_identifier("users", '`') == "`users`");
  CHECK(quote_identifier("we\"ird", '"') == "\"we\"\"ird\"");
  CHECK(quote_identifier("we`ird", '`') == "`we``ird`");
  CHECK(quote_table({"coop", "beneficiaires"}, '"') == "\"coop\".\"beneficiaires\"");
  CHECK(quote_table({"", "t"}, '`') == "`t`");
  CHECK(quote_literal("it's") == "'it''s'");
}
