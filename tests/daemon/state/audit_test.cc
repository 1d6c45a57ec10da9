// The audit trail: rows chain by SHA-256, and any edit, removal or reordering shows.
#include "daemon/state/audit.h"

#include <catch2/catch.hpp>

#include "daemon/state/state.h"
#include "policies/timestamp.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::daemon;
using namespace retentiond::testing;
using retentiond::policies::parse_timestamp;

namespace {

AuditEntry entry(const std::string& policy, long long affected) {
  AuditEntry e;
  e.policy = policy;
  e.store = "app";
  e.action = "delete";
  e.cutoff = *parse_timestamp("2026-01-01T00:00:00Z");
  e.matched = affected;
  e.affected = affected;
  e.started = *parse_timestamp("2027-01-01T03:15:00Z");
  e.finished = *parse_timestamp("2027-01-01T03:15:02Z");
  e.outcome = "ok";
  return e;
}

// A state file in `dir` holding four chained rows (ids 1 to 4); its path.
std::string filled_state(const TempDir& dir) {
  const std::string path = dir.file("state.db");
  StateFile state(path, true);
  AuditTrail trail(state.db());
  for (int i = 1; i <= 4; ++i) trail.append(entry(i % 2 ? "a" : "b", i * 10));
  return path;
}

AuditTrail::Verification verify(const std::string& path) {
  StateFile state(path, false);
  return AuditTrail(state.db()).verify();
}

// The verification of filled_state()'s four rows after `sql` changed them behind the trail's
// back.
AuditTrail::Verification verify_after(const std::string& sql) {
  TempDir dir;
  const std::string path = filled_state(dir);
  sqlite_exec(path, sql);
  return verify(path);
}

// `v` says the chain is broken, first at row `first_bad_id`.
void check_broken_at(const AuditTrail::Verification& v, long long first_bad_id) {
  CHECK_FALSE(v.intact);
  CHECK(v.first_bad_id == first_bad_id);
}

}  // namespace

TEST_CASE("appended rows chain from the genesis hash", "[audit]") {
  TempDir dir;
  const std::string path = filled_state(dir);
  StateFile state(path, false);
  AuditTrail trail(state.db());
  auto rows = trail.list({}, std::nullopt);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].prev_hash == kGenesisHash);
  for (size_t i = 1; i < rows.size(); ++i) CHECK(rows[i].prev_hash == rows[i - 1].hash);
  for (const auto& r : rows) CHECK(r.hash == audit_digest(r));
  CHECK(trail.list({"b"}, std::nullopt).size() == 2);
  auto v = trail.verify();
  CHECK(v.intact);
  CHECK(v.rows == 4);
}

TEST_CASE("an edited row breaks the chain at that row", "[audit]") {
  check_broken_at(verify_after("UPDATE audit SET affected = 1 WHERE id = 3"), 3);
}

TEST_CASE("an edited row with a recomputed own hash still breaks the next link", "[audit]") {
  TempDir dir;
  const std::string path = filled_state(dir);
  {
    StateFile state(path, true);
    AuditTrail trail(state.db());
    auto rows = trail.list({}, std::nullopt);
    auto forged = rows[1];
    forged.affected = 0;
    forged.hash = audit_digest(forged);
    sqlite_exec(path, "UPDATE audit SET affected = 0, hash = '" + forged.hash + "' WHERE id = 2");
  }
  check_broken_at(verify(path), 3);
}

TEST_CASE("a removed row breaks the chain", "[audit]") {
  check_broken_at(verify_after("DELETE FROM audit WHERE id = 2"), 3);
}

TEST_CASE("a removed last row is not detectable by the chain alone, a removed first row is",
          "[audit]") {
  check_broken_at(verify_after("DELETE FROM audit WHERE id = 1"), 2);
}

TEST_CASE("the audit table holds no personal data columns", "[audit]") {
  // `host` names the machine that wrote the entry (issue 22), not a person.
  TempDir dir;
  auto columns =
      sqlite_column(filled_state(dir), "SELECT name FROM pragma_table_info('audit') ORDER BY cid");
  CHECK(columns == std::vector<std::string>{"id", "policy", "store", "action", "cutoff", "matched",
                                            "held", "affected", "started", "finished", "outcome",
                                            "error_class", "prev_hash", "hash", "keyed", "waited",
                                            "host"});
}

TEST_CASE("the partitions a pass dropped are kept with its row and covered by its hash",
          "[audit][partitions]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  const std::string parts =
      R"json([{"action":"drop","bounds":"FROM ('2027-09-01') TO ('2027-10-01')","rows":720}])json";
  {
    StateFile state(path, true);
    AuditTrail trail(state.db());
    AuditEntry plain = entry("a", 10);
    AuditEntry with = entry("a", 720);
    with.partitions = parts;
    trail.append(plain);
    trail.append(with);
    // A row without partitions hashes as it always did.
    auto rows = trail.list({}, std::nullopt);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].partitions == parts);
    CHECK(rows[0].partitions.empty());
    AuditEntry again = rows[0];
    again.partitions = parts;
    CHECK(audit_digest(again) != rows[0].hash);
  }
  CHECK(verify(path).intact);
  sqlite_exec(path,
              "UPDATE audit_partitions SET partitions = replace(partitions, '720', '7') WHERE "
              "audit_id = 2");
  check_broken_at(verify(path), 2);
}

TEST_CASE("what other stores removed for a pass is kept with its row and covered by its hash",
          "[audit][also]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  const std::string removed =
      R"json([{"store":"lists","sympa":"subscribers","lists":["pic-adherents"],"removed":3}])json";
  {
    StateFile state(path, true);
    AuditTrail trail(state.db());
    AuditEntry with = entry("a", 5);
    with.also_stores = removed;
    trail.append(entry("a", 10));
    trail.append(with);
    auto rows = trail.list({}, std::nullopt);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].also_stores == removed);
    CHECK(rows[0].also_stores.empty());
    AuditEntry again = rows[0];
    again.also_stores = removed;
    CHECK(audit_digest(again) != rows[0].hash);
  }
  CHECK(verify(path).intact);
  // Removing the side row, or changing its count, breaks the chain at that entry.
  sqlite_exec(path,
              "UPDATE audit_also_stores SET also_stores = replace(also_stores, '3', '30') WHERE "
              "audit_id = 2");
  check_broken_at(verify(path), 2);
  sqlite_exec(path, "DELETE FROM audit_also_stores");
  check_broken_at(verify(path), 2);
}

TEST_CASE("the notices a pass sent are kept with its row and covered by its hash",
          "[audit][notify]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  const std::string notices = R"json({"failed":1,"no_address":0,"sent":4})json";
  {
    StateFile state(path, true);
    AuditTrail trail(state.db());
    AuditEntry with = entry("a", 0);
    with.notices = notices;
    trail.append(entry("a", 10));
    trail.append(with);
    auto rows = trail.list({}, std::nullopt);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].notices == notices);
    CHECK(rows[0].notices.empty());
    // An entry without notices digests as it did before they were kept.
    AuditEntry again = rows[0];
    again.notices = notices;
    CHECK(audit_digest(again) != rows[0].hash);
  }
  CHECK(verify(path).intact);
  sqlite_exec(path, "UPDATE audit_notices SET notices = replace(notices, '4', '40')");
  check_broken_at(verify(path), 2);
  sqlite_exec(path, "DELETE FROM audit_notices");
  check_broken_at(verify(path), 2);
}
