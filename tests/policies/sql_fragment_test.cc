#include "policies/sql_fragment.h"

#include <catch2/catch.hpp>

using namespace retentiond::policies;

TEST_CASE("single balanced conditions are accepted", "[sql_fragment]") {
  for (const char* ok : {"deleted_at IS NULL", "status IN ('a', 'b;c')", "(a = 1) OR (b = 2)",
                         "name <> 'it''s -- fine'", "\"weird col\" = 1", "x = 'a/*b'"}) {
    INFO(ok);
    CHECK_FALSE(sql_fragment_problem(ok));
  }
  CHECK_FALSE(sql_fragment_problem("data #>> '{a}' = 'x'", /*hash_comments=*/false));
}

TEST_CASE("fragments that could escape their parentheses are refused", "[sql_fragment]") {
  for (const char* bad : {"", "   ", "1=1; DROP TABLE users", "a = 1 -- and expiry", "a = 1 /* x */",
                          "a = 1)", "(a = 1", "name = 'unterminated", "\"col = 1", "a = 1) OR (1 = 1"}) {
    INFO(bad);
    CHECK(sql_fragment_problem(bad));
  }
  CHECK(sql_fragment_problem("a = 1 # comment", /*hash_comments=*/true));
}
