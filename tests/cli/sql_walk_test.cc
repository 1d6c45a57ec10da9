// How delete-only policies walk PostgreSQL (blocks) and MariaDB (key spans), through the real
// binary: exactly the expired rows go, no batch touches more rows than its limit even where
// expired rows crowd together (the debug log names each batch's limit and count), `plan` shows
// the walk's statement, and keys a span walk cannot hold fall back to keyset ranges.
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/config_text.h"
#include "support/report.h"
#include "support/run.h"
#include "support/sql_store.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";  // cut-off at 52 days: 2028-01-09

const std::string kPolicy =
    "  - {name: hits, store: db, table: hits, expire_after: 52d, since: ts, max_affected: 100%}\n";

// Every "batch N of at most L: A rows" line of a debug log, as (L, A).
std::vector<std::pair<long long, long long>> batches_in(const std::string& log) {
  std::vector<std::pair<long long, long long>> out;
  std::regex line(R"(batch \d+ of at most (\d+): (\d+) rows)");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
       ++it)
    out.emplace_back(std::stoll((*it)[1]), std::stoll((*it)[2]));
  return out;
}

void check_batches_within_limits(const std::string& log, long long expected_total) {
  auto batches = batches_in(log);
  REQUIRE_FALSE(batches.empty());
  long long total = 0;
  for (const auto& [limit, affected] : batches) {
    INFO("a batch of at most " << limit << " rows touched " << affected);
    CHECK(affected <= limit);
    total += affected;
  }
  CHECK(total == expected_total);
}

// Plans and enforces kPolicy on the table hits of `store`, filled by the test: 60,004 rows, of
// which 6,000 + 1,080 + 1 are expired, crowded at the start (so that the first range or span holds
// more than its limit); the four after key `edge_after` are undated, future, one second before the
// cut-off and at it (`cutoff`, as the store writes it). `plan` shows each of `statements` (the
// walk's); `enforce`, with the debug log on, deletes every expired row and only those, in batches
// that each stay within their limit, one of them cut; a second pass finds nothing.
void check_walk(const TempDir& dir, const SqlStore& store,
                const std::vector<std::string>& statements, const std::string& cutoff,
                long long edge_after) {
  const ScenarioDatabase& db = store.db;
  const long long expired = db.integer("SELECT count(*) FROM hits WHERE ts < '" + cutoff + "'");
  REQUIRE(expired == 6000 + 1080 + 1);
  const std::string config = store.write(kPolicy);

  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt}, dir.path());
  INFO(plan.out << plan.err);
  for (const auto& statement : statements) CHECK(plan.out.find(statement) != std::string::npos);

  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path(),
                          {{"RETENTIOND_LOG_LEVEL", "debug"}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(policy_in(json::parse(r.out), "hits").at("affected") == expired);
  check_batches_within_limits(r.err, expired);
  CHECK(r.err.find("expired rows; cut at") != std::string::npos);
  auto again =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  CHECK(policy_in(json::parse(again.out), "hits").at("affected") == 0);
  CHECK(db.integer("SELECT count(*) FROM hits WHERE ts < '" + cutoff + "'") == 0);
  CHECK(db.integer("SELECT count(*) FROM hits") == 60004 - expired);
  CHECK(db.column("SELECT pad FROM hits WHERE id > " + std::to_string(edge_after) +
                  " ORDER BY id") == std::vector<std::string>{"undated", "future", "exact"});
}

}  // namespace

TEST_CASE("postgresql: a delete-only policy walks blocks and keeps every batch within its limit",
          "[postgresql][walk]") {
  PgDatabase db;
  // 6,000 expired rows packed in the first blocks, then one expired row in 50 among 54,000
  // fresh ones: the density the walk expects from the plan is far below the first blocks' own.
  db.exec(
      "CREATE TABLE hits (id bigint PRIMARY KEY, ts timestamptz, pad text);"
      "INSERT INTO hits SELECT i, CASE WHEN i <= 6000 OR i % 50 = 0 THEN timestamptz '2020-01-01' "
      "+ i * interval '1 s' "
      "ELSE timestamptz '2028-02-01' END, 'x' FROM generate_series(1, 60000) i;"
      "INSERT INTO hits VALUES (60001, NULL, 'undated'), (60002, '2031-01-01', 'future'),"
      " (60003, '2028-01-08 23:59:59+00', 'minus-1s'), (60004, '2028-01-09 00:00:00+00', "
      "'exact');");
  TempDir dir;
  // The first range holds more than its limit: it is rolled back and cut.
  check_walk(
      dir, postgresql_store(dir, db, "db"),
      {"DELETE FROM \"hits\" WHERE ctid >= $1::tid AND ctid < $2::tid AND",
       "the batch's first block",
       "WITH gone AS (DELETE FROM \"hits\" WHERE ctid = ANY(ARRAY(SELECT ctid FROM \"hits\""},
      "2028-01-09 00:00:00+00", 60000);
}

TEST_CASE("postgresql: anonymising and `also:` policies keep walking the key",
          "[postgresql][walk]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE hits (id bigint PRIMARY KEY, ts timestamptz, ip text);"
      "INSERT INTO hits VALUES (1, '2020-01-01', '192.0.2.1'), (2, '2030-01-01', '192.0.2.2');");
  TempDir dir;
  std::string config =
      postgresql_store(dir, db, "db")
          .write(
              "  - {name: hits, store: db, table: hits, expire_after: 52d, since: ts, "
              "action: anonymise, anonymise: {ip: null}}\n");
  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt}, dir.path());
  INFO(plan.out << plan.err);
  CHECK(plan.out.find("ctid") == std::string::npos);
  CHECK(plan.out.find("ORDER BY \"id\" LIMIT") != std::string::npos);
  run_retentiond_ok({"enforce", "-c", config, "--at", kAt}, dir.path());
  CHECK(db.column("SELECT coalesce(ip, 'NULL') FROM hits ORDER BY id") ==
        std::vector<std::string>{"NULL", "192.0.2.2"});
}

TEST_CASE("mysql: a delete-only policy walks key spans and keeps every batch within its limit",
          "[mysql][walk]") {
  MysqlDatabase db;
  db.exec(
      "SET SESSION max_recursive_iterations = 100000;"
      "CREATE TABLE hits (id bigint PRIMARY KEY, ts datetime NULL, pad varchar(20)) ENGINE=InnoDB;"
      "INSERT INTO hits WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
      "60000) "
      "SELECT i * 3, IF(i <= 6000 OR i % 50 = 0, TIMESTAMP('2020-01-01') + INTERVAL i SECOND, "
      "'2028-02-01'), 'x' FROM n;"
      "INSERT INTO hits VALUES (180003, NULL, 'undated'), (180006, '2031-01-01', 'future'),"
      " (180009, '2028-01-08 23:59:59', 'minus-1s'), (180012, '2028-01-09 00:00:00', 'exact');");
  TempDir dir;
  check_walk(dir, mysql_store(dir, db, "db"),
             {"DELETE FROM `hits` WHERE `id` > ? AND `id` <= ? AND", "ORDER BY `id` LIMIT ?",
              "the end of this batch's key span"},
             "2028-01-09 00:00:00", 180000);
}

TEST_CASE("mysql: keys beyond a signed 64-bit span fall back to keyset ranges", "[mysql][walk]") {
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE hits (id bigint unsigned PRIMARY KEY, ts datetime NOT NULL) ENGINE=InnoDB;"
      "INSERT INTO hits VALUES (1, '2020-01-01'), (2, '2030-01-01'), (18446744073709551000, "
      "'2020-01-01'),"
      " (18446744073709551615, '2020-01-02'), (18446744073709551001, '2030-01-01');");
  TempDir dir;
  std::string config = mysql_store(dir, db, "db").write(kPolicy);
  CHECK(policy_in(json_report("enforce", config, kAt, dir.path()), "hits").at("affected") == 3);
  CHECK(db.column("SELECT CAST(id AS CHAR) FROM hits ORDER BY id") ==
        std::vector<std::string>{"2", "18446744073709551001"});
}

TEST_CASE("postgresql: a policy on a view walks the key (a view has no blocks)",
          "[postgresql][walk]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE raw_hits (id bigint PRIMARY KEY, ts timestamptz, kind text);"
      "INSERT INTO raw_hits VALUES (1, '2020-01-01', 'web'), (2, '2030-01-01', 'web'), (3, "
      "'2020-01-01', 'api');"
      "CREATE VIEW hits AS SELECT id, ts FROM raw_hits WHERE kind = 'web';");
  TempDir dir;
  std::string config =
      postgresql_store(dir, db, "db")
          .write(
              "  - {name: hits, store: db, table: hits, key: id, expire_after: 52d, since: ts}\n");
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt}, dir.path());
  CHECK(plan.out.find("ctid") == std::string::npos);
  run_retentiond_ok({"enforce", "-c", config, "--at", kAt}, dir.path());
  CHECK(db.column("SELECT id FROM raw_hits ORDER BY id") == std::vector<std::string>{"2", "3"});
}

TEST_CASE(
    "postgresql: with SELECT granted on some columns only, a delete-only policy walks the key",
    "[postgresql][walk]") {
  PgDatabase db;
  const std::string role = db.name() + "_columns";
  db.exec(
      "CREATE TABLE hits (id bigint PRIMARY KEY, ts timestamptz, secret text);"
      "INSERT INTO hits VALUES (1, '2020-01-01', 'a'), (2, '2030-01-01', 'b'), (3, '2028-01-08 "
      "23:59:59+00', 'c');"
      "CREATE ROLE " +
      role + " LOGIN; GRANT SELECT (id, ts), DELETE ON hits TO " + role + ";");
  TempDir dir;
  std::string config = dir.write(
      "r.yaml",
      one_store_config("db", "{type: postgresql, dsn: \"" + db.dsn() + " user=" + role + "\"}",
                       kPolicy));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt}, dir.path());
  INFO(plan.out << plan.err);
  CHECK(plan.out.find("ctid") == std::string::npos);
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(db.column("SELECT id FROM hits ORDER BY id") == std::vector<std::string>{"2"});
  db.exec("DROP OWNED BY " + role + "; DROP ROLE " + role + ";");
}

TEST_CASE("postgresql: check names the privilege a role lacks for a pass, with the GRANT to run",
          "[postgresql][check]") {
  // PostgreSQL checks privileges when a statement runs, not when it is prepared: check asks.
  PgDatabase db;
  PgRole low(db, "_low");
  const std::string& role = low.name();
  db.exec(
      "CREATE TABLE hits (id bigint PRIMARY KEY, ts timestamptz, name text, mail text);"
      "INSERT INTO hits VALUES (1, '2020-01-01', 'a', 'a@x'), (2, '2030-01-01', 'b', 'b@x');"
      "GRANT SELECT ON hits TO " +
      role + "; GRANT UPDATE (name) ON hits TO " + role + ";");
  TempDir dir;
  const std::string store = "{type: postgresql, dsn: \"" + low.dsn() + "\"}";
  std::string config = dir.write("r.yaml", one_store_config("db", store, kPolicy));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("r.yaml:") != std::string::npos);
  const std::string quoted = "\"" + role + "\"";  // as quote_name() writes it
  CHECK(check.err.find("role " + quoted + " lacks DELETE on hits") != std::string::npos);
  CHECK(check.err.find("GRANT DELETE ON \"hits\" TO " + quoted) != std::string::npos);

  // Anonymising needs UPDATE on each anonymised column: the one not granted is named.
  config = dir.write(
      "r.yaml",
      one_store_config("db", store,
                       "  - {name: hits, store: db, table: hits, expire_after: 52d, since: ts, "
                       "action: anonymise, anonymise: {name: {value: ''}, mail: null}, "
                       "max_affected: 100%}\n"));
  check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("lacks UPDATE on (\"mail\") on hits") != std::string::npos);
  CHECK(check.err.find("GRANT UPDATE (\"mail\") ON \"hits\" TO " + quoted) != std::string::npos);
  db.exec("GRANT UPDATE (mail) ON hits TO " + role);
  check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);

  // Without TEMPORARY on the database the store is reachable but unusable: a configuration
  // error naming the grant, not "unreachable".
  db.exec("REVOKE TEMPORARY ON DATABASE " + db.name() + " FROM PUBLIC");
  check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("GRANT TEMPORARY ON DATABASE \"" + db.name() + "\" TO " + quoted) !=
        std::string::npos);
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("store-unreachable") == std::string::npos);
  CHECK(db.column("SELECT name FROM hits ORDER BY id") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("postgresql: a policy with also: rules needs UPDATE on one column for its lock",
          "[postgresql][check]") {
  // Its batches SELECT ... FOR UPDATE before the also: rules run: PostgreSQL refuses that lock
  // without UPDATE on one column at least. check says so, with the GRANT, before a pass fails.
  PgDatabase db;
  PgRole low(db, "_lock");
  const std::string& role = low.name();
  db.exec(
      "CREATE TABLE users (id bigint PRIMARY KEY, ts timestamptz);"
      "CREATE TABLE follows (user_id bigint, other bigint);"
      "INSERT INTO users VALUES (1, '2020-01-01'), (2, '2030-01-01');"
      "INSERT INTO follows VALUES (1, 2), (2, 1);"
      "GRANT SELECT, DELETE ON users, follows TO " +
      role + ";");
  TempDir dir;
  const std::string store = "{type: postgresql, dsn: \"" + low.dsn() + "\"}";
  const std::string config = dir.write(
      "r.yaml", one_store_config("db", store,
                                 "  - {name: users, store: db, table: users, expire_after: 1y, "
                                 "since: ts, max_affected: 100%, also: [{table: follows, on: "
                                 "\"follows.user_id = users.id\", action: delete}]}\n"));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  const std::string quoted = "\"" + role + "\"";
  CHECK(check.err.find("lacks UPDATE on one column (a batch locks its rows with FOR UPDATE before "
                       "its also: rules) on users") != std::string::npos);
  CHECK(check.err.find("GRANT UPDATE (\"id\") ON \"users\" TO " + quoted) != std::string::npos);
  db.exec("GRANT UPDATE (id) ON users TO " + role);
  check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(db.column("SELECT id FROM users") == std::vector<std::string>{"2"});
  CHECK(db.column("SELECT user_id FROM follows") == std::vector<std::string>{"2"});
}

TEST_CASE("mysql: an account allowed one connection still plans (the total is counted in turn)",
          "[mysql][walk]") {
  MysqlDatabase db;
  const std::string account = db.name() + "_one";
  db.exec(
      "CREATE TABLE hits (id bigint PRIMARY KEY, ts datetime NOT NULL) ENGINE=InnoDB;"
      "INSERT INTO hits VALUES (1, '2020-01-01'), (2, '2030-01-01'), (3, '2020-01-02');"
      "CREATE USER '" +
      account +
      "'@'%' IDENTIFIED BY 'one-connection' WITH MAX_USER_CONNECTIONS 1;"
      "GRANT SELECT, DELETE ON `" +
      db.name() + "`.* TO '" + account + "'@'%';");
  TempDir dir;
  dir.write("pw", "one-connection\n");
  // The test server's own account, swapped for the one-connection account.
  std::string store = db.store_yaml(dir.file("pw"));
  const std::string own_user = "user: " + server_env("RETENTIOND_TEST_MYSQL_USER");
  store.replace(store.find(own_user), own_user.size(), "user: " + account);
  std::string config = dir.write("r.yaml", one_store_config("db", store, kPolicy));
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(r.out << r.err);
  db.exec("DROP USER '" + account + "'@'%';");
  REQUIRE(r.exit_code == 0);
  const json policy = policy_in(json::parse(r.out), "hits");
  CHECK(policy.at("affected") == 2);
  CHECK(db.column("SELECT id FROM hits") == std::vector<std::string>{"2"});
}

TEST_CASE("postgresql: a failing cast's value stays out of the report and the log",
          "[postgresql][privacy]") {
  // A where that casts a name to an integer fails on the data, and PostgreSQL quotes the value.
  PgDatabase db;
  db.exec(
      "CREATE TABLE hits (id bigint PRIMARY KEY, ts timestamptz, name text);"
      "INSERT INTO hits VALUES (1, '2020-01-01', 'Zoe Hidden');");
  TempDir dir;
  std::string config = dir.write(
      "r.yaml", one_store_config("db", "{type: postgresql, dsn: \"" + db.dsn() + "\"}",
                                 "  - {name: hits, store: db, table: hits, expire_after: 52d, "
                                 "since: ts, where: \"name::int > 0\", max_affected: 100%}\n"));
  for (const char* command : {"plan", "enforce"}) {
    auto r = run_retentiond({command, "-c", config, "--at", kAt, "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("invalid input syntax for type integer: (a value, withheld)") !=
          std::string::npos);
    CHECK(r.out.find("Zoe") == std::string::npos);
    CHECK(r.err.find("Zoe") == std::string::npos);
  }
  CHECK(db.column("SELECT id FROM hits") == std::vector<std::string>{"1"});
}
