// A `key:` column that its table does not declare unique (no primary key or unique index on it
// alone), on SQLite, PostgreSQL and MariaDB through the real binary: `check` warns at the key, and
// passes follow it anyway, each batch taking every row that shares its last key, so no batch
// reaches more rows than it counted. With `notify:`, such a key is refused (notices are recorded
// per key). Clock pinned at 2028-03-01T00:00:00Z.
#include <catch2/catch.hpp>

#include "support/run.h"
#include "support/sql_store.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

// 1,000 old visits, three to a session (keys 0 to 333): batches of 500 cut through a session.
// Session 5 has one more visit not yet expired, session 7 one without a date.
void fill_visits(const ScenarioDatabase& db) {
  db.exec("CREATE TABLE visits (session_id integer, seen date, ip varchar(40))");
  db.exec("CREATE TABLE digits (i integer)");
  db.exec("INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)");
  db.exec(
      "INSERT INTO visits SELECT (n - n % 3) / 3, '2020-01-01', '192.0.2.1' FROM (SELECT a.i * "
      "100 + b.i * 10 + c.i AS n FROM digits a, digits b, digits c) AS numbers");
  db.exec("INSERT INTO visits VALUES (5, '2099-01-01', '192.0.2.5'), (7, NULL, '192.0.2.7')");
}

std::string visits_policy(const SqlStore& store, const std::string& action) {
  return "  - name: visits\n    store: " + store.name +
         "\n    table: visits\n    key: session_id\n    expire_after: 1y\n    since: seen\n"
         "    max_affected: 100%\n" +
         action;
}

void check_warns(const TempDir& dir, const std::string& config) {
  auto r = run_retentiond({"check", "-c", config}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK((r.out + r.err)
            .find(":8:10: warning: key 'session_id' of table 'visits' is not declared "
                  "unique") != std::string::npos);
}

void anonymise_scenario(const TempDir& dir, const SqlStore& store) {
  fill_visits(store.db);
  const std::string config =
      store.write(visits_policy(store, "    action: anonymise\n    anonymise: {ip: null}\n"));
  check_warns(dir, config);
  auto r = run_retentiond({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(store.db.integer("SELECT count(*) FROM visits") == 1002);
  CHECK(store.db.integer("SELECT count(*) FROM visits WHERE ip IS NOT NULL") == 2);
  CHECK(store.db.integer("SELECT count(*) FROM visits WHERE ip IS NOT NULL AND (seen IS NULL OR "
                         "seen > '2090-01-01')") == 2);
}

}  // namespace

TEST_CASE("sqlite: a key not declared unique is warned of, and a delete follows it",
          "[cli][sqlite][non_unique_key]") {
  TempDir dir;
  SqlStore store = sqlite_store(dir);
  fill_visits(store.db);
  const std::string config = store.write(visits_policy(store, ""));
  check_warns(dir, config);
  auto r = run_retentiond({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(store.db.integer("SELECT count(*) FROM visits") == 2);
  CHECK(store.db.integer("SELECT count(*) FROM visits WHERE seen IS NULL OR seen = '2099-01-01'") ==
        2);
}

TEST_CASE("sqlite: a key not declared unique is warned of, and anonymising follows it",
          "[cli][sqlite][non_unique_key]") {
  TempDir dir;
  anonymise_scenario(dir, sqlite_store(dir));
}

TEST_CASE("postgresql: a key not declared unique is warned of, and anonymising follows it",
          "[cli][postgresql][non_unique_key]") {
  PgDatabase pg;
  TempDir dir;
  anonymise_scenario(dir, postgresql_store(dir, pg));
}

TEST_CASE("mysql: a key not declared unique is warned of, and anonymising follows it",
          "[cli][mysql][non_unique_key]") {
  MysqlDatabase my;
  TempDir dir;
  anonymise_scenario(dir, mysql_store(dir, my));
}

TEST_CASE("a unique index declares a key unique: no warning, and notify accepts it",
          "[cli][sqlite][postgresql][mysql][non_unique_key]") {
  PgDatabase pg;
  MysqlDatabase my;
  TempDir lite_dir, pg_dir, my_dir;
  for (const auto& [dir, store] :
       {std::pair<const TempDir&, SqlStore>{lite_dir, sqlite_store(lite_dir)},
        {pg_dir, postgresql_store(pg_dir, pg)},
        {my_dir, mysql_store(my_dir, my)}}) {
    INFO(store.name);
    store.db.exec("CREATE TABLE accounts (id integer, email varchar(100), seen date)");
    store.db.exec("CREATE UNIQUE INDEX accounts_id ON accounts (id)");
    dir.write("notice.txt", "Your account goes on {date}.\n");
    const std::string config = store.write(
        "  - name: accounts\n    store: " + store.name +
        "\n    table: accounts\n    key: id\n    expire_after: 1y\n    since: seen\n"
        "    notify: {before: 30d, email: email, template: notice.txt, subject: Account}\n"
        "smtp: {host: 127.0.0.1, port: 25, starttls: false, from: dpo@example.org}\n");
    auto r = run_retentiond({"check", "-c", config}, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK((r.out + r.err).find("warning") == std::string::npos);
  }
}

TEST_CASE("notify refuses a key its table does not declare unique",
          "[cli][sqlite][postgresql][mysql][non_unique_key]") {
  PgDatabase pg;
  MysqlDatabase my;
  TempDir lite_dir, pg_dir, my_dir;
  for (const auto& [dir, store] :
       {std::pair<const TempDir&, SqlStore>{lite_dir, sqlite_store(lite_dir)},
        {pg_dir, postgresql_store(pg_dir, pg)},
        {my_dir, mysql_store(my_dir, my)}}) {
    INFO(store.name);
    // A partial unique index leaves other rows free to share an id: it declares nothing.
    store.db.exec("CREATE TABLE accounts (id integer, email varchar(100), seen date)");
    if (store.name != "my")
      store.db.exec("CREATE UNIQUE INDEX a_id ON accounts (id) WHERE id > 100");
    store.db.exec(
        "INSERT INTO accounts VALUES (1, 'a@example.org', '2020-01-01'), "
        "(1, 'b@example.org', '2020-01-01')");
    dir.write("notice.txt", "Your account goes on {date}.\n");
    const std::string config = store.write(
        "  - name: accounts\n    store: " + store.name +
        "\n    table: accounts\n    key: id\n    expire_after: 1y\n    since: seen\n"
        "    notify: {before: 30d, email: email, template: notice.txt, subject: Account}\n"
        "smtp: {host: 127.0.0.1, port: 25, starttls: false, from: dpo@example.org}\n");
    auto r = run_retentiond({"check", "-c", config}, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK((r.out + r.err)
              .find(":8:10: error: key 'id' of table 'accounts' is not declared unique "
                    "(no primary key or unique index on it alone), and 'notify:'") !=
          std::string::npos);
    auto e = run_retentiond({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path());
    INFO(e.out << e.err);
    CHECK(e.exit_code == 1);
    CHECK(e.err.find("is not declared unique") != std::string::npos);
    CHECK(store.db.integer("SELECT count(*) FROM accounts") == 2);
  }
}

TEST_CASE("sqlite: a key whose values do not read back as stored stops the pass, never spins",
          "[cli][sqlite][non_unique_key]") {
  // 0.30000000000000004 reads back as 0.3: a batch after 0.3 finds it again, and its range
  // (key <= 0.3) never reaches it. Likewise a BLOB key and a blank text key.
  const std::pair<std::string, std::string> cases[] = {
      {"k REAL", "(0.1, '2020-01-01'), (0.30000000000000004, '2020-01-01')"},
      {"k TEXT PRIMARY KEY",
       "('', '2020-01-01'), (x'00ff', '2020-01-01'), ('a', '2020-01-01'), (' ', '2020-01-01')"}};
  for (const auto& [column, rows] : cases) {
    INFO(rows);
    TempDir dir;
    SqlStore store = sqlite_store(dir);
    store.db.exec("CREATE TABLE t (" + column + ", seen TEXT)");
    store.db.exec("INSERT INTO t VALUES " + rows);
    const std::string config = store.write("  - name: t\n    store: " + store.name +
                                           "\n    table: t\n    key: k\n    expire_after: 1y\n"
                                           "    since: seen\n    max_affected: 100%\n");
    auto r = run_retentiond({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("the batches do not move past a value of the key column 'k'") !=
          std::string::npos);
  }
}
