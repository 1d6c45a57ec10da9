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

TEST_CASE("since: a fallback counts when the dates before it are unknown",
          "[config][basis_parser]") {
  TempDir dir;
  auto loaded = load_text(dir, kThreeStores + kStart +
                                   "    since: [last_login, last_seen, {fallback: created}, "
                                   "{fallback: {column: imported, format: epoch}}]\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  const auto& terms = loaded.config->policies.at(0).since.terms;
  REQUIRE(terms.size() == 4);
  CHECK_FALSE(terms[0].fallback);
  CHECK_FALSE(terms[1].fallback);
  CHECK(terms[2].fallback);
  CHECK(terms[2].column == "created");
  CHECK(terms[3].fallback);
  CHECK(terms[3].column == "imported");
  CHECK(terms[3].format == DateFormat::Epoch);

  const std::string example = "since: [last_login, {fallback: created}]";
  CHECK(since_errors("{fallback: created}") ==
        std::vector<std::string>{"DIR/r.yaml:11:12: error: 'since' of policy 'p' is only a "
                                 "fallback; a fallback counts when the dates before it are "
                                 "unknown: " +
                                 example});
  CHECK(since_errors("[{fallback: created}]") ==
        std::vector<std::string>{"DIR/r.yaml:11:12: error: 'since' of policy 'p' has only "
                                 "fallback dates; a fallback counts when the dates before it "
                                 "are unknown: " +
                                 example});
  CHECK(since_errors("[{fallback: created}, last_login]") ==
        std::vector<std::string>{"DIR/r.yaml:11:34: error: in 'since' of policy 'p', the "
                                 "fallback dates come last: move this date before them"});
  CHECK(since_errors("[a, {fallback: {fallback: b}}]") ==
        std::vector<std::string>{"DIR/r.yaml:11:27: error: a fallback in 'since' of policy 'p' "
                                 "holds another fallback; name a date column"});
  CHECK(since_errors("[a, {fallback: a}]") ==
        std::vector<std::string>{"DIR/r.yaml:11:27: error: column 'a' appears twice in 'since'"});
  CHECK(since_errors("[a, {fallback: b, extra: 1}]") ==
        std::vector<std::string>{"DIR/r.yaml:11:30: error: unknown key 'extra' in fallback in "
                                 "'since' of policy 'p'"});
}
