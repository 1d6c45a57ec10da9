// Dates no store can act on (issue 17, item 1): far-future REAL epochs (1e19, 1e300, infinity),
// epochs that overflow, PostgreSQL's 'infinity', '-infinity', BC dates and years past 9999,
// MariaDB's zero dates, NaN. On SQLite, PostgreSQL and MariaDB, through the real binary, for
// every kind of date column: such rows are kept and counted as undated (with the warning), the
// normal expired row goes, a year-2100 row counts as future, and `oldest` stays a real date.
// Clock pinned at 2028-03-01T00:00:00Z; with 1y the cut-off is 2027-03-01T00:00:00Z.
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

std::string policy(const std::string& store, const std::string& table, const std::string& since) {
  return "  - name: events\n    store: " + store + "\n    table: " + table +
         "\n    expire_after: 1y\n    since: " + since + "\n    max_affected: 100%\n";
}

// Every row but 'old' (dated 2020-01-01) and 'year-2100' has an unusable date: plan counts them
// as undated, and enforce deletes 'old' alone.
void only_old_goes(const TempDir& dir, const std::string& config, long long undated,
                   const std::function<std::vector<std::string>()>& labels) {
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.err);
  REQUIRE(check.exit_code == 0);
  auto before = labels();
  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  auto p = policy_in(json::parse(plan.out), "events");
  CHECK(p.at("matched") == 1);
  CHECK(p.at("oldest") == "2020-01-01T00:00:00Z");
  const std::string warnings = p.at("warnings").dump();
  CHECK(warnings.find(std::to_string(undated) +
                      " selected rows have no usable date (NULL or unreadable); kept") !=
        std::string::npos);
  CHECK(warnings.find("1 selected row has a date after 2028-03-01T00:00:00Z; kept") !=
        std::string::npos);

  auto enforce =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(enforce.err);
  REQUIRE(enforce.exit_code == 0);
  CHECK(policy_in(json::parse(enforce.out), "events").at("affected") == 1);
  before.erase(std::find(before.begin(), before.end(), "old"));
  CHECK(labels() == before);
}

}  // namespace

TEST_CASE("sqlite: far-future, infinite and out-of-range dates are kept as undated",
          "[cli][sqlite][dates]") {
  // The issue's rows in `d REAL` (1e19, 1e300, 9e999 read as infinity), their negative twins,
  // integers past the usable years and text dated year 0 or (with its offset) 10000; `raw` holds
  // the same without affinity, so its integers stay integers.
  for (const std::string since : {"d", "raw", "{column: d, format: epoch}"}) {
    INFO("since: " << since);
    TempDir dir;
    const std::string db = dir.file("app.db");
    sqlite_exec(db,
                "CREATE TABLE events (id INTEGER PRIMARY KEY, label TEXT, d REAL, raw);"
                "INSERT INTO events (label, d) VALUES ('old', 1577836800.0), ('huge', 1e19), "
                "('huger', 1e300),"
                " ('infinite', 9e999), ('minus-huge', -1e19), ('minus-infinite', -9e999),"
                " ('year-2100', 4102444800.0), ('int-min', -9223372036854775808), ('year-10000', "
                "253402300800),"
                " ('year-0', '0000-06-01'), ('year-10000-text', '9999-12-31T23:00:00-05:00');"
                "UPDATE events SET raw = d;"
                "UPDATE events SET raw = -9223372036854775808 WHERE label = 'int-min';"
                "UPDATE events SET raw = 253402300800 WHERE label = 'year-10000'");
    CHECK(sqlite_column(
              db,
              "SELECT typeof(raw) FROM events WHERE label IN ('infinite', 'int-min', 'year-0') "
              "ORDER BY id") == std::vector<std::string>{"real", "integer", "text"});
    const std::string config = dir.write(
        "r.yaml", "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n" +
                      policy("app", "events", since));
    only_old_goes(dir, config, 9,
                  [&] { return sqlite_column(db, "SELECT label FROM events ORDER BY id"); });
  }
}

TEST_CASE("postgresql: infinity, BC, past-9999 and overflowing epochs are kept as undated",
          "[cli][postgresql][dates]") {
  PgDatabase pg;
  pg.exec(R"sql(
CREATE TABLE events (id int PRIMARY KEY, label text, ts timestamp, tz timestamptz, d date, ep bigint,
                     epm bigint, epf double precision, epn numeric, txt text);
INSERT INTO events VALUES
 (1, 'old', '2020-01-01', '2020-01-01', '2020-01-01', 1577836800, 1577836800000, 1577836800, 1577836800, '2020-01-01'),
 (2, 'infinity', 'infinity', 'infinity', 'infinity', 9223372036854775807, 9223372036854775807, 'Infinity', 1e30, 'infinity'),
 (3, 'minus-infinity', '-infinity', '-infinity', '-infinity', -9223372036854775808, -9223372036854775808,
  '-Infinity', -1e30, '-infinity'),
 (4, 'bc', '0044-03-15 BC', '0044-03-15 BC', '0044-03-15 BC', -62135596801, -62135596800001, -1e300, 'NaN',
  '0000-01-01'),
 (5, 'past-9999', '10000-01-01', '12000-06-01', '20000-01-01', 253402300800, 253402300800000, 1e19, 1e19,
  '9999-12-31T23:00:00-05:00'),
 (6, 'year-2100', '2100-01-01', '2100-01-01', '2100-01-01', 4102444800, 4102444800000, 4102444800, 4102444800,
  '2100-01-01');
)sql");
  for (const char* since : {"ts", "tz", "{column: d, format: date}", "{column: ep, format: epoch}",
                            "{column: epm, format: epoch_ms}", "{column: epf, format: epoch}",
                            "{column: epn, format: epoch}", "txt"}) {
    INFO("since: " << since);
    pg.exec(
        "CREATE TABLE IF NOT EXISTS pristine AS SELECT * FROM events; DELETE FROM events; "
        "INSERT INTO events SELECT * FROM pristine");
    TempDir dir;
    const std::string config =
        dir.write("r.yaml", "state: state.db\nstores:\n  pg: {type: postgresql, dsn: \"" +
                                pg.dsn() + "\"}\npolicies:\n" + policy("pg", "events", since));
    only_old_goes(dir, config, 4,
                  [&] { return pg.column("SELECT label FROM events ORDER BY id"); });
  }
}

TEST_CASE("mysql: zero dates and overflowing epochs are kept as undated", "[cli][mysql][dates]") {
  MysqlDatabase my;
  my.exec(R"sql(SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION', time_zone = '+00:00';
CREATE TABLE events (id int PRIMARY KEY, label varchar(20), dt datetime, d date, tsp timestamp NULL,
                     ep bigint, epm bigint, epd double, epc decimal(65,0), txt varchar(40));
INSERT INTO events VALUES
 (1, 'old', '2020-01-01', '2020-01-01', '2020-01-01', 1577836800, 1577836800000, 1577836800, 1577836800, '2020-01-01'),
 (2, 'zero', '0000-00-00 00:00:00', '0000-00-00', '0000-00-00 00:00:00', -9223372036854775808,
  -9223372036854775808, -1e300, -1e30, '0000-00-00'),
 (3, 'zero-part', '2020-00-10', '2020-05-00', '0000-00-00 00:00:00', -62135596801, -62135596800001, -1e19,
  -62135596801, '2020-00-10'),
 (4, 'year-0', '0000-01-15', '0000-12-31', NULL, 9223372036854775807, 253402300800000, 1e300, 1e30,
  '10000-01-01'),
 (5, 'year-2100', '2100-01-01', '2100-01-01', '2037-12-31', 4102444800, 4102444800000, 4102444800, 4102444800,
  '2100-01-01');
)sql");
  TempDir dir;
  dir.write("my.password", MysqlDatabase::password() + "\n");
  for (const char* since :
       {"dt", "d", "tsp", "{column: ep, format: epoch}", "{column: epm, format: epoch_ms}",
        "{column: epd, format: epoch}", "{column: epc, format: epoch}", "txt"}) {
    INFO("since: " << since);
    my.exec(
        "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'; CREATE TABLE IF NOT EXISTS pristine AS "
        "SELECT * FROM "
        "events; DELETE FROM events; INSERT INTO events SELECT * FROM pristine");
    const std::string config =
        dir.write("r.yaml", "state: state.db\nstores:\n  my: " + my.store_yaml("my.password") +
                                "\npolicies:\n" + policy("my", "events", since));
    only_old_goes(dir, config, 3,
                  [&] { return my.column("SELECT label FROM events ORDER BY id"); });
  }
}
