#include "connectors/sqlite/statements.h"

#include <vector>

#include "connectors/sql/quote.h"

namespace retentiond::connectors::sqlite {
namespace {

std::string q(const std::string& name) { return sql::quote_identifier(name, '"'); }

std::string epoch_call(const std::string& column_sql, policies::DateFormat format) {
  if (format == policies::DateFormat::Auto) return "rd_epoch(" + column_sql + ")";
  return "rd_epoch(" + column_sql + ", '" + std::string(policies::date_format_name(format)) + "')";
}

}  // namespace

std::string term_expression(const policies::BasisTerm& t) {
  if (!t.related) return epoch_call(q(t.column), t.format);
  std::string related = sql::quote_table(*t.related, '"');
  return "(SELECT max(" + epoch_call(related + "." + q(t.column), t.format) + ") FROM " + related +
         " WHERE (" + t.on + "))";
}

SqliteStatements build_statements(const policies::Policy& p, const std::string& key_column,
                                  bool operator_holds) {
  SqliteStatements s;
  s.table = sql::quote_table(*p.table, '"');
  s.key = key_column == "rowid" ? std::string("rowid") : q(key_column);

  std::vector<std::string> terms;
  for (const auto& t : p.since.terms) terms.push_back(term_expression(t));
  if (terms.size() == 1) {
    s.basis = terms[0];
  } else {
    s.basis = "rd_latest(";
    for (size_t i = 0; i < terms.size(); ++i) s.basis += (i ? ", " : "") + terms[i];
    s.basis += ")";
  }
  const std::string expired = s.basis + " < ?1";

  std::string held;
  if (!p.hold_where.empty()) held = "COALESCE((" + p.hold_where + "), 0)";
  if (operator_holds)
    held += (held.empty() ? "" : " OR ") + s.key + " IN (SELECT value FROM json_each(?4))";
  s.holds = !held.empty();

  std::string acted = expired;
  if (!p.where.empty()) acted += " AND (" + p.where + ")";
  if (s.holds) acted += " AND NOT (" + held + ")";

  std::string matched_filter = expired + (s.holds ? " AND NOT (" + held + ")" : "");
  s.plan = "SELECT count(*), count(*) FILTER (WHERE " + matched_filter + "), " +
           (s.holds ? "count(*) FILTER (WHERE " + expired + " AND (" + held + "))" : "0") +
           ", min(" + s.basis + ") FILTER (WHERE " + matched_filter + "), count(*) FILTER (WHERE " +
           s.basis + " IS NULL), count(*) FILTER (WHERE " + s.basis + " > ?5) FROM " + s.table +
           (p.where.empty() ? "" : " WHERE (" + p.where + ")");

  const std::string not_null = key_column == "rowid" ? "" : s.key + " IS NOT NULL AND ";
  const std::string head =
      "SELECT max(k), count(*) FROM (SELECT " + s.key + " AS k FROM " + s.table + " WHERE ";
  const std::string tail = " ORDER BY " + s.key + " LIMIT ?2)";
  s.first_batch = head + not_null + acted + tail;
  s.next_batch = head + s.key + " > ?3 AND " + acted + tail;
  s.first_delete = "DELETE FROM " + s.table + " WHERE " + s.key + " <= ?2 AND " + acted;
  s.next_delete = "DELETE FROM " + s.table + " WHERE " + s.key + " > ?3 AND " + s.key +
                  " <= ?2 AND " + acted;
  return s;
}

}  // namespace retentiond::connectors::sqlite
