// Issue 20 on PostgreSQL 15, through the real binary: a table of monthly RANGE partitions (six
// months and a default partition) whose whole expired months are dropped or detached, and whose
// boundary month is deleted row by row exactly. The clock is pinned with --at
// 2028-03-15T00:00:00Z; with 4mo the cut-off is 2027-11-15T00:00:00Z, so September and October
// 2027 are whole, November is the boundary.
#include <chrono>
#include <map>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/config_text.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-15T00:00:00Z";

// One row an hour from September 2027 to February 2028 (720 + 744 + 720 + 744 + 744 + 696), and
// in the default partition a row of 2020 (expired), one without a date and one of 2031 (kept).
const std::string kAccessLog = R"sql(
CREATE TABLE access_log (ts timestamp, path text NOT NULL) PARTITION BY RANGE (ts);
CREATE TABLE access_log_2027_09 PARTITION OF access_log FOR VALUES FROM ('2027-09-01') TO ('2027-10-01');
CREATE TABLE access_log_2027_10 PARTITION OF access_log FOR VALUES FROM ('2027-10-01') TO ('2027-11-01');
CREATE TABLE access_log_2027_11 PARTITION OF access_log FOR VALUES FROM ('2027-11-01') TO ('2027-12-01');
CREATE TABLE access_log_2027_12 PARTITION OF access_log FOR VALUES FROM ('2027-12-01') TO ('2028-01-01');
CREATE TABLE access_log_2028_01 PARTITION OF access_log FOR VALUES FROM ('2028-01-01') TO ('2028-02-01');
CREATE TABLE access_log_2028_02 PARTITION OF access_log FOR VALUES FROM ('2028-02-01') TO ('2028-03-01');
CREATE TABLE access_log_default PARTITION OF access_log DEFAULT;
INSERT INTO access_log SELECT ts, '/' FROM generate_series('2027-09-01'::timestamp, '2028-02-29 23:00', interval '1 hour') ts;
INSERT INTO access_log VALUES ('2020-01-01', '/old'), (NULL, '/undated'), ('2031-01-01', '/future');
)sql";

// Expired: 720 + 744 in the whole months, 14 * 24 of November, the 2020 row.
constexpr long long kExpired = 720 + 744 + 14 * 24 + 1;

std::string policy(const std::string& mode) {
  return "  - name: logs\n"         // 5
         "    store: pg\n"          // 6
         "    table: access_log\n"  // 7
         "    expire_after: 4mo\n"  // 8
         "    since: ts\n"          // 9
         "    partitions: " +
         mode + "\n";  // 10
}

std::string config_for(const TempDir& dir, const PgDatabase& db, const std::string& policies) {
  return dir.write("r.yaml", one_store_config("pg", db.store_yaml(), policies));
}

std::vector<std::string> partitions(const PgDatabase& db) {
  return db.column(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE "
      "i.inhparent = 'access_log'::regclass ORDER BY 1");
}

std::vector<std::string> detached(const PgDatabase& db) {
  return db.column(
      "SELECT relname FROM pg_class WHERE relname LIKE '%rd_detached%' AND relkind = 'r' "
      "ORDER BY 1");
}

const std::vector<std::string> kLaterMonths = {"access_log_2027_11", "access_log_2027_12",
                                               "access_log_2028_01", "access_log_2028_02",
                                               "access_log_default"};

// What is left once the expired rows are gone: November from the 15th, the later months, and the
// undated and future rows.
void check_rows_left(const PgDatabase& db) {
  CHECK(db.integer("SELECT count(*) FROM access_log") == 4368 + 3 - kExpired);
  CHECK(db.integer("SELECT count(*) FROM access_log_2027_11") == 720 - 14 * 24);
  CHECK(db.integer("SELECT count(*) FROM access_log_2027_11 WHERE ts < '2027-11-15'") == 0);
  CHECK(db.column("SELECT coalesce(ts::text, 'NULL') FROM access_log_default ORDER BY ts") ==
        std::vector<std::string>{"2031-01-01 00:00:00", "NULL"});
}

}  // namespace

TEST_CASE("postgresql partitions: whole expired months are dropped, the boundary batched exactly",
          "[postgresql][partitions]") {
  PgDatabase db;
  db.exec(kAccessLog);
  db.exec("ANALYZE access_log");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);

  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  CHECK(plan.at("cutoff") == "2027-11-15T00:00:00Z");
  CHECK(plan.at("matched") == kExpired);
  CHECK(plan.at("oldest") == "2020-01-01T00:00:00Z");  // in DEFAULT, older than the whole months
  REQUIRE(plan.at("partitions").size() == 7);
  CHECK(plan.at("partitions")[0].at("name") == "\"public\".\"access_log_2027_09\"");
  CHECK(plan.at("partitions")[0].at("action") == "drop");
  CHECK(plan.at("partitions")[0].at("bounds") ==
        "FROM ('2027-09-01 00:00:00') TO ('2027-10-01 00:00:00')");
  CHECK(plan.at("partitions")[0].at("rows") == 720);
  CHECK(plan.at("partitions")[1].at("action") == "drop");
  for (size_t i = 2; i < 7; ++i) CHECK(plan.at("partitions")[i].at("action") == "rows");
  CHECK(plan.at("partitions")[6].at("bounds") == "DEFAULT");
  CHECK(plan.at("statements")[0] == "DROP TABLE \"public\".\"access_log_2027_09\"");
  CHECK(plan.at("statements")[1] == "DROP TABLE \"public\".\"access_log_2027_10\"");
  auto text = run_retentiond_ok({"plan", "-c", config, "--at", kAt}, dir.path()).out;
  CHECK(text.find("  partitions: drop \"public\".\"access_log_2027_09\" FROM ('2027-09-01 "
                  "00:00:00') TO ('2027-10-01 00:00:00'), 720 rows\n") != std::string::npos);
  auto markdown =
      run_retentiond_ok({"plan", "-c", config, "--at", kAt, "--format", "markdown"}, dir.path())
          .out;
  // Small partitions are counted, not estimated (kCountPartitionsBelow).
  CHECK(markdown.find("- Partition: rows \"public\".\"access_log_default\" DEFAULT, 3 rows\n") !=
        std::string::npos);
  CHECK(partitions(db).size() == 7);  // plan changes nothing

  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == kExpired);
  CHECK(partitions(db) == kLaterMonths);
  CHECK(db.integer("SELECT count(*) FROM pg_class WHERE relname IN ('access_log_2027_09', "
                   "'access_log_2027_10')") == 0);
  check_rows_left(db);
  // The audit trail counts what the table lost; the next pass finds nothing.
  auto history =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  INFO(history.dump());
  const json entry = history.at("entries").back();
  CHECK(entry.at("affected") == kExpired);
  REQUIRE(entry.at("partitions").size() == 2);
  CHECK(entry.at("partitions")[0] ==
        json{{"action", "drop"},
             {"name", "\"public\".\"access_log_2027_09\""},
             {"bounds", "FROM ('2027-09-01 00:00:00') TO ('2027-10-01 00:00:00')"},
             {"rows", 720}});
  CHECK(entry.at("partitions")[1].at("rows") == 744);
  auto history_text = run_retentiond_ok({"history", "-c", config}, dir.path()).out;
  CHECK(history_text.find("        partition drop \"public\".\"access_log_2027_10\" FROM "
                          "('2027-10-01 00:00:00') TO ('2027-11-01 00:00:00'): 744 rows\n") !=
        std::string::npos);
  // And in the DPO's formats.
  auto history_markdown =
      run_retentiond_ok({"history", "-c", config, "--format", "markdown"}, dir.path()).out;
  CHECK(history_markdown.find("- pass " + std::to_string(entry.at("id").get<long long>()) +
                              " (logs): partition drop \"public\".\"access_log_2027_09\" FROM "
                              "('2027-09-01 00:00:00') TO ('2027-10-01 00:00:00'): 720 rows\n") !=
        std::string::npos);
  auto history_html =
      run_retentiond_ok({"history", "-c", config, "--format", "html"}, dir.path()).out;
  CHECK(history_html.find("drop &quot;public&quot;.&quot;access_log_2027_10&quot; FROM "
                          "('2027-10-01 00:00:00') TO ('2027-11-01 00:00:00'): "
                          "744 rows") != std::string::npos);
  const json again = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(again.at("affected") == 0);
  CHECK(again.at("matched") == 0);
}

TEST_CASE("postgresql partitions: a partition open below holding -infinity or BC dates is batched",
          "[postgresql][partitions]") {
  // FROM (MINVALUE) and FROM ('-infinity') take '-infinity' and BC dates, which rows mode keeps
  // as undated: such a partition, though its upper bound has passed, must not go whole. Open
  // below but holding only dates, it goes whole. With and without an index on the column.
  const bool indexed = GENERATE(false, true);
  INFO("index on ts: " << indexed);
  PgDatabase db;
  db.exec(std::string(R"sql(
CREATE TABLE access_log (ts timestamptz NOT NULL, path text NOT NULL) PARTITION BY RANGE (ts);
CREATE TABLE access_log_old PARTITION OF access_log FOR VALUES FROM (MINVALUE) TO ('2027-09-01');
CREATE TABLE access_log_2027_09 PARTITION OF access_log FOR VALUES FROM ('2027-09-01') TO ('2027-10-01');
CREATE TABLE access_log_2027_10 PARTITION OF access_log FOR VALUES FROM ('2027-10-01') TO ('2027-11-01');
CREATE TABLE access_log_later PARTITION OF access_log FOR VALUES FROM ('2027-11-01') TO (MAXVALUE);
INSERT INTO access_log SELECT ts, '/' FROM generate_series('2027-09-01'::timestamptz, '2027-12-31 23:00', interval '1 hour') ts;
INSERT INTO access_log VALUES ('2020-01-01', '/old'), ('-infinity', '/minus-infinity'), ('0044-03-15 BC', '/bc');
)sql") + (indexed ? "CREATE INDEX ON access_log (ts);" : ""));
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  INFO(plan.dump());
  CHECK(plan.at("matched") == 720 + 744 + 14 * 24 + 1);
  CHECK(plan.at("warnings").dump().find("2 selected rows have no usable date") !=
        std::string::npos);
  std::map<std::string, std::string> actions;
  for (const auto& part : plan.at("partitions"))
    actions[part.at("name").get<std::string>()] = part.at("action").get<std::string>();
  CHECK(actions == std::map<std::string, std::string>{{"\"public\".\"access_log_old\"", "rows"},
                                                      {"\"public\".\"access_log_2027_09\"", "drop"},
                                                      {"\"public\".\"access_log_2027_10\"", "drop"},
                                                      {"\"public\".\"access_log_later\"", "rows"}});
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == 720 + 744 + 14 * 24 + 1);
  CHECK(partitions(db) == std::vector<std::string>{"access_log_later", "access_log_old"});
  CHECK(db.column("SELECT path FROM access_log WHERE ts < '2027-11-15' ORDER BY path") ==
        std::vector<std::string>{"/bc", "/minus-infinity"});
  // Once the undated rows are gone, the partition open below goes whole like the others.
  db.exec("DELETE FROM access_log WHERE ts < '0001-01-01'");
  db.exec("INSERT INTO access_log VALUES ('2021-01-01', '/old')");
  const json plan2 = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  INFO(plan2.dump());
  CHECK(plan2.at("partitions")[0].at("name") == "\"public\".\"access_log_old\"");
  CHECK(plan2.at("partitions")[0].at("action") == "drop");
}

TEST_CASE("postgresql partitions: detached months are dropped once their grace has passed",
          "[postgresql][partitions]") {
  PgDatabase db;
  db.exec(kAccessLog);
  TempDir dir;
  const std::string config = config_for(dir, db, policy("detach") + "    grace: 7d\n");
  // The text report says which of the rows are detached, not gone.
  const auto planned = run_retentiond_ok({"plan", "-c", config, "--at", kAt}, dir.path());
  CHECK(planned.out.find("outcome:    would delete 1,801 rows (1,464 of them in 2 partitions to "
                         "detach, kept out of the table until the grace has passed)") !=
        std::string::npos);
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == kExpired);
  CHECK(partitions(db) == kLaterMonths);
  CHECK(detached(db) == std::vector<std::string>{"access_log_2027_09_rd_detached_20280315",
                                                 "access_log_2027_10_rd_detached_20280315"});
  CHECK(db.integer("SELECT count(*) FROM access_log_2027_10_rd_detached_20280315") == 744);
  const auto history = run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path());
  CHECK(history.out.find("\"detached_as\": \"access_log_2027_10_rd_detached_20280315\"") !=
        std::string::npos);
  CHECK(db.column("SELECT obj_description('access_log_2027_09_rd_detached_20280315'::regclass, "
                  "'pg_class')") ==
        std::vector<std::string>{
            "retentiond: detached from \"public\".\"access_log\" at 2028-03-15T00:00:00Z as "
            "\"public\".\"access_log_2027_09_rd_detached_20280315\""});
  check_rows_left(db);

  // Three days on, the detached tables are within their grace: kept, and plan says so.
  const json later =
      policy_in(json_report("enforce", config, "2028-03-18T00:00:00Z", dir.path()), "logs");
  CHECK(later.at("affected") == 3 * 24);  // the cut-off moved on by three days of November
  CHECK(later.at("partitions")[0].at("action") == "keep-detached");
  CHECK(later.at("partitions")[0].at("detached_at") == "2028-03-15T00:00:00Z");
  CHECK(detached(db).size() == 2);

  // Eight days on, they go, and five more days of November.
  const json plan =
      policy_in(json_report("plan", config, "2028-03-23T00:00:00Z", dir.path()), "logs");
  CHECK(plan.at("partitions")[0].at("action") == "drop-detached");
  CHECK(plan.at("statements")[0] ==
        "DROP TABLE \"public\".\"access_log_2027_09_rd_detached_20280315\"");
  const json gone =
      policy_in(json_report("enforce", config, "2028-03-23T00:00:00Z", dir.path()), "logs");
  CHECK(gone.at("affected") == 5 * 24);
  CHECK(detached(db).empty());
  CHECK(partitions(db) == kLaterMonths);
}

TEST_CASE("postgresql partitions: a detached table moved to another schema is the operator's",
          "[postgresql][partitions]") {
  PgDatabase db;
  db.exec(kAccessLog);
  TempDir dir;
  const std::string config = config_for(dir, db, policy("detach") + "    grace: 7d\n");
  REQUIRE(policy_in(json_report("enforce", config, kAt, dir.path()), "logs").at("affected") ==
          kExpired);
  // The operator keeps September by moving it to an archive schema; its comment goes with it.
  db.exec(
      "CREATE SCHEMA archive; ALTER TABLE access_log_2027_09_rd_detached_20280315 SET SCHEMA "
      "archive;");
  const json plan =
      policy_in(json_report("plan", config, "2028-03-23T00:00:00Z", dir.path()), "logs");
  INFO(plan.dump());
  REQUIRE(plan.at("partitions")[0].at("action") == "drop-detached");
  CHECK(plan.at("partitions")[0].at("name") ==
        "\"public\".\"access_log_2027_10_rd_detached_20280315\"");
  for (const auto& step : plan.at("partitions"))
    CHECK(step.at("name").get<std::string>().find("archive") == std::string::npos);
  run_retentiond_ok({"enforce", "-c", config, "--at", "2028-03-23T00:00:00Z"}, dir.path());
  CHECK(db.integer("SELECT count(*) FROM archive.access_log_2027_09_rd_detached_20280315") == 720);
  CHECK(db.integer("SELECT count(*) FROM pg_class WHERE relname = "
                   "'access_log_2027_10_rd_detached_20280315'") == 0);
}

TEST_CASE("postgresql partitions: a detach whose name is taken takes the next one",
          "[postgresql][partitions]") {
  PgDatabase db;
  db.exec(kAccessLog);
  // The operator's own table under the name September would be given, and a type under
  // October's: neither is retentiond's.
  db.exec(
      "CREATE TABLE access_log_2027_09_rd_detached_20280315 (note text);"
      "INSERT INTO access_log_2027_09_rd_detached_20280315 VALUES ('mine');"
      "CREATE TYPE access_log_2027_10_rd_detached_20280315 AS (a int);");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("detach") + "    grace: 7d\n");
  // The plan shows the names the pass will give.
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  const std::string statements = plan.at("statements").dump();
  CHECK(statements.find("RENAME TO \\\"access_log_2027_09_2_rd_detached_20280315\\\"") !=
        std::string::npos);
  CHECK(statements.find("RENAME TO \\\"access_log_2027_09_rd_detached_20280315\\\"") ==
        std::string::npos);
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  INFO(enforce.dump());
  CHECK(enforce.at("affected") == kExpired);
  CHECK(partitions(db) == kLaterMonths);
  CHECK(db.integer("SELECT count(*) FROM access_log_2027_09_2_rd_detached_20280315") == 720);
  CHECK(db.integer("SELECT count(*) FROM access_log_2027_10_2_rd_detached_20280315") == 744);
  const auto history = run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path());
  CHECK(history.out.find("\"detached_as\": \"access_log_2027_09_2_rd_detached_20280315\"") !=
        std::string::npos);
  check_rows_left(db);

  // After the grace, the two it detached go; the operator's table stays.
  const json gone =
      policy_in(json_report("enforce", config, "2028-03-23T00:00:00Z", dir.path()), "logs");
  INFO(gone.dump());
  CHECK(detached(db) == std::vector<std::string>{"access_log_2027_09_rd_detached_20280315"});
  CHECK(db.column("SELECT note FROM access_log_2027_09_rd_detached_20280315") ==
        std::vector<std::string>{"mine"});
}

TEST_CASE("postgresql partitions: a detached sub-partitioned month is dropped after its grace",
          "[postgresql][partitions]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE access_log (ts timestamp, path text NOT NULL) PARTITION BY RANGE (ts);"
      "CREATE TABLE access_log_2027_09 PARTITION OF access_log FOR VALUES FROM ('2027-09-01') TO "
      "('2027-10-01') PARTITION BY RANGE (ts);"
      "CREATE TABLE access_log_2027_09a PARTITION OF access_log_2027_09 FOR VALUES FROM "
      "('2027-09-01') TO ('2027-09-16');"
      "CREATE TABLE access_log_2027_09b PARTITION OF access_log_2027_09 FOR VALUES FROM "
      "('2027-09-16') TO ('2027-10-01');"
      "CREATE TABLE access_log_later PARTITION OF access_log FOR VALUES FROM ('2027-10-01') TO "
      "(MAXVALUE);"
      "INSERT INTO access_log VALUES ('2027-09-02', '/a'), ('2027-09-20', '/b'), "
      "('2028-03-01', '/c');");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("detach") + "    grace: 7d\n");
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  INFO(enforce.dump());
  CHECK(enforce.at("affected") == 2);
  REQUIRE(db.integer("SELECT count(*) FROM access_log_2027_09_rd_detached_20280315") == 2);
  const json kept =
      policy_in(json_report("plan", config, "2028-03-18T00:00:00Z", dir.path()), "logs");
  CHECK(kept.at("partitions")[0].at("action") == "keep-detached");
  const json gone =
      policy_in(json_report("enforce", config, "2028-03-23T00:00:00Z", dir.path()), "logs");
  INFO(gone.dump());
  CHECK(gone.at("partitions")[0].at("action") == "drop-detached");
  CHECK(db.integer("SELECT count(*) FROM pg_class WHERE relname LIKE 'access_log_2027_09%'") == 0);
  CHECK(db.integer("SELECT count(*) FROM access_log") == 1);
}

TEST_CASE("postgresql partitions: check refuses a table not partitioned by the since column",
          "[postgresql][partitions][check]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE access_log (ts timestamp, d date NOT NULL) PARTITION BY RANGE (d);"
      "CREATE TABLE access_log_2020 PARTITION OF access_log FOR VALUES FROM ('2020-01-01') TO "
      "('2021-01-01');"
      "INSERT INTO access_log VALUES ('2020-01-01', '2020-06-01'), ('2031-01-01', '2020-06-01');"
      "CREATE TABLE plain_log (ts timestamp);");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  const std::string at_line = dir.path() +
                              "/r.yaml:10:17: error: 'partitions: drop' in policy "
                              "'logs': table 'access_log' is partitioned by 'd', not "
                              "by its 'since' column 'ts'; a pass deletes its expired "
                              "rows in batches instead";
  CHECK((check.out + check.err).find(at_line) != std::string::npos);
  // Rows mode still works: the pass says why and deletes row by row.
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == 1);
  CHECK(enforce.at("partitions").empty());
  CHECK(db.integer("SELECT count(*) FROM access_log") == 1);
  CHECK(db.integer("SELECT count(*) FROM access_log_2020") == 1);

  // A `since` of two columns: `check` says why at the policy's line (offline too), and rows mode
  // still works, for this policy and the others of the file.
  db.exec("INSERT INTO access_log VALUES ('2020-01-01', '2020-06-01');");
  const std::string two = config_for(
      dir, db,
      with_value(policy("drop"), "since", "[ts, d]") +
          "  - {name: other, store: pg, table: plain_log, expire_after: 1y, since: ts}\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"check", "-c", two},
        std::vector<std::string>{"check", "--offline", "-c", two}}) {
    auto two_check = run_retentiond(args, dir.path());
    INFO(two_check.out << two_check.err);
    CHECK(two_check.exit_code == 1);
    CHECK((two_check.out + two_check.err)
              .find("r.yaml:10:17: error: 'partitions: drop' in policy 'logs': the partition key "
                    "must be the policy's one 'since' column, and 'since' names 2 columns; a pass "
                    "deletes its expired rows in batches instead") != std::string::npos);
  }
  const json two_enforce = json_report("enforce", two, kAt, dir.path());
  CHECK(policy_in(two_enforce, "logs").at("affected") == 1);
  CHECK(policy_in(two_enforce, "other").at("affected") == 0);
  CHECK(db.integer("SELECT count(*) FROM access_log") == 1);

  const std::string plain = config_for(dir, db, with_value(policy("drop"), "table", "plain_log"));
  auto plain_check = run_retentiond({"check", "-c", plain}, dir.path());
  CHECK(plain_check.exit_code == 1);
  CHECK((plain_check.out + plain_check.err).find("table 'plain_log' is not partitioned") !=
        std::string::npos);
}

TEST_CASE("postgresql partitions: check names the ownership a role lacks",
          "[postgresql][partitions][check]") {
  PgDatabase db;
  const std::string role = db.name() + "_deleter";
  db.exec(kAccessLog);
  db.exec("CREATE ROLE " + role +
          " LOGIN; GRANT SELECT, DELETE ON ALL TABLES IN SCHEMA public TO " + role + ";");
  TempDir dir;
  const std::string config = dir.write(
      "r.yaml",
      one_store_config("pg", "{type: postgresql, dsn: \"" + db.dsn() + " user=" + role + "\"}",
                       policy("drop")));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK((check.out + check.err)
            .find("r.yaml:10:17: error: 'partitions: drop' in policy 'logs': dropping or "
                  "detaching a partition needs its owner's rights, and role '" +
                  role + "' does not own 'access_log', 'access_log_2027_09'") != std::string::npos);
  // The pass deletes the rows instead, and says why.
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == kExpired);
  CHECK(partitions(db).size() == 7);
  check_rows_left(db);
  db.exec("DROP OWNED BY " + role + "; DROP ROLE " + role + ";");
}

TEST_CASE("postgresql partitions: large whole partitions go by their statistics, unread",
          "[postgresql][partitions]") {
  // Two months of 60,000 rows each go whole; the plan takes their rows from the statistics
  // (reltuples per page times the pages now) instead of reading them, and one transaction drops
  // both. The boundary month is read and batched exactly.
  PgDatabase db;
  db.exec(R"sql(
CREATE TABLE access_log (ts timestamp, path text NOT NULL) PARTITION BY RANGE (ts);
CREATE TABLE access_log_2027_09 PARTITION OF access_log FOR VALUES FROM ('2027-09-01') TO ('2027-10-01');
CREATE TABLE access_log_2027_10 PARTITION OF access_log FOR VALUES FROM ('2027-10-01') TO ('2027-11-01');
CREATE TABLE access_log_2027_11 PARTITION OF access_log FOR VALUES FROM ('2027-11-01') TO ('2027-12-01');
CREATE TABLE access_log_default PARTITION OF access_log DEFAULT;
BEGIN;
INSERT INTO access_log SELECT '2027-09-01'::timestamp + i * interval '40 seconds', '/' FROM generate_series(0, 59999) i;
INSERT INTO access_log SELECT '2027-10-01'::timestamp + i * interval '40 seconds', '/' FROM generate_series(0, 59999) i;
INSERT INTO access_log SELECT ts, '/' FROM generate_series('2027-11-01'::timestamp, '2027-11-30 23:00', interval '1 hour') ts;
COMMIT;
ANALYZE access_log;
)sql");
  // (Inserted, then analysed in a transaction of its own: the session reports its inserts to the
  // cumulative statistics after the ANALYZE, which once made the estimate twice the rows.)
  auto scans = [&](const std::string& partition) {
    return db.integer(
        "SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE "
        "relname = '" +
        partition + "'");
  };
  const long long september = scans("access_log_2027_09"), october = scans("access_log_2027_10");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop") + "    max_affected: 100%\n");
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  REQUIRE(plan.at("partitions").size() == 4);
  for (size_t i = 0; i < 2; ++i) {
    INFO(plan.at("partitions")[i].dump());
    CHECK(plan.at("partitions")[i].at("action") == "drop");
    CHECK(plan.at("partitions")[i].at("rows_estimated") == true);
    CHECK(plan.at("partitions")[i].at("rows").get<long long>() >= 54000);
    CHECK(plan.at("partitions")[i].at("rows").get<long long>() <= 66000);
  }
  CHECK(plan.at("partitions")[2].at("rows_estimated") == false);  // the boundary, read
  CHECK(plan.at("partitions")[2].at("rows") == 720);
  CHECK(plan.at("oldest").is_null());  // in a partition that was not read
  // The statistics reach the server's counters when the plan's session ends.
  db.exec("SELECT pg_sleep(0.5)");
  CHECK(scans("access_log_2027_09") == september);
  CHECK(scans("access_log_2027_10") == october);
  CHECK(scans("access_log_2027_11") > 0);
  // Every form says the totals include an estimate (after the scans above: the HTML page's
  // charts read the table).
  CHECK(plan.at("matched_estimated") == true);
  const std::string markdown =
      run_retentiond_ok({"plan", "-c", config, "--at", kAt, "--format", "markdown"}, dir.path())
          .out;
  CHECK(markdown.find("- Selected: about ") != std::string::npos);
  CHECK(markdown.find("; expired: about ") != std::string::npos);
  const std::string html =
      run_retentiond_ok({"plan", "-c", config, "--at", kAt, "--format", "html"}, dir.path()).out;
  CHECK(html.find("Selected: about ") != std::string::npos);
  CHECK(html.find(">about ") != std::string::npos);  // in the table of passes

  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected").get<long long>() ==
        plan.at("partitions")[0].at("rows").get<long long>() +
            plan.at("partitions")[1].at("rows").get<long long>() + 14 * 24);
  CHECK(partitions(db) == std::vector<std::string>{"access_log_2027_11", "access_log_default"});
  CHECK(db.integer("SELECT count(*) FROM access_log") == 720 - 14 * 24);
  CHECK(db.integer("SELECT count(*) FROM access_log WHERE ts < '2027-11-15'") == 0);
  auto history = run_retentiond_ok({"history", "-c", config}, dir.path()).out;
  CHECK(history.find("partition drop \"public\".\"access_log_2027_09\" FROM ('2027-09-01 "
                     "00:00:00') TO ('2027-10-01 00:00:00'): about ") != std::string::npos);
  CHECK(history.find(" rows (estimate)\n") != std::string::npos);
  auto audit =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  const json entry = audit.at("entries").back();
  REQUIRE(entry.at("partitions").size() == 2);
  CHECK(entry.at("partitions")[1].at("rows_estimated") == true);
}

TEST_CASE(
    "postgresql partitions: a legal hold keeps its partition in rows mode, the others go whole",
    "[postgresql][partitions][holds][check]") {
  // A held record must stay, so while a hold lasts its partition may not go whole: the pass
  // deletes that partition's other expired rows one batch at a time and still drops the other
  // expired partition; check says so at 'partitions:', plan names the partition kept.
  PgDatabase db;
  db.exec(kAccessLog);
  db.exec("ALTER TABLE access_log ADD COLUMN id bigserial");
  const std::string held =
      db.column("SELECT id FROM access_log WHERE ts = '2027-09-10 00:00:00'").at(0);
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop") + "    key: id\n");
  auto quiet = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.find("legal hold") == std::string::npos);
  REQUIRE(run_retentiond(
              {"hold", "add", "-c", config, "--policy", "logs", held, "--reason", "court order"},
              dir.path())
              .exit_code == 0);

  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);  // a warning
  CHECK(check.err.find("r.yaml:10:17: warning: policy 'logs': 1 record is under a legal hold "
                       "(retentiond hold list --policy logs): while held, the partitions holding "
                       "them go row by row instead of 'partitions: drop'") != std::string::npos);
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  CHECK(plan.at("held") == 1);
  CHECK(plan.at("matched") == kExpired - 1);
  std::map<std::string, std::string> actions;
  for (const auto& p : plan.at("partitions"))
    actions[p.at("name").get<std::string>()] = p.at("action").get<std::string>();
  CHECK(actions.at("\"public\".\"access_log_2027_09\"") == "rows");
  CHECK(actions.at("\"public\".\"access_log_2027_10\"") == "drop");
  CHECK(plan.at("warnings")
            .dump()
            .find("partition \\\"public\\\".\\\"access_log_2027_09\\\" holds "
                  "a record under a legal hold") != std::string::npos);

  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == kExpired - 1);
  std::map<std::string, std::string> done;
  for (const auto& p : enforce.at("partitions"))
    done[p.at("name").get<std::string>()] = p.at("action").get<std::string>();
  CHECK(done.at("\"public\".\"access_log_2027_10\"") == "drop");
  CHECK(done.at("\"public\".\"access_log_2027_09\"") == "rows");
  CHECK(partitions(db).size() == 6);  // October dropped, September kept for its held record
  CHECK(db.column("SELECT id FROM access_log WHERE ts < '2027-11-15'") ==
        std::vector<std::string>{held});

  // Released: the next pass drops September whole.
  REQUIRE(run_retentiond({"hold", "remove", "-c", config, "--policy", "logs", held}, dir.path())
              .exit_code == 0);
  const json after = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(after.at("affected") == 1);
  CHECK(partitions(db).size() == 5);
}

TEST_CASE("postgresql partitions: a detached table the operator took back is never dropped",
          "[postgresql][partitions]") {
  // One attached again as docs/connectors/postgresql.md says (renamed back, then ATTACH), one
  // attached again under its detached name (its comment kept), and, from another detach, one
  // renamed to keep it: none of them is the pass's to drop after the grace.
  PgDatabase db;
  db.exec(kAccessLog);
  db.exec(
      "CREATE TABLE access_log_2027_08 PARTITION OF access_log FOR VALUES FROM ('2027-08-01') TO "
      "('2027-09-01');"
      "INSERT INTO access_log SELECT ts, '/' FROM generate_series('2027-08-01'::timestamp, "
      "'2027-08-31 23:00', interval '1 hour') ts;");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("detach") + "    grace: 7d\n");
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == kExpired + 744);
  REQUIRE(detached(db).size() == 3);
  db.exec(
      "ALTER TABLE access_log_2027_09_rd_detached_20280315 RENAME TO access_log_2027_09;"
      "ALTER TABLE access_log ATTACH PARTITION access_log_2027_09 FOR VALUES FROM ('2027-09-01') "
      "TO ('2027-10-01');"
      "ALTER TABLE access_log ATTACH PARTITION access_log_2027_10_rd_detached_20280315 FOR VALUES "
      "FROM ('2027-10-01') TO ('2027-11-01');"
      "ALTER TABLE access_log_2027_08_rd_detached_20280315 RENAME TO august_kept_for_court;");
  // A longer promise: the months taken back are no longer expired. Past the grace, nothing of
  // them is dropped, nor the table kept under another name.
  const std::string longer =
      config_for(dir, db, with_value(policy("detach"), "expire_after", "3y") + "    grace: 7d\n");
  const json plan =
      policy_in(json_report("plan", longer, "2028-04-01T00:00:00Z", dir.path()), "logs");
  for (const auto& p : plan.at("partitions")) CHECK(p.at("action") == "rows");
  const json later =
      policy_in(json_report("enforce", longer, "2028-04-01T00:00:00Z", dir.path()), "logs");
  CHECK(later.at("affected") == 0);
  CHECK(db.integer("SELECT count(*) FROM access_log_2027_09") == 720);
  CHECK(db.integer("SELECT count(*) FROM access_log_2027_10_rd_detached_20280315") == 744);
  CHECK(db.integer("SELECT count(*) FROM august_kept_for_court") == 744);
}

TEST_CASE("postgresql partitions: check refuses a key that is not a date, and rows mode acts",
          "[postgresql][partitions][check]") {
  const std::string type = GENERATE("text", "int");
  INFO("key of type " << type);
  PgDatabase db;
  if (type == "text")
    db.exec(
        "CREATE TABLE access_log (ts text) PARTITION BY RANGE (ts);"
        "CREATE TABLE access_log_a PARTITION OF access_log FOR VALUES FROM ('2020-01-01') TO "
        "('2027-11-15');"
        "CREATE TABLE access_log_b PARTITION OF access_log FOR VALUES FROM ('2027-11-15') TO "
        "('2099');"
        "INSERT INTO access_log VALUES ('2020-05-01'), ('2027-11-14 junk'), ('2030-01-01');");
  else
    db.exec(
        "CREATE TABLE access_log (ts int) PARTITION BY RANGE (ts);"
        "CREATE TABLE access_log_a PARTITION OF access_log FOR VALUES FROM (0) TO (1000);"
        "INSERT INTO access_log VALUES (5);");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("r.yaml:10:17: error: 'partitions: drop' in policy 'logs': table "
                       "'access_log' is partitioned by 'ts', a column of type " +
                       std::string(type == "text" ? "text" : "integer") + ", not a date") !=
        std::string::npos);
  if (type == "text") {  // rows mode reads the text as dates, as without 'partitions:'
    const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
    CHECK(enforce.at("affected") == 1);
    CHECK(db.column("SELECT ts FROM access_log ORDER BY ts") ==
          std::vector<std::string>{"2027-11-14 junk", "2030-01-01"});
  }
}

TEST_CASE("postgresql partitions: a table a foreign key refers to is batched, and check says why",
          "[postgresql][partitions][check]") {
  const std::string mode = GENERATE("drop", "detach");
  INFO("partitions: " << mode);
  PgDatabase db;
  // kAccessLog with a key a foreign key can name (the undated row cannot be in it).
  std::string log = kAccessLog;
  const std::string columns = "(ts timestamp, path text NOT NULL)";
  log.replace(log.find(columns), columns.size(),
              "(ts timestamp NOT NULL, path text NOT NULL, id bigserial, PRIMARY KEY (id, ts))");
  const std::string undated = "(NULL, '/undated'), ";
  log.erase(log.find(undated), undated.size());
  db.exec(log);
  db.exec(
      "CREATE TABLE visits (log_id bigint, log_ts timestamp, FOREIGN KEY (log_id, log_ts) "
      "REFERENCES access_log ON DELETE CASCADE);"
      "INSERT INTO visits SELECT id, ts FROM access_log;");
  TempDir dir;
  const std::string config = config_for(dir, db, policy(mode) + "    max_affected: 100%\n");
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("r.yaml:10:17: error: 'partitions: " + mode +
                       "' in policy 'logs': table 'access_log' is referenced by foreign key "
                       "'visits_log_id_log_ts_fkey' of table 'visits': PostgreSQL drops or "
                       "detaches no partition another table refers to; a pass deletes its "
                       "expired rows in batches instead") != std::string::npos);
  // Every expired row goes through the batches, the references with it (ON DELETE CASCADE).
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  INFO(enforce.dump());
  CHECK(enforce.at("affected") == kExpired);
  CHECK(enforce.at("partitions").empty());
  CHECK(partitions(db).size() == 7);
  CHECK(db.integer("SELECT count(*) FROM access_log WHERE ts < '2027-11-15'") == 0);
  CHECK(db.integer("SELECT count(*) FROM visits") == 4368 + 2 - kExpired);
}

TEST_CASE("postgresql partitions: empty expired partitions are dropped though no row is selected",
          "[postgresql][partitions]") {
  // The guard's room is 0 rows (100% of none): a partition counted empty takes none of it.
  PgDatabase db;
  db.exec(
      "CREATE TABLE access_log (ts timestamp, path text NOT NULL) PARTITION BY RANGE (ts);"
      "CREATE TABLE access_log_2027_09 PARTITION OF access_log FOR VALUES FROM ('2027-09-01') TO "
      "('2027-10-01');"
      "CREATE TABLE access_log_2027_10 PARTITION OF access_log FOR VALUES FROM ('2027-10-01') TO "
      "('2027-11-01');"
      "CREATE TABLE access_log_2028_02 PARTITION OF access_log FOR VALUES FROM ('2028-02-01') TO "
      "('2028-03-01');");
  TempDir dir;
  for (const std::string guard : {"", "    max_affected: 100%\n"}) {
    INFO("guard: " << guard);
    const std::string config = config_for(dir, db, policy("drop") + guard);
    const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
    INFO(enforce.dump());
    CHECK(enforce.at("affected") == 0);
    CHECK(enforce.at("warnings").dump().find("max_affected") == std::string::npos);
    CHECK(partitions(db) == std::vector<std::string>{"access_log_2028_02"});
    if (guard.empty())  // the second run finds nothing more to drop
      db.exec(
          "CREATE TABLE access_log_2027_09 PARTITION OF access_log FOR VALUES FROM ('2027-09-01') "
          "TO ('2027-10-01');");
  }
}

TEST_CASE(
    "postgresql partitions: a bound with a fraction of a second past the cut-off keeps "
    "its partition",
    "[postgresql][partitions]") {
  // The cut-off is 2027-11-15T00:00:00Z; access_log_a ends 0.9 s after it and holds a row of
  // 0.5 s after.
  PgDatabase db;
  db.exec(
      "CREATE TABLE access_log (id bigint, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);"
      "CREATE TABLE access_log_a PARTITION OF access_log FOR VALUES FROM ('2027-10-01+00') TO "
      "('2027-11-15 00:00:00.9+00');"
      "CREATE TABLE access_log_b PARTITION OF access_log FOR VALUES FROM ('2027-11-15 "
      "00:00:00.9+00') TO ('2028-12-01+00');"
      "INSERT INTO access_log VALUES (1, '2027-10-01+00'), (2, '2027-11-15 00:00:00.5+00');");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  CHECK(plan.at("matched") == 1);
  const json enforce = policy_in(json_report("enforce", config, kAt, dir.path()), "logs");
  CHECK(enforce.at("affected") == 1);
  CHECK(partitions(db) == std::vector<std::string>{"access_log_a", "access_log_b"});
  CHECK(db.integer("SELECT count(*) FROM access_log WHERE id = 2") == 1);
}

TEST_CASE("postgresql partitions: a database whose DateStyle is not ISO still has its bounds read",
          "[postgresql][partitions]") {
  PgDatabase db;
  db.exec(kAccessLog);
  // Sessions would print bounds as ('01/10/2027 00:00:00'): retentiond's own says ISO.
  db.exec(
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET datestyle = %L', current_database(), "
      "'SQL, DMY'); END $$");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop"));
  const json plan = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  CHECK(plan.at("matched") == kExpired);
  std::map<std::string, std::string> actions;
  for (const auto& p : plan.at("partitions"))
    actions[p.at("name").get<std::string>()] = p.at("action").get<std::string>();
  CHECK(actions["\"public\".\"access_log_2027_09\""] == "drop");
  CHECK(actions["\"public\".\"access_log_2027_10\""] == "drop");
}

TEST_CASE(
    "postgresql partitions: a partition grown past the guard's room ends the pass at the limit",
    "[postgresql][partitions]") {
  // At the plan September and October hold 3 expired rows each, all max_affected allows (6). A
  // transaction open meanwhile adds 2 rows to October: under the pass's lock it then holds 5,
  // more than the 3 the guard leaves once September is gone. The pass stops at the limit, as
  // between batches: October is left whole for the next pass, and the pass ends well.
  PgDatabase db;
  db.exec(R"sql(
CREATE TABLE access_log (ts timestamp, path text NOT NULL) PARTITION BY RANGE (ts);
CREATE TABLE access_log_2027_09 PARTITION OF access_log FOR VALUES FROM ('2027-09-01') TO ('2027-10-01');
CREATE TABLE access_log_2027_10 PARTITION OF access_log FOR VALUES FROM ('2027-10-01') TO ('2027-11-01');
CREATE TABLE access_log_2027_11 PARTITION OF access_log FOR VALUES FROM ('2027-11-01') TO ('2027-12-01');
CREATE TABLE access_log_default PARTITION OF access_log DEFAULT;
INSERT INTO access_log VALUES ('2027-09-02', '/'), ('2027-09-03', '/'), ('2027-09-04', '/'),
  ('2027-10-02', '/'), ('2027-10-03', '/'), ('2027-10-04', '/'), ('2027-11-20', '/');
)sql");
  TempDir dir;
  const std::string config = config_for(dir, db, policy("drop") + "    max_affected: 6\n");
  std::thread writer([&] {
    db.exec(
        "BEGIN; INSERT INTO access_log VALUES ('2027-10-20', '/'), ('2027-10-21', '/'); "
        "SELECT pg_sleep(2); COMMIT");
  });
  while (db.integer("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'BEGIN; INSERT INTO "
                    "access_log%'") == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto run = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  writer.join();
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(partitions(db) ==
        std::vector<std::string>{"access_log_2027_10", "access_log_2027_11", "access_log_default"});
  CHECK(db.integer("SELECT count(*) FROM access_log_2027_10") == 5);
  const json logs = policy_in(json::parse(run.out), "logs");
  CHECK(logs.at("affected") == 3);
  CHECK(logs.at("warnings").dump().find("stopped at the max_affected limit of 6 rows") !=
        std::string::npos);
  const json audit =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  CHECK(audit.at("entries").back().at("outcome") == "ok");
  CHECK(audit.at("entries").back().at("affected") == 3);
}
