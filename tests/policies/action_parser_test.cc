// What a policy does: the action, the anonymisation strategies, `also:` and `notify:`. Exact
// texts.
#include <catch2/catch.hpp>

#include "support/config_text.h"

using namespace retentiond::policies;
using namespace retentiond::testing;

namespace {

// kTablePolicy is lines 7 to 11; cases add from line 12.
const std::string kAnonymise = kTablePolicy + "    action: anonymise\n";  // 12

// The errors of `text`, beside a notice template (notice.txt).
std::vector<std::string> errors_beside_notice(const std::string& text) {
  TempDir dir;
  dir.write("notice.txt", "Dear member, your account goes on {deletion_date}.\n");
  return load_text(dir, text).errors;
}

}  // namespace

TEST_CASE("anonymisation strategies: exact errors", "[config][action_parser]") {
  const std::string usage =
      "must be null or one of {value: X}, {now: true}, {hash: N}, {hmac: {key_file: F}}, "
      "{unique_placeholder: \"...{hash}...\"}, {template: \"...{key}...\"}, {generalise: year}, "
      "{json_remove: [KEY, ...]}";
  const struct {
    std::string strategies;  // line 13
    std::vector<std::string> errors;
  } cases[] = {
      {"{email: {scramble: 1}}",
       {"DIR/r.yaml:13:25: error: unknown key 'scramble' in strategy for column 'email' in "
        "policy 'p'",
        "DIR/r.yaml:13:24: error: strategy for column 'email' in policy 'p' " + usage}},
      {"{email: [x]}",
       {"DIR/r.yaml:13:24: error: strategy for column 'email' in policy 'p' " + usage}},
      {"{email: {value: a, now: true}}",
       {"DIR/r.yaml:13:24: error: strategy for column 'email' in policy 'p' " + usage}},
      {"{email: {hash: 2}}",
       {"DIR/r.yaml:13:31: error: 'hash' in strategy for column 'email' in policy 'p' must be "
        "between 4 and 64"}},
      {"{email: {now: false}}", {"DIR/r.yaml:13:30: error: 'now' can only be true"}},
      {"{born: {generalise: week}}",
       {"DIR/r.yaml:13:36: error: generalise: unknown precision 'week' (use year, month or day)"}},
      {"{email: {unique_placeholder: anon}}",
       {"DIR/r.yaml:13:45: error: unique_placeholder 'anon' must contain {key} or {hash} to be "
        "unique per row"}},
      {"{email: {template: \"{id}@x\"}}",
       {"DIR/r.yaml:13:35: error: unknown placeholder '{id}' in '{id}@x' (use {key} or {hash})"}},
      {"{email: {template: \"{key@x\"}}", {"DIR/r.yaml:13:35: error: unclosed '{' in '{key@x'"}},
      {"{email: {hmac: {key: k}}}",
       {"DIR/r.yaml:13:32: error: unknown key 'key' in 'hmac' of strategy for column 'email' in "
        "policy 'p'",
        "DIR/r.yaml:13:31: error: 'hmac' of strategy for column 'email' in policy 'p' has no "
        "'key_file'"}},
      {"{\"e;mail\": null, email: null, email: {value: x}}",
       {"DIR/r.yaml:13:17: error: anonymise: unsafe identifier 'e;mail': character ';' is not "
        "allowed (use letters, digits, '_', '$', '-' or spaces)",
        "DIR/r.yaml:13:46: error: column 'email' appears twice in 'anonymise'"}},
      {"[email]",
       {"DIR/r.yaml:13:16: error: 'anonymise' in policy 'p' must map each column to a "
        "strategy"}},
  };
  for (const auto& c : cases) {
    INFO(c.strategies);
    CHECK(errors_of(kAnonymise + "    anonymise: " + c.strategies + "\n") == c.errors);
  }
}

TEST_CASE("anonymisation strategies are read", "[config][action_parser]") {
  TempDir dir;
  auto loaded =
      load_text(dir, kThreeStores + kAnonymise +
                         "    where: \"email NOT LIKE 'gone-%'\"\n"
                         "    anonymise: {a: null, b: {value: null}, c: {value: \"\"}, "
                         "d: {now: true}, email: {hash: 12}, f: {hmac: {key_file: k}}, "
                         "g: {unique_placeholder: \"gone-{hash}\"}, "
                         "h: {template: \"{key}@example.org\"}, i: {generalize: month}}\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  const auto& a = loaded.config->policies.at(0).anonymise;
  using Kind = AnonymiseStrategy::Kind;
  REQUIRE(a.size() == 9);
  CHECK(a[0].strategy.kind == Kind::Null);
  CHECK(a[1].strategy.kind == Kind::Null);
  CHECK(a[2].strategy.kind == Kind::Value);
  CHECK(a[2].strategy.text.empty());
  CHECK(a[3].strategy.kind == Kind::Now);
  CHECK(a[4].strategy.kind == Kind::Hash);
  CHECK(a[4].strategy.hash_length == 12);
  CHECK(a[5].strategy.kind == Kind::Hmac);
  CHECK(a[5].strategy.text == dir.file("k"));  // beside the configuration
  CHECK(a[6].strategy.kind == Kind::UniquePlaceholder);
  CHECK(a[7].strategy.kind == Kind::Template);
  CHECK(a[8].strategy.kind == Kind::Generalise);
  CHECK(a[8].strategy.text == "month");
}

TEST_CASE("also: exact errors", "[config][action_parser]") {
  const struct {
    std::string also;  // line 12
    std::vector<std::string> errors;
  } cases[] = {
      {"{table: s}",
       {"DIR/r.yaml:12:11: error: 'also' in policy 'p' must be a list of {table, "
        "on, action} or {store, ...}"}},
      {"[{table: s}, {on: \"s.u = users.id\"}]",
       {"DIR/r.yaml:12:12: error: 'also' #1 of policy 'p' has no 'on'",
        "DIR/r.yaml:12:24: error: 'also' #2 of policy 'p' has no 'table'"}},
      {"[{table: s, on: \"s.u = users.id\", action: shred}]",
       {"DIR/r.yaml:12:53: error: unknown action 'shred' (use delete or anonymise)"}},
      {"[{table: s, on: \"s.u = users.id -- all\"}]",
       {"DIR/r.yaml:12:27: error: 'on' in 'also' #1 of policy 'p': '--' comments are not allowed "
        "in a SQL condition"}},
      {"[{table: s, on: \"s.u = users.id\", action: anonymise}]",
       {"DIR/r.yaml:12:12: error: 'also' #1 of policy 'p' anonymises but has no 'anonymise:' "
        "map"}},
      {"[{table: s, on: \"s.u = users.id\", anonymise: {ip: null}}]",
       {"DIR/r.yaml:12:45: error: 'anonymise' is set but the action of 'also' #1 of policy 'p' "
        "is not 'anonymise'"}},
      {"[{table: s, on: \"s.u = users.id\", action: anonymise, anonymise: {ip: {template: "
       "\"{key}\"}}}]",
       {"DIR/r.yaml:12:91: error: {key} and {hash} are not available in 'also' #1 of policy 'p': "
        "its rows have no key of the policy's (use {value: ...} or {hash: N})"}},
      // Read inside a subquery on the policy's table, an `on` must tie each related row to a
      // record: the policy's own table, or a condition naming no column of the related table,
      // would reach every row of it.
      {"[{table: users, on: \"users.parent_id = users.id\"}]",
       {"DIR/r.yaml:12:20: error: 'also' #1 of policy 'p' names the policy's own table 'users': "
        "its 'on' would be read against the policy's records, not the related rows, and would "
        "reach every row of the table (records not expired or held too); choose the policy's "
        "rows with 'where:'"}},
      {"[{table: archive.Users, on: \"Users.id = users.id\"}]",
       {"DIR/r.yaml:12:20: error: 'also' #1 of policy 'p' names the policy's own table "
        "'archive.Users': its 'on' would be read against the policy's records, not the related "
        "rows, and would reach every row of the table (records not expired or held too); choose "
        "the policy's rows with 'where:'"}},
      {"[{table: s, on: \"u = users.id\"}]",
       {"DIR/r.yaml:12:27: error: 'also' #1 of policy 'p': 'on' must name a column of table 's' "
        "as s.column: unqualified columns are read from the policy's table first, and a "
        "condition that does not tie each row of 's' to a record would reach all of them"}},
      {"[{table: s, on: \"xs.u = users.id\"}]",
       {"DIR/r.yaml:12:27: error: 'also' #1 of policy 'p': 'on' must name a column of table 's' "
        "as s.column: unqualified columns are read from the policy's table first, and a "
        "condition that does not tie each row of 's' to a record would reach all of them"}},
      {"[{table: s, on: \"S.u = users.id\"}, {table: t, on: \"\\\"t\\\".u = users.id\"}, "
       "{table: v, on: \"users.id IN (SELECT 1 FROM x WHERE x.a = v.b)\"}, "
       "{table: app.w, on: \"app.w.u = users.id\"}]",
       {}},
  };
  for (const auto& c : cases) {
    INFO(c.also);
    CHECK(errors_of(kTablePolicy + "    also: " + c.also + "\n") == c.errors);
  }
}

TEST_CASE("also: deleting the rows 'since' reads the date from is warned of",
          "[config][action_parser]") {
  TempDir dir;
  auto loaded =
      load_text(dir, kThreeStores +
                         "  - name: p\n    store: app\n    table: users\n    expire_after: 1y\n"
                         "    since: {related: sess, on: \"sess.user_id = users.id\", column: at}\n"
                         "    also: [{table: sess, on: \"sess.user_id = users.id\"}, "
                         "{table: tokens, on: \"tokens.user_id = users.id\"}]\n");
  REQUIRE(loaded.config);
  CHECK(loaded.warnings ==
        std::vector<std::string>{
            "DIR/r.yaml:12:20: warning: 'also' #1 of policy 'p' deletes rows of 'sess', from "
            "which 'since' reads the record's date: the rule runs first, and the statement that "
            "then acts on the record re-reads its date without them (a record dated only by "
            "them is kept as undated, never acted on); date it by another table, or let the "
            "database remove them (ON DELETE CASCADE)"});
}

TEST_CASE("notify: exact errors", "[config][action_parser]") {
  const std::string smtp = "smtp: {host: 127.0.0.1, from: dpo@example.org}\n";
  // With smtp:, the stores move one line down: the policy's lines are 8 to 12, notify: 13.
  const struct {
    const char* what;
    std::string notify;
    std::string before;
    std::vector<std::string> errors;
  } cases[] = {
      {"no smtp",
       "{before: 30d, email: email, template: notice.txt}",
       "",
       {"DIR/r.yaml:12:5: error: 'notify' of policy 'p' needs a top-level 'smtp:' block (host, "
        "port, ...) to send notices"}},
      {"a bad before",
       "{before: soon, email: email, template: notice.txt}",
       smtp,
       {"DIR/r.yaml:13:22: error: before: duration 'soon' must start with a whole number, as in "
        "'52d' or '14mo'"}},
      {"a bad email column",
       "{before: 30d, email: \"e;mail\", template: notice.txt}",
       smtp,
       {"DIR/r.yaml:13:34: error: email: unsafe identifier 'e;mail': character ';' is not allowed "
        "(use letters, digits, '_', '$', '-' or spaces)"}},
      {"no template",
       "{before: 30d, email: email}",
       smtp,
       {"DIR/r.yaml:13:13: error: 'notify' of policy 'p' has no 'template'"}},
      {"a template that is not there",
       "{before: 30d, email: email, template: nowhere.txt}",
       smtp,
       {"DIR/r.yaml:13:51: error: cannot read the notice template 'DIR/nowhere.txt': no such "
        "file"}},
      {"no sender",
       "{before: 30d, email: email, template: notice.txt}",
       "smtp: {host: 127.0.0.1}\n",
       {"DIR/r.yaml:13:5: error: 'notify' of policy 'p' needs a sender: 'from:' here or in the "
        "top-level 'smtp:' block"}},
      {"a sender that is no address",
       "{before: 30d, email: email, template: notice.txt, from: not an address}",
       smtp,
       {"DIR/r.yaml:13:69: error: the sender 'not an address' of policy 'p' is not an e-mail "
        "address ('dpo@example.org' or 'Name <dpo@example.org>')"}},
      {"a typo",
       "{before: 30d, email: email, template: notice.txt, subjet: Hi}",
       smtp,
       {"DIR/r.yaml:13:63: error: unknown key 'subjet' in 'notify' of policy 'p' (did you mean "
        "'subject'?)"}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(errors_beside_notice(c.before + kThreeStores + kTablePolicy + "    notify: " + c.notify +
                               "\n") == c.errors);
  }
}

TEST_CASE("notify is read, and an unknown placeholder is warned about", "[config][action_parser]") {
  TempDir dir;
  dir.write("notice.txt", "Your account goes on {deletion_date}, {name}.\n");
  auto loaded = load_text(dir, "smtp: {host: 127.0.0.1, from: dpo@example.org}\n" + kThreeStores +
                                   kTablePolicy +
                                   "    notify: {before: 30d, email: email, template: notice.txt, "
                                   "subject: \"Your account ({policy})\", from: a@example.org}\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  CHECK(loaded.warnings ==
        std::vector<std::string>{
            "DIR/r.yaml:13:51: warning: the notice template or subject uses '{name}', which is not "
            "a placeholder ({date}, {deletion_date}, {date_iso}, {description}, {policy}, "
            "{before}); it is sent as written"});
  const auto& n = loaded.config->policies.at(0).notify;
  REQUIRE(n);
  CHECK(n->before == Duration{30, DurationUnit::Day});
  CHECK(n->email_column == "email");
  CHECK(n->template_file == dir.file("notice.txt"));
  CHECK(n->subject == "Your account ({policy})");
  CHECK(n->from == "a@example.org");
}

TEST_CASE("notify: the default subject says what the action does", "[config][action_parser]") {
  TempDir dir;
  dir.write("notice.txt", "Your account goes on {date}.\n");
  const std::string smtp = "smtp: {host: 127.0.0.1, from: dpo@example.org}\n";
  const std::string notify = "    notify: {before: 30d, email: email, template: notice.txt}\n";
  auto subject = [&](const std::string& policy, const std::string& language) {
    auto loaded = load_text(dir, smtp + language + kThreeStores + policy + notify);
    INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
    REQUIRE(loaded.config);
    return loaded.config->policies.at(0).notify->subject;
  };
  CHECK(subject(kTablePolicy, "") == "Your data will be deleted on {date}");
  CHECK(subject(kAnonymise + "    anonymise: {email: null}\n", "") ==
        "Your data will be anonymised on {date}");
  CHECK(subject(kAnonymise + "    anonymise: {email: null}\n", "languages: [fr]\n") ==
        "Anonymisation de vos données le {date}");
}

TEST_CASE("json_remove: paths are read, bad ones named", "[config][action_parser]") {
  TempDir dir;
  auto loaded = load_text(dir, kThreeStores + kAnonymise +
                                   "    anonymise: {data: {json_remove: [email, user.phone, "
                                   "first-name]}, extra: {json_remove: name}}\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  const auto& a = loaded.config->policies.at(0).anonymise;
  REQUIRE(a.size() == 2);
  CHECK(a[0].strategy.kind == AnonymiseStrategy::Kind::JsonRemove);
  CHECK(a[0].strategy.json_paths ==
        std::vector<std::vector<std::string>>{{"email"}, {"user", "phone"}, {"first-name"}});
  CHECK(a[1].strategy.json_paths == std::vector<std::vector<std::string>>{{"name"}});

  const struct {
    std::string strategy;  // line 13
    std::vector<std::string> errors;
  } cases[] = {
      {"{json_remove: []}",
       {"DIR/r.yaml:13:37: error: json_remove in strategy for column 'data' in policy 'p' needs "
        "the keys to remove: [email, user.phone]"}},
      {"{json_remove: [\"a..b\"]}",
       {"DIR/r.yaml:13:38: error: json_remove in strategy for column 'data' in policy 'p': 'a..b' "
        "is not a path of keys (letters, digits, '_' and '-', separated by dots: user.email)"}},
      {"{json_remove: [\"it's\"]}",
       {"DIR/r.yaml:13:38: error: json_remove in strategy for column 'data' in policy 'p': "
        "'it's' is not a path of keys (letters, digits, '_' and '-', separated by dots: "
        "user.email)"}},
      {"{json_remove: [a, {b: c}]}",
       {"DIR/r.yaml:13:41: error: json_remove in strategy for column 'data' in policy 'p' lists "
        "paths of keys (user.email)"}},
      {"{json_remove: [a.b, a.b]}",
       {"DIR/r.yaml:13:43: error: json_remove in strategy for column 'data' in policy 'p' names "
        "'a.b' twice"}},
  };
  for (const auto& c : cases) {
    INFO(c.strategy);
    CHECK(errors_of(kAnonymise + "    anonymise: {data: " + c.strategy + "}\n") == c.errors);
  }
}

TEST_CASE("also: a 'where' that reads a table an also: rule changes is warned of",
          "[config][action_parser]") {
  // The rule runs before the action, which reads `where` again: the follows gone, the record
  // would no longer be selected, and stay as it was. A table whose name only contains the
  // rule's ("follows_archive") is another table, and a string ('follows') a value.
  TempDir dir;
  auto loaded = load_text(
      dir, kThreeStores +
               "  - name: p\n    store: app\n    table: users\n    expire_after: 1y\n"
               "    since: seen\n"
               "    where: \"kind <> 'follows' AND EXISTS (SELECT 1 FROM Follows f WHERE f.uid = "
               "users.id)\"\n"
               "    also: [{table: follows, on: \"follows.uid = users.id\"}, "
               "{table: follows_archive, on: \"follows_archive.uid = users.id\"}]\n");
  REQUIRE(loaded.config);
  REQUIRE(loaded.warnings.size() == 1);
  CHECK(loaded.warnings[0].find("warning: 'where' of policy 'p' reads table 'follows', which "
                                "this 'also:' rule deletes from before the action") !=
        std::string::npos);
}
