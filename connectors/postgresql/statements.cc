#include "connectors/postgresql/statements.h"

#include <stdexcept>
#include <vector>

#include "connectors/sql/anonymise.h"
#include "connectors/sql/expiry.h"
#include "connectors/sql/quote.h"

namespace retentiond::connectors::postgresql {
namespace {

using policies::DateFormat;
using sql::Placeholders;

std::string q(const std::string& name) { return sql::quote_identifier(name, '"'); }

// The usable dates (policies/timestamp.h), as PostgreSQL literals: a column may also hold
// 'infinity', '-infinity', BC dates and years past 9999, which are kept as undated.
const std::string kFirstDate = "'0001-01-01 00:00:00+00'::timestamptz";
const std::string kEndDate = "'10000-01-01 00:00:00+00'::timestamptz";  // exclusive

// "column >= first AND column < end" for epoch numbers, in seconds or milliseconds. NaN sorts
// above every number in PostgreSQL, so it is outside too.
std::string epoch_bounds(const std::string& column, long long unit) {
  return column + " >= " + std::to_string(policies::kFirstUsableEpoch * unit) + " AND " + column + " < " +
         std::to_string((policies::kLastUsableEpoch + 1) * unit);
}

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
      value = "CASE WHEN " + column + " >= " + kFirstDate + " AND " + column + " < " + kEndDate + " THEN " +
              column + "::timestamptz END";
      before = column + " >= " + kFirstDate + " AND " + column + " < " + direct.ref("cutoff", "timestamptz");
      break;
    case 'N':  // integers: epoch seconds (or milliseconds)
      if (!epoch_format && t.format != DateFormat::Auto)
        throw std::invalid_argument("column '" + t.column + "' is a number; use 'format: epoch' "
                                    "or 'format: epoch_ms'");
      if (t.format == DateFormat::EpochMs) {
        value = "CASE WHEN " + epoch_bounds(column, 1000) + " THEN to_timestamp(" + column + " / 1000.0) END";
        before = column + " >= " + std::to_string(policies::kFirstUsableEpoch * 1000) + " AND " + column +
                 " < " + direct.ref("cutoff_epoch_ms", "bigint");
      } else {
        value = "CASE WHEN " + epoch_bounds(column, 1) + " THEN to_timestamp(" + column + ") END";
        before = column + " >= " + std::to_string(policies::kFirstUsableEpoch) + " AND " + column + " < " +
                 direct.ref("cutoff_epoch", "bigint");
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
  std::string not_done; // " AND NOT (already anonymised)", or empty
  std::string noticed;  // " AND key among those whose notice went out", or empty
};

Conditions conditions(const policies::Policy& policy, const std::string& table_sql,
                      const std::string& key, const CategoryOf& category_of, bool operator_holds,
                      Placeholders& p, bool restrict_to_noticed = true) {
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
  if (policy.action == policies::Action::Anonymise) {
    if (auto a = sql::already_anonymised(policy.anonymise, table_sql, table_sql + "." + key, sql::postgresql_dialect(), p, "main"))
      c.not_done = " AND NOT " + *a;
  }
  if (policy.notify && restrict_to_noticed)
    c.noticed = " AND " + key + "::text IN (SELECT jsonb_array_elements_text(" + p.ref("noticed", "jsonb") + "))";
  return c;
}

// expired AND (where) AND NOT held: what a batch may touch.
std::string acted(const policies::Policy& policy, const Conditions& c) {
  std::string s = c.expired;
  if (!policy.where.empty()) s += " AND (" + policy.where + ")";
  if (!c.held.empty()) s += " AND NOT (" + c.held + ")";
  return s + c.not_done + c.noticed;
}

sql::Sql finish(std::string text, const Placeholders& p) { return sql::Sql{std::move(text), p.order()}; }

}  // namespace

PgStatements build_pg_statements(const policies::Policy& policy, const std::string& key_column,
                                 const CategoryOf& category_of, bool operator_holds, bool stored_table) {
  PgStatements s;
  const std::string table = sql::quote_table(*policy.table, '"');
  s.key = q(key_column);
  s.block_walk = stored_table && policy.action == policies::Action::Delete && policy.also.empty();

  {
    Placeholders p(Placeholders::Style::Numbered);
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string matched = c.expired + (c.held.empty() ? "" : " AND NOT (" + c.held + ")") + c.not_done + c.noticed;
    std::string text =
        "SELECT count(*), count(*) FILTER (WHERE " + matched + "), " +
        (c.held.empty() ? std::string("0") : "count(*) FILTER (WHERE " + c.expired + " AND (" + c.held + "))") +
        ", extract(epoch FROM min(" + c.basis + ") FILTER (WHERE " + matched + "))::bigint" +
        ", count(*) FILTER (WHERE " + c.basis + " IS NULL), count(*) FILTER (WHERE " + c.basis +
        " > " + p.ref("now", "timestamptz") + ")";
    if (s.block_walk)
      text += ", (min(ctid) FILTER (WHERE " + matched + "))::text, (max(ctid) FILTER (WHERE " + matched + "))::text";
    text += " FROM " + table + (policy.where.empty() ? "" : " WHERE (" + policy.where + ")");
    s.plan = finish(text, p);
  }
  if (s.block_walk) {
    // Blocks [lo, hi) as tids: (lo,0) sorts before every row of block lo.
    Placeholders p(Placeholders::Style::Numbered);
    std::string range = "ctid >= " + p.ref("lo", "tid");
    range += " AND ctid < " + p.ref("hi", "tid") + " AND ";
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    const std::string condition = acted(policy, c);
    s.walk_action = finish("DELETE FROM " + table + " WHERE " + range + condition, p);
    s.walk_action_limited =
        finish("WITH gone AS (DELETE FROM " + table + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + table +
                   " WHERE " + range + condition + " LIMIT " + p.ref("limit", "bigint") + ")) AND " + condition +
                   " RETURNING 1) SELECT count(*) FROM gone",
               p);
  }
  {
    Placeholders p(Placeholders::Style::Numbered);
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    s.samples = finish("SELECT " + s.key + "::text FROM " + table + " WHERE " + acted(policy, c) + " ORDER BY " +
                           s.key + " LIMIT " + p.ref("limit", "bigint"),
                       p);
  }
  for (bool next : {false, true}) {
    Placeholders p(Placeholders::Style::Numbered);
    std::string lower = next ? s.key + " > " + p.ref("after") + " AND " : "";
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string text = "WITH batch AS (SELECT " + s.key + " AS k FROM " + table + " WHERE " + lower +
                       acted(policy, c) + " ORDER BY " + s.key + " LIMIT " + p.ref("limit", "bigint") +
                       // Related rows go first: the records stay locked until the action.
                       (policy.also.empty() ? "" : " FOR UPDATE") + ") SELECT (SELECT k FROM batch ORDER BY k DESC LIMIT 1)::text, "
                       "(SELECT count(*) FROM batch)";
    (next ? s.next_batch : s.first_batch) = finish(text, p);
  }
  for (bool next : {false, true}) {
    Placeholders p(Placeholders::Style::Numbered);
    std::string range = next ? s.key + " > " + p.ref("after") + " AND " : "";
    range += s.key + " <= " + p.ref("last") + " AND ";
    std::string head = "DELETE FROM " + table;
    if (policy.action == policies::Action::Anonymise)
      head = "UPDATE " + table + " SET " +
             sql::set_list(policy.anonymise, table, table + "." + s.key, sql::postgresql_dialect(), p, "main");
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string text = head + " WHERE " + range + acted(policy, c);
    (next ? s.next_action : s.first_action) = finish(text, p);
  }
  if (policy.notify) {
    Placeholders p(Placeholders::Style::Numbered);
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p, /*restrict_to_noticed=*/false);
    s.notice_candidates = finish("SELECT " + s.key + "::text, extract(epoch FROM " + c.basis + ")::bigint, " +
                                     q(policy.notify->email_column) + "::text FROM " + table + " WHERE " +
                                     acted(policy, c) + " ORDER BY " + s.key,
                                 p);
  }
  int index = 0;
  for (const auto& rule : policy.also) {
    ++index;
    const std::string related = sql::quote_table(rule.table, '"');
    for (bool next : {false, true}) {
      Placeholders p(Placeholders::Style::Numbered);
      std::string head = "DELETE FROM " + related;
      std::string not_done;
      if (rule.action == policies::Action::Anonymise) {
        const std::string scope = "also" + std::to_string(index);
        head = "UPDATE " + related + " SET " + sql::set_list(rule.anonymise, related, "", sql::postgresql_dialect(), p, scope);
        if (auto a = sql::already_anonymised(rule.anonymise, related, "", sql::postgresql_dialect(), p, scope))
          not_done = " AND NOT " + *a;
      }
      std::string range = next ? table + "." + s.key + " > " + p.ref("after") + " AND " : "";
      range += table + "." + s.key + " <= " + p.ref("last") + " AND ";
      Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
      std::string text = head + " WHERE EXISTS (SELECT 1 FROM " + table + " WHERE (" + rule.on + ") AND " + range +
                         acted(policy, c) + ")" + not_done;
      (next ? s.next_also : s.first_also).push_back(finish(text, p));
    }
  }
  return s;
}

std::string pg_bindings_note(const sql::Sql& s, const std::string& cutoff_text, long long cutoff_epoch,
                             const std::map<std::string, std::string>& literals) {
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
    else if (n == "lo") what = "the batch's first block, as (block,0)";
    else if (n == "hi") what = "the block after the batch's last, as (block,0)";
    else if (n == "last") what = "the last key of this batch";
    else if (n == "held") what = "the keys under an operator's hold";
    else if (n == "noticed") what = "the keys whose notice went out at least 'before' ago";
    else if (auto d = sql::describe_anonymise_param(n, literals); !d.empty()) what = d;
    else what = n;
    note += (i ? ", $" : " -- $") + std::to_string(i + 1) + " = " + what;
  }
  return note;
}

}  // namespace retentiond::connectors::postgresql
