#include "daemon/state/state_migration.h"

#include "daemon/state/audit.h"

namespace retentiond::daemon {
namespace {

struct Table {
  const char* name;
  std::vector<const char*> columns;  // those a state file of any version may have
};

// In an order that keeps every reference valid (audit_partitions, audit_also_stores and
// audit_notices after audit). A column a file of an older retentiond lacks takes its default in
// the PostgreSQL state.
const std::vector<Table> kTables = {
    {"audit",
     {"id", "policy", "store", "action", "cutoff", "matched", "held", "affected", "started",
      "finished", "outcome", "error_class", "prev_hash", "hash", "keyed", "waited", "host"}},
    {"audit_partitions", {"audit_id", "partitions"}},
    {"audit_also_stores", {"audit_id", "also_stores"}},
    {"audit_notices", {"audit_id", "notices"}},
    {"holds", {"policy", "key", "reason", "created", "until"}},
    {"notices", {"policy", "key_hash", "basis", "sent"}},
    {"sightings", {"policy", "key_hash", "first_seen"}},
    {"sighting_policies", {"policy", "since"}},
    {"secrets", {"name", "value"}},
    {"pass_in_progress",
     {"policy", "store", "action", "cutoff", "matched", "held", "affected", "started", "updated",
      "pid", "owner", "partitions", "waited", "also_stores", "also_pending"}},
    {"batch_intent", {"policy", "expected", "evidence", "recorded"}},
    {"batch_intent_items", {"policy", "item"}},
};

long long copy_table(StateDb& from, StateDb& to, const Table& table) {
  if (!from.has_table(table.name)) return 0;
  std::vector<std::string> columns;
  for (const char* c : table.columns)
    if (from.has_column(table.name, c)) columns.emplace_back(c);
  std::string list, params;
  for (size_t i = 0; i < columns.size(); ++i) {
    list += (i ? ", " : "") + columns[i];
    params += (i ? ", ?" : "?") + std::to_string(i + 1);
  }
  // The names are this file's own constants, never input.
  auto read = from.prepare("SELECT " + list + " FROM " + table.name + " ORDER BY rowid");
  const std::string insert_sql =
      std::string("INSERT INTO ") + table.name + " (" + list + ") VALUES (" + params + ")";
  long long n = 0;
  while (read.step()) {
    auto insert = to.prepare(insert_sql);
    // As text: PostgreSQL reads each value as its column's type, and an integer's text is
    // exactly what it was.
    for (size_t i = 0; i < columns.size(); ++i) {
      const int c = static_cast<int>(i);
      if (read.is_null(c))
        insert.bind_null(c + 1);
      else
        insert.bind(c + 1, read.text(c));
    }
    insert.step();
    ++n;
  }
  return n;
}

}  // namespace

MigrationResult migrate_state(StateFile& from, StateFile& to) {
  if (!to.shared()) throw StateError("the target of a migration must be a PostgreSQL state");
  const auto source = AuditTrail(from.db(), from.audit_key()).verify();
  if (!source.intact)
    throw StateError("the audit chain of " + from.label() + " is broken at entry " +
                     std::to_string(source.first_bad_id) + " (" + source.problem +
                     "); nothing was copied");
  MigrationResult result;
  in_transaction(to.db(), [&] {
    to.db().lock_audit_chain();
    for (const char* table : {"audit", "holds", "notices", "secrets", "pass_in_progress"}) {
      auto count = to.db().prepare(std::string("SELECT count(*) FROM ") + table);
      if (count.step() && count.integer(0) > 0)
        throw StateError(to.label() + " already holds rows in its table '" + table +
                         "'; a state is migrated into an empty one only; nothing was copied");
    }
    for (const auto& table : kTables)
      result.rows.emplace_back(table.name, copy_table(from.db(), to.db(), table));
    const auto copied = AuditTrail(to.db(), from.audit_key()).verify();
    if (!copied.intact || copied.rows != source.rows || copied.head != source.head)
      throw StateError(
          "the chain copied into " + to.label() + " does not verify as in the file (" +
          (copied.intact ? "head " + copied.head + " instead of " + source.head : copied.problem) +
          "); nothing was copied");
    result.entries = copied.rows;
    result.head = copied.head;
  });
  return result;
}

}  // namespace retentiond::daemon
