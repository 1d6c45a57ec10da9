#include "connectors/postgresql/statements.h"

#include <stdexcept>
#include <vector>

#include "connectors/sql/expiry.h"
#include "connectors/sql/quote.h"

namespace retentiond::connectors::postgresql {
namespace {

using policies::DateFormat;
using sql::Placeholders;

std::string q(const std::string& name) { return sql::quote_identifier(name, '"'); }

std::string format_text(DateFormat f) {
  switch (f) {
    case DateFormat::Epoch: return "epoch";
    case DateFormat::EpochMs: return "epoch_ms";
    case DateFormat::Auto: return "auto";
    default: return "iso";
  }
}

// One basis term as SQL: its value (timestamptz, NULL when unknown) and its "before the cut-off".
sql::TermSql term_sql(const policies::BasisTerm& t, const std::string& table_sql,
                      const CategoryOf& category_of, Placeholders& p) {
  const std::string owner = t.related ? sql::quote_table(*t.related, '"') : table_sql;
  const std::string column = owner + "." + q(t.column);
  const char category = category_of(t.related, t.column);
  const bool epoch_format = t.format == DateFormat::Epoch || t.format == DateFormat::EpochMs;
  std::string value, before;
  // A related term compares its latest value instead: its own placeholders must not be made.
  Placeholders unused(p);
  Placeholders& direct = t.related ? unused : p;
  switch (category) {
    case 'D':  // date, timestamp, timestamptz
      if (epoch_format)
        throw std::invalid_argument("column '" + t.column + "' holds dates, not epoch numbers; "
                                    "remove 'format: " + std::string(policies::date_format_name(t.format)) + "'");
      value = column + "::timestamptz";
      before = column + " < " + direct.ref("cutoff", "timestamptz");
      break;
    case 'N':  // integers: epoch seconds (or milliseconds)
      if (!epoch_format && t.format != DateFormat::Auto)
        throw std::invalid_argument("column '" + t.column + "' is a number; use 'format: epoch' "
                                    "or 'format: epoch_ms'");
      if (t.format == DateFormat::EpochMs) {
        value = "to_timestamp(" + column + " / 1000.0)";
        before = column + " < " + direct.ref("cutoff_epoch_ms", "bigint");
      } else {
        value = "to_timestamp(" + column + ")";
        before = column + " < " + direct.ref("cutoff_epoch", "bigint");
      }
      break;
    case 'S':  // text holding ISO-8601 (or epoch digits)
      value = "pg_temp.rd_ts(" + column + "::text, '" + format_text(t.format) + "')";
      before = value + " < " + direct.ref("cutoff", "timestamptz");
      break;
    default:
      throw std::invalid_argument("column '" + t.column + "' cannot hold a date (it is neither a "
                                  "date/time, an integer nor text)");
  }
  if (!t.related) return {value, before};
  // The latest matching related row counts.
  std::string latest = "(SELECT max(" + value + ") FROM " + owner + " WHERE (" + t.on + "))";
  return {latest, latest + " < " + p.ref("cutoff", "timestamptz")};
}

struct Conditions {
  std::string basis;    // latest known date, timestamptz
  std::string expired;  // basis known and before the cut-off
  std::string held;     // empty when no hold applies
};

Conditions conditions(const policies::Policy& policy, const std::string& table_sql,
                      const std::string& key, const CategoryOf& category_of, bool operator_holds,
                      Placeholders& p) {
  std::vector<sql::TermSql> terms;
  for (const auto& t : policy.since.terms) terms.push_back(term_sql(t, table_sql, category_of, p));
  Conditions c;
  std::vector<std::string> values;
  for (const auto& t : terms) values.push_back(t.value);
  c.basis = sql::latest_of(values, "GREATEST");
  c.expired = sql::expired_condition(terms);
  if (!policy.hold_where.empty()) c.held = "COALESCE((" + policy.hold_where + "), false)";
  if (operator_holds)
    c.held += (c.held.empty() ? "" : " OR ") + key + "::text IN (SELECT jsonb_array_elements_text(" +
              p.ref("held", "jsonb") + "))";
  return c;
}

// expired AND (where) AND NOT held: what a batch may touch.
std::string acted(const policies::Policy& policy, const Conditions& c) {
  std::string s = c.expired;
  if (!policy.where.empty()) s += " AND (" + policy.where + ")";
  if (!c.held.empty()) s += " AND NOT (" + c.held + ")";
  return s;
}

sql::Sql finish(std::string text, const Placeholders& p) { return sql::Sql{std::move(text), p.order()}; }

}  // namespace

PgStatements build_pg_statements(const policies::Policy& policy, const std::string& key_column,
                                 const CategoryOf& category_of, bool operator_holds) {
  PgStatements s;
  const std::string table = sql::quote_table(*policy.table, '"');
  s.key = q(key_column);

  {
    Placeholders p(Placeholders::Style::Numbered);
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string matched = c.expired + (c.held.empty() ? "" : " AND NOT (" + c.held + ")");
    std::string text =
        "SELECT count(*), count(*) FILTER (WHERE " + matched + "), " +
        (c.held.empty() ? std::string("0") : "count(*) FILTER (WHERE " + c.expired + " AND (" + c.held + "))") +
        ", extract(epoch FROM min(" + c.basis + ") FILTER (WHERE " + matched + "))::bigint" +
        ", count(*) FILTER (WHERE " + c.basis + " IS NULL), count(*) FILTER (WHERE " + c.basis +
        " > " + p.ref("now", "timestamptz") + ") FROM " + table +
        (policy.where.empty() ? "" : " WHERE (" + policy.where + ")");
    s.plan = finish(text, p);
  }
  for (bool next : {false, true}) {
    Placeholders p(Placeholders::Style::Numbered);
    std::string lower = next ? s.key + " > " + p.ref("after") + " AND " : "";
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string text = "WITH batch AS (SELECT " + s.key + " AS k FROM " + table + " WHERE " + lower +
                       acted(policy, c) + " ORDER BY " + s.key + " LIMIT " + p.ref("limit", "bigint") +
                       ") SELECT (SELECT k FROM batch ORDER BY k DESC LIMIT 1)::text, "
                       "(SELECT count(*) FROM batch)";
    (next ? s.next_batch : s.first_batch) = finish(text, p);
  }
  for (bool next : {false, true}) {
    Placeholders p(Placeholders::Style::Numbered);
    std::string range = next ? s.key + " > " + p.ref("after") + " AND " : "";
    range += s.key + " <= " + p.ref("last") + " AND ";
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string text = "DELETE FROM " + table + " WHERE " + range + acted(policy, c);
    (next ? s.next_delete : s.first_delete) = finish(text, p);
  }
  return s;
}

std::string pg_bindings_note(const sql::Sql& s, const std::string& cutoff_text, long long cutoff_epoch) {
  std::string note;
  for (size_t i = 0; i < s.params.size(); ++i) {
    const std::string& n = s.params[i];
    std::string what;
    if (n == "cutoff") what = "'" + cutoff_text + "' (the cut-off)";
    else if (n == "cutoff_epoch") what = std::to_string(cutoff_epoch) + " (the cut-off in epoch seconds)";
    else if (n == "cutoff_epoch_ms") what = std::to_string(cutoff_epoch * 1000) + " (the cut-off in epoch milliseconds)";
    else if (n == "now") what = "the pass's moment";
    else if (n == "limit") what = "the batch size";
    else if (n == "after") what = "the last key of the previous batch";
    else if (n == "last") what = "the last key of this batch";
    else if (n == "held") what = "the keys under an operator's hold";
    else what = n;
    note += (i ? ", $" : " -- $") + std::to_string(i + 1) + " = " + what;
  }
  return note;
}

}  // namespace retentiond::connectors::postgresql
