#include "connectors/sql/statements.h"

#include <stdexcept>

#include "connectors/sql/quote.h"

namespace retentiond::connectors::sql {

using policies::DateFormat;

DateColumn date_column(const policies::BasisTerm& t, char category) {
  const bool epoch_format = t.format == DateFormat::Epoch || t.format == DateFormat::EpochMs;
  switch (category) {
    case 'D':  // date, time, timestamp
      if (epoch_format)
        throw std::invalid_argument("column '" + t.column +
                                    "' holds dates, not epoch numbers; remove 'format: " +
                                    std::string(policies::date_format_name(t.format)) + "'");
      return DateColumn::Date;
    case 'N':  // integers: epoch seconds (or milliseconds)
      if (!epoch_format && t.format != DateFormat::Auto)
        throw std::invalid_argument("column '" + t.column +
                                    "' is a number; use 'format: epoch' or 'format: epoch_ms'");
      return t.format == DateFormat::EpochMs ? DateColumn::EpochMs : DateColumn::Epoch;
    case 'S':  // text holding ISO-8601 (or epoch digits, with format: epoch or epoch_ms)
      return DateColumn::Text;
    default:
      throw std::invalid_argument(
          "column '" + t.column +
          "' cannot hold a date (it is neither a date/time, an integer nor text)");
  }
}

namespace {

// "column is a usable epoch number and before the cut-off" (cutoff_epoch or cutoff_epoch_ms).
std::string epoch_before(const std::string& column, bool ms, Placeholders& p) {
  const long long unit = ms ? 1000 : 1;
  return column + " >= " + std::to_string(policies::kFirstUsableEpoch * unit) + " AND " + column +
         " < " + p.ref(ms ? "cutoff_epoch_ms" : "cutoff_epoch", "bigint");
}

}  // namespace

namespace {

TermSql server_term(const policies::BasisTerm& t, const std::string& column, char category,
                    const ServerDates& dates, Placeholders& p) {
  switch (date_column(t, category)) {
    case DateColumn::Date:
      return dates.date(column, p);
    // A number out of the usable dates is written, not absent (as on SQLite); a date column's
    // unusable values (MariaDB's zero dates, PostgreSQL's infinities) say "never": absent.
    case DateColumn::EpochMs:
      return {dates.epoch(column, true), epoch_before(column, true, p), column + " IS NULL"};
    case DateColumn::Epoch:
      return {dates.epoch(column, false), epoch_before(column, false, p), column + " IS NULL"};
    case DateColumn::Text:
      break;
  }
  const std::string value = dates.text(column, t.format);
  return {value, value + " < " + dates.cutoff(p),
          "(" + column + " IS NULL OR " + dates.blank(column) + ")"};
}

}  // namespace

Dialect server_dialect(char quote, Placeholders::Style style, const AnonymiseDialect& anonymise,
                       const CategoryOf& category_of, const ServerDates& dates) {
  Dialect d;
  d.quote = quote;
  d.style = style;
  d.anonymise = &anonymise;
  d.term = [&category_of, &dates](const policies::BasisTerm& t, const std::string& column,
                                  Placeholders& p) {
    return server_term(t, column, category_of(t.related, t.column), dates, p);
  };
  d.cutoff = dates.cutoff;
  return d;
}

StatementBuilder::StatementBuilder(const policies::Policy& policy, std::string key,
                                   bool operator_holds, const Dialect& dialect)
    : policy_(policy),
      dialect_(dialect),
      table_(quote_table(*policy.table, dialect.quote)),
      key_(std::move(key)),
      operator_holds_(operator_holds) {
  // The basis holds no placeholder of its own: its terms' are made in a scratch builder.
  Placeholders scratch = placeholders();
  std::vector<TermSql> primary, fallback;
  for (const auto& t : policy_.since.terms)
    (t.fallback ? fallback : primary).push_back(term(t, scratch));
  basis_ = latest_of(primary, fallback, dialect_.greatest);
}

TermSql StatementBuilder::term(const policies::BasisTerm& t, Placeholders& p) const {
  const std::string owner = t.related ? quote_table(*t.related, dialect_.quote) : table_;
  const std::string column = owner + "." + quote_identifier(t.column, dialect_.quote);
  // A related term compares the latest of its rows instead: the column's own placeholders must
  // not be made.
  Placeholders unused(p);
  TermSql direct = dialect_.term(t, column, t.related ? unused : p);
  if (!t.related) return direct;
  const std::string latest =
      "(SELECT " + dialect_.max + "(" + direct.value + ") FROM " + owner + " WHERE (" + t.on + "))";
  return {latest, latest + " < " + dialect_.cutoff(p),
          "NOT EXISTS (SELECT 1 FROM " + owner + " WHERE (" + t.on + ") AND NOT (" +
              direct.absent_condition() + "))"};
}

std::string StatementBuilder::expired(Placeholders& p) const {
  // Fallback terms come last in `since` (the parser sees to it): placeholders stay in order.
  std::vector<TermSql> primary, fallback;
  for (const auto& t : policy_.since.terms) (t.fallback ? fallback : primary).push_back(term(t, p));
  return expired_condition(primary, fallback);
}

std::string StatementBuilder::held(Placeholders& p) const {
  std::string out;
  if (!policy_.hold_where.empty())
    out = "COALESCE((" + policy_.hold_where + "), " + dialect_.false_value + ")";
  if (operator_holds_) out += (out.empty() ? "" : " OR ") + dialect_.key_among(key_, p, "held");
  return out;
}

std::string StatementBuilder::not_done(Placeholders& p) const {
  if (policy_.action != policies::Action::Anonymise) return "";
  auto already = already_anonymised(policy_.anonymise, table_, table_ + "." + key_,
                                    *dialect_.anonymise, p, "main");
  return already ? " AND NOT " + *already : "";
}

std::string StatementBuilder::selected() const {
  return policy_.where.empty() ? "" : " AND (" + policy_.where + ")";
}

std::string StatementBuilder::acted(Placeholders& p, bool noticed) const {
  std::string out = expired(p);
  out += selected();
  const std::string h = held(p);
  if (!h.empty()) out += " AND NOT (" + h + ")";
  out += not_done(p);
  if (noticed && policy_.notify) out += " AND " + dialect_.key_among(key_, p, "noticed");
  return out;
}

Sql StatementBuilder::remaining(const char* lower, const char* upper) const {
  Placeholders p = placeholders();
  std::string text = "SELECT count(*) FROM " + table_ + " WHERE ";
  if (lower) text += key_ + " > " + p.ref(lower) + " AND ";
  if (upper) text += key_ + " <= " + p.ref(upper) + " AND ";
  text += expired(p);
  text += selected();
  text += not_done(p);
  return Sql{text, p.order()};
}

Sql StatementBuilder::plan(const std::function<std::string(const std::string& matched)>& extra,
                           const std::function<std::string(Placeholders& p)>& within) const {
  Placeholders p = placeholders();
  const std::string expiry = expired(p);
  const std::string h = held(p);
  std::string matched = expiry + (h.empty() ? "" : " AND NOT (" + h + ")");
  matched += not_done(p);
  if (policy_.notify) matched += " AND " + dialect_.key_among(key_, p, "noticed");
  // A row whose key is NULL is never touched (no batch can name it): not counted as matched.
  if (dialect_.null_keys) matched = key_ + " IS NOT NULL AND " + matched;
  std::string text =
      "SELECT count(*), count(*) FILTER (WHERE " + matched + "), " +
      (h.empty() ? std::string("0") : "count(*) FILTER (WHERE " + expiry + " AND (" + h + "))") +
      ", " + dialect_.epoch_of("min(" + basis_ + ") FILTER (WHERE " + matched + ")") +
      ", count(*) FILTER (WHERE " + basis_ + " IS NULL), count(*) FILTER (WHERE " + basis_ + " > ";
  text += dialect_.now(p) + ")";
  if (extra) text += extra(matched);
  // Last: the expired rows kept for their NULL key, for a warning.
  if (dialect_.null_keys)
    text += ", count(*) FILTER (WHERE " + key_ + " IS NULL AND " + expiry + not_done(p) + ")";
  std::string rows = policy_.where.empty() ? "" : "(" + policy_.where + ")";
  if (within) rows = within(p) + (rows.empty() ? "" : " AND " + rows);
  text += " FROM " + table_ + (rows.empty() ? "" : " WHERE " + rows);
  return Sql{text, p.order()};
}

Sql StatementBuilder::tally() const {
  Placeholders p = placeholders();
  const std::string expiry = expired(p);
  const std::string h = held(p);
  std::string acted = h.empty() ? "" : "NOT (" + h + ")";
  if (policy_.notify)
    acted += (acted.empty() ? "" : " AND ") + dialect_.key_among(key_, p, "noticed");
  const std::string only_acted = acted.empty() ? "" : " FILTER (WHERE " + acted + ")";
  std::string text = "SELECT count(*)" + only_acted + ", " +
                     (h.empty() ? std::string("0") : "count(*) FILTER (WHERE " + h + ")") + ", " +
                     dialect_.epoch_of("min(" + basis_ + ")" + only_acted) + " FROM " + table_ +
                     " WHERE " + expiry + selected();
  text += not_done(p);
  return Sql{text, p.order()};
}

std::string StatementBuilder::range(Placeholders& p, bool next, const std::string& key) const {
  std::string out = next ? key + " > " + p.ref("after") + " AND " : "";
  out += key + " <= " + p.ref("last") + " AND ";
  return out;
}

Sql StatementBuilder::batch(bool next) const {
  Placeholders p = placeholders();
  // Placeholders are taken in the order of the text: MySQL's '?' bind by position.
  std::string keys;
  if (!policy_.key_unique) {
    // The action takes every row up to the last key (sql/batch_bound.h): so does the count,
    // rows sharing the last key included, however many more than the limit they make.
    keys = "SELECT " + key_ + " AS k FROM " + table_ + " WHERE ";
    if (next) keys += key_ + " > " + p.ref("after") + " AND ";
    keys += acted(p);
    keys += " AND " + key_ + " <= (SELECT max(k) FROM (";
  }
  keys += "SELECT " + key_ + " AS k FROM " + table_ + " WHERE ";
  if (next)
    keys += key_ + " > " + p.ref("after") + " AND ";
  else if (dialect_.null_keys)
    keys += key_ + " IS NOT NULL AND ";
  keys += acted(p);
  keys += " ORDER BY " + key_ + " LIMIT " + p.ref("limit", "bigint");
  if (!policy_.key_unique) keys += ") AS edge)";
  // Locked until the action: `also:` rules and the values read for other stores run first.
  const bool lock = !policy_.also.empty() || !policy_.also_stores.empty();
  return Sql{dialect_.batch(keys, lock), p.order()};
}

Sql StatementBuilder::action(bool next) const {
  Placeholders p = placeholders();
  std::string text = "DELETE FROM " + table_;
  if (policy_.action == policies::Action::Anonymise)
    text = "UPDATE " + table_ + " SET " +
           set_list(policy_.anonymise, table_, table_ + "." + key_, *dialect_.anonymise, p, "main");
  text += " WHERE " + range(p, next, key_);
  text += acted(p);
  return Sql{text, p.order()};
}

Sql StatementBuilder::also(const policies::AlsoRule& rule, int index, bool next) const {
  Placeholders p = placeholders();
  const std::string related = quote_table(rule.table, dialect_.quote);
  const std::string scope = "also" + std::to_string(index);
  const bool anonymise = rule.action == policies::Action::Anonymise;
  std::string text = "DELETE FROM " + related;
  if (anonymise)
    text = "UPDATE " + related + " SET " +
           set_list(rule.anonymise, related, "", *dialect_.anonymise, p, scope);
  text += " WHERE EXISTS (SELECT 1 FROM " + table_ + " WHERE (" + rule.on + ") AND " +
          range(p, next, table_ + "." + key_);
  text += acted(p) + ")";
  if (anonymise)
    if (auto already =
            already_anonymised(rule.anonymise, related, "", *dialect_.anonymise, p, scope))
      text += " AND NOT " + *already;
  return Sql{text, p.order()};
}

Sql StatementBuilder::related_values(const policies::AlsoStoreRule& rule, bool next) const {
  Placeholders p = placeholders();
  const std::string column = table_ + "." + quote_identifier(rule.column, dialect_.quote);
  std::string text = "SELECT " + dialect_.address_key(column) + " FROM " + table_ + " WHERE " +
                     range(p, next, key_) + column + " IS NOT NULL AND ";
  text += acted(p) + dialect_.locking_read;
  return Sql{text, p.order()};
}

Sql StatementBuilder::related_kept(const policies::AlsoStoreRule& rule) const {
  Placeholders p = placeholders();
  const std::string column = table_ + "." + quote_identifier(rule.column, dialect_.quote);
  // Compared as Sympa compares addresses, so no plain index on the column serves it: the table
  // is read whole once per batch (contact tables are small).
  return Sql{"SELECT DISTINCT " + dialect_.address_key(column) + " FROM " + table_ + " WHERE " +
                 column + " IS NOT NULL AND " +
                 dialect_.key_among(dialect_.address_key(column), p, "related"),
             p.order()};
}

std::vector<const Sql*> PolicyStatements::shown() const {
  std::vector<const Sql*> out{&next_batch};
  for (const auto& r : next_related) out.push_back(&r);
  for (const auto& a : next_also) out.push_back(&a);
  out.push_back(&next_action);
  for (const auto& r : related_kept) out.push_back(&r);
  return out;
}

std::vector<std::string> PolicyStatements::texts() const {
  std::vector<std::string> out{first_batch.text, next_batch.text, first_action.text,
                               next_action.text};
  if (!notice_candidates.text.empty()) out.push_back(notice_candidates.text);
  for (const auto& a : first_also) out.push_back(a.text);
  for (const auto& a : next_also) out.push_back(a.text);
  for (const auto& r : first_related) out.push_back(r.text);
  for (const auto& r : next_related) out.push_back(r.text);
  for (const auto& r : related_kept) out.push_back(r.text);
  return out;
}

PolicyStatements StatementBuilder::statements() const {
  PolicyStatements s;
  s.key = key_;
  s.basis = basis_;
  s.first_batch = batch(false);
  s.next_batch = batch(true);
  {
    Placeholders p = placeholders();
    std::string text = "SELECT " + dialect_.key_text(key_) + " FROM " + table_ + " WHERE ";
    if (dialect_.null_keys) text += key_ + " IS NOT NULL AND ";
    text += acted(p);
    text += " ORDER BY " + key_ + " LIMIT " + p.ref("limit", "bigint");
    s.samples = Sql{text, p.order()};
  }
  {
    Placeholders p = placeholders();
    s.key_lookup = Sql{"SELECT " + dialect_.key_text(key_) + " FROM " + table_ + " WHERE " + key_ +
                           " = " + p.ref("key") + " LIMIT 2",
                       p.order()};
  }
  s.first_action = action(false);
  s.next_action = action(true);
  int index = 0;
  for (const auto& rule : policy_.also) {
    ++index;
    s.first_also.push_back(also(rule, index, false));
    s.next_also.push_back(also(rule, index, true));
  }
  for (const auto& rule : policy_.also_stores) {
    s.first_related.push_back(related_values(rule, false));
    s.next_related.push_back(related_values(rule, true));
    s.related_kept.push_back(related_kept(rule));
  }
  s.first_count = remaining(nullptr, "last");
  s.next_count = remaining("after", "last");
  if (policy_.notify) {
    // Held records are candidates too, flagged: no notice is sent while a hold lasts, but the
    // one already sent is remembered, so the hold's end does not bring a second, later notice.
    Placeholders p = placeholders();
    const std::string h = held(p);
    std::string text =
        "SELECT " + dialect_.key_text(key_) + ", " + dialect_.epoch_of(basis_) + ", " +
        dialect_.email_text(quote_identifier(policy_.notify->email_column, dialect_.quote)) + ", " +
        (h.empty() ? std::string("0") : "CASE WHEN (" + h + ") THEN 1 ELSE 0 END") + " FROM " +
        table_ + " WHERE ";
    text += expired(p);
    text += selected();
    text += not_done(p);
    s.notice_candidates = Sql{text + " ORDER BY " + key_, p.order()};
  }
  return s;
}

}  // namespace retentiond::connectors::sql
