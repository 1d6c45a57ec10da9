// `since: [last_login, {fallback: created}]` when last_login holds something that is no date:
// the fallback stands in for a login that is absent (NULL, blank text), never for one that was
// written but cannot be read ('yesterday', '20261201', a login of last week in another form):
// judged by its creation, that account would go. Such rows are kept and counted as undated, on
// SQLite, PostgreSQL and MariaDB. --at 2028-03-01T00:00:00Z with 1y: the cut-off is 2027-03-01.
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

const char* kRows = R"sql(INSERT INTO accounts VALUES
 (1, 'never', NULL, '2019-01-01 00:00:00'),
 (2, 'empty', '', '2019-01-01 00:00:00'),
 (3, 'blank', '  ', '2019-01-01 00:00:00'),
 (4, 'word', 'yesterday', '2019-01-01 00:00:00'),
 (5, 'basic-date', '20261201', '2019-01-01 00:00:00'),
 (6, 'old-login', '2020-01-01', '2028-02-01 00:00:00'),
 (7, 'recent-login', '2028-01-01', '2019-01-01 00:00:00');
)sql";

void scenario(const TempDir& dir, const std::string& store_yaml,
              const std::function<std::vector<std::string>()>& labels) {
  const std::string config =
      dir.write("r.yaml", "state: state.db\nstores:\n  db: " + store_yaml + R"(
policies:
  - name: accounts
    store: db
    table: accounts
    expire_after: 1y
    since: [last_login, {fallback: created}]
    max_affected: 100%
)");
  auto plan = run_retentiond(
      {"plan", "-c", config, "--at", "2028-03-01T00:00:00Z", "--format", "json"}, dir.path());
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  const json p = policy_in(json::parse(plan.out), "accounts");
  CHECK(p.at("matched") == 4);
  CHECK(p.at("warnings").dump().find("2 selected rows have no usable date") != std::string::npos);
  auto enforce =
      run_retentiond({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path());
  INFO(enforce.err);
  REQUIRE(enforce.exit_code == 0);
  CHECK(labels() == std::vector<std::string>{"word", "basic-date", "recent-login"});
}

}  // namespace

TEST_CASE("a fallback stands in for an absent date, not an unreadable one (SQLite)",
          "[cli][dates][sqlite]") {
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db, std::string("CREATE TABLE accounts (id INTEGER PRIMARY KEY, label TEXT, "
                              "last_login TEXT, created TEXT);") +
                      kRows);
  scenario(dir, "{type: sqlite, path: app.db}",
           [&] { return sqlite_column(db, "SELECT label FROM accounts ORDER BY id"); });
}

TEST_CASE("a fallback stands in for an absent date, not an unreadable one (PostgreSQL)",
          "[cli][dates][postgresql]") {
  PgDatabase pg;
  pg.exec(std::string("CREATE TABLE accounts (id integer PRIMARY KEY, label text, last_login "
                      "varchar(40), created timestamp);") +
          kRows);
  TempDir dir;
  scenario(dir, "{type: postgresql, dsn: \"" + pg.dsn() + "\"}",
           [&] { return pg.column("SELECT label FROM accounts ORDER BY id"); });
}

TEST_CASE("a fallback stands in for an absent date, not an unreadable one (MariaDB)",
          "[cli][dates][mysql]") {
  MysqlDatabase my;
  my.exec(std::string("CREATE TABLE accounts (id integer PRIMARY KEY, label varchar(20), "
                      "last_login varchar(40), created datetime);") +
          kRows);
  TempDir dir;
  dir.write("my.password", MysqlDatabase::password() + "\n");
  scenario(dir, my.store_yaml("my.password"),
           [&] { return my.column("SELECT label FROM accounts ORDER BY id"); });
}
