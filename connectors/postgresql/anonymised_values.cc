#include "connectors/postgresql/anonymised_values.h"

#include <optional>
#include <string>
#include <utility>

#include "connectors/postgresql/error_text.h"
#include "connectors/sql/quote.h"

namespace retentiond::connectors::postgresql {
namespace {

using policies::AnonymiseStrategy;
using policies::ColumnAnonymisation;
using policies::Diagnostic;

// The column's type as declared ("numeric(6,2)") and without its modifier ("numeric"), from the
// catalog (so quoted as needed); nullopt when there is no such column (said elsewhere).
std::optional<std::pair<std::string, std::string>> declared_type(pqxx::connection& c,
                                                                 const std::string& table,
                                                                 const std::string& column) {
  pqxx::nontransaction t(c);
  auto r = t.exec_params(
      "SELECT format_type(a.atttypid, a.atttypmod), format_type(a.atttypid, NULL) FROM "
      "pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 "
      "AND NOT a.attisdropped",
      table, column);
  if (r.empty()) return std::nullopt;
  return std::make_pair(r[0][0].as<std::string>(), r[0][1].as<std::string>());
}

// What `value` becomes in `type`, and whether that is `value` in the type without modifier.
struct Stored {
  std::string text;
  bool same = true;
};

Stored store_as(pqxx::connection& c, const std::string& value, const std::string& type,
                const std::string& base) {
  try {
    pqxx::nontransaction t(c);
    auto r = t.exec_params("SELECT CAST($1 AS " + type + ")::text, CAST($1 AS " + type +
                               ") IS NOT DISTINCT FROM CAST($1 AS " + base + ")",
                           value);
    return {r[0][0].is_null() ? "" : r[0][0].as<std::string>(), r[0][1].as<bool>()};
  } catch (const pqxx::undefined_function&) {
    // A type without equality (json): compared as text.
    pqxx::nontransaction t(c);
    auto r = t.exec_params("SELECT CAST($1 AS " + type + ")::text, CAST($1 AS " + type +
                               ")::text = CAST($1 AS " + base + ")::text",
                           value);
    return {r[0][0].is_null() ? "" : r[0][0].as<std::string>(), r[0][1].as<bool>()};
  }
}

void check_columns(pqxx::connection& c, const policies::QualifiedName& table,
                   const std::vector<ColumnAnonymisation>& columns, std::vector<Diagnostic>& out) {
  for (const auto& col : columns) {
    if (col.strategy.kind != AnonymiseStrategy::Kind::Value) continue;
    auto type = declared_type(c, sql::quote_table(table, '"'), col.column);
    if (!type) continue;
    const std::string where =
        "column '" + col.column + "' of table '" + table.str() + "' (" + type->first + ")";
    try {
      const Stored stored = store_as(c, col.strategy.text, type->first, type->second);
      if (!stored.same)
        out.push_back(policies::error_at(
            col.strategy.location,
            where + " stores the anonymised value '" + col.strategy.text + "' as '" + stored.text +
                "': the next pass would not find it anonymised and would change and count the "
                "record again, every pass; give the value as the column stores it ('" +
                stored.text + "')"));
    } catch (const pqxx::data_exception& e) {
      out.push_back(policies::error_at(
          col.strategy.location, where + " cannot hold the anonymised value given: " +
                                     safe_message(e) + "; give a value of the column's type"));
    } catch (const pqxx::sql_error&) {
      // Another failure (a type with no text input, a privilege): the statements' own checks
      // and the pass say it.
    }
  }
}

}  // namespace

std::vector<Diagnostic> anonymised_value_problems(pqxx::connection& c,
                                                  const policies::Policy& policy) {
  std::vector<Diagnostic> out;
  if (policy.table && policy.action == policies::Action::Anonymise)
    check_columns(c, *policy.table, policy.anonymise, out);
  for (const auto& rule : policy.also)
    if (rule.action == policies::Action::Anonymise)
      check_columns(c, rule.table, rule.anonymise, out);
  return out;
}

}  // namespace retentiond::connectors::postgresql
