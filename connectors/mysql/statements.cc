#include "connectors/mysql/statements.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

#include "connectors/sql/anonymise.h"
#include "connectors/sql/expiry.h"
#include "connectors/sql/quote.h"

namespace retentiond::connectors::mysql {
namespace {

using policies::DateFormat;
using sql::Placeholders;

std::string q(const std::string& name) { return sql::quote_identifier(name, '`'); }

// A date, datetime or timestamp column's value is a usable date (policies/timestamp.h): not the
// zero date '0000-00-00' nor one with a zero month or day ('2020-00-10'), which the session's
// sql_mode lets a column hold and which sort before every real date.
std::string usable_date(const std::string& column) {
  return column + " >= '0001-01-01' AND MONTH(" + column + ") <> 0 AND DAYOFMONTH(" + column + ") <> 0";
}

// An epoch number (seconds, or milliseconds) as DATETIME, NULL outside the usable dates. DATE_ADD
// reads years 1 to 9999 exactly, where FROM_UNIXTIME stops at 1970 and 2038.
std::string epoch_value(const std::string& number, bool ms) {
  const long long unit = ms ? 1000 : 1;
  return "(CASE WHEN " + number + " >= " + std::to_string(policies::kFirstUsableEpoch * unit) + " AND " + number +
         " < " + std::to_string((policies::kLastUsableEpoch + 1) * unit) +
         " THEN DATE_ADD(CAST('1970-01-01' AS DATETIME), INTERVAL " +
         (ms ? number + " * 1000 MICROSECOND" : number + " SECOND") + ") END)";
}

// Epoch seconds of a DATETIME, floored, for any usable date (UNIX_TIMESTAMP stops at 1970).
std::string epoch_of(const std::string& datetime) {
  return "FLOOR(TIMESTAMPDIFF(MICROSECOND, '1970-01-01', " + datetime + ") / 1000000)";
}

// ISO-8601 text without offset ('2027-03-01', '2027-03-01 12:00:00', '2027-03-01T12:00:00Z');
// anything else is NULL, so the record is kept. MariaDB cannot parse offsets.
std::string text_value(const std::string& column, DateFormat f) {
  // The text as DATETIME, accepted only when it reads back as written: MariaDB turns an
  // impossible date such as 2027-02-30 into 0000-00-00, which would look expired.
  const std::string text = "REPLACE(REPLACE(" + column + ", 'T', ' '), 'Z', '')";
  // Year 0000 and zero months or days are refused as well: MariaDB reads them as dates.
  const std::string as_datetime = "CAST(" + text + " AS DATETIME)";
  const std::string iso =
      "WHEN " + column +
      " REGEXP '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?Z?$' "
      "AND LEFT(" + column + ", 4) <> '0000' AND LEFT(DATE_FORMAT(" +
      as_datetime + ", '%Y-%m-%d %H:%i:%s'), CHAR_LENGTH(LEFT(" + text + ", 19))) = LEFT(" + text +
      ", 19) THEN " + as_datetime + " ";
  const std::string digits = "WHEN " + column + " REGEXP '^[0-9]{1,18}$' THEN " +
                             epoch_value("CAST(" + column + " AS UNSIGNED)", f == DateFormat::EpochMs) + " ";
  std::string cases;
  if (f == DateFormat::Epoch || f == DateFormat::EpochMs) cases = digits;
  else if (f == DateFormat::Auto) cases = digits + iso;
  else cases = iso;
  return "(CASE " + cases + "END)";
}

sql::TermSql term_sql(const policies::BasisTerm& t, const std::string& table_sql,
                      const CategoryOf& category_of, Placeholders& p) {
  const std::string owner = t.related ? sql::quote_table(*t.related, '`') : table_sql;
  const std::string column = owner + "." + q(t.column);
  const char category = category_of(t.related, t.column);
  const bool epoch_format = t.format == DateFormat::Epoch || t.format == DateFormat::EpochMs;
  std::string value, before;
  // A related term compares its latest value instead: its own placeholders must not be made.
  Placeholders unused(p);
  Placeholders& direct = t.related ? unused : p;
  switch (category) {
    case 'D':
      if (epoch_format)
        throw std::invalid_argument("column '" + t.column + "' holds dates, not epoch numbers; "
                                    "remove 'format: " + std::string(policies::date_format_name(t.format)) + "'");
      value = "(CASE WHEN " + usable_date(column) + " THEN CAST(" + column + " AS DATETIME) END)";
      before = column + " < CAST(" + direct.ref("cutoff") + " AS DATETIME) AND " + usable_date(column);
      break;
    case 'N':
      if (!epoch_format && t.format != DateFormat::Auto)
        throw std::invalid_argument("column '" + t.column + "' is a number; use 'format: epoch' "
                                    "or 'format: epoch_ms'");
      if (t.format == DateFormat::EpochMs) {
        value = epoch_value(column, true);
        before = column + " >= " + std::to_string(policies::kFirstUsableEpoch * 1000) + " AND " + column + " < " +
                 direct.ref("cutoff_epoch_ms");
      } else {
        value = epoch_value(column, false);
        before = column + " >= " + std::to_string(policies::kFirstUsableEpoch) + " AND " + column + " < " +
                 direct.ref("cutoff_epoch");
      }
      break;
    case 'S':
      value = text_value(column, t.format);
      before = value + " < CAST(" + direct.ref("cutoff") + " AS DATETIME)";
      break;
    default:
      throw std::invalid_argument("column '" + t.column + "' cannot hold a date (it is neither a "
                                  "date/time, an integer nor text)");
  }
  if (!t.related) return {value, before};
  std::string latest = "(SELECT MAX(" + value + ") FROM " + owner + " WHERE (" + t.on + "))";
  return {latest, latest + " < CAST(" + p.ref("cutoff") + " AS DATETIME)"};
}

struct Conditions {
  std::string basis;  // the latest date, for comparisons and MIN (raw for one date column)
  std::string known;  // the latest usable date, NULL when there is none
  std::string expired, held;
};

Conditions conditions(const policies::Policy& policy, const std::string& table_sql,
                      const std::string& key, const CategoryOf& category_of, bool operator_holds,
                      Placeholders& p) {
  std::vector<sql::TermSql> terms;
  for (const auto& t : policy.since.terms) terms.push_back(term_sql(t, table_sql, category_of, p));
  Conditions c;
  std::vector<std::string> values;
  for (const auto& t : terms) values.push_back(t.value);
  c.basis = c.known = sql::latest_of(values, "GREATEST");
  // One date column as it is (no CAST): the same values where they count (expired or future
  // rows, whose dates are usable), and its index can answer the plan.
  const auto& only = policy.since.terms.front();
  if (policy.since.terms.size() == 1 && !only.related && category_of(std::nullopt, only.column) == 'D')
    c.basis = table_sql + "." + q(only.column);
  c.expired = sql::expired_condition(terms);
  if (!policy.hold_where.empty()) c.held = "COALESCE((" + policy.hold_where + "), 0)";
  if (operator_holds)
    c.held += (c.held.empty() ? "" : " OR ") + std::string("JSON_CONTAINS(") + p.ref("held") +
              ", JSON_QUOTE(CAST(" + key + " AS CHAR)))";
  return c;
}

std::string acted(const policies::Policy& policy, const Conditions& c) {
  std::string s = c.expired;
  if (!policy.where.empty()) s += " AND (" + policy.where + ")";
  if (!c.held.empty()) s += " AND NOT (" + c.held + ")";
  return s;
}

// " AND NOT (row already anonymised)" for an anonymising policy whose strategies can tell, else
// empty. Makes its placeholders now: call it where its text goes.
std::string not_done(const policies::Policy& policy, const std::string& table, const std::string& key,
                     Placeholders& p) {
  if (policy.action != policies::Action::Anonymise) return "";
  auto already = sql::already_anonymised(policy.anonymise, table, table + "." + key, sql::mysql_dialect(), p, "main");
  return already ? " AND NOT " + *already : "";
}

// " AND key among those whose notice went out long enough ago", for policies with `notify:`.
std::string noticed(const policies::Policy& policy, const std::string& key, Placeholders& p) {
  if (!policy.notify) return "";
  return " AND JSON_CONTAINS(" + p.ref("noticed") + ", JSON_QUOTE(CAST(" + key + " AS CHAR)))";
}

}  // namespace

MyStatements build_my_statements(const policies::Policy& policy, const std::string& key_column, bool integer_key,
                                 const CategoryOf& category_of, bool operator_holds) {
  MyStatements s;
  const std::string table = sql::quote_table(*policy.table, '`');
  s.keyless = key_column.empty();
  if (!s.keyless) s.key = q(key_column);
  // Placeholders are positional, one value per occurrence: each statement builds its conditions
  // in the order its clauses appear. The basis itself holds no placeholder, so it comes from a
  // scratch builder.
  Placeholders scratch(Placeholders::Style::Positional);
  const Conditions unbound = conditions(policy, table, s.key, category_of, operator_holds, scratch);
  const std::string& basis = unbound.basis;
  const std::string selected = policy.where.empty() ? "" : " WHERE (" + policy.where + ")";
  const std::string and_selected = policy.where.empty() ? "" : " AND (" + policy.where + ")";
  s.plan_total = sql::Sql{"SELECT COUNT(*) FROM " + table + selected, {}};
  {
    Placeholders p(Placeholders::Style::Positional);
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    const std::string key_bounds =
        s.keyless ? "NULL, NULL" : "CAST(MIN(" + s.key + ") AS CHAR), CAST(MAX(" + s.key + ") AS CHAR)";
    std::string text = "SELECT COUNT(*), " + epoch_of("MIN(" + basis + ")") + ", " + key_bounds + " FROM " +
                       table + " WHERE " + acted(policy, c);
    text += not_done(policy, table, s.key, p);
    text += noticed(policy, s.key, p);
    s.plan_matched = sql::Sql{text, p.order()};
  }
  if (!policy.hold_where.empty() || operator_holds) {
    Placeholders p(Placeholders::Style::Positional);
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    s.plan_held = sql::Sql{"SELECT COUNT(*) FROM " + table + " WHERE " + c.expired + and_selected + " AND (" +
                               c.held + ")",
                           p.order()};
  }
  s.plan_undated = sql::Sql{"SELECT COUNT(*) FROM " + table + " WHERE " + unbound.known + " IS NULL" + and_selected, {}};
  {
    Placeholders p(Placeholders::Style::Positional);
    std::string text = "SELECT COUNT(*) FROM " + table + " WHERE " + basis + " > CAST(" + p.ref("now") +
                       " AS DATETIME)" + and_selected;
    s.plan_future = sql::Sql{text, p.order()};
  }
  // The expired records left in a range; `lower` and `upper` name its bounds' values.
  auto remaining = [&](const char* lower, const char* upper) {
    Placeholders p(Placeholders::Style::Positional);
    std::string text = "SELECT COUNT(*) FROM " + table + " WHERE ";
    if (lower) text += s.key + " > " + p.ref(lower) + " AND ";
    if (upper) text += s.key + " <= " + p.ref(upper) + " AND ";
    text += conditions(policy, table, s.key, category_of, operator_holds, p).expired + and_selected;
    text += not_done(policy, table, s.key, p);
    return sql::Sql{text, p.order()};
  };
  s.table_count = remaining(nullptr, nullptr);
  if (s.keyless) {
    // Only for delete-only policies (the connector refuses the others): no ORDER BY, so that an
    // index on the date, or the first expired rows of a scan, end each batch early.
    Placeholders p(Placeholders::Style::Positional);
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string text = "DELETE FROM " + table + " WHERE " + acted(policy, c);
    s.keyless_action = sql::Sql{text + " LIMIT " + p.ref("limit"), p.order()};
    return s;
  }
  s.key_walk = integer_key && policy.action == policies::Action::Delete && policy.also.empty();
  if (s.key_walk) {
    Placeholders p(Placeholders::Style::Positional);
    std::string text = "DELETE FROM " + table + " WHERE " + s.key + " > " + p.ref("after");
    text += " AND " + s.key + " <= " + p.ref("upto") + " AND ";
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    text += acted(policy, c);
    text += noticed(policy, s.key, p);
    text += " ORDER BY " + s.key + " LIMIT " + p.ref("limit");
    s.walk_action = sql::Sql{text, p.order()};
  }
  s.first_count = remaining(nullptr, "last");
  s.next_count = remaining("after", "last");
  {
    Placeholders p(Placeholders::Style::Positional);
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string done = not_done(policy, table, s.key, p);
    done += noticed(policy, s.key, p);
    const std::string limit = p.ref("limit");
    s.samples = sql::Sql{"SELECT CAST(" + s.key + " AS CHAR) FROM " + table + " WHERE " + acted(policy, c) + done +
                             " ORDER BY " + s.key + " LIMIT " + limit,
                         p.order()};
  }
  for (bool next : {false, true}) {
    Placeholders p(Placeholders::Style::Positional);
    std::string lower = next ? s.key + " > " + p.ref("after") + " AND " : "";
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string done = not_done(policy, table, s.key, p);
    done += noticed(policy, s.key, p);
    const std::string limit = p.ref("limit");  // after the conditions' placeholders
    std::string text = "SELECT MAX(k), COUNT(*) FROM (SELECT " + s.key + " AS k FROM " + table + " WHERE " +
                       lower + acted(policy, c) + done + " ORDER BY " + s.key + " LIMIT " + limit + ") AS batch";
    (next ? s.next_batch : s.first_batch) = sql::Sql{text, p.order()};
  }
  for (bool next : {false, true}) {
    Placeholders p(Placeholders::Style::Positional);
    std::string head = "DELETE FROM " + table;
    if (policy.action == policies::Action::Anonymise)
      head = "UPDATE " + table + " SET " +
             sql::set_list(policy.anonymise, table, table + "." + s.key, sql::mysql_dialect(), p, "main");
    std::string range = next ? s.key + " > " + p.ref("after") + " AND " : "";
    range += s.key + " <= " + p.ref("last") + " AND ";
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string text = head + " WHERE " + range + acted(policy, c);
    text += not_done(policy, table, s.key, p);
    text += noticed(policy, s.key, p);
    (next ? s.next_action : s.first_action) = sql::Sql{text, p.order()};
  }
  if (policy.notify) {
    Placeholders scratch(Placeholders::Style::Positional);
    const std::string basis = conditions(policy, table, s.key, category_of, operator_holds, scratch).basis;
    Placeholders p(Placeholders::Style::Positional);
    Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
    std::string text = "SELECT CAST(" + s.key + " AS CHAR), " + epoch_of(basis) + ", " +
                       q(policy.notify->email_column) + " FROM " + table + " WHERE " + acted(policy, c);
    text += not_done(policy, table, s.key, p);
    s.notice_candidates = sql::Sql{text + " ORDER BY " + s.key, p.order()};
  }
  int index = 0;
  for (const auto& rule : policy.also) {
    ++index;
    const std::string related = sql::quote_table(rule.table, '`');
    for (bool next : {false, true}) {
      Placeholders p(Placeholders::Style::Positional);
      std::string head = "DELETE FROM " + related;
      const std::string scope = "also" + std::to_string(index);
      const bool anonymise = rule.action == policies::Action::Anonymise;
      if (anonymise)
        head = "UPDATE " + related + " SET " + sql::set_list(rule.anonymise, related, "", sql::mysql_dialect(), p, scope);
      std::string range = next ? table + "." + s.key + " > " + p.ref("after") + " AND " : "";
      range += table + "." + s.key + " <= " + p.ref("last") + " AND ";
      Conditions c = conditions(policy, table, s.key, category_of, operator_holds, p);
      std::string text = head + " WHERE EXISTS (SELECT 1 FROM " + table + " WHERE (" + rule.on + ") AND " + range +
                         acted(policy, c);
      text += not_done(policy, table, s.key, p);
      text += noticed(policy, s.key, p) + ")";
      if (anonymise)
        if (auto already = sql::already_anonymised(rule.anonymise, related, "", sql::mysql_dialect(), p, scope))
          text += " AND NOT " + *already;
      (next ? s.next_also : s.first_also).push_back(sql::Sql{text, p.order()});
    }
  }
  return s;
}

std::string my_bindings_note(const sql::Sql& s, const std::string& cutoff_text, long long cutoff_epoch,
                             const std::map<std::string, std::string>& literals) {
  std::string note;
  const bool key_span = std::find(s.params.begin(), s.params.end(), "upto") != s.params.end();
  for (size_t i = 0; i < s.params.size(); ++i) {
    const std::string& n = s.params[i];
    std::string what;
    if (n == "cutoff") what = "'" + cutoff_text + "'";
    else if (n == "cutoff_epoch") what = std::to_string(cutoff_epoch);
    else if (n == "cutoff_epoch_ms") what = std::to_string(cutoff_epoch * 1000);
    else if (n == "now") what = "the pass's moment";
    else if (n == "limit") what = "the batch size";
    else if (n == "after") what = key_span ? "the end of the previous batch's key span" : "the last key of the previous batch";
    else if (n == "upto") what = "the end of this batch's key span";
    else if (n == "last") what = "the last key of this batch";
    else if (n == "held") what = "the keys under an operator's hold";
    else if (n == "noticed") what = "the keys whose notice went out at least 'before' ago";
    else if (auto d = sql::describe_anonymise_param(n, literals); !d.empty()) what = d;
    else what = n;
    note += (i ? ", ?" : " -- ?") + std::to_string(i + 1) + " = " + what;
  }
  return note;
}

}  // namespace retentiond::connectors::mysql
