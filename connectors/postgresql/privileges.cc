#include "connectors/postgresql/privileges.h"

#include "connectors/postgresql/catalog.h"
#include "connectors/sql/quote.h"

namespace retentiond::connectors::postgresql {
namespace {

using policies::Diagnostic;

bool granted(pqxx::transaction_base& t, const std::string& query, const std::string& oid,
             const std::string& privilege, const std::string* column = nullptr) {
  auto r =
      column ? t.exec_params(query, oid, *column, privilege) : t.exec_params(query, oid, privilege);
  return !r.empty() && r[0][0].as<bool>();
}

// What one table of the policy needs: SELECT on some column (the statements read its key and
// dates), and DELETE, or UPDATE on each column it anonymises.
void check_table(pqxx::transaction_base& t, const policies::QualifiedName& name,
                 const policies::Location& at, policies::Action action,
                 const std::vector<policies::ColumnAnonymisation>& anonymised,
                 const std::string& role, const std::string& policy, std::vector<Diagnostic>& out,
                 const std::string& locked_key = "") {
  const auto table = describe_table(t, name);
  if (!table) return;
  const std::string quoted = sql::quote_table(name, '"');
  auto lacks = [&](const policies::Location& where, const std::string& what,
                   const std::string& grant) {
    out.push_back(policies::error_at(
        where, "policy '" + policy + "': role " + role + " lacks " + what + " on " + name.str() +
                   ", which its passes need (PostgreSQL checks it only when a statement runs): " +
                   "GRANT " + grant + " TO " + role));
  };
  if (!granted(t, "SELECT has_any_column_privilege($1::oid, $2)", table->oid, "SELECT"))
    lacks(at, "SELECT", "SELECT ON " + quoted);
  // A batch whose `also:` rules run first locks its rows (SELECT ... FOR UPDATE), which
  // PostgreSQL allows only with UPDATE on one column at least: the key's is enough.
  if (!locked_key.empty() &&
      !granted(t, "SELECT has_any_column_privilege($1::oid, $2)", table->oid, "UPDATE")) {
    lacks(at,
          "UPDATE on one column (a batch locks its rows with FOR UPDATE before its also: rules)",
          "UPDATE (" + sql::quote_identifier(locked_key, '"') + ") ON " + quoted);
  }
  if (action == policies::Action::Delete) {
    if (!granted(t, "SELECT has_table_privilege($1::oid, $2)", table->oid, "DELETE"))
      lacks(at, "DELETE", "DELETE ON " + quoted);
    return;
  }
  std::string columns;
  std::optional<policies::Location> first;
  for (const auto& c : anonymised) {
    if (!table->column(c.column)) continue;  // check_policy() names it
    if (granted(t, "SELECT has_column_privilege($1::oid, $2, $3)", table->oid, "UPDATE", &c.column))
      continue;
    columns += (columns.empty() ? "" : ", ") + sql::quote_identifier(c.column, '"');
    if (!first) first = c.location;
  }
  if (!columns.empty())
    lacks(*first, "UPDATE on (" + columns + ")", "UPDATE (" + columns + ") ON " + quoted);
}

}  // namespace

std::vector<Diagnostic> missing_privileges(pqxx::transaction_base& t,
                                           const policies::Policy& policy) {
  std::vector<Diagnostic> out;
  if (!policy.table) return out;
  const std::string role = t.quote_name(t.exec("SELECT current_user")[0][0].c_str());
  std::string locked_key;
  if (!policy.also.empty() || !policy.also_stores.empty()) {
    const auto table = describe_table(t, *policy.table);
    // The key's column, for the GRANT the message suggests (any column would do).
    locked_key = !policy.key.empty()                    ? policy.key
                 : table && !table->primary_key.empty() ? table->primary_key.front()
                 : table && !table->columns.empty()     ? table->columns.front().name
                                                        : "id";
  }
  check_table(t, *policy.table, policy.table_location, policy.action, policy.anonymise, role,
              policy.name, out, locked_key);
  for (const auto& rule : policy.also)
    check_table(t, rule.table, rule.table_location, rule.action, rule.anonymise, role, policy.name,
                out);
  return out;
}

}  // namespace retentiond::connectors::postgresql
