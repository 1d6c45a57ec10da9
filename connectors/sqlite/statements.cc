#include "connectors/sqlite/statements.h"

#include <optional>
#include <vector>

#include "connectors/sql/anonymise.h"
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

  sql::Placeholders named(sql::Placeholders::Style::SqliteNumbered, 10);
  // Numbered parameters may be made in any order: the SET and `already` share them.
  const bool anonymise = p.action == policies::Action::Anonymise;
  std::string set, already;
  if (anonymise) {
    set = sql::set_list(p.anonymise, s.table, s.table + "." + s.key, sql::sqlite_dialect(), named, "main");
    if (auto a = sql::already_anonymised(p.anonymise, s.table, s.table + "." + s.key, sql::sqlite_dialect(), named, "main"))
      already = *a;
  }

  std::string acted = expired;
  if (!p.where.empty()) acted += " AND (" + p.where + ")";
  if (s.holds) acted += " AND NOT (" + held + ")";
  // Rows that already hold their anonymised values are not touched again.
  std::string not_done = already.empty() ? "" : " AND NOT " + already;
  acted += not_done;
  const std::string remaining = expired + (p.where.empty() ? "" : " AND (" + p.where + ")") + not_done;
  if (p.notify) {
    // Records due for a notice, expired at the notice cut-off (bound as ?1).
    s.notice_candidates = "SELECT " + s.key + ", " + s.basis + ", " + q(p.notify->email_column) + " FROM " +
                          s.table + " WHERE " + acted + " ORDER BY " + s.key;
  }
  // With a notice, only the records whose notice went out long enough ago (?6) may be touched.
  const std::string noticed = p.notify ? " AND " + s.key + " IN (SELECT value FROM json_each(?6))" : "";
  acted += noticed;

  std::string matched_filter = expired + (s.holds ? " AND NOT (" + held + ")" : "") + not_done + noticed;
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
  s.samples = "SELECT " + s.key + " FROM " + s.table + " WHERE " + not_null + acted + " ORDER BY " + s.key + " LIMIT ?2";
  s.next_batch = head + s.key + " > ?3 AND " + acted + tail;
  const std::string head_action =
      anonymise ? "UPDATE " + s.table + " SET " + set : "DELETE FROM " + s.table;
  s.first_action = head_action + " WHERE " + s.key + " <= ?2 AND " + acted;
  s.next_action = head_action + " WHERE " + s.key + " > ?3 AND " + s.key + " <= ?2 AND " + acted;
  s.first_count = "SELECT count(*) FROM " + s.table + " WHERE " + s.key + " <= ?2 AND " + remaining;
  s.next_count =
      "SELECT count(*) FROM " + s.table + " WHERE " + s.key + " > ?3 AND " + s.key + " <= ?2 AND " + remaining;

  int index = 0;
  for (const auto& rule : p.also) {
    ++index;
    const std::string related = sql::quote_table(rule.table, '"');
    std::string head = "DELETE FROM " + related;
    std::string not_done_related;
    if (rule.action == policies::Action::Anonymise) {
      const std::string scope = "also" + std::to_string(index);
      head = "UPDATE " + related + " SET " + sql::set_list(rule.anonymise, related, "", sql::sqlite_dialect(), named, scope);
      if (auto a = sql::already_anonymised(rule.anonymise, related, "", sql::sqlite_dialect(), named, scope))
        not_done_related = " AND NOT " + *a;
    }
    auto statement = [&](const std::string& range) {
      return head + " WHERE EXISTS (SELECT 1 FROM " + s.table + " WHERE (" + rule.on + ") AND " + range +
             acted + ")" + not_done_related;
    };
    s.first_also.push_back(statement(s.table + "." + s.key + " <= ?2 AND "));
    s.next_also.push_back(statement(s.table + "." + s.key + " > ?3 AND " + s.table + "." + s.key + " <= ?2 AND "));
  }
  s.named = named.order();
  return s;
}

}  // namespace retentiond::connectors::sqlite
