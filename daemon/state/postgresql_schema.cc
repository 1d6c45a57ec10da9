// The schema of a PostgreSQL state: the same tables, columns and meaning as the SQLite state
// file's (state.cc), in PostgreSQL's types. Version 5 is the first; later versions migrate in
// order, under an advisory lock, so that hosts starting together create it once. Version 6: the
// partitions a pass in progress has dropped or detached whole (pass_in_progress.partitions).
// Version 7: what other stores removed for a pass (audit_also_stores, pass_in_progress.
// also_stores) and the time a pass under way has waited (pass_in_progress.waited). Version 8:
// the notices a pass sent (audit_notices).
#include <vector>

#include "daemon/state/state.h"

namespace retentiond::daemon {
namespace {

constexpr int kPostgresqlSchemaVersion = 8;
// The schema's advisory lock key ("rtnd" + 2), held by the transaction that creates it.
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(8247912497911250946)";

constexpr const char* kPassFigures = R"sql(
      policy TEXT NOT NULL,
      store TEXT NOT NULL,
      action TEXT NOT NULL,
      cutoff TEXT NOT NULL,
      matched BIGINT NOT NULL,
      held BIGINT NOT NULL,
      affected BIGINT NOT NULL,
      started TEXT NOT NULL,)sql";

// The whole schema, as a fresh database gets it.
std::string latest_schema() {
  return std::string(R"sql(
    CREATE TABLE IF NOT EXISTS audit (
      id BIGINT PRIMARY KEY,)sql") +
         kPassFigures + R"sql(
      finished TEXT NOT NULL,
      outcome TEXT NOT NULL,
      error_class TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL,
      keyed BIGINT NOT NULL DEFAULT 0,
      waited BIGINT NOT NULL DEFAULT 0,
      host TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX IF NOT EXISTS audit_policy ON audit (policy, id);
    CREATE TABLE IF NOT EXISTS audit_partitions (
      audit_id BIGINT PRIMARY KEY,
      partitions TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS audit_also_stores (
      audit_id BIGINT PRIMARY KEY,
      also_stores TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS audit_notices (
      audit_id BIGINT PRIMARY KEY,
      notices TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS pass_in_progress ()sql" +
         kPassFigures + R"sql(
      updated TEXT NOT NULL,
      pid BIGINT NOT NULL,
      owner TEXT NOT NULL DEFAULT '',
      partitions TEXT NOT NULL DEFAULT '',
      waited BIGINT NOT NULL DEFAULT 0,
      also_stores TEXT NOT NULL DEFAULT '',
      also_pending TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (policy)
    );
    CREATE TABLE IF NOT EXISTS secrets (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS holds (
      policy TEXT NOT NULL,
      key TEXT NOT NULL,
      reason TEXT NOT NULL,
      created TEXT NOT NULL,
      until TEXT,
      PRIMARY KEY (policy, key)
    );
    CREATE TABLE IF NOT EXISTS notices (
      policy TEXT NOT NULL,
      key_hash TEXT NOT NULL,
      basis BIGINT NOT NULL,
      sent TEXT NOT NULL,
      PRIMARY KEY (policy, key_hash)
    );
    CREATE TABLE IF NOT EXISTS sightings (
      policy TEXT NOT NULL,
      key_hash TEXT NOT NULL,
      first_seen BIGINT NOT NULL,
      PRIMARY KEY (policy, key_hash)
    );
    CREATE TABLE IF NOT EXISTS sighting_policies (
      policy TEXT PRIMARY KEY,
      since BIGINT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS batch_intent (
      policy TEXT PRIMARY KEY,
      expected BIGINT NOT NULL,
      evidence TEXT NOT NULL,
      recorded TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS batch_intent_items (
      seq BIGSERIAL PRIMARY KEY,
      policy TEXT NOT NULL,
      item TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS batch_intent_items_policy ON batch_intent_items (policy);
  )sql";
}

}  // namespace

std::optional<std::string> StateFile::schema_problem() {
  if (!db_->shared()) return std::nullopt;
  if (!has_table("retentiond_schema")) {
    // A fresh database: the first writable open creates the schema, if it may.
    auto may = db_->prepare("SELECT has_schema_privilege(current_schema(), 'CREATE')");
    if (may.step() && may.integer(0) == 1) return std::nullopt;
    return label() +
           " has no retentiond tables yet, and its user may not create them in its schema "
           "(see 'Several hosts' in docs/deployment.md for the grants)";
  }
  auto readable = db_->prepare("SELECT has_table_privilege('retentiond_schema', 'SELECT')");
  if (!readable.step() || readable.integer(0) != 1)
    return label() +
           ": its user may not read retentiond's tables (see 'Several hosts' in "
           "docs/deployment.md for the grants)";
  auto read = db_->prepare("SELECT max(version) FROM retentiond_schema");
  const long long version = read.step() ? read.integer(0) : 0;
  if (version > kPostgresqlSchemaVersion)
    return label() + " was written by a newer retentiond (schema " + std::to_string(version) + ")";
  std::vector<std::string> tables = {
      "audit",   "audit_partitions", "pass_in_progress",  "secrets",      "holds",
      "notices", "sightings",        "sighting_policies", "batch_intent", "batch_intent_items"};
  if (version >= 7) tables.push_back("audit_also_stores");
  if (version >= 8) tables.push_back("audit_notices");
  for (const auto& table : tables)
    if (!has_table(table))
      return label() + " has no table '" + table + "' although its schema is version " +
             std::to_string(version);
  // A writable open would migrate it: this user must be able to.
  if (auto problem = postgresql_migration_problem(version)) return problem;
  if (auto missing = missing_pass_privileges(); !missing.empty())
    return label() + ": its user lacks what a pass writes with: " + missing +
           " (see 'Several hosts' in docs/deployment.md for the grants)";
  return std::nullopt;
}

std::string StateFile::missing_pass_privileges() {
  if (!db_->shared()) return "";
  // What a pass and `status` do to each table (upserts need UPDATE as well as INSERT),
  // and the sequence batch_intent_items draws from.
  static const std::vector<std::pair<std::string, std::string>> kNeeded = {
      {"audit", "SELECT, INSERT"},
      {"audit_partitions", "SELECT, INSERT"},
      {"audit_also_stores", "SELECT, INSERT"},
      {"audit_notices", "SELECT, INSERT"},
      {"pass_in_progress", "SELECT, INSERT, UPDATE, DELETE"},
      {"batch_intent", "SELECT, INSERT, UPDATE, DELETE"},
      {"batch_intent_items", "SELECT, INSERT, DELETE"},
      {"notices", "SELECT, INSERT, UPDATE, DELETE"},
      {"sightings", "SELECT, INSERT, DELETE"},
      {"sighting_policies", "SELECT, INSERT"},
      {"holds", "SELECT"},  // hold add/remove need INSERT, UPDATE, DELETE: the operator's
      {"secrets", "SELECT"},
  };
  std::string missing;
  auto note = [&](const std::string& what) { missing += (missing.empty() ? "" : "; ") + what; };
  for (const auto& [table, privileges] : kNeeded) {
    if (!has_table(table)) continue;  // not there yet: a migration adds it (checked above)
    std::string lacking;
    size_t at = 0;
    while (at < privileges.size()) {
      size_t comma = privileges.find(", ", at);
      const std::string privilege =
          privileges.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      auto has = db_->prepare("SELECT has_table_privilege(?1, ?2)");
      has.bind(1, table).bind(2, privilege);
      if (!has.step() || has.integer(0) != 1) lacking += (lacking.empty() ? "" : ", ") + privilege;
      at = comma == std::string::npos ? privileges.size() : comma + 2;
    }
    if (!lacking.empty()) note(lacking + " on " + table);
  }
  auto sequence = db_->prepare(
      "SELECT has_sequence_privilege(pg_get_serial_sequence('batch_intent_items', 'seq'), "
      "'USAGE')");
  if (has_table("batch_intent_items") && (!sequence.step() || sequence.integer(0) != 1))
    note("USAGE on the sequence of batch_intent_items");
  return missing;
}

// Each version's changes to the one before, in order: version 6 keeps the partitions of a pass
// in progress; version 7 what other stores removed for a pass, and a pass's time waited; version 8
// the notices a pass sent.
namespace {
struct SchemaStep {
  int version;
  std::vector<std::string> statements;
};
const std::vector<SchemaStep>& schema_steps() {
  static const std::vector<SchemaStep> steps = {
      {6,
       {"ALTER TABLE pass_in_progress ADD COLUMN IF NOT EXISTS partitions TEXT NOT NULL DEFAULT "
        "''"}},
      {7,
       {"ALTER TABLE pass_in_progress ADD COLUMN IF NOT EXISTS waited BIGINT NOT NULL DEFAULT 0, "
        "ADD COLUMN IF NOT EXISTS also_stores TEXT NOT NULL DEFAULT '', ADD COLUMN IF NOT EXISTS "
        "also_pending TEXT NOT NULL DEFAULT ''",
        "CREATE TABLE IF NOT EXISTS audit_also_stores (audit_id BIGINT PRIMARY KEY, also_stores "
        "TEXT NOT NULL)"}},
      {8,
       {"CREATE TABLE IF NOT EXISTS audit_notices (audit_id BIGINT PRIMARY KEY, notices TEXT NOT "
        "NULL)"}},
  };
  return steps;
}
}  // namespace

// ALTER TABLE needs the table's owner: a user that only reads and writes the tables is told
// what the owner must run (the transaction rolls back; the state stays at its version, which
// older hosts still use). Every statement may run again (IF NOT EXISTS): an owner who ran some
// of them by hand, or all of them but the version's update, is not stopped by them.
std::optional<std::string> StateFile::postgresql_migration_problem(long long from) {
  if (from >= kPostgresqlSchemaVersion) return std::nullopt;
  auto owner = db_->prepare(
      "SELECT pg_has_role((SELECT tableowner FROM pg_tables WHERE tablename = "
      "'pass_in_progress' AND schemaname = current_schema()), 'USAGE')");
  if (owner.step() && owner.integer(0) == 1) return std::nullopt;
  std::string all;
  for (const auto& step : schema_steps())
    if (step.version > from)
      for (const auto& statement : step.statements) all += statement + "; ";
  all += "UPDATE retentiond_schema SET version = " + std::to_string(kPostgresqlSchemaVersion) + ";";
  return label() + " is of schema " + std::to_string(from) + " and this retentiond needs " +
         std::to_string(kPostgresqlSchemaVersion) +
         ", but its user may not alter the table pass_in_progress (it is not the owner): run "
         "retentiond once as the tables' owner, or have the owner run: " +
         all;
}

void StateFile::migrate_postgresql(long long from) {
  if (auto problem = postgresql_migration_problem(from)) throw StateError(*problem);
  for (const auto& step : schema_steps())
    if (step.version > from)
      for (const auto& statement : step.statements) db_->exec(statement);
}

void StateFile::create_postgresql_schema() {
  in_transaction(*db_, [&] {
    db_->exec(kSchemaLock);
    // Even IF NOT EXISTS needs CREATE on the schema: a user that only writes the tables (someone
    // else owns them) opens a state of the current schema without it.
    if (!has_table("retentiond_schema"))
      db_->exec("CREATE TABLE IF NOT EXISTS retentiond_schema (version INTEGER NOT NULL)");
    auto read = db_->prepare("SELECT max(version) FROM retentiond_schema");
    const long long current = read.step() ? read.integer(0) : 0;
    if (current > kPostgresqlSchemaVersion)
      throw StateError(label() + " was written by a newer retentiond (schema " +
                       std::to_string(current) + "); refusing to touch it");
    if (current == kPostgresqlSchemaVersion) return;
    if (current >= 5)
      migrate_postgresql(current);
    else
      db_->exec(latest_schema());
    db_->exec("DELETE FROM retentiond_schema");
    db_->exec("INSERT INTO retentiond_schema (version) VALUES (" +
              std::to_string(kPostgresqlSchemaVersion) + ")");
  });
}

}  // namespace retentiond::daemon
