#include "policies/identifier.h"

#include <catch2/catch.hpp>

using namespace retentiond::policies;

TEST_CASE("plain and quotable identifiers are accepted", "[identifier]") {
  for (const char* ok : {"decidim_users", "date_de_départ", "attributionsAleatoires", "Column 1",
                         "x$y", "a-b", "_private"}) {
    INFO(ok);
    CHECK_FALSE(identifier_problem(ok));
  }
}

TEST_CASE("unsafe identifiers are refused", "[identifier]") {
  for (const char* bad :
       {"", "users; DROP TABLE x", "a\"b", "a`b", "a.b", "a]b", "a[b", "a'b", "tab\tname",
        "line\nbreak", " leading", "trailing ",
        "a_name_that_is_far_too_long_to_be_any_identifier_in_postgresql_at_all"}) {
    INFO(bad);
    CHECK(identifier_problem(bad));
  }
}

TEST_CASE("qualified names split into schema and table", "[identifier]") {
  std::string error;
  auto q = parse_qualified_name("coop.beneficiaires", error);
  REQUIRE(q);
  CHECK(q->schema == "coop");
  CHECK(q->name == "beneficiaires");
  CHECK(q->str() == "coop.beneficiaires");
  auto plain = parse_qualified_name("users", error);
  REQUIRE(plain);
  CHECK(plain->schema.empty());
  CHECK_FALSE(parse_qualified_name("a.b.c", error));
  CHECK_FALSE(parse_qualified_name(".b", error));
  CHECK_FALSE(parse_qualified_name("a.", error));
}
