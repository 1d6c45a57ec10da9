#include "connectors/mysql/statements.h"

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

// ISO-8601 text ('2027-03-01', '2027-03-01 12:00:00', '2027-03-01T12:00:00Z',
// '2027-03-01T12:00:00+02:00'; no offset means UTC) as a UTC DATETIME; anything else is NULL, so
// the record is kept. MariaDB's CAST reads no offset: it is cut off the text and subtracted.
std::string iso_value(const std::string& column) {
  // The offset follows a time (from the 11th character on): a date's own '-01' is none.
  const std::string after_date = "SUBSTRING(" + column + ", 11)";
  const std::string offset = "REGEXP_SUBSTR(" + after_date + ", '[+-][0-9]{2}(:?[0-9]{2})?$')";
  const std::string local = "REPLACE(CONCAT(LEFT(" + column + ", 10), REGEXP_REPLACE(" +
                            after_date + ", '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$', '')), 'T', ' ')";
  const std::string as_datetime = "CAST(" + local + " AS DATETIME)";
  // "+02:00", "+0200" or "+02" in minutes east of UTC.
  const std::string digits = "REPLACE(" + offset + ", ':', '')";
  const std::string minutes = "(CASE WHEN LEFT(" + offset + ", 1) = '-' THEN -1 ELSE 1 END * (" +
                              "CAST(SUBSTRING(" + digits + ", 2, 2) AS SIGNED) * 60 + " +
                              "CAST(COALESCE(NULLIF(SUBSTRING(" + digits +
                              ", 4, 2), ''), '0') AS SIGNED)))";
  // Accepted only when the text reads back as written: MariaDB turns an impossible date such as
  // 2027-02-30 into 0000-00-00, which would look expired. An offset is at most 23:59 (+25:00 or
  // +00:99 would move the date by hours it does not say). Year 0000 and zero months or days are
  // refused as well: MariaDB reads them as dates.
  return "WHEN " + column +
         " REGEXP '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ "
         "T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?$'"
         " "
         "AND LEFT(" +
         column + ", 4) <> '0000' AND LEFT(DATE_FORMAT(" + as_datetime +
         ", '%Y-%m-%d %H:%i:%s'), CHAR_LENGTH(LEFT(" + local + ", 19))) = LEFT(" + local +
         ", 19) THEN (CASE WHEN " + offset + " IS NULL OR " + offset + " = '' THEN " + as_datetime +
         " ELSE DATE_SUB(" + as_datetime + ", INTERVAL " + minutes + " MINUTE) END) ";
}

// A text column's date as DATETIME. Digits are epoch numbers only when the policy says so
// (format: epoch or epoch_ms): under 'auto' '20991231' (a basic ISO date) is no 1970 date.
std::string text_value(const std::string& column, DateFormat f) {
  if (f == DateFormat::Epoch || f == DateFormat::EpochMs)
    return "(CASE WHEN " + column + " REGEXP '^[0-9]{1,18}$' THEN " +
           epoch_value("CAST(" + column + " AS UNSIGNED)", f == DateFormat::EpochMs) + " END)";
  return "(CASE " + iso_value(column) + "END)";
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
    [](const std::string& column) { return "TRIM(" + column + ") = ''"; },
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
  d.address_key = [](const std::string& e) {
    // As text: LOWER leaves a binary string (VARBINARY, BLOB) as it is.
    return "LOWER(REGEXP_REPLACE(CONVERT(" + e +
           " USING utf8mb4), '^[[:space:]]+|[[:space:]]+$', " + "''))";
  };
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
  s.plan_total = sql::Sql{"SELECT COUNT(*) FROM " + table +
                              (policy.where.empty() ? "" : " WHERE (" + policy.where + ")"),
                          {}};
  const std::string key_bounds =
      s.keyless ? "NULL, NULL"
                : "CAST(MIN(" + b.key() + ") AS CHAR), CAST(MAX(" + b.key() + ") AS CHAR)";
  {
    Placeholders p = b.placeholders();
    std::string text = "SELECT COUNT(*), " + epoch_of("MIN(" + basis + ")") + ", " + key_bounds +
                       " FROM " + table + " WHERE ";
    text += b.acted(p);
    s.plan_matched = sql::Sql{text, p.order()};
  }
  const bool holds = !policy.hold_where.empty() || operator_holds;
  if (holds) {
    Placeholders p = b.placeholders();
    std::string text =
        "SELECT COUNT(*) FROM " + table + " WHERE " + b.expired(p) + b.selected() + " AND (";
    text += b.held(p) + ")";
    s.plan_held = sql::Sql{text, p.order()};
  }
  s.plan_undated = sql::Sql{
      "SELECT COUNT(*) FROM " + table + " WHERE " + b.basis() + " IS NULL" + b.selected(), {}};
  {
    Placeholders p = b.placeholders();
    std::string text =
        "SELECT COUNT(*) FROM " + table + " WHERE " + basis + " > " + d.now(p) + b.selected();
    s.plan_future = sql::Sql{text, p.order()};
  }
  if (!s.keyless && integer_key) {
    // Within a span of the key every count reads the same rows (in the key's order), so one
    // statement makes them all; over the whole table an index on the date answers most of the
    // separate counts above instead. Each placeholder in a statement of its own: the operands of
    // + are not evaluated in order.
    Placeholders p = b.placeholders();
    auto when = [](const std::string& condition, const std::string& then) {
      return "(CASE WHEN " + condition + " THEN " + then + " END)";
    };
    std::string text = "SELECT COUNT(*)";
    text += ", COUNT" + when(b.acted(p), "1");
    text += ", " + epoch_of("MIN" + when(b.acted(p), basis));
    text += ", CAST(MIN" + when(b.acted(p), b.key()) + " AS CHAR)";
    text += ", CAST(MAX" + when(b.acted(p), b.key()) + " AS CHAR)";
    if (holds) {
      std::string held = b.expired(p) + " AND (";
      held += b.held(p) + ")";
      text += ", COUNT" + when(held, "1");
    } else {
      text += ", 0";
    }
    text += ", COUNT" + when(b.basis() + " IS NULL", "1");
    text += ", COUNT" + when(basis + " > " + d.now(p), "1");
    text += " FROM " + table + " WHERE " +
            (policy.where.empty() ? "" : "(" + policy.where + ") AND ") + b.key() + " > " +
            p.ref("after");
    text += " AND " + b.key() + " <= " + p.ref("upto");
    s.part_counts = sql::Sql{text, p.order()};
    s.key_bounds = sql::Sql{"SELECT " + key_bounds + " FROM " + table, {}};
  }
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
    Placeholders q = b.placeholders();
    std::string next = "SELECT MIN(" + b.key() + ") FROM " + table + " WHERE " + b.key() + " > " +
                       q.ref("after") + " AND ";
    next += b.acted(q);
    s.walk_next = sql::Sql{next, q.order()};
    Placeholders r = b.placeholders();
    std::string bound = "SELECT MAX(k) FROM (SELECT " + b.key() + " AS k FROM " + table +
                        " WHERE " + b.key() + " > " + r.ref("after") + " AND ";
    bound += b.acted(r);  // its placeholders before the limit's: one statement each, in order
    bound += " ORDER BY " + b.key() + " LIMIT " + r.ref("limit") + ") AS ahead";
    s.walk_bound = sql::Sql{bound, r.order()};
  }
  return s;
}

}  // namespace retentiond::connectors::mysql
