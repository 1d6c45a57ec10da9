#include "support/keyless_scenario.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/report.h"
#include "support/run.h"
#include "support/sqlite_file.h"

namespace retentiond::testing {

void keyless_table_scenario(const TempDir& dir, const SqlStore& store) {
  const ScenarioDatabase& db = store.db;
  const std::string at = "2028-03-01T00:00:00Z";
  // 1,200 old invitations never accepted (more than the first batches hold), then one row either
  // side of the cut-off and at it, a future one and an old accepted one.
  // Two rounds of 600: MariaDB stops a recursion at 1,000 rows by default.
  for (const char* prefix : {"old", "older"})
    db.exec(
        "INSERT INTO invitations_equipes (email, coordinateur_id, creation) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600) "
        "SELECT CONCAT('" +
        std::string(prefix) +
        "', i, '@example.org'), i % 7, TIMESTAMP '2020-01-01 00:00:00' FROM n");
  db.exec(
      "INSERT INTO invitations_equipes (email, coordinateur_id, creation, acceptee) VALUES "
      "('minus-1s@example.org', 1, '2027-02-28 23:59:59', NULL), "
      "('exact@example.org', 1, '2027-03-01 00:00:00', NULL), "
      "('plus-1s@example.org', 1, '2027-03-01 00:00:01', NULL), "
      "('future@example.org', 1, '2031-01-01 00:00:00', NULL), "
      "('accepted@example.org', 1, '2020-01-01 00:00:00', '2020-01-02 00:00:00')");
  const std::string policy =
      "  - name: invitations\n    store: " + store.name +
      "\n    table: invitations_equipes\n    expire_after: 1y\n    since: creation\n"
      "    where: \"acceptee IS NULL\"\n    max_affected: 100%\n";
  const std::string config = store.write(policy);

  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.err);
  CHECK(check.exit_code == 0);

  auto plan = run_retentiond(
      {"plan", "-c", config, "--at", at, "--samples", "3", "--format", "json"}, dir.path());
  INFO(plan.err);
  REQUIRE(plan.exit_code == 0);
  auto planned = policy_in(nlohmann::json::parse(plan.out), "invitations");
  CHECK(planned.at("matched") == 1201);
  CHECK(planned.at("warnings").dump().find("no samples: table 'invitations_equipes' has no key") !=
        std::string::npos);
  CHECK(plan.out.find("example.org") == std::string::npos);

  // A hold names a record by key; with no key it cannot be honoured: hold add refuses it, and
  // one made anyway (by an older version, by hand) stops the pass, so nothing is touched.
  auto add = run_retentiond(
      {"hold", "add", "-c", config, "--policy", "invitations", "1", "--reason", "audit"},
      dir.path());
  CHECK(add.exit_code == 1);
  CHECK(add.err.find("has no key column a record can be named by") != std::string::npos);
  sqlite_exec(dir.file("state.db"),
              "INSERT INTO holds (policy, key, reason, created) VALUES ('invitations', '1', "
              "'audit', '2026-01-01T00:00:00Z')");
  auto held = run_retentiond({"enforce", "-c", config, "--at", at}, dir.path());
  CHECK(held.exit_code == 1);
  CHECK(held.err.find("records are held by key") != std::string::npos);
  CHECK(db.integer("SELECT COUNT(*) FROM invitations_equipes") == 1205);
  REQUIRE(
      run_retentiond({"hold", "remove", "-c", config, "--policy", "invitations", "1"}, dir.path())
          .exit_code == 0);

  auto enforce = run_retentiond({"enforce", "-c", config, "--at", at, "--format", "json"},
                                dir.path(), {{"RETENTIOND_LOG_LEVEL", "debug"}});
  INFO(enforce.err);
  REQUIRE(enforce.exit_code == 0);
  CHECK(policy_in(nlohmann::json::parse(enforce.out), "invitations").at("affected") == 1201);
  CHECK(enforce.err.find("batch 2 of at most") != std::string::npos);
  CHECK(db.column("SELECT email FROM invitations_equipes ORDER BY email") ==
        std::vector<std::string>{"accepted@example.org", "exact@example.org", "future@example.org",
                                 "plus-1s@example.org"});

  // Related rows are tied to their record by key: `also:` on this table is refused, at its line.
  const std::string with_also = store.write(
      policy + "    also: [{table: equipes, on: \"equipes.id = invitations_equipes.id\"}]\n");
  auto refused = run_retentiond({"check", "-c", with_also}, dir.path());
  INFO(refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find(
            with_also +
            ":7:12: error: table 'invitations_equipes' has no single-column primary key, "
            "and 'also:' needs one") != std::string::npos);
}

}  // namespace retentiond::testing
