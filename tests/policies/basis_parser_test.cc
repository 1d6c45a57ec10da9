// `since:` of a table policy in every form, and its errors. Exact texts.
#include <catch2/catch.hpp>

#include "support/config_text.h"

using namespace retentiond::policies;
using namespace retentiond::testing;

namespace {

// The policy without its since, lines 7 to 10; `since:` is line 11.
const std::string kStart = without_key(kTablePolicy, "since");

std::vector<std::string> since_errors(const std::string& since) {
  return errors_of(kStart + "    since: " + since + "\n");
}

}  // namespace

TEST_CASE("since: exact errors", "[config][basis_parser]") {
  const struct {
    std::string since;
    std::vector<std::string> errors;
  } cases[] = {
      {"\"a\\\"b\"",
       {"DIR/r.yaml:11:12: error: since: unsafe identifier 'a\"b': character '\"' is not allowed "
        "(use letters, digits, '_', '$', '-' or spaces)"}},
      {"[]", {"DIR/r.yaml:11:12: error: 'since' of policy 'p' is an empty list"}},
      {"\"\"", {"DIR/r.yaml:11:12: error: 'since' of policy 'p' is empty"}},
      {"[a, b, a]", {"DIR/r.yaml:11:19: error: column 'a' appears twice in 'since'"}},
      {"{name_date: \"%Y%m%d\"}",
       {"DIR/r.yaml:11:12: error: 'name_date' applies to files stores only; name the date "
        "column"}},
      {"{column: ts, format: julian}",
       {"DIR/r.yaml:11:33: error: unknown date format 'julian' (use one of: auto, epoch, "
        "epoch_ms, iso, date, timestamp)"}},
      {"{format: epoch}", {"DIR/r.yaml:11:12: error: 'since' of policy 'p' has no 'column'"}},
      {"{column: d, related: members}",
       {"DIR/r.yaml:11:12: error: 'since' of policy 'p' names a related table but no 'on' "
        "condition joining it to the policy's table"}},
      {"{column: d, on: \"a = b\"}",
       {"DIR/r.yaml:11:24: error: 'on' in 'since' of policy 'p' needs 'related' (the table it "
        "joins)"}},
      {"{column: d, related: \"a;b\", on: \"a = b\"}",
       {"DIR/r.yaml:11:33: error: related: unsafe identifier 'a;b': character ';' is not allowed "
        "(use letters, digits, '_', '$', '-' or spaces)"}},
      {"{column: d, related: m, on: \"m.id = users.m_id; DROP TABLE m\"}",
       {"DIR/r.yaml:11:40: error: 'on' in 'since' of policy 'p': ';' is not allowed in a SQL "
        "condition (one expression only)"}},
      {"{column: d, colour: red}",
       {"DIR/r.yaml:11:24: error: unknown key 'colour' in 'since' of policy 'p'"}},
      {"{column: d, formt: iso}",
       {"DIR/r.yaml:11:24: error: unknown key 'formt' in 'since' of policy 'p' (did you mean "
        "'format'?)"}},
  };
  for (const auto& c : cases) {
    INFO(c.since);
    CHECK(since_errors(c.since) == c.errors);
  }
}

TEST_CASE("since: every form is read", "[config][basis_parser]") {
  TempDir dir;
  auto loaded = load_text(
      dir, kThreeStores + kStart +
               "    since: [last_login, {column: created, format: epoch_ms}, {related: orders, "
               "on: \"orders.user_id = users.id\", column: placed_at}]\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  const Basis& b = loaded.config->policies.at(0).since;
  CHECK(b.kind == Basis::Kind::Columns);
  CHECK(b.location.line == 11);
  CHECK(b.location.column == 12);
  REQUIRE(b.terms.size() == 3);
  CHECK(b.terms[0].column == "last_login");
  CHECK(b.terms[0].format == DateFormat::Auto);
  CHECK(b.terms[1].column == "created");
  CHECK(b.terms[1].format == DateFormat::EpochMs);
  CHECK(b.terms[2].column == "placed_at");
  REQUIRE(b.terms[2].related);
  CHECK(b.terms[2].related->name == "orders");
  CHECK(b.terms[2].on == "orders.user_id = users.id");
  // The same column of another table is another date.
  CHECK(since_errors("[d, {column: d, related: o, on: \"o.id = users.o_id\"}]").empty());
}
