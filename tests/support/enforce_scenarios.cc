#include "support/enforce_scenarios.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/config_text.h"
#include "support/report.h"
#include "support/run.h"

namespace retentiond::testing {
namespace {

using nlohmann::json;

const std::string kAt = "2028-03-01T00:00:00Z";

const std::string kBoundaryPolicy = R"(  - name: hits
    store: $store
    table: $table
    expire_after: 1y
    since: $since
    max_affected: 100%
)";

const std::string kDevicesAndPayments = R"(  - name: devices
    store: $store
    table: devices
    expire_after: 1y
    since: {related: adherents, on: "adherents.id = devices.adherent_id", column: date_de_depart}
    max_affected: 100%
  - name: payments
    store: $store
    table: membership
    key: uuid
    expire_after: 1y
    since: {related: adherents, on: "adherents.id = membership.adherent_id", column: date_de_depart}
    max_affected: 100%
)";

const std::string kMembersAndPayments = R"sql(
  INSERT INTO adherents (id, nom, date_de_depart) VALUES (1, 'a', '2026-01-01'), (2, 'b', '2027-12-01'),
    (3, 'c', NULL), (4, 'd', '2027-02-28');
  INSERT INTO devices (mac, adherent_id) VALUES ('m1', 1), ('m2', 1), ('m3', 2), ('m4', 3), ('m5', 99), ('m6', 4);
  INSERT INTO membership VALUES ('a0000000-0000-4000-8000-000000000001', 1, '2025-01-01'),
    ('a0000000-0000-4000-8000-000000000002', 2, '2025-01-01'), ('a0000000-0000-4000-8000-000000000003', 4, '2025-01-01');
)sql";

}  // namespace

void cut_off_boundary_scenario(const TempDir& dir, const SqlStore& store, const std::string& table,
                               const std::string& since, const std::string& unreadable_label) {
  INFO("since: " << since);
  const std::string config = store.write(
      filled(kBoundaryPolicy, {{"store", store.name}, {"table", table}, {"since", since}}));
  run_retentiond_ok({"check", "-c", config}, dir.path());
  auto p = policy_in(json_report("plan", config, kAt, dir.path()), "hits");
  CHECK(p.at("matched") == 2);
  CHECK(p.at("cutoff") == "2027-03-01T00:00:00Z");
  CHECK(p.at("oldest") == "2020-01-01T00:00:00Z");
  CHECK(store.db.integer("SELECT count(*) FROM " + table) == 7);  // plan changed nothing

  CHECK(policy_in(json_report("enforce", config, kAt, dir.path()), "hits").at("affected") == 2);
  CHECK(store.db.column("SELECT label FROM " + table + " ORDER BY id") ==
        std::vector<std::string>{"exact", "plus-1s", "null", "future", unreadable_label});
}

void related_basis_scenario(const TempDir& dir, const SqlStore& store,
                            const std::string& more_policies) {
  store.db.exec(kMembersAndPayments);
  const std::string config =
      store.write(filled(kDevicesAndPayments, {{"store", store.name}}) + more_policies);
  run_retentiond_ok({"check", "-c", config}, dir.path());
  run_retentiond_ok({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  // Device m5 belongs to no member row: no date, kept. Member 4 left one day before the cut-off.
  CHECK(store.db.column("SELECT mac FROM devices ORDER BY id") ==
        std::vector<std::string>{"m3", "m4", "m5"});
  CHECK(store.db.column("SELECT adherent_id FROM membership ORDER BY uuid") ==
        std::vector<std::string>{"2"});
}

void cascade_scenario(const TempDir& dir, const SqlStore& store) {
  store.db.exec(
      "INSERT INTO members VALUES (1, '2020-01-01'), (2, '2028-01-01'), (3, NULL);"
      "INSERT INTO devices (member_id) VALUES (1), (1), (2), (3);");
  const std::string config = store.write("  - name: members\n    store: " + store.name +
                                         "\n    table: members\n"
                                         "    expire_after: 5y\n    since: left_on\n");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(store.db.column("SELECT member_id FROM devices ORDER BY id") ==
        std::vector<std::string>{"2", "3"});
}

std::string guard_scenario(const TempDir& dir, const SqlStore& store) {
  const std::string config = store.write("  - name: logs\n    store: " + store.name +
                                         "\n    table: logs\n"
                                         "    expire_after: 52d\n    since: ts\n");
  const long long before = store.db.integer("SELECT count(*) FROM logs");
  REQUIRE(before > 11);
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(policy_in(json::parse(r.out), "logs").at("affected") == 0);
  CHECK(store.db.integer("SELECT count(*) FROM logs") == before);
  return config;
}

}  // namespace retentiond::testing
