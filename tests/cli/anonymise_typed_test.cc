// Anonymised values of other types than text (a boolean, a decimal, a double, a date-time given
// as text) are recognised by the next pass on every SQL store: not counted again as matched, not
// re-selected for ever (MariaDB compared their texts: 'false' is not '0'). And a MariaDB error
// quoting a record's values (a duplicate key) reaches the log and the report without them.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/sql_store.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

struct Types {
  std::string boolean, decimal, real, timestamp;
};

void typed_values_scenario(const TempDir& dir, const SqlStore& store, const Types& t) {
  store.db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b " + t.boolean + ", num " + t.decimal +
                ", fl " + t.real + ", ts " + t.timestamp + ", seen " + t.timestamp + ")");
  store.db.exec(
      "INSERT INTO t VALUES (1, true, 12.50, 3.25, '2019-05-05 10:00:00', '2020-01-01 "
      "00:00:00'), (2, true, 7.00, 1.5, '2019-06-06 11:00:00', '2020-02-01 00:00:00'), (3, true, "
      "1.00, 2.5, '2027-06-06 11:00:00', '2027-12-01 00:00:00')");
  const std::string config = store.write("  - name: a\n    store: " + store.name + R"(
    table: t
    expire_after: 1y
    since: seen
    action: anonymise
    anonymise:
      b: {value: false}
      num: {value: "0"}
      fl: {value: "0.10"}
      ts: {value: "2000-01-01"}
    max_affected: 100%
)");
  auto enforce = [&](const std::string& at) {
    auto r = run_retentiond({"enforce", "-c", config, "--at", at, "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return policy_in(json::parse(r.out), "a");
  };
  auto first = enforce("2028-03-01T00:00:00Z");
  CHECK(first.at("matched") == 2);
  CHECK(first.at("affected") == 2);
  auto second = enforce("2028-03-02T00:00:00Z");
  CHECK(second.at("matched") == 0);
  CHECK(second.at("affected") == 0);
  auto status = run_retentiond(
      {"status", "-c", config, "--at", "2028-03-02T00:00:00Z", "--format", "json"}, dir.path());
  INFO(status.out << status.err);
  CHECK(json::parse(status.out).at("policies").at(0).at("overdue") == 0);
  CHECK(store.db.integer("SELECT count(*) FROM t WHERE num = 0") == 2);
}

}  // namespace

TEST_CASE("anonymised booleans, numbers and dates are recognised by the next pass (SQLite)",
          "[cli][anonymise][sqlite]") {
  TempDir dir;
  typed_values_scenario(dir, sqlite_store(dir), {"BOOLEAN", "NUMERIC", "REAL", "TEXT"});
}

TEST_CASE("anonymised booleans, numbers and dates are recognised by the next pass (PostgreSQL)",
          "[cli][anonymise][postgresql]") {
  PgDatabase pg;
  TempDir dir;
  typed_values_scenario(dir, postgresql_store(dir, pg),
                        {"boolean", "numeric(8,2)", "double precision", "timestamp"});
}

TEST_CASE("anonymised booleans, numbers and dates are recognised by the next pass (MariaDB)",
          "[cli][anonymise][mysql]") {
  MysqlDatabase my;
  TempDir dir;
  typed_values_scenario(dir, mysql_store(dir, my),
                        {"boolean", "decimal(8,2)", "double", "datetime"});
}

TEST_CASE("a MariaDB error quoting a record's values is logged and reported without them",
          "[cli][anonymise][mysql][privacy]") {
  MysqlDatabase my;
  TempDir dir;
  const SqlStore store = mysql_store(dir, my);
  store.db.exec(
      "CREATE TABLE c (id INTEGER PRIMARY KEY, name VARCHAR(50), code VARCHAR(10), seen DATETIME,"
      " UNIQUE KEY uq (name, code));"
      "INSERT INTO c VALUES (1, 'Jean O''Dupont', 'a', '2020-01-01'), (2, 'Jean O''Dupont', 'b', "
      "'2020-01-01');");
  const std::string config = store.write("  - name: c\n    store: " + store.name + R"(
    table: c
    expire_after: 1y
    since: seen
    action: anonymise
    anonymise: {code: {value: ""}}
    max_affected: 100%
)");
  auto r = run_retentiond(
      {"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z", "--format", "json"}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("Duplicate entry '…' for key 'uq'") != std::string::npos);
  CHECK(r.out.find("Duplicate entry '…' for key 'uq'") != std::string::npos);
  for (const std::string& text : {r.out, r.err}) {
    CHECK(text.find("Dupont") == std::string::npos);
    CHECK(text.find("Jean") == std::string::npos);
  }
  CHECK(store.db.integer("SELECT count(*) FROM c WHERE code = ''") == 0);  // rolled back
}

TEST_CASE("a MariaDB column that cannot store the anonymised value as given fails the batch",
          "[cli][anonymise][mysql]") {
  MysqlDatabase my;
  TempDir dir;
  const SqlStore store = mysql_store(dir, my);
  store.db.exec(
      "CREATE TABLE u (id INTEGER PRIMARY KEY, v VARCHAR(3), d DECIMAL(5,2), seen DATETIME);"
      "INSERT INTO u VALUES (1, 'abc', 1.50, '2020-01-01'), (2, 'xyz', 2.50, '2020-01-01');"
      "CREATE TABLE l (id INTEGER PRIMARY KEY, user_id INTEGER, n INTEGER);"
      "INSERT INTO l VALUES (1, 1, 7), (2, 2, 8);");
  auto enforce = [&](const std::string& anonymise, const std::string& also) {
    const std::string config = store.write("  - name: u\n    store: " + store.name + R"(
    table: u
    expire_after: 1y
    since: seen
    action: anonymise
    anonymise: )" + anonymise + "\n" + also +
                                           "    max_affected: 100%\n");
    auto r = run_retentiond(
        {"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z", "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("the batch was rolled back") != std::string::npos);
    return r.err;
  };
  SECTION("too long for a VARCHAR: truncated, and 'abc' would have stayed") {
    auto err = enforce("{v: {value: \"abcdef\"}, d: {value: \"0\"}}", "");
    CHECK(err.find("could not store the anonymised value of column 'v' of table 'u'") !=
          std::string::npos);
  }
  SECTION("rounded by a DECIMAL") {
    auto err = enforce("{v: {value: \"-\"}, d: {value: \"1.234\"}}", "");
    CHECK(err.find("column 'd' of table 'u'") != std::string::npos);
  }
  SECTION("true in a BOOLEAN: MariaDB reads the text 'true' as 0") {
    store.db.exec("ALTER TABLE u ADD COLUMN ok BOOLEAN DEFAULT false");
    auto err = enforce("{v: {value: \"-\"}, ok: {value: true}}", "");
    CHECK(err.find("column 'ok' of table 'u'") != std::string::npos);
    CHECK(err.find("1 for true in a BOOLEAN") != std::string::npos);
  }
  SECTION("null in a NOT NULL column: MariaDB would store ''") {
    store.db.exec("ALTER TABLE u ADD COLUMN nn VARCHAR(20) NOT NULL DEFAULT 'kept'");
    auto err = enforce("{v: {value: \"-\"}, nn: null}", "");
    CHECK(err.find("column 'nn' of table 'u'") != std::string::npos);
  }
  SECTION("no text fits a BIT") {
    store.db.exec("ALTER TABLE u ADD COLUMN bit1 BIT(1) DEFAULT 1");
    auto err = enforce("{v: {value: \"-\"}, bit1: {value: false}}", "");
    CHECK(err.find("column 'bit1' of table 'u'") != std::string::npos);
  }
  SECTION("no number, in an also: table") {
    auto err = enforce("{v: {value: \"-\"}}",
                       "    also:\n      - table: l\n        on: l.user_id = u.id\n"
                       "        action: anonymise\n        anonymise: {n: {value: \"n/a\"}}\n");
    CHECK(err.find("column 'n' of table 'l'") != std::string::npos);
    CHECK(store.db.integer("SELECT count(*) FROM l WHERE n IN (7, 8)") == 2);
  }
  // Rolled back: every record keeps its values, whatever the other columns were given.
  CHECK(store.db.integer("SELECT count(*) FROM u WHERE v IN ('abc', 'xyz') AND d IN (1.5, 2.5)") ==
        2);
}

TEST_CASE("MariaDB rows an UPDATE matches without changing them are said once",
          "[cli][anonymise][mysql]") {
  MysqlDatabase my;
  TempDir dir;
  const SqlStore store = mysql_store(dir, my);
  store.db.exec(
      "CREATE TABLE u (id INTEGER PRIMARY KEY, at DATETIME, seen DATETIME);"
      "INSERT INTO u VALUES (1, '2019-05-05 10:00:00', '2020-01-01'), (2, '2019-06-06', "
      "'2020-01-01');");
  // DATETIME keeps no fraction: it rounds without a warning, and reads 00:00:01 next pass.
  const std::string config = store.write("  - name: u\n    store: " + store.name + R"(
    table: u
    expire_after: 1y
    since: seen
    action: anonymise
    anonymise: {at: {value: "2000-01-01 00:00:00.6"}}
    max_affected: 100%
)");
  auto enforce = [&](const std::string& at) {
    auto r = run_retentiond({"enforce", "-c", config, "--at", at, "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  };
  auto first = enforce("2028-03-01T00:00:00Z");
  CHECK(policy_in(json::parse(first.out), "u").at("affected") == 2);
  CHECK(first.err.find("already held the anonymised values") == std::string::npos);
  auto second = enforce("2028-03-02T00:00:00Z");
  CHECK(policy_in(json::parse(second.out), "u").at("affected") == 0);
  CHECK(second.err.find("policy 'u': 2 rows matched by one batch already held the anonymised") !=
        std::string::npos);
}

namespace {

// A member written twice in one JSON object (valid JSON): json_remove takes both occurrences, on
// the policy's table and in an also: table (whose rows no later pass selects again).
void duplicate_members_scenario(const TempDir& dir, const SqlStore& store,
                                const std::string& text) {
  store.db.exec("CREATE TABLE u (id INTEGER PRIMARY KEY, data " + text +
                ", seen DATE); CREATE TABLE logs (id INTEGER PRIMARY KEY, user_id INTEGER, "
                "payload " +
                text + ");");
  store.db.exec(
      "INSERT INTO u VALUES (1, '{\"email\": \"a@x.org\", \"email\": \"b@x.org\", \"n\": 1}', "
      "'2020-01-01');"
      "INSERT INTO logs VALUES (1, 1, '{\"user\": \"Ulla\", \"user\": \"Ulla again\", \"k\": "
      "2}');");
  const std::string config = store.write("  - name: u\n    store: " + store.name + R"(
    table: u
    expire_after: 1y
    since: seen
    action: anonymise
    anonymise: {data: {json_remove: [email]}}
    also:
      - {table: logs, on: logs.user_id = u.id, action: anonymise, anonymise: {payload: {json_remove: [user]}}}
    max_affected: 100%
)");
  auto r = run_retentiond({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto data = store.db.column("SELECT data FROM u");
  const auto payload = store.db.column("SELECT payload FROM logs");
  REQUIRE(data.size() == 1);
  REQUIRE(payload.size() == 1);
  CHECK(data[0].find("x.org") == std::string::npos);
  CHECK(data[0].find("\"n\"") != std::string::npos);
  CHECK(payload[0].find("Ulla") == std::string::npos);
  CHECK(payload[0].find("\"k\"") != std::string::npos);
}

}  // namespace

TEST_CASE("json_remove takes a member written twice (SQLite)", "[cli][anonymise][sqlite]") {
  TempDir dir;
  duplicate_members_scenario(dir, sqlite_store(dir), "TEXT");
}

TEST_CASE("json_remove takes a member written twice (MariaDB)", "[cli][anonymise][mysql]") {
  MysqlDatabase my;
  TempDir dir;
  duplicate_members_scenario(dir, mysql_store(dir, my), "LONGTEXT");
}

TEST_CASE("json_remove takes a member written twice (PostgreSQL)", "[cli][anonymise][postgresql]") {
  PgDatabase pg;
  TempDir dir;
  duplicate_members_scenario(dir, postgresql_store(dir, pg), "text");
}

TEST_CASE("a MariaDB value not stored as given is seen behind more warnings than MariaDB lists",
          "[cli][anonymise][mysql]") {
  MysqlDatabase my;
  TempDir dir;
  const SqlStore store = mysql_store(dir, my);
  // Rows 1 to N have a date the policy cannot read (31 February): each warns as the UPDATE's
  // WHERE reads it, before row N + 1, whose value is too long for its column.
  auto enforce = [&](int unreadable) {
    store.db.exec("DROP TABLE IF EXISTS w");
    store.db.exec("CREATE TABLE w (id INTEGER PRIMARY KEY, v VARCHAR(3), seen VARCHAR(30))");
    store.db.exec("INSERT INTO w SELECT seq, 'abc', '2020-02-31' FROM seq_1_to_" +
                  std::to_string(unreadable));
    store.db.exec("INSERT INTO w VALUES (" + std::to_string(unreadable + 1) +
                  ", 'xyz', '2020-01-01')");
    const std::string config = store.write("  - name: w\n    store: " + store.name + R"(
    table: w
    expire_after: 1y
    since: seen
    action: anonymise
    anonymise: {v: {value: "abcdef"}}
    max_affected: 100%
)");
    auto r = run_retentiond({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(store.db.integer("SELECT count(*) FROM w WHERE v = 'xyz'") == 1);  // rolled back
    return r.err;
  };
  SECTION("more than MariaDB's default 64") {
    CHECK(enforce(100).find("could not store the anonymised value of column 'v' of table 'w'") !=
          std::string::npos);
  }
  SECTION("more than any session lists") {
    CHECK(enforce(70000).find("the UPDATE on table 'w' left more warnings than the server lists "
                              "(max_error_count, 65535)") != std::string::npos);
  }
}

TEST_CASE("a trigger's own error quoting a record is logged and reported without it",
          "[cli][anonymise][postgresql][mysql][privacy]") {
  // The application's trigger refuses the change with a message of its own that quotes the row
  // (RAISE EXCEPTION on PostgreSQL, SIGNAL on MariaDB), under an error code of its choosing (a
  // check violation's, an error number of its own): the pass fails, naming the store and what
  // refused it, and the address appears nowhere.
  TempDir dir;
  PgDatabase pg;
  MysqlDatabase my;
  const SqlStore pg_store = postgresql_store(dir, pg);
  const SqlStore my_store = mysql_store(dir, my);
  pg.exec(
      "CREATE TABLE u (id integer PRIMARY KEY, email text, seen timestamp);"
      "INSERT INTO u VALUES (1, 'jane.trigger@example.org', '2020-01-01');"
      "CREATE FUNCTION keep_u() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
      "'cannot change %', old.email USING ERRCODE = '23514'; END $$;"
      "CREATE TRIGGER keep_u BEFORE UPDATE ON u FOR EACH ROW EXECUTE FUNCTION keep_u();");
  my.exec(
      "CREATE TABLE u (id INTEGER PRIMARY KEY, email VARCHAR(100), seen DATETIME);"
      "INSERT INTO u VALUES (1, 'jane.trigger@example.org', '2020-01-01');"
      "CREATE TRIGGER keep_u BEFORE UPDATE ON u FOR EACH ROW SIGNAL SQLSTATE '45000' SET "
      "MYSQL_ERRNO = 30001, MESSAGE_TEXT = 'refusing jane.trigger@example.org';");
  for (const SqlStore* store : {&pg_store, &my_store}) {
    INFO(store->name);
    const std::string config = store->write("  - name: u\n    store: " + store->name + R"(
    table: u
    expire_after: 1y
    since: seen
    action: anonymise
    anonymise: {email: null}
    max_affected: 100%
)");
    auto r = run_retentiond(
        {"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z", "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("store '" + store->name + "'") != std::string::npos);
    CHECK(r.err.find("its message is withheld from logs and reports") != std::string::npos);
    for (const std::string& text : {r.out, r.err}) CHECK(text.find("jane") == std::string::npos);
    auto h = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
    CHECK(h.out.find("jane") == std::string::npos);
  }
}

TEST_CASE("postgresql: an anonymised value its column rounds, cuts or cannot hold is refused",
          "[cli][anonymise][postgresql]") {
  // 1.234 in a numeric(6,2) is stored as 1.23 and never reads back as anonymised: every pass
  // would change and count the record again. check names each such value at its line, and a
  // pass refuses before it changes anything; the values as the columns store them work.
  PgDatabase pg;
  TempDir dir;
  const SqlStore store = postgresql_store(dir, pg);
  pg.exec(
      "CREATE TYPE mood AS ENUM ('ok', 'sad');"
      "CREATE TABLE r (id integer PRIMARY KEY, amt numeric(6,2), t timestamp(0), label "
      "varchar(8), n integer, m mood, seen timestamp);"
      "INSERT INTO r VALUES (1, 5, '2019-01-01', 'x', 1, 'ok', '2020-01-01'),"
      " (2, 5, '2019-01-01', 'x', 1, 'ok', '2027-06-01');");
  auto config_with = [&](const std::string& values) {
    return store.write("  - name: r\n    store: " + store.name +
                       "\n    table: r\n    expire_after: 1y\n    since: seen\n"
                       "    action: anonymise\n    max_affected: 100%\n    anonymise:\n" +
                       values);
  };
  const std::string wrong = config_with(
      "      amt: {value: \"1.234\"}\n"
      "      t: {value: \"2000-01-01 00:00:00.7\"}\n"
      "      label: {value: \"Deleted participant\"}\n"
      "      n: {value: \"abc\"}\n"
      "      m: {value: \"gone\"}\n");
  auto check = run_retentiond({"check", "-c", wrong}, dir.path());
  INFO(check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("column 'amt' of table 'r' (numeric(6,2)) stores the anonymised value "
                       "'1.234' as '1.23'") != std::string::npos);
  CHECK(check.err.find("column 't' of table 'r' (timestamp(0) without time zone) stores the "
                       "anonymised value '2000-01-01 00:00:00.7' as '2000-01-01 00:00:01'") !=
        std::string::npos);
  CHECK(check.err.find("column 'label' of table 'r' (character varying(8)) stores the "
                       "anonymised value 'Deleted participant' as 'Deleted '") !=
        std::string::npos);
  CHECK(check.err.find("column 'n' of table 'r' (integer) cannot hold the anonymised value") !=
        std::string::npos);
  CHECK(check.err.find("column 'm' of table 'r' (mood) cannot hold the anonymised value") !=
        std::string::npos);
  auto refused =
      run_retentiond({"enforce", "-c", wrong, "--at", "2028-03-01T00:00:00Z"}, dir.path());
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("stores the anonymised value '1.234' as '1.23'") != std::string::npos);
  CHECK(pg.integer("SELECT count(*) FROM r WHERE amt = 5") == 2);  // nothing changed

  const std::string right = config_with(
      "      amt: {value: \"1.5\"}\n"
      "      t: {value: \"2000-01-01\"}\n"
      "      label: {value: \"Deleted\"}\n"
      "      n: {value: \"0\"}\n"
      "      m: {value: \"sad\"}\n");
  run_retentiond_ok({"check", "-c", right}, dir.path());
  auto first = run_retentiond_ok(
      {"enforce", "-c", right, "--at", "2028-03-01T00:00:00Z", "--format", "json"}, dir.path());
  CHECK(policy_in(json::parse(first.out), "r").at("affected") == 1);
  auto second = run_retentiond_ok(
      {"enforce", "-c", right, "--at", "2028-03-02T00:00:00Z", "--format", "json"}, dir.path());
  CHECK(policy_in(json::parse(second.out), "r").at("matched") == 0);
}
