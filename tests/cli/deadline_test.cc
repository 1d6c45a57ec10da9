// `deadline: strict` end to end (issue 18): at a moment T, a weekly policy deletes every record
// that would expire before its next scheduled pass, keeps the others and those dated in the future,
// and its reports say how far the cut-off moved; a maximum says how late it may be.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

TEST_CASE("deadline: strict acts on what would expire before the next pass, and says so",
          "[cli][deadline]") {
  TempDir dir;
  const std::string db = dir.file("app.db");
  // T = Wednesday 2026-12-02 12:00 UTC; the next pass of `weekly sun 04:00` is 2026-12-06 04:00.
  sqlite_exec(db,
              "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);"
              "INSERT INTO t VALUES (1, '2025-11-29T00:00:00Z'),"  // expired before T
              " (2, '2025-12-05T00:00:00Z'),"                      // expires before the next pass
              " (3, '2025-12-06T05:00:00Z'),"                      // after it: kept
              " (4, '2027-01-01T00:00:00Z'), (5, NULL);");         // future, no date: kept
  const std::string config =
      dir.write("c.yaml",
                "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                "  - {name: strict, store: app, table: t, since: ts, expire_after: 1y, schedule: "
                "weekly sun 04:00,\n"
                "     deadline: strict, max_affected: 100%}\n");
  const std::map<std::string, std::string> env = {{"TZ", "UTC"}};
  auto plan = run_retentiond(
      {"plan", "-c", config, "--at", "2026-12-02T12:00:00Z", "--format", "json"}, dir.path(), env);
  REQUIRE(plan.exit_code == 0);
  auto p = json::parse(plan.out).at("policies").at(0);
  CHECK(p.at("cutoff") == "2025-12-06T04:00:00Z");
  CHECK(p.at("matched") == 2);
  CHECK(p.at("deadline") == "strict");
  CHECK(p.at("cutoff_moved_seconds") == 3 * 86400 + 16 * 3600);
  CHECK(p.at("lateness_seconds") == 0);
  auto text =
      run_retentiond({"plan", "-c", config, "--at", "2026-12-02T12:00:00Z"}, dir.path(), env);
  CHECK(text.out.find("(1 year before the next scheduled pass, 2026-12-06T04:00:00Z)") !=
        std::string::npos);
  CHECK(text.out.find(
            "cut-off taken from the next scheduled pass, 2026-12-06T04:00:00Z (3 d 16 h ahead)") !=
        std::string::npos);

  auto enforce =
      run_retentiond({"enforce", "-c", config, "--at", "2026-12-02T12:00:00Z"}, dir.path(), env);
  CHECK(enforce.exit_code == 0);
  CHECK(sqlite_column(db, "SELECT id FROM t ORDER BY id") ==
        std::vector<std::string>{"3", "4", "5"});
}

TEST_CASE("deadline: a weekly maximum reports how late it may act", "[cli][deadline]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"), "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);");
  const std::string config =
      dir.write("c.yaml",
                "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                "  - {name: weekly, store: app, table: t, since: ts, expire_after: 1y, schedule: "
                "weekly sun 04:00}\n"
                "  - {name: plain, store: app, table: t, since: ts, expire_after: 1y}\n");
  auto check = run_retentiond({"check", "-c", config}, dir.path(), {{"TZ", "UTC"}});
  CHECK(check.exit_code == 0);
  CHECK(check.err.find("c.yaml:5:81: warning: policy 'weekly' promises 1 year at most, but its "
                       "passes may act up to "
                       "7 d late") != std::string::npos);
  auto plan =
      run_retentiond({"plan", "-c", config, "--at", "2026-12-02T12:00:00Z", "--format", "json"},
                     dir.path(), {{"TZ", "UTC"}});
  auto policies = json::parse(plan.out).at("policies");
  CHECK(policies.at(0).at("deadline") == "maximum");
  CHECK(policies.at(0).at("lateness_seconds") == 7 * 86400);
  CHECK_FALSE(policies.at(0).contains("cutoff_moved_seconds"));
  // A policy with neither schedule nor deadline keeps exactly the brief's fields.
  CHECK_FALSE(policies.at(1).contains("deadline"));
  CHECK_FALSE(policies.at(1).contains("throttle"));
}
