// The table kind of target: table, key, since, where, hold_where and what goes with the action.
// Exact texts; the SQL stores' specs (connectors/*/spec.cc) choose this kind.
#include <catch2/catch.hpp>

#include "support/config_text.h"

using namespace retentiond::policies;
using namespace retentiond::testing;

namespace {

// The policy without its table and since, lines 7 to 9; cases add from line 10.
const std::string kStart = without_key(without_key(kTablePolicy, "table"), "since");

}  // namespace

TEST_CASE("table targets: exact errors", "[config][table_target]") {
  check_error_cases({
      {"no table",
       without_key(kTablePolicy, "table"),
       {"DIR/r.yaml:7:5: error: policy 'p' has no 'table'"}},
      {"no since",
       without_key(kTablePolicy, "since"),
       {"DIR/r.yaml:7:5: error: policy 'p' has no 'since' (the date column(s) the retention "
        "period starts from)"}},
      {"a bad table name",
       with_value(kTablePolicy, "table", "\"a;b\""),
       {"DIR/r.yaml:9:12: error: table: unsafe identifier 'a;b': character ';' is not allowed "
        "(use letters, digits, '_', '$', '-' or spaces)"}},
      {"a bad key",
       kTablePolicy + "    key: \"id`\"\n",
       {"DIR/r.yaml:12:10: error: key: unsafe identifier 'id`': character '`' is not allowed (use "
        "letters, digits, '_', '$', '-' or spaces)"}},
      {"a where with a statement",
       kTablePolicy + "    where: \"1=1; DELETE FROM users\"\n",
       {"DIR/r.yaml:12:12: error: 'where' in policy 'p': ';' is not allowed in a SQL condition "
        "(one expression only)"}},
      {"a hold_where with a bind parameter",
       kTablePolicy + "    hold_where: \"litigation = ?\"\n",
       {"DIR/r.yaml:12:17: error: 'hold_where' in policy 'p': bind parameters ('?') are not "
        "allowed in a SQL condition; write the value itself"}},
      {"anonymise without the action",
       kTablePolicy + "    anonymise: {email: null}\n",
       {"DIR/r.yaml:12:5: error: 'anonymise' is set but the action of policy 'p' is not "
        "'anonymise'"}},
      {"the action without anonymise",
       kTablePolicy + "    action: anonymise\n",
       {"DIR/r.yaml:12:13: error: policy 'p' anonymises but has no 'anonymise:' map of column to "
        "strategy"}},
      {"every error of the policy, in order",
       kStart + "    key: \"a;b\"\n    where: \"x;\"\n    anonymize: {a: null}\n",
       {"DIR/r.yaml:7:5: error: policy 'p' has no 'table'",
        "DIR/r.yaml:10:10: error: key: unsafe identifier 'a;b': character ';' is not allowed (use "
        "letters, digits, '_', '$', '-' or spaces)",
        "DIR/r.yaml:11:12: error: 'where' in policy 'p': ';' is not allowed in a SQL condition "
        "(one expression only)",
        "DIR/r.yaml:7:5: error: policy 'p' has no 'since' (the date column(s) the retention "
        "period starts from)",
        "DIR/r.yaml:12:5: error: 'anonymise' is set but the action of policy 'p' is not "
        "'anonymise'"}},
  });
}

TEST_CASE("table targets are read into the policy", "[config][table_target]") {
  TempDir dir;
  auto loaded =
      load_text(dir, kThreeStores + kTablePolicy +
                         "    key: user_id\n"                                // 12
                         "    where: \"deleted_at IS NULL\"\n"               // 13
                         "    hold_where: \"litigation\"\n"                  // 14
                         "    action: anonymise\n"                           // 15
                         "    anonymise: {email: {value: x}, name: null}\n"  // 16
                         "    also: [{table: sessions, on: \"sessions.user_id = users.id\"}]\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  CHECK(loaded.warnings.empty());
  const Policy& p = loaded.config->policies.at(0);
  REQUIRE(p.table);
  CHECK(p.table->name == "users");
  CHECK(p.table_location.line == 9);
  CHECK(p.table_location.column == 12);
  CHECK(p.key == "user_id");
  CHECK(p.key_location.line == 12);
  CHECK(p.where == "deleted_at IS NULL");
  CHECK(p.where_location.line == 13);
  CHECK(p.hold_where == "litigation");
  CHECK(p.hold_where_location.line == 14);
  CHECK(p.since.kind == Basis::Kind::Columns);
  REQUIRE(p.anonymise.size() == 2);
  CHECK(p.anonymise[0].column == "email");
  CHECK(p.anonymise_location.line == 16);
  REQUIRE(p.also.size() == 1);
  CHECK(p.also[0].table.name == "sessions");
  CHECK_FALSE(p.notify);
  CHECK(p.files.empty());
  CHECK(p.sympa_target.empty());
}

TEST_CASE("an anonymising policy that would anonymise the same rows again is warned about",
          "[config][table_target]") {
  const std::string warning =
      "DIR/r.yaml:13:16: warning: retentiond cannot tell an anonymised row of policy 'p' from "
      "the others (hash, hmac and now do not leave a recognisable value) and its 'where' "
      "mentions none of the anonymised columns: every pass would anonymise the same rows again. "
      "Add a 'where' that excludes anonymised rows, e.g. on a column set with {value: ...} or "
      "{now: true}";
  const struct {
    const char* what;
    std::string lines;
    std::vector<std::string> warnings;
  } cases[] = {
      {"hash, no where", "    action: anonymise\n    anonymise: {email: {hash: 8}}\n", {warning}},
      {"a where on another column",
       "    action: anonymise\n    anonymise: {email: {hash: 8}}\n    where: \"emails > 0\"\n",
       {warning}},
      {"a where on the column",
       "    action: anonymise\n    anonymise: {email: {hash: 8}}\n"
       "    where: \"EMAIL NOT LIKE 'anon-%'\"\n",
       {}},
      {"a recognisable value",
       "    action: anonymise\n    anonymise: {email: {value: gone}}\n",
       {}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    TempDir dir;
    auto loaded = load_text(dir, kThreeStores + kTablePolicy + c.lines);
    CHECK(loaded.errors.empty());
    CHECK(loaded.warnings == c.warnings);
  }
}
