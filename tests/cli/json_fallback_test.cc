// `since: [last_login, {fallback: created}]` and the `json_remove` strategy through the real
// binary, the same scenario on SQLite, PostgreSQL and MariaDB: an account that never logged in is
// measured from its creation, one that did is measured from its login whatever its creation; the
// named members leave JSON documents (json, jsonb and text columns), text that is not JSON is left
// as it is, and a second pass touches nothing. --at 2028-03-01T00:00:00Z with 1y: the cut-off is
// 2027-03-01T00:00:00Z.
#include <functional>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";

// A store of one SQL family: its `stores:` entry, its column types, and how to reach it.
struct Family {
  std::string name;
  std::string store_yaml;
  std::string timestamp;  // a date/time column type
  std::string document;   // the type of `profile`, a JSON document
  std::function<void(const std::string&)> exec;
  std::function<std::vector<std::string>(const std::string&)> column;
};

// 1 never logged in, created long ago: expired by its fallback. 2 logged in recently: kept,
// however old its creation. 3 no date at all: kept. 4 logged in long ago: expired, though
// created recently (the login decides when known). 5 never logged in, created exactly at the
// cut-off: kept. 6 never logged in, created one second before: expired.
std::string accounts(const Family& f) {
  return "CREATE TABLE accounts (id integer PRIMARY KEY, email varchar(100), last_login " +
         f.timestamp + " NULL, created " + f.timestamp + " NULL, profile " + f.document +
         " NULL, note varchar(200) NULL);" +
         R"sql(INSERT INTO accounts VALUES
 (1, 'one@example.org', NULL, '2020-01-01 00:00:00',
  '{"email": "one@example.org", "name": "One", "address": {"street": "1 rue Haute", "city": "Lons"}, "lang": "fr"}',
  '{"phone": "0601", "x": 1}'),
 (2, 'two@example.org', '2028-01-01 00:00:00', '2020-01-01 00:00:00',
  '{"email": "two@example.org"}', '{"phone": "0602"}'),
 (3, 'three@example.org', NULL, NULL, '{"email": "three@example.org"}', '{"phone": "0603"}'),
 (4, 'four@example.org', '2020-01-01 00:00:00', '2028-02-01 00:00:00',
  '{"name": "Four", "tags": [1, 2], "address": [{"street": "4 rue Basse"}]}', 'call 0604'),
 (5, 'five@example.org', NULL, '2027-03-01 00:00:00', '{"email": "five@example.org"}', NULL),
 (6, 'six@example.org', NULL, '2027-02-28 23:59:59', NULL, '[1, 2]');
)sql";
}

const char* kPolicy = R"(  - name: accounts
    store: db
    table: accounts
    key: id
    expire_after: 1y
    since: [last_login, {fallback: created}]
    action: anonymise
    anonymise:
      email: null
      profile: {json_remove: [email, name, address.street]}
      note: {json_remove: phone}
    max_affected: 100%
)";

json parsed(const std::string& text) { return text == "NULL" ? json() : json::parse(text); }

void run_scenario(const Family& f, const std::string& password_file_text = "") {
  INFO("store: " << f.name);
  f.exec(accounts(f));
  TempDir dir;
  if (!password_file_text.empty()) dir.write("my.password", password_file_text + "\n");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  db: " + f.store_yaml + "\npolicies:\n" + kPolicy);
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  REQUIRE(check.exit_code == 0);

  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt}, dir.path());
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  CHECK(plan.out.find("whose last_login (or created when it is unknown) is before") !=
        std::string::npos);

  auto enforce =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(enforce.out << enforce.err);
  REQUIRE(enforce.exit_code == 0);
  CHECK(policy_in(json::parse(enforce.out), "accounts").at("affected") == 3);

  CHECK(f.column("SELECT email FROM accounts ORDER BY id") ==
        std::vector<std::string>{"NULL", "two@example.org", "three@example.org", "NULL",
                                 "five@example.org", "NULL"});
  const auto profiles = f.column("SELECT profile FROM accounts ORDER BY id");
  REQUIRE(profiles.size() == 6);
  CHECK(parsed(profiles[0]) == json::parse(R"({"address": {"city": "Lons"}, "lang": "fr"})"));
  CHECK(parsed(profiles[1]) == json::parse(R"({"email": "two@example.org"})"));
  // A path through an array reaches nothing: the array stays.
  CHECK(parsed(profiles[3]) ==
        json::parse(R"({"tags": [1, 2], "address": [{"street": "4 rue Basse"}]})"));
  CHECK(profiles[5] == "NULL");
  const auto notes = f.column("SELECT note FROM accounts ORDER BY id");
  REQUIRE(notes.size() == 6);
  CHECK(parsed(notes[0]) == json::parse(R"({"x": 1})"));
  CHECK(parsed(notes[1]) == json::parse(R"({"phone": "0602"})"));
  CHECK(notes[3] == "call 0604");  // not JSON: left as it is
  CHECK(parsed(notes[5]) == json::parse("[1, 2]"));

  // Every expired row now holds its targets: the next pass selects none.
  auto again =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  const json second = policy_in(json::parse(again.out), "accounts");
  CHECK(second.at("matched") == 0);
  CHECK(second.at("affected") == 0);
}

}  // namespace

TEST_CASE("fallback dates and json_remove on sqlite", "[cli][anonymise][sqlite]") {
  TempDir data;
  const std::string path = data.file("app.db");
  run_scenario({"sqlite", "{type: sqlite, path: " + path + "}", "text", "text",
                [&](const std::string& sql) { sqlite_exec(path, sql); },
                [&](const std::string& sql) { return sqlite_column(path, sql); }});
}

TEST_CASE("fallback dates and json_remove on postgresql (jsonb, json, text)",
          "[cli][anonymise][postgresql]") {
  for (const char* document : {"jsonb", "json", "text"}) {
    PgDatabase db;
    run_scenario({std::string("postgresql, profile ") + document,
                  "{type: postgresql, dsn: \"" + db.dsn() + "\"}", "timestamp", document,
                  [&](const std::string& sql) { db.exec(sql); },
                  [&](const std::string& sql) { return db.column(sql); }});
  }
}

TEST_CASE("fallback dates and json_remove on mariadb (json, longtext)", "[cli][anonymise][mysql]") {
  for (const char* document : {"json", "longtext"}) {
    MysqlDatabase db;
    run_scenario({std::string("mysql, profile ") + document, db.store_yaml("my.password"),
                  "datetime", document, [&](const std::string& sql) { db.exec(sql); },
                  [&](const std::string& sql) { return db.column(sql); }},
                 MysqlDatabase::password());
  }
}
