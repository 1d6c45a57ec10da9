#include "connectors/mysql/statements.h"

#include <functional>

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
  return column + " >= '0001-01-01' AND MONTH(" + column + ") <> 0 AND DAYOFMONTH(" + column +
         ") <> 0";
}

// An epoch number (seconds, or milliseconds) as DATETIME, NULL outside the usable dates. DATE_ADD
// reads years 1 to 9999 exactly, where FROM_UNIXTIME stops at 1970 and 2038.
std::string epoch_value(const std::string& number, bool ms) {
  const long long unit = ms ? 1000 : 1;
  return "(CASE WHEN " + number + " >= " + std::to_string(policies::kFirstUsableEpoch * unit) +
         " AND " + number + " < " + std::to_string((policies::kLastUsableEpoch + 1) * unit) +
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
  const std::string iso = "WHEN " + column +
                          " REGEXP '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ "
                          "T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?Z?$' "
                          "AND LEFT(" +
                          column + ", 4) <> '0000' AND LEFT(DATE_FORMAT(" + as_datetime +
                          ", '%Y-%m-%d %H:%i:%s'), CHAR_LENGTH(LEFT(" + text + ", 19))) = LEFT(" +
                          text + ", 19) THEN " + as_datetime + " ";
  const std::string digits =
      "WHEN " + column + " REGEXP '^[0-9]{1,18}$' THEN " +
      epoch_value("CAST(" + column + " AS UNSIGNED)", f == DateFormat::EpochMs) + " ";
  std::string cases;
  if (f == DateFormat::Epoch || f == DateFormat::EpochMs)
    cases = digits;
  else if (f == DateFormat::Auto)
    cases = digits + iso;
  else
    cases = iso;
  return "(CASE " + cases + "END)";
}

std::string cutoff(Placeholders& p) { return "CAST(" + p.ref("cutoff") + " AS DATETIME)"; }

// How each kind of basis column reads as DATETIME (sql::server_dialect).
const sql::ServerDates kDates{
    [](const std::string& column, Placeholders& p) -> sql::TermSql {
      return {"(CASE WHEN " + usable_date(column) + " THEN CAST(" + column + " AS DATETIME) END)",
              column + " < " + cutoff(p) + " AND " + usable_date(column)};
    },
    epoch_value,
    text_value,
    cutoff,
};

sql::Dialect dialect(const sql::CategoryOf& category_of) {
  sql::Dialect d = sql::server_dialect('`', Placeholders::Style::Positional, sql::mysql_dialect(),
                                       category_of, kDates);
  d.max = "MAX";
  d.false_value = "0";
  d.now = [](Placeholders& p) { return "CAST(" + p.ref("now") + " AS DATETIME)"; };
  d.key_among = [](const std::string& key, Placeholders& p, const std::string& name) {
    return "JSON_CONTAINS(" + p.ref(name) + ", JSON_QUOTE(CAST(" + key + " AS CHAR)))";
  };
  d.key_text = [](const std::string& e) { return "CAST(" + e + " AS CHAR)"; };
  d.email_text = [](const std::string& e) { return e; };
  d.epoch_of = epoch_of;
  d.batch = [](const std::string& keys, bool) {
    return "SELECT MAX(k), COUNT(*) FROM (" + keys + ") AS batch";
  };
  return d;
}

}  // namespace

MyStatements build_my_statements(const policies::Policy& policy, const std::string& key_column,
                                 bool integer_key, const sql::CategoryOf& category_of,
                                 bool operator_holds) {
  const sql::Dialect d = dialect(category_of);
  const sql::StatementBuilder b(policy, key_column.empty() ? "" : q(key_column), operator_holds, d);
  MyStatements s;
  s.keyless = key_column.empty();
  const std::string& table = b.table();
  // One date column as it is (no CAST): the same values where they count (expired or future
  // rows, whose dates are usable), and its index can answer the plan.
  std::string basis = b.basis();
  const auto& only = policy.since.terms.front();
  if (policy.since.terms.size() == 1 && !only.related &&
      category_of(std::nullopt, only.column) == 'D')
    basis = table + "." + q(only.column);
  const bool spans = !s.keyless && integer_key;
  // SELECT `what` FROM the table WHERE `condition` (made by `where`, which takes the
  // placeholders), as `whole`; and, on an integer key, within the span (after, upto] of the key
  // as `part`. `where` may return "" (every row).
  auto counted = [&](sql::Sql& whole, sql::Sql& part, const std::string& what,
                     const std::function<std::string(Placeholders&)>& where) {
    for (sql::Sql* out : {&whole, &part}) {
      if (out == &part && !spans) break;
      Placeholders p = b.placeholders();
      const std::string condition = where(p);
      std::string text = "SELECT " + what + " FROM " + table;
      if (out == &whole) {
        if (!condition.empty()) text += " WHERE " + condition;
      } else {
        // One placeholder per statement: the operands of + are not evaluated in order.
        text += " WHERE " + (condition.empty() ? "" : "(" + condition + ") AND ") + b.key() +
                " > " + p.ref("after");
        text += " AND " + b.key() + " <= " + p.ref("upto");
      }
      *out = sql::Sql{text, p.order()};
    }
  };
  counted(s.plan_total, s.part_total, "COUNT(*)", [&](Placeholders&) {
    return policy.where.empty() ? std::string() : "(" + policy.where + ")";
  });
  const std::string key_bounds =
      s.keyless ? "NULL, NULL"
                : "CAST(MIN(" + b.key() + ") AS CHAR), CAST(MAX(" + b.key() + ") AS CHAR)";
  counted(s.plan_matched, s.part_matched,
          "COUNT(*), " + epoch_of("MIN(" + basis + ")") + ", " + key_bounds,
          [&](Placeholders& p) { return b.acted(p); });
  if (!policy.hold_where.empty() || operator_holds)
    counted(s.plan_held, s.part_held, "COUNT(*)", [&](Placeholders& p) {
      std::string condition = b.expired(p) + b.selected() + " AND (";
      return condition + b.held(p) + ")";
    });
  counted(s.plan_undated, s.part_undated, "COUNT(*)",
          [&](Placeholders&) { return b.basis() + " IS NULL" + b.selected(); });
  counted(s.plan_future, s.part_future, "COUNT(*)",
          [&](Placeholders& p) { return basis + " > " + d.now(p) + b.selected(); });
  if (spans) s.key_bounds = sql::Sql{"SELECT " + key_bounds + " FROM " + table, {}};
  s.table_count = b.remaining(nullptr, nullptr);
  if (s.keyless) {
    // Only for delete-only policies (the connector refuses the others): no ORDER BY, so that an
    // index on the date, or the first expired rows of a scan, end each batch early.
    Placeholders p = b.placeholders();
    std::string text = "DELETE FROM " + table + " WHERE " + b.acted(p);
    s.keyless_action = sql::Sql{text + " LIMIT " + p.ref("limit"), p.order()};
    return s;
  }
  static_cast<sql::PolicyStatements&>(s) = b.statements();
  s.key_walk = integer_key && policy.action == policies::Action::Delete && policy.also.empty() &&
               policy.also_stores.empty();
  if (s.key_walk) {
    Placeholders p = b.placeholders();
    std::string text = "DELETE FROM " + table + " WHERE " + b.key() + " > " + p.ref("after");
    text += " AND " + b.key() + " <= " + p.ref("upto") + " AND ";
    text += b.acted(p);
    text += " ORDER BY " + b.key() + " LIMIT " + p.ref("limit");
    s.walk_action = sql::Sql{text, p.order()};
  }
  return s;
}

}  // namespace retentiond::connectors::mysql
