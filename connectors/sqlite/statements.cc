#include "connectors/sqlite/statements.h"

#include "connectors/sql/quote.h"

namespace retentiond::connectors::sqlite {
namespace {

using sql::Placeholders;

sql::Dialect dialect(bool rowid) {
  sql::Dialect d;
  d.quote = '"';
  d.style = Placeholders::Style::SqliteNumbered;
  d.anonymise = &sql::sqlite_dialect();
  d.greatest = "max";  // the scalar max(a, b, ...)
  d.false_value = "0";
  d.null_keys = !rowid;
  d.term = [](const policies::BasisTerm& t, const std::string& column, Placeholders& p) {
    std::string value = "rd_epoch(" + column + ")";
    if (t.format != policies::DateFormat::Auto)
      value =
          "rd_epoch(" + column + ", '" + std::string(policies::date_format_name(t.format)) + "')";
    return sql::TermSql{value, value + " < " + p.ref("cutoff_epoch"),
                        "(" + column + " IS NULL OR (typeof(" + column + ") = 'text' AND trim(" +
                            column + ") = ''))"};
  };
  d.cutoff = [](Placeholders& p) { return p.ref("cutoff_epoch"); };
  d.now = [](Placeholders& p) { return p.ref("now_epoch"); };
  d.key_among = [](const std::string& key, Placeholders& p, const std::string& name) {
    return key + " IN (SELECT value FROM json_each(" + p.ref(name) + "))";
  };
  d.key_text = [](const std::string& e) { return e; };
  d.email_text = d.key_text;
  d.address_key = [](const std::string& e) {
    return "lower(trim(CAST(" + e + " AS TEXT), ' ' || char(9, 10, 11, 12, 13)))";
  };
  d.epoch_of = d.key_text;  // dates are epoch seconds already
  d.batch = [](const std::string& keys, bool) {
    return "SELECT max(k), count(*) FROM (" + keys + ")";
  };
  d.locking_read = "";
  return d;
}

}  // namespace

SqliteStatements build_statements(const policies::Policy& policy, const std::string& key_column,
                                  bool operator_holds) {
  const bool rowid = key_column == "rowid";
  const sql::Dialect d = dialect(rowid);
  const sql::StatementBuilder b(policy, rowid ? key_column : sql::quote_identifier(key_column, '"'),
                                operator_holds, d);
  SqliteStatements s;
  static_cast<sql::PolicyStatements&>(s) = b.statements();
  s.plan = b.plan();
  s.tally = b.tally();
  return s;
}

}  // namespace retentiond::connectors::sqlite
