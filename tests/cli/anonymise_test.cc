// action: anonymise and `also:` through the real binary, the same scenario on SQLite, PostgreSQL
// and MariaDB: every strategy writes exactly its target value (the stores compute hashes in SQL;
// they are recomputed here with lib/crypto's HMAC, checked against RFC 4231), boundary and undated
// rows are untouched, related rows go (or are anonymised) in the same batch, other tables are
// intact, and a second pass touches nothing. The clock is pinned with --at 2028-03-01T00:00:00Z;
// with 1y the cut-off is 2027-03-01T00:00:00Z.
#include <functional>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lib/crypto/hmac.h"
#include "support/config_text.h"
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

using retentiond::lib::hmac_sha256_hex;

// One store under test: how to create tables, run SQL and read a column back.
struct Backend {
  std::string name;
  std::string store_yaml;  // the `pg: {...}` entry's value
  std::function<void(const std::string&)> exec;
  std::function<std::vector<std::string>(const std::string&)> column;
  std::string timestamp_type;  // for `seen`
  std::string password;        // written to my.password when set
};

// People: 1 expired long ago, 2 expired one second before the cut-off, 3 exactly at the cut-off
// (kept), 4 never seen (kept), 5 recent (kept). Follows and subscriptions of 1 and 2 go with
// them; their comments stay.
std::string schema(const Backend& b) {
  return filled(R"sql(
    CREATE TABLE people (id integer PRIMARY KEY, email varchar(100) UNIQUE, name varchar(100),
      phone varchar(20), birth date, secret varchar(100), seen $timestamp NULL, status varchar(20));
    CREATE TABLE follows (id integer PRIMARY KEY, person_id integer NOT NULL REFERENCES people (id));
    CREATE TABLE subscriptions (id integer PRIMARY KEY, person_id integer NOT NULL,
      address varchar(100), token varchar(100));
    CREATE TABLE comments (id integer PRIMARY KEY, person_id integer NOT NULL REFERENCES people (id),
      body varchar(100));
    INSERT INTO people VALUES
      (1, 'one@example.org', 'One', '0601', '1980-05-17', 's1', '2020-01-01 10:00:00', 'active'),
      (2, 'two@example.org', 'Two', NULL, '1991-12-31', 's2', '2027-02-28 23:59:59', 'active'),
      (3, 'three@example.org', 'Three', '0603', '1975-03-03', 's3', '2027-03-01 00:00:00', 'active'),
      (4, 'four@example.org', 'Four', '0604', '1999-09-09', 's4', NULL, 'active'),
      (5, 'five@example.org', 'Five', '0605', '2001-01-01', 's5', '2028-02-01 00:00:00', 'active');
    INSERT INTO follows VALUES (1, 1), (2, 1), (3, 2), (4, 3), (5, 5);
    INSERT INTO subscriptions VALUES (1, 1, 'one@example.org', 't1'), (2, 2, 'two@example.org', 't2'),
      (3, 5, 'five@example.org', 't5');
    INSERT INTO comments VALUES (1, 1, 'first'), (2, 2, 'second'), (3, 5, 'fifth');
  )sql",
                {{"timestamp", b.timestamp_type}});
}

// What both policies do to people: the strategies that leave recognisable values, so that a
// second pass can tell anonymised rows apart without a `where`.
const std::string kRecognisableAnonymisation = R"(    store: db
    table: people
    expire_after: 1y
    since: seen
    action: anonymise
    anonymise:
      email: {unique_placeholder: "deleted-{hash}@invalid"}
      name: {template: "Person {key}"}
      phone: null
      birth: {generalise: year}
)";

const std::string kPolicy =
    "  - name: departed\n"
    "    description: People unseen for a year are anonymised\n" +
    kRecognisableAnonymisation + R"(      secret: {hmac: {key_file: secret.key}}
      status: {value: anonymised}
    where: "status <> 'anonymised'"
    also:
      - {table: follows, on: "follows.person_id = people.id", action: delete}
      - table: subscriptions
        on: "subscriptions.person_id = people.id"
        action: anonymise
        anonymise: {address: null, token: {value: revoked}}
    max_affected: 100%
)";

void run_scenario(const Backend& b) {
  INFO("store: " << b.name);
  b.exec(schema(b));
  TempDir dir;
  dir.write("secret.key", "file-key-0123\n");
  if (!b.password.empty()) dir.write("my.password", b.password + "\n");
  std::string config = dir.write("r.yaml", one_store_config("db", b.store_yaml, kPolicy));
  run_retentiond_ok({"check", "-c", config}, dir.path());

  auto p = policy_in(json_report("plan", config, kAt, dir.path()), "departed");
  CHECK(p.at("matched") == 2);
  CHECK(p.at("action") == "anonymise");
  CHECK(p.at("statements").size() == 4);  // batch, two also rules, the UPDATE
  CHECK(b.column("SELECT name FROM people ORDER BY id") ==
        std::vector<std::string>{"One", "Two", "Three", "Four", "Five"});

  CHECK(policy_in(json_report("enforce", config, kAt, dir.path()), "departed").at("affected") == 2);

  const std::string key =
      sqlite_column(dir.file("state.db"), "SELECT value FROM secrets WHERE name = 'anonymisation'")
          .at(0);
  REQUIRE(key.size() == 64);
  CHECK(b.column("SELECT email FROM people ORDER BY id") ==
        std::vector<std::string>{"deleted-" + hmac_sha256_hex(key, "1").substr(0, 16) + "@invalid",
                                 "deleted-" + hmac_sha256_hex(key, "2").substr(0, 16) + "@invalid",
                                 "three@example.org", "four@example.org", "five@example.org"});
  CHECK(b.column("SELECT name FROM people ORDER BY id") ==
        std::vector<std::string>{"Person 1", "Person 2", "Three", "Four", "Five"});
  CHECK(b.column("SELECT phone FROM people ORDER BY id") ==
        std::vector<std::string>{"NULL", "NULL", "0603", "0604", "0605"});
  CHECK(b.column("SELECT birth FROM people ORDER BY id") ==
        std::vector<std::string>{"1980-01-01", "1991-01-01", "1975-03-03", "1999-09-09",
                                 "2001-01-01"});
  CHECK(b.column("SELECT secret FROM people ORDER BY id") ==
        std::vector<std::string>{hmac_sha256_hex("file-key-0123", "s1"),
                                 hmac_sha256_hex("file-key-0123", "s2"), "s3", "s4", "s5"});
  CHECK(b.column("SELECT status FROM people ORDER BY id") ==
        std::vector<std::string>{"anonymised", "anonymised", "active", "active", "active"});
  CHECK(b.column("SELECT id FROM follows ORDER BY id") == std::vector<std::string>{"4", "5"});
  CHECK(b.column("SELECT address FROM subscriptions ORDER BY id") ==
        std::vector<std::string>{"NULL", "NULL", "five@example.org"});
  CHECK(b.column("SELECT token FROM subscriptions ORDER BY id") ==
        std::vector<std::string>{"revoked", "revoked", "t5"});
  CHECK(b.column("SELECT body FROM comments ORDER BY id") ==
        std::vector<std::string>{"first", "second", "fifth"});
  CHECK(b.column("SELECT person_id FROM comments ORDER BY id") ==
        std::vector<std::string>{"1", "2", "5"});

  // A second pass touches nothing.
  auto second = policy_in(json_report("enforce", config, kAt, dir.path()), "departed");
  CHECK(second.at("matched") == 0);
  CHECK(second.at("affected") == 0);
  CHECK(b.column("SELECT secret FROM people WHERE id = 1") ==
        std::vector<std::string>{hmac_sha256_hex("file-key-0123", "s1")});

  // Without a `where`, strategies that leave recognisable values tell anonymised rows apart by
  // themselves: the same anonymisation (hmac and status aside) finds nothing left to do.
  std::string decidable = dir.write(
      "d.yaml", one_store_config("db", b.store_yaml,
                                 "  - name: departed-again\n" + kRecognisableAnonymisation +
                                     "    max_affected: 100%\n"));
  auto decided = policy_in(json_report("enforce", decidable, kAt, dir.path()), "departed-again");
  CHECK(decided.at("matched") == 0);
  CHECK(decided.at("affected") == 0);
  // A year later, person 3 expires too, and only person 3 is anonymised.
  auto later = json_report("enforce", decidable, "2028-03-01T00:00:01Z", dir.path());
  CHECK(policy_in(later, "departed-again").at("affected") == 1);
  CHECK(b.column("SELECT name FROM people ORDER BY id") ==
        std::vector<std::string>{"Person 1", "Person 2", "Person 3", "Four", "Five"});

  // The audit trail holds counts, never values.
  auto history = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  CHECK(history.out.find("one@example.org") == std::string::npos);
  CHECK(history.out.find("\"anonymise\"") != std::string::npos);
}

}  // namespace

TEST_CASE("anonymise on sqlite: exact values, related rows, second pass 0",
          "[cli][anonymise][sqlite]") {
  TempDir data;
  const std::string path = data.file("app.db");
  sqlite_exec(path, "PRAGMA foreign_keys = ON;");
  Backend b{"sqlite",
            "{type: sqlite, path: " + path + "}",
            [&](const std::string& sql) { sqlite_exec(path, sql); },
            [&](const std::string& sql) { return sqlite_column(path, sql); },
            "text",
            ""};
  run_scenario(b);
}

TEST_CASE("anonymise on postgresql: exact values, related rows, second pass 0",
          "[cli][anonymise][postgresql]") {
  PgDatabase db;
  Backend b{"postgresql",
            "{type: postgresql, dsn: \"" + db.dsn() + "\"}",
            [&](const std::string& sql) { db.exec(sql); },
            [&](const std::string& sql) { return db.column(sql); },
            "timestamp",
            ""};
  run_scenario(b);
}

TEST_CASE("anonymise on mariadb: exact values, related rows, second pass 0",
          "[cli][anonymise][mysql]") {
  MysqlDatabase db;
  Backend b{"mysql",
            db.store_yaml("my.password"),
            [&](const std::string& sql) { db.exec(sql); },
            [&](const std::string& sql) { return db.column(sql); },
            "datetime",
            MysqlDatabase::password()};
  run_scenario(b);
}

TEST_CASE("check warns when a second pass could not tell anonymised rows apart",
          "[cli][anonymise]") {
  TempDir dir;
  auto config = [&](const std::string& where, const std::string& strategy) {
    return dir.write(
        "r.yaml",
        "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\npolicies:\n"
        "  - name: p\n    store: db\n    table: people\n    expire_after: 1y\n    since: seen\n" +
            where + "    action: anonymise\n    anonymise: {email: " + strategy +
            ", name: null}\n");
  };
  auto undecidable =
      run_retentiond({"check", "--offline", "-c", config("", "{hash: 12}")}, dir.path());
  CHECK(undecidable.exit_code == 0);
  CHECK(undecidable.err.find("warning: retentiond cannot tell an anonymised row") !=
        std::string::npos);
  auto with_where = run_retentiond(
      {"check", "--offline", "-c", config("    where: \"name IS NOT NULL\"\n", "{hash: 12}")},
      dir.path());
  CHECK(with_where.err.find("cannot tell") == std::string::npos);
  auto decidable =
      run_retentiond({"check", "--offline", "-c", config("", "{value: x}")}, dir.path());
  CHECK(decidable.err.find("cannot tell") == std::string::npos);
  auto also_key = run_retentiond(
      {"check", "--offline", "-c",
       dir.write("a.yaml",
                 "state: s.db\nstores:\n  db: {type: sqlite, path: app.db}\npolicies:\n"
                 "  - {name: p, store: db, table: t, expire_after: 1y, since: seen, also: [{table: "
                 "u, on: \"u.t = t.id\","
                 " action: anonymise, anonymise: {x: {template: \"T {key}\"}}}]}\n")},
      dir.path());
  CHECK(also_key.exit_code == 1);
  CHECK(also_key.err.find("{key} and {hash} are not available") != std::string::npos);
}

TEST_CASE("check refuses anonymising the key the batches find the rows by", "[cli][anonymise]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, seen TEXT);"
              "CREATE TABLE mails (address TEXT PRIMARY KEY, seen TEXT);");
  const std::string config = dir.write(
      "r.yaml",
      "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\npolicies:\n"
      "  - {name: p, store: db, table: people, expire_after: 1y, since: seen, action: anonymise,\n"
      "     anonymise: {id: null, email: null}}\n"
      "  - {name: m, store: db, table: mails, expire_after: 1y, since: seen, action: anonymise,\n"
      "     anonymise: {address: {hash: 12}}}\n");
  auto r = run_retentiond({"check", "-c", config}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("error: column 'id' is the key of table 'people', by which batches find the "
                   "rows and holds name them: it cannot be anonymised") != std::string::npos);
  CHECK(r.err.find("column 'address' is the key of table 'mails'") != std::string::npos);
  CHECK(r.err.find("'email'") == std::string::npos);
}

TEST_CASE("check reads each hmac key file a pass would read, --offline too", "[cli][anonymise]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE people (id INTEGER PRIMARY KEY, nick TEXT, "
              "seen TEXT); CREATE TABLE notes (pid INTEGER, who TEXT);");
  dir.write("empty.key", "\n");
  dir.write("good.key", "a secret\n");
  const std::string config = dir.write(
      "r.yaml",
      "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\npolicies:\n"
      "  - name: p\n    store: db\n    table: people\n    expire_after: 1y\n    since: seen\n"
      "    action: anonymise\n    anonymise:\n      nick: {hmac: {key_file: missing.key}}\n"
      "    also:\n      - table: notes\n        on: notes.pid = people.id\n"
      "        action: anonymise\n        anonymise: {who: {hmac: {key_file: empty.key}}}\n"
      "  - name: q\n    store: db\n    table: people\n    expire_after: 2y\n    since: seen\n"
      "    action: anonymise\n    anonymise: {nick: {hmac: {key_file: good.key}}}\n");
  for (const bool offline : {false, true}) {
    std::vector<std::string> args{"check", "-c", config};
    if (offline) args.push_back("--offline");
    auto r = run_retentiond(args, dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(config + ":12:20: error: cannot read the hmac key file '" +
                     dir.file("missing.key") + "': ") != std::string::npos);
    CHECK(r.err.find(config + ":17:33: error: the hmac key file '" + dir.file("empty.key") +
                     "' is empty") != std::string::npos);
    CHECK(r.err.find("good.key") == std::string::npos);
  }
}
