#include "connectors/sql/catalog.h"

#include <algorithm>

#include "connectors/sql/check.h"

namespace retentiond::connectors::sql {

const Column* TableShape::column(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> TableShape::column_names() const {
  std::vector<std::string> out;
  for (const auto& c : columns) out.push_back(c.name);
  return out;
}

bool TableShape::declared_unique(const std::string& name) const {
  if (name == implicit_key || (primary_key.size() == 1 && primary_key.front() == name)) return true;
  return std::find(unique_columns.begin(), unique_columns.end(), name) != unique_columns.end();
}

Result<PolicyTables> PolicyTables::describe(const policies::Policy& policy, TableShape table,
                                            const CatalogLookup& catalog,
                                            const std::string& prefix) {
  PolicyTables out;
  out.table_ = std::move(table);
  for (const auto& term : policy.since.terms) {
    if (!term.related || out.related_.count(term.related->str())) continue;
    auto related = catalog.describe(*term.related);
    if (!related)
      return Error{ErrorKind::SchemaMismatch,
                   prefix + "related table '" + term.related->str() + "' does not exist"};
    out.related_.emplace(term.related->str(), std::move(*related));
  }
  return out;
}

char PolicyTables::category(const std::optional<policies::QualifiedName>& related,
                            const std::string& column) const {
  const TableShape& owner = related ? related_.at(related->str()) : table_;
  const Column* c = owner.column(column);
  return c ? c->category : 0;
}

Result<KeyChoice> choose_key(const policies::Policy& policy, const TableShape& table,
                             bool operator_holds, const std::string& prefix,
                             const std::string& keyless_refusal) {
  KeyChoice key;
  key.column = policy.key;
  if (key.column.empty() && table.primary_key.size() == 1) key.column = table.primary_key[0];
  if (key.column.empty()) key.column = table.implicit_key;
  if (!key.column.empty()) {
    if (const Column* c = table.column(key.column)) {
      key.integer = c->integer;
    } else if (key.column == table.implicit_key) {
      key.integer = true;
    } else {
      return Error{ErrorKind::SchemaMismatch, prefix + "table '" + policy.table->str() +
                                                  "' has no key column '" + key.column + "'"};
    }
    key.unique = table.declared_unique(key.column);
    if (!key.unique && policy.notify)
      return Error{ErrorKind::SchemaMismatch,
                   prefix + non_unique_notify_message(policy, key.column)};
    return key;
  }
  // No key: only a delete-only policy can walk the table, each batch re-reading the expiry
  // condition itself.
  if (auto why = key_needed_for(policy))
    return Error{ErrorKind::SchemaMismatch, prefix + missing_key_message(policy, *why)};
  if (!keyless_refusal.empty()) return Error{ErrorKind::SchemaMismatch, prefix + keyless_refusal};
  if (operator_holds)
    return Error{ErrorKind::SchemaMismatch, prefix + keyless_holds_message(policy)};
  key.keyless = true;
  return key;
}

policies::Policy keyed_by(const policies::Policy& policy, const KeyChoice& key) {
  policies::Policy out = policy;
  out.key_unique = policy.key_unique && key.unique;
  return out;
}

}  // namespace retentiond::connectors::sql
