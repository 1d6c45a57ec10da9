// The loader on good and bad configurations: every error names file:line:column.
#include "policies/config_loader.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "connectors/registry.h"
#include "policies/dsn_secret.h"
#include "support/config_text.h"
#include "support/temp_dir.h"

using namespace retentiond::policies;
using retentiond::testing::TempDir;
using retentiond::testing::with_value;
using retentiond::testing::without_key;

namespace {

// A valid configuration; cases replace one line of it, or append to it.
const std::string kHeader =
    "state: state.db\n"                      // 1
    "stores:\n"                              // 2
    "  app: {type: sqlite, path: app.db}\n"  // 3
    "policies:\n";                           // 4

const std::string kPolicy =
    "  - name: old-users\n"     // 5
    "    store: app\n"          // 6
    "    table: users\n"        // 7
    "    expire_after: 1y\n"    // 8
    "    since: last_login\n";  // 9

// Another valid policy on lines 5 to 9, for cases that change or remove one of its lines.
const std::string kPolicyX =
    "  - name: x\n"           // 5
    "    store: app\n"        // 6
    "    table: t\n"          // 7
    "    expire_after: 1y\n"  // 8
    "    since: ts\n";        // 9

LoadResult load(const TempDir& dir, const std::string& text, const std::string& name = "r.yaml") {
  return load_config(dir.write(name, text), retentiond::connectors::store_specs());
}

// The first error, with the temporary directory replaced by "DIR".
std::string first_error(const std::string& text) {
  TempDir dir;
  auto result = load(dir, text);
  auto errors = result.diagnostics.errors();
  if (errors.empty()) return "(no error)";
  std::string s = errors.front().str();
  auto at = s.find(dir.path());
  if (at != std::string::npos) s.replace(at, dir.path().size(), "DIR");
  return s;
}

struct BadCase {
  const char* what;
  std::string yaml;
  std::string expected_prefix;  // "DIR/r.yaml:L:C: error: ..."
};

}  // namespace

TEST_CASE("a valid configuration loads", "[config]") {
  TempDir dir;
  auto result = load(dir, kHeader + kPolicy +
                              "    where: \"deleted_at IS NULL\"\n"
                              "    max_affected: 5%\n"
                              "    schedule: daily 03:15\n"
                              "    batch_budget: 500ms\n"
                              "    description: Accounts absent one year are deleted\n");
  INFO((result.diagnostics.all().empty() ? "" : result.diagnostics.all().front().str()));
  REQUIRE(result.config);
  const auto& c = *result.config;
  CHECK(c.state_path == dir.file("state.db"));  // relative to the configuration's directory
  REQUIRE(c.policies.size() == 1);
  const auto& p = c.policies[0];
  CHECK(p.name == "old-users");
  CHECK(p.table->name == "users");
  CHECK(p.expire_after == Duration{1, DurationUnit::Year});
  CHECK(p.since.kind == Basis::Kind::Columns);
  CHECK(p.since.terms.at(0).column == "last_login");
  CHECK(p.where == "deleted_at IS NULL");
  CHECK(p.max_affected.kind == MaxAffected::Kind::Percent);
  CHECK(p.max_affected.millipercent == 5000);
  CHECK(p.batch_budget == std::chrono::milliseconds(500));
  CHECK(p.table_location.line == 7);
  CHECK(p.table_location.column == 12);
  CHECK(c.stores.at(0).path("path") == dir.file("app.db"));
}

TEST_CASE("every since form loads", "[config]") {
  TempDir dir;
  auto result =
      load(dir, kHeader +
                    "  - name: a\n    store: app\n    table: t\n    expire_after: 14mo\n"
                    "    since: [last_sign_in_at, created_at]\n"
                    "  - name: b\n    store: app\n    table: t\n    expire_after: 1y\n"
                    "    since: {column: date, format: epoch}\n"
                    "  - name: c\n    store: app\n    table: devices\n    expire_after: 1y\n"
                    "    since: {related: adherents, on: \"adherents.id = devices.adherent_id\","
                    " column: date_de_depart}\n"
                    "  - name: d\n    store: app\n    table: coop.beneficiaires\n"
                    "    expire_after: 1y\n    since: modification\n");
  INFO((result.diagnostics.all().empty() ? "" : result.diagnostics.all().front().str()));
  REQUIRE(result.config);
  const auto& ps = result.config->policies;
  CHECK(ps[0].since.terms.size() == 2);
  CHECK(ps[1].since.terms[0].format == DateFormat::Epoch);
  REQUIRE(ps[2].since.terms[0].related);
  CHECK(ps[2].since.terms[0].related->name == "adherents");
  CHECK(ps[2].since.terms[0].on == "adherents.id = devices.adherent_id");
  CHECK(ps[3].table->schema == "coop");
}

TEST_CASE("include adds the policies of a glob of files", "[config]") {
  TempDir dir;
  dir.write("policies.d/a.yaml", "policies:\n" + kPolicy);
  dir.write("policies.d/b.yaml",
            "stores:\n  other: {type: sqlite, path: other.db}\npolicies:\n"
            "  - name: second\n    store: other\n    table: t\n    expire_after: 52d\n"
            "    since: ts\n");
  auto result = load(dir,
                     "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n"
                     "include: policies.d/*.yaml\n");
  INFO((result.diagnostics.all().empty() ? "" : result.diagnostics.all().front().str()));
  REQUIRE(result.config);
  REQUIRE(result.config->policies.size() == 2);
  CHECK(result.config->policies[0].name == "old-users");
  CHECK(result.config->policies[1].name == "second");
  CHECK(result.config->policies[1].file == dir.file("policies.d/b.yaml"));
}

TEST_CASE("a configuration without policies loads with a warning", "[config]") {
  TempDir dir;
  // An include pattern with a typo matches nothing: the daemon would enforce nothing. (The
  // packaged configuration has no store and no policy until the operator adds them.)
  auto none = load_text(dir, "state: state.db\ninclude: policiesd/*.yaml\n");
  REQUIRE(none.config);
  CHECK(none.warnings ==
        std::vector<std::string>{"DIR/r.yaml:1:1: warning: no store and no policy: nothing will "
                                 "be enforced (does the 'include:' pattern match the files "
                                 "meant?)"});
  auto empty = load_text(dir,
                         "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n"
                         "include: policiesd/*.yaml\n");
  REQUIRE(empty.config);
  CHECK(empty.warnings ==
        std::vector<std::string>{"DIR/r.yaml:1:1: warning: no policy: nothing will be enforced "
                                 "(does the 'include:' pattern match the files meant?)"});
}

TEST_CASE("include: a directory or '**' is an error, not nothing included", "[config]") {
  TempDir dir;
  dir.write("policies.d/a.yaml", "policies:\n" + kPolicy);
  const std::string header = "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n";
  for (const std::string& pattern : {"policies.d", "policies.d/"}) {
    auto result = load(dir, header + "include: " + pattern + "\n");
    REQUIRE_FALSE(result.config);
    CHECK(result.diagnostics.errors().front().str() ==
          dir.file("r.yaml") + ":4:10: error: 'include' names the directory '" + dir.file(pattern) +
              "': name its files, as 'policies.d/*.yaml'");
  }
  auto globstar = load(dir, header + "include: \"policies.d/**/*.yaml\"\n");
  REQUIRE_FALSE(globstar.config);
  CHECK(globstar.diagnostics.errors().front().str() ==
        dir.file("r.yaml") +
            ":4:10: error: 'include' pattern 'policies.d/**/*.yaml': '**' is not supported here "
            "(it would match one level only); name each level, as 'policies.d/*.yaml' and "
            "'policies.d/*/*.yaml'");
}

TEST_CASE("a second YAML document is an error, never ignored", "[config]") {
  TempDir dir;
  auto result = load(dir, kHeader + kPolicy +
                              "---\npolicies:\n  - {name: b, store: app, table: t, "
                              "expire_after: 1moons, since: ts}\n");
  REQUIRE_FALSE(result.config);
  const std::string e = result.diagnostics.errors().front().str();
  CHECK(e.find("error: a second YAML document ('---') in the configuration file") !=
        std::string::npos);
  // A document marker before the only document, and one closing it, are fine.
  auto marked = load(dir, "---\n" + kHeader + kPolicy + "...\n");
  INFO((marked.diagnostics.all().empty() ? "" : marked.diagnostics.all().front().str()));
  CHECK(marked.config);
}

TEST_CASE("an error in an included file names that file", "[config]") {
  TempDir dir;
  dir.write("policies.d/a.yaml",
            "policies:\n  - name: x\n    store: app\n    table: t\n"
            "    expire_after: 14 moons\n    since: ts\n");
  auto result = load(dir, kHeader + kPolicy + "include: policies.d/*.yaml\n");
  REQUIRE_FALSE(result.config);
  auto e = result.diagnostics.errors().front().str();
  CHECK(e.find(dir.file("policies.d/a.yaml") + ":5:19: error: unknown unit 'moons'") == 0);
}

TEST_CASE("check reports every error, not only the first", "[config]") {
  TempDir dir;
  auto result =
      load(dir, kHeader +
                    "  - name: a\n    store: app\n    table: t\n    expire_after: 3 moons\n"
                    "    since: ts\n"
                    "  - name: b\n    store: nowhere\n    table: t\n    expire_after: 1y\n"
                    "    since: ts\n");
  CHECK(result.diagnostics.errors().size() == 2);
  // A duplicate name is said with the other mistake of the duplicate, not after it is fixed.
  auto dup = load(dir, kHeader + kPolicy +
                           "  - name: old-users\n    store: nowhere\n    table: t\n"
                           "    expire_after: 1y\n    since: ts\n");
  REQUIRE(dup.diagnostics.errors().size() == 2);
  CHECK(dup.diagnostics.errors()[1].message ==
        "duplicate policy name 'old-users' (first declared at " + dir.file("r.yaml") + ":5:5)");
}

TEST_CASE("bad input names file:line:column", "[config]") {
  const std::vector<BadCase> cases = {
      {"unknown unit",
       kHeader + kPolicy.substr(0, kPolicy.find("    expire_after")) +
           "    expire_after: 14 moons\n    since: last_login\n",
       "DIR/r.yaml:8:19: error: unknown unit 'moons' in duration '14 moons' (use h, d, w, mo or "
       "y)"},
      {"unknown policy key", kHeader + kPolicy + "    expire_aftr: 1y\n",
       "DIR/r.yaml:10:5: error: unknown key 'expire_aftr'"},
      {"unknown top-level key", kHeader + kPolicy + "polices: []\n",
       "DIR/r.yaml:10:1: error: unknown key 'polices'"},
      {"unknown store", kHeader + with_value(kPolicyX, "store", "nowhere"),
       "DIR/r.yaml:6:12: error: unknown store 'nowhere'"},
      {"duplicate policy name", kHeader + kPolicy + kPolicy,
       "DIR/r.yaml:10:5: error: duplicate policy name 'old-users'"},
      {"unsafe table", kHeader + with_value(kPolicyX, "table", "\"users; DROP TABLE x\""),
       "DIR/r.yaml:7:12: error: table: "},
      {"unsafe column", kHeader + with_value(kPolicyX, "since", "\"a\\\"b\""),
       "DIR/r.yaml:9:12: error: since: "},
      {"unsafe key", kHeader + kPolicy + "    key: \"id`\"\n", "DIR/r.yaml:10:10: error: key: "},
      {"where with a statement separator",
       kHeader + kPolicy + "    where: \"1=1; DELETE FROM users\"\n",
       "DIR/r.yaml:10:12: error: 'where' in policy 'old-users': "},
      {"where with a comment", kHeader + kPolicy + "    where: \"a = 1 -- x\"\n",
       "DIR/r.yaml:10:12: error: 'where' in policy 'old-users': "},
      {"missing since", kHeader + without_key(kPolicyX, "since"),
       "DIR/r.yaml:5:5: error: policy 'x' has no 'since'"},
      {"missing expire_after", kHeader + without_key(kPolicyX, "expire_after"),
       "DIR/r.yaml:5:5: error: policy 'x' has no 'expire_after'"},
      {"missing table", kHeader + without_key(kPolicyX, "table"),
       "DIR/r.yaml:5:5: error: policy 'x' has no 'table'"},
      {"missing name",
       kHeader + "  - store: app\n    table: t\n    expire_after: 1y\n    since: ts\n",
       "DIR/r.yaml:5:5: error: "},
      {"bad action", kHeader + kPolicy + "    action: shred\n",
       "DIR/r.yaml:10:13: error: unknown action 'shred' (use delete or anonymise)"},
      {"anonymise without map", kHeader + kPolicy + "    action: anonymise\n",
       "DIR/r.yaml:10:13: error: policy 'old-users' anonymises but has no"},
      {"bad strategy",
       kHeader + kPolicy + "    action: anonymise\n    anonymise: {email: {scramble: 1}}\n",
       "DIR/r.yaml:11:"},
      {"bad schedule", kHeader + kPolicy + "    schedule: daily 25:00\n",
       "DIR/r.yaml:10:15: error: "},
      {"bad max_affected", kHeader + kPolicy + "    max_affected: lots\n",
       "DIR/r.yaml:10:19: error: "},
      {"percent over 100", kHeader + kPolicy + "    max_affected: 150%\n",
       "DIR/r.yaml:10:19: error: "},
      {"batch budget too long", kHeader + kPolicy + "    batch_budget: 5m\n",
       "DIR/r.yaml:10:19: error: batch budget '5m' must be a whole number of ms or s between 10ms "
       "and 60s"},
      {"bad date format", kHeader + with_value(kPolicyX, "since", "{column: ts, format: julian}"),
       "DIR/r.yaml:9:33: error: unknown date format 'julian'"},
      {"related without on",
       kHeader + with_value(kPolicyX, "since", "{related: adherents, column: date_de_depart}"),
       "DIR/r.yaml:9:12: error: 'since' of policy 'x' names a related table but no "},
      {"YAML syntax error", kHeader + kPolicy + "    where: [unclosed\n",
       "DIR/r.yaml:11:1: error: YAML syntax error"},
      {"store without type", "stores:\n  app: {path: app.db}\npolicies: []\n",
       "DIR/r.yaml:2:8: error: store 'app' has no 'type'"},
      {"unknown store type", "stores:\n  app: {type: oracle, path: app.db}\npolicies: []\n",
       "DIR/r.yaml:2:15: error: unknown store type 'oracle'"},
      {"unknown store option",
       "stores:\n  app: {type: sqlite, path: app.db, pth: x}\npolicies: []\n",
       "DIR/r.yaml:2:37: error: unknown key 'pth'"},
      {"missing store option", "stores:\n  app: {type: sqlite}\npolicies: []\n",
       "DIR/r.yaml:2:8: error: store 'app' (type sqlite) has no 'path'"},
      {"password in clear",
       "stores:\n  db: {type: mysql, host: h, database: d, user: u, password: secret}\n"
       "policies: []\n",
       "DIR/r.yaml:2:52: error: passwords are not accepted in the configuration file"},
      {"password in a dsn",
       "stores:\n  db: {type: postgresql, dsn: \"host=h password=secret\"}\npolicies: []\n",
       "DIR/r.yaml:2:31: error: the 'dsn' of store 'db' contains a password"},
      {"password in a dsn URI",
       "stores:\n  db: {type: postgresql, dsn: \"postgresql://u:secret@h:5432/d\"}\n"
       "policies: []\n",
       "DIR/r.yaml:2:31: error: the 'dsn' of store 'db' contains a password"},
      {"bad port",
       "stores:\n  db: {type: mysql, host: h, port: 99999, database: d, user: u}\npolicies: []\n",
       "DIR/r.yaml:2:36: error: "},
      {"files key on a table store", kHeader + kPolicy + "    files: \"*.log\"\n",
       "DIR/r.yaml:10:5: error: 'files' does not apply to store 'app'"},
      {"missing include", kHeader + kPolicy + "include: nowhere.yaml\n",
       "DIR/r.yaml:10:10: error: "},
      {"policies not a list", "policies: {a: 1}\n",
       "DIR/r.yaml:1:11: error: 'policies' must be a list of policies"},
      {"empty file", "", "DIR/r.yaml:1:1: error: the configuration file is empty"},
      {"duplicate key", kHeader + kPolicy + "    table: again\n",
       "DIR/r.yaml:10:5: error: duplicate key 'table'"},
      {"duplicate store type",
       "state: state.db\nstores:\n  app:\n    type: sqlite\n    path: app.db\n    type: mysql\n"
       "policies: []\n",
       "DIR/r.yaml:6:5: error: duplicate key 'type' in store 'app'"},
      {"duplicate throttle",
       "state: state.db\nstores:\n  db:\n    type: postgresql\n    dsn: \"dbname=x\"\n"
       "    throttle: {max_threads_running: 5}\n    throttle: {nice_ratio: 1}\npolicies: []\n",
       "DIR/r.yaml:7:5: error: duplicate key 'throttle' in store 'db'"},
      {"bad sympa target",
       "stores:\n  lists: {type: sympa, config: /etc/sympa/sympa/sympa.conf}\npolicies:\n"
       "  - name: x\n    store: lists\n    sympa: subscribers\n    expire_after: 1y\n",
       "DIR/r.yaml:6:12: error: "},
      {"bad name_date",
       "stores:\n  logs: {type: files, root: /var/log}\npolicies:\n"
       "  - name: x\n    store: logs\n    files: \"*.log\"\n    expire_after: 1y\n"
       "    since: {name_date: \"%Y\"}\n",
       "DIR/r.yaml:8:"},
      {"glob escaping the root",
       "stores:\n  logs: {type: files, root: /var/log}\npolicies:\n"
       "  - name: x\n    store: logs\n    files: \"../etc/*\"\n    expire_after: 1y\n"
       "    since: mtime\n",
       "DIR/r.yaml:6:12: error: "},
      {"zero duration",
       kHeader + kPolicy.substr(0, kPolicy.find("    expire_after")) +
           "    expire_after: 0d\n    since: last_login\n",
       "DIR/r.yaml:8:19: error: "},
  };
  REQUIRE(cases.size() >= 25);
  for (const auto& c : cases) {
    INFO(c.what);
    std::string got = first_error(c.yaml);
    INFO("got: " << got);
    CHECK(got.rfind(c.expected_prefix, 0) == 0);
  }
}

TEST_CASE("SQL fragments are read in their store's dialect and refused at file:line:column",
          "[config]") {
  // The bracket where: (#17) escapes its parentheses on SQLite only.
  const std::string brackets = "    where: \"CAST(1 AS [a'b]) ) OR 1=1 OR ( CAST(1 AS [c'd])\"\n";
  CHECK(first_error(kHeader + kPolicy + brackets) ==
        "DIR/r.yaml:10:12: error: 'where' in policy 'old-users': unbalanced ')' in SQL condition");
  const std::string postgresql =
      "stores:\n  app: {type: postgresql, dsn: \"host=h dbname=d\"}\npolicies:\n";
  CHECK(first_error(postgresql + kPolicy + brackets) == "(no error)");  // a string there
  CHECK(first_error(kHeader + kPolicy + "    hold_where: \"litigation = ?1\"\n") ==
        "DIR/r.yaml:10:17: error: 'hold_where' in policy 'old-users': bind parameters ('?') are "
        "not allowed in a SQL condition; write the value itself");
  CHECK(first_error(kHeader +
                    "  - name: x\n    store: app\n    table: t\n    expire_after: 1y\n"
                    "    since: {related: a, on: \"a.id = t.a_id OR [x\", column: d}\n") ==
        "DIR/r.yaml:9:29: error: 'on' in 'since' of policy 'x': unterminated [ quote in SQL "
        "condition");
  const std::string mysql = "stores:\n  app: {type: mysql, database: d}\npolicies:\n";
  CHECK(first_error(mysql + kPolicy + "    also: [{table: b, on: \"b.t_id = t.id # x\"}]\n") ==
        "DIR/r.yaml:9:27: error: 'on' in 'also' #1 of policy 'old-users': '#' comments are not "
        "allowed in a SQL condition");
  CHECK(first_error(mysql + kPolicy + "    where: \"name = '\\\\' ) OR 1=1 OR ( 1=1 --'\"\n") ==
        "(no error)");  // all in one string for MySQL
  CHECK(
      first_error(postgresql + kPolicy + "    where: \"name = '\\\\' ) OR 1=1 OR ( 1=1 --'\"\n") ==
      "DIR/r.yaml:9:12: error: 'where' in policy 'old-users': unbalanced ')' in SQL condition");
}

TEST_CASE("an unreadable configuration file is an error, not a crash", "[config]") {
  auto result = load_config("/nonexistent/retentiond.yaml", retentiond::connectors::store_specs());
  REQUIRE_FALSE(result.config);
  CHECK(result.diagnostics.errors().front().str().find("/nonexistent/retentiond.yaml") == 0);
}

namespace {

// Every error of loading `text` (as DIR/r.yaml), each with the directory replaced by "DIR".
std::vector<std::string> errors_of(const TempDir& dir, const std::string& text) {
  auto result = load(dir, text);
  std::vector<std::string> out;
  for (const auto& d : result.diagnostics.errors()) {
    std::string s = d.str();
    for (auto at = s.find(dir.path()); at != std::string::npos; at = s.find(dir.path()))
      s.replace(at, dir.path().size(), "DIR");
    out.push_back(s);
  }
  return out;
}

const std::string kSmtp = "smtp: {host: 127.0.0.1, from: dpo@example.org}\n";

}  // namespace

TEST_CASE("issue 17: files that are not small regular files are errors at their line", "[config]") {
  TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo.yaml").c_str(), 0600) == 0);
  dir.write("big.txt", std::string(64 * 1024 + 1, 'x'));
  dir.write("policies.d/big.yaml", "# " + std::string(1024 * 1024, 'x') + "\n");
  const auto notify = [](const std::string& tpl) {
    return "    notify: {before: 30d, email: email, template: " + tpl + "}\n";
  };
  CHECK(errors_of(dir, kSmtp + kHeader + kPolicy + notify("/dev/zero")) ==
        std::vector<std::string>{"DIR/r.yaml:11:51: error: cannot read the notice template "
                                 "'/dev/zero': it is not a regular file (a character device)"});
  CHECK(errors_of(dir, kSmtp + kHeader + kPolicy + notify("fifo.yaml")) ==
        std::vector<std::string>{"DIR/r.yaml:11:51: error: cannot read the notice template "
                                 "'DIR/fifo.yaml': it is not a regular file (a FIFO)"});
  CHECK(errors_of(dir, kSmtp + kHeader + kPolicy + notify("big.txt")) ==
        std::vector<std::string>{"DIR/r.yaml:11:51: error: cannot read the notice template "
                                 "'DIR/big.txt': it is larger than 64 KiB"});
  CHECK(errors_of(dir, kHeader + kPolicy + "include: [fifo.yaml, policies.d/*.yaml]\n") ==
        std::vector<std::string>{
            "DIR/r.yaml:10:11: error: cannot read the included file 'DIR/fifo.yaml': it is not a "
            "regular file (a FIFO)",
            "DIR/r.yaml:10:22: error: cannot read the included file 'DIR/policies.d/big.yaml': it "
            "is larger than 1 MiB"});
  for (const auto& [path, why] : std::vector<std::pair<std::string, std::string>>{
           {"/dev/zero", "it is not a regular file (a character device)"},
           {dir.file("fifo.yaml"), "it is not a regular file (a FIFO)"},
           {dir.path(), "it is not a regular file (a directory)"},
           {dir.file("nowhere.yaml"), "no such file"}}) {
    auto result = load_config(path, retentiond::connectors::store_specs());
    CHECK_FALSE(result.config);
    REQUIRE(result.diagnostics.errors().size() == 1);
    CHECK(result.diagnostics.errors().front().str() ==
          path + ": error: cannot read the configuration file: " + why);
  }
}

TEST_CASE("issue 17: unclear messages are clear", "[config]") {
  TempDir dir;
  // yaml-cpp stops deep nesting with "bad file".
  CHECK(errors_of(dir, "policies: " + std::string(3000, '[') + std::string(3000, ']') + "\n") ==
        std::vector<std::string>{"DIR/r.yaml:1:6011: error: YAML nesting too deep for the "
                                 "parser; a configuration needs only a few levels"});
  CHECK(errors_of(dir, kHeader + kPolicy + "    schedule: every 2147483648m\n") ==
        std::vector<std::string>{"DIR/r.yaml:10:15: error: schedule 'every 2147483648m': interval "
                                 "'2147483648m' is longer than a year"});
  CHECK(errors_of(dir, "smtp: {host: h, port: 99999999999999999999}\n" + kHeader + kPolicy) ==
        std::vector<std::string>{"DIR/r.yaml:1:23: error: 'port' in 'smtp' must be between 1 "
                                 "and 65535"});
  CHECK(errors_of(dir, kHeader + kPolicy + "    max_affected: 9999999999999999\n") ==
        std::vector<std::string>{"DIR/r.yaml:10:19: error: 'max_affected' in policy 'old-users' "
                                 "is out of range: a count has at most 15 digits, not 16"});
}

TEST_CASE("issue 17: control characters from the configuration are escaped in messages",
          "[config]") {
  TempDir dir;
  CHECK(errors_of(dir, kHeader + kPolicy + "    \"\\e[31mwhere\\n\": x\n") ==
        std::vector<std::string>{"DIR/r.yaml:10:5: error: unknown key (11 characters that are "
                                 "not a word; not repeated here, in case the file is not a "
                                 "configuration) in policy 'old-users'"});
  // A line of a secrets file included by mistake is not copied into the message.
  CHECK(errors_of(dir, kHeader + kPolicy + "    root:$6$salt$hash: x\n") ==
        std::vector<std::string>{"DIR/r.yaml:10:5: error: unknown key (17 characters that are "
                                 "not a word; not repeated here, in case the file is not a "
                                 "configuration) in policy 'old-users'"});
  CHECK(errors_of(dir, kHeader + kPolicy + "    retain: x\n").at(0).find("unknown key 'retain'") !=
        std::string::npos);
  CHECK(errors_of(dir, kHeader + "  - name: \"\\e]0;owned\\a\"\n" +
                           kPolicy.substr(kPolicy.find("    store"))) ==
        std::vector<std::string>{"DIR/r.yaml:5:11: error: policy name '\\x1b]0;owned\\x07' must "
                                 "start with a letter or digit and use only letters, digits, '-', "
                                 "'_' and '.'"});
  CHECK(
      errors_of(dir,
                kHeader + "  - name: \"bad\xff\"\n" + kPolicy.substr(kPolicy.find("    store"))) ==
      std::vector<std::string>{"DIR/r.yaml:5:11: error: policy name 'bad\\xff' must start with "
                               "a letter or digit and use only letters, digits, '-', '_' and '.'"});
}

TEST_CASE("issue 22: state in PostgreSQL", "[config]") {
  TempDir dir;
  dir.write("state.pw", "secret");
  auto result = load(dir,
                     "state: {type: postgresql, dsn: \"host=db dbname=r user=r\", "
                     "password_file: state.pw}\n" +
                         kHeader.substr(kHeader.find('\n') + 1) + kPolicy);
  INFO((result.diagnostics.all().empty() ? "" : result.diagnostics.all().front().str()));
  REQUIRE(result.config);
  REQUIRE(result.config->state_store);
  CHECK(result.config->state_path.empty());
  CHECK(result.config->state_store->name == "state");
  CHECK(result.config->state_store->value("dsn") == "host=db dbname=r user=r");
  CHECK(result.config->state_store->path("password_file") == dir.file("state.pw"));

  const std::string rest = kHeader.substr(kHeader.find('\n') + 1) + kPolicy;
  CHECK(first_error("state: {type: mysql, dsn: x}\n" + rest) ==
        "DIR/r.yaml:1:15: error: the 'state' can be a SQLite file (its path) or {type: "
        "postgresql, dsn: ..., password_file: ...}; type 'mysql' is not one");
  CHECK(first_error("state: {type: postgresql}\n" + rest) ==
        "DIR/r.yaml:1:8: error: 'state' has no 'dsn'");
  CHECK(first_error("state: {type: postgresql, dsn: \"password=x\"}\n" + rest) ==
        "DIR/r.yaml:1:32: error: the 'dsn' of 'state' contains a password; use 'password_file' "
        "instead");
  CHECK(first_error("state: {type: postgresql, dsn: \"postgres://r:x@db/r\"}\n" + rest)
            .find("contains a password") != std::string::npos);
  CHECK(first_error("state: {type: postgresql, dsn: x, passwrd_file: y}\n" + rest)
            .find("DIR/r.yaml:1:35: error: unknown key 'passwrd_file'") == 0);
}

TEST_CASE("a dsn holds a password in key=value form, as a URI parameter or in a URI's user part",
          "[config]") {
  using retentiond::policies::dsn_has_password;
  CHECK(dsn_has_password("host=h PASSWORD = x"));
  CHECK(dsn_has_password("postgresql://u@h/d?password=x"));
  CHECK(dsn_has_password("postgresql://u:x@h:5432/d"));
  CHECK(dsn_has_password("POSTGRES://u:x@h"));
  CHECK(dsn_has_password("postgresql://u:p%40ss@h/d"));
  CHECK(dsn_has_password("postgresql://u@h/d?pass%77ord=x"));  // libpq decodes names too
  CHECK(dsn_has_password(" postgresql://u:x@h/d"));            // and skips leading blanks
  CHECK_FALSE(dsn_has_password("postgresql://u@h:5432/d"));
  CHECK_FALSE(dsn_has_password("postgresql://h:5432/d?user=u"));
  CHECK_FALSE(dsn_has_password("postgresql:///d?host=/run/postgresql"));
  CHECK_FALSE(dsn_has_password("host=h user=u dbname=d"));
  CHECK_FALSE(dsn_has_password("postgresql://h/d@x:y"));  // '@' in the path: no user part
}
