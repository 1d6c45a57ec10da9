#include "connectors/sqlite/connector.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "connectors/batch_evidence.h"
#include "connectors/sql/anonymise.h"
#include "connectors/sql/batch_bound.h"
#include "connectors/sql/bindings_note.h"
#include "connectors/sql/check.h"
#include "connectors/sql/quote.h"
#include "connectors/sql/related.h"

namespace retentiond::connectors::sqlite {
namespace {

using policies::Diagnostic;

void bind_key(Statement& st, int index, const KeyValue& key) {
  if (const auto* n = std::get_if<long long>(&key))
    st.bind(index, *n);
  else
    st.bind(index, std::get<std::string>(key));
}

KeyValue read_key(const Statement& st, int column) {
  if (st.is_integer(column)) return st.integer(column);
  return st.text(column);
}

// `s` prepared, its parameters bound by name (integers stay integers).
Statement bound(Database& db, const sql::Sql& s, const std::map<std::string, KeyValue>& values) {
  Statement st = db.prepare(s.text);
  for (size_t i = 0; i < s.params.size(); ++i) {
    auto it = values.find(s.params[i]);
    if (it == values.end())
      throw std::logic_error("no value for SQL parameter '" + s.params[i] + "'");
    bind_key(st, static_cast<int>(i) + 1, it->second);
  }
  return st;
}

// Keys as a JSON array, numbers for integer keys (so that IN (json_each) compares them right).
// With `both_forms` (held keys, where holding more is safe), digits go as a number and as text:
// a key column without a declared type compares as stored, and may hold either.
std::string keys_json(const std::vector<std::string>& keys, bool integer_key,
                      bool both_forms = false) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& k : keys) {
    // Any 64-bit integer written as SQLite writes it (negative ones, 19 digits): a column
    // without affinity compares the integer -5 with the text '-5' as different.
    long long n = 0;
    const auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), n);
    const bool integral =
        !k.empty() && ec == std::errc() && end == k.data() + k.size() && std::to_string(n) == k;
    if (integral && (integer_key || both_forms)) out.push_back(n);
    if (!integral || !integer_key) out.push_back(k);
    // A REAL key (7.0 in a column without affinity, which `hold add 7` found and stores as
    // SQLite writes it): compared as the number too.
    if (both_forms && !integral && !k.empty()) {
      char* end = nullptr;
      const double d = std::strtod(k.c_str(), &end);
      if (end == k.c_str() + k.size() && std::isfinite(d) &&
          !std::isspace(static_cast<unsigned char>(k[0])))
        out.push_back(d);
    }
  }
  // A key that is not UTF-8 (SQLite keeps any bytes as TEXT) becomes U+FFFD and matches no row:
  // a noticed record is then kept, never acted on. Held keys are always UTF-8 (daemon/holds.h).
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool integer_affinity(const std::string& declared) {
  std::string upper;
  for (char c : declared) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper.find("INT") != std::string::npos;
}

}  // namespace

SqliteConnector::SqliteConnector(const policies::StoreConfig& store)
    : store_(store), path_(store.path("path")) {
  std::string unused;
  if (const auto* o = store.option("busy_timeout"))
    if (auto t = policies::parse_interval(o->value, unused))
      busy_timeout_ms_ = static_cast<int>(t->count() * 1000);
}

Result<void> SqliteConnector::open(AccessMode mode) {
  OpenOptions options;
  options.mode = mode;
  options.busy_timeout_ms = busy_timeout_ms_;
  auto db = open_database(store_.name, path_, options);
  if (!db) return db.error();
  db_ = std::move(db.value());
  prepared_.clear();
  return success();
}

std::optional<sql::TableShape> SqliteConnector::describe(const policies::QualifiedName& table) {
  std::string pragma = table.schema.empty()
                           ? "PRAGMA table_xinfo(" + sql::quote_literal(table.name) + ")"
                           : "PRAGMA " + sql::quote_identifier(table.schema, '"') +
                                 ".table_xinfo(" + sql::quote_literal(table.name) + ")";
  sql::TableShape shape;
  std::vector<std::pair<long long, std::string>> key;  // position in the primary key, column
  try {
    Statement st = db_->prepare(pragma);
    while (st.step()) {
      shape.columns.push_back(
          {st.text(1), st.text(2), 0, integer_affinity(st.text(2)), st.integer(3) != 0});
      if (st.integer(5) > 0) key.emplace_back(st.integer(5), st.text(1));
    }
  } catch (const SqliteError&) {
    // An unknown schema reads as a missing table.
  }
  if (shape.columns.empty()) return std::nullopt;
  std::sort(key.begin(), key.end());
  for (const auto& k : key) shape.primary_key.push_back(k.second);
  // Unique indexes (UNIQUE constraints included) of one named column, not partial.
  const std::string schema_arg =
      table.schema.empty() ? "" : ", " + sql::quote_literal(table.schema);
  try {
    Statement st =
        db_->prepare("SELECT min(i.name) FROM pragma_index_list(" + sql::quote_literal(table.name) +
                     schema_arg + ") AS l JOIN pragma_index_info(l.name" + schema_arg +
                     ") AS i WHERE l.\"unique\" AND NOT l.partial GROUP BY l.name "
                     "HAVING count(*) = 1 AND min(i.name) IS NOT NULL");
    while (st.step()) shape.unique_columns.push_back(st.text(0));
  } catch (const SqliteError&) {
    // No index list (a view): nothing declared unique but the primary key.
  }
  try {
    db_->prepare("SELECT rowid FROM " + sql::quote_table(table, '"') + " LIMIT 0");
    shape.implicit_key = "rowid";
  } catch (const SqliteError&) {
    // WITHOUT ROWID tables and views have none.
  }
  return shape;
}

std::vector<std::string> SqliteConnector::table_names() {
  std::vector<std::string> names;
  Statement st = db_->prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view')");
  while (st.step()) names.push_back(st.text(0));
  return names;
}

Result<SqliteConnector::Prepared> SqliteConnector::prepared(const Policy& policy,
                                                            bool operator_holds) {
  auto cache_key = std::make_pair(policy.name, operator_holds);
  if (auto it = prepared_.find(cache_key); it != prepared_.end()) return it->second;
  const std::string where = error_prefix(store_.name, policy.name);
  auto table = describe(*policy.table);
  if (!table)
    return Error{ErrorKind::SchemaMismatch,
                 where + "table '" + policy.table->str() + "' does not exist"};
  // Batches follow a key: a table without one (nor a rowid) cannot be walked.
  auto key = sql::choose_key(
      policy, *table, operator_holds, where,
      "table '" + policy.table->str() +
          "' has no single-column primary key and no rowid; set 'key:' to a unique column");
  if (!key) return key.error();
  try {
    Prepared p{build_statements(sql::keyed_by(policy, key.value()), key->column, operator_holds),
               key->integer};
    prepared_.emplace(cache_key, p);
    return p;
  } catch (const std::invalid_argument& e) {
    return Error{ErrorKind::SchemaMismatch, where + e.what()};
  }
}

std::map<std::string, KeyValue> SqliteConnector::values(
    const Policy& policy, const PassContext& ctx, bool integer_key,
    std::map<std::string, std::string>* literals) const {
  auto anonymisation = sql::anonymisation_values(policy, ctx.anonymisation_key,
                                                 policies::format_sql_datetime(ctx.cutoff.now));
  std::map<std::string, KeyValue> out(anonymisation.begin(), anonymisation.end());
  out["cutoff_epoch"] = policies::epoch_seconds(ctx.cutoff.cutoff);
  out["now_epoch"] = policies::epoch_seconds(ctx.cutoff.now);
  out["held"] = keys_json(ctx.held_keys, integer_key, /*both_forms=*/true);
  out["noticed"] = keys_json(ctx.noticed_keys, integer_key);
  if (literals) *literals = std::move(anonymisation);
  return out;
}

Error SqliteConnector::query_error(const Policy& policy, const SqliteError& e) const {
  const std::string where = error_prefix(store_.name, policy.name);
  if (e.busy())
    return Error{ErrorKind::QueryFailed,
                 where + "the database stayed locked by another program for " +
                     std::to_string(busy_timeout_ms_ / 1000) + " s; nothing of this batch changed"};
  int primary = e.code() & 0xff;
  if (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_READONLY)
    return Error{ErrorKind::Io, where + e.what()};
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB || primary == SQLITE_CANTOPEN)
    return Error{ErrorKind::StoreUnreachable, where + e.what()};
  return Error{ErrorKind::QueryFailed, where + e.what()};
}

Result<std::vector<Diagnostic>> SqliteConnector::check(const Policy& policy) {
  sql::CheckHooks hooks;
  hooks.catalog = {[&](const policies::QualifiedName& name) { return describe(name); },
                   [&] { return table_names(); }};
  hooks.quote = '"';
  hooks.compile_error = [&](const std::string& text) -> std::optional<std::string> {
    try {
      db_->prepare(text);
      return std::nullopt;
    } catch (const SqliteError& e) {
      return e.what();
    }
  };
  hooks.statements = [&](bool holds) -> Result<sql::StatementTexts> {
    auto p = prepared(policy, holds);
    if (!p) return p.error();
    sql::StatementTexts out{p->statements.texts()};
    out.texts.insert(out.texts.begin(), p->statements.plan.text);
    return out;
  };
  try {
    return sql::check_policy(policy, store_.name, hooks);
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  }
}

Result<std::optional<std::string>> SqliteConnector::find_key(const Policy& policy,
                                                             const std::string& key) {
  auto p = prepared(policy, false);
  if (!p) return p.error();
  try {
    // Bound as text: the key column's affinity reads '05' as 5 where it holds integers. A column
    // without one (no declared type) compares as stored: its integers are asked for as integers.
    Statement st = bound(*db_, p->statements.key_lookup, {{"key", key}});
    if (st.step()) return std::optional<std::string>(st.text(0));
    char* end = nullptr;
    errno = 0;
    const long long number = std::strtoll(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || errno != 0) return std::optional<std::string>();
    Statement as_number = bound(*db_, p->statements.key_lookup, {{"key", number}});
    if (!as_number.step()) return std::optional<std::string>();
    return std::optional<std::string>(as_number.text(0));
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  }
}

Result<PlanStats> SqliteConnector::plan(const Policy& policy, const PassContext& ctx) {
  auto p = prepared(policy, !ctx.held_keys.empty());
  if (!p) return p.error();
  const auto& s = p->statements;
  sql::NoteValues notes{sql::Placeholders::Style::SqliteNumbered,
                        policies::format_timestamp(ctx.cutoff.cutoff),
                        policies::epoch_seconds(ctx.cutoff.cutoff),
                        {}};
  std::map<std::string, KeyValue> values;
  try {
    values = this->values(policy, ctx, p->integer_key, &notes.literals);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) + e.what()};
  }
  PlanStats stats;
  if (ctx.counts_only) {
    try {
      Statement st = bound(*db_, s.tally, values);
      if (st.step()) {
        stats.matched = st.integer(0);
        stats.held = st.integer(1);
        if (auto oldest = st.optional_integer(2))
          stats.oldest = policies::from_epoch_seconds(*oldest);
      }
    } catch (const SqliteError& e) {
      return query_error(policy, e);
    }
    return stats;
  }
  try {
    Statement st = bound(*db_, s.plan, values);
    if (st.step()) {
      stats.total = st.integer(0);
      stats.matched = st.integer(1);
      stats.held = st.integer(2);
      if (auto oldest = st.optional_integer(3))
        stats.oldest = policies::from_epoch_seconds(*oldest);
      stats.undated = st.integer(4);
      stats.future = st.integer(5);
      if (st.column_count() > 6 && st.integer(6) > 0) {
        const long long kept = st.integer(6);
        stats.warnings.push_back(
            policies::with_thousands(kept) + (kept == 1 ? " expired row is" : " expired rows are") +
            " kept because " + (kept == 1 ? "its" : "their") +
            " key is NULL (a batch can only name rows by their key): give " +
            (kept == 1 ? "it a key, or delete it" : "them keys, or delete them") + " by hand");
      }
    }
    if (ctx.samples > 0) {
      values["limit"] = ctx.samples;
      Statement samples = bound(*db_, s.samples, values);
      while (samples.step()) stats.samples.push_back(samples.text(0));
    }
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  }
  for (const sql::Sql* st : s.shown()) stats.statements.push_back(sql::shown(*st, notes));
  return stats;
}

Result<BatchResult> SqliteConnector::apply_batch(const Policy& policy, const PassContext& ctx,
                                                 const Cursor& from, long long limit) {
  auto p = prepared(policy, !ctx.held_keys.empty());
  if (!p) return p.error();
  const auto& s = p->statements;
  std::map<std::string, KeyValue> values;
  try {
    values = this->values(policy, ctx, p->integer_key);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config,
                 error_prefix(store_.name, policy.name) + e.what() + "; nothing was changed"};
  }
  const std::optional<KeyValue> after = from.last_key();
  values["limit"] = limit;
  if (after) values["after"] = *after;
  try {
    return in_transaction(*db_, [&]() -> BatchResult {
      Statement select = bound(*db_, after ? s.next_batch : s.first_batch, values);
      if (!select.step() || select.is_null(0)) return BatchResult{0, from, true};
      const KeyValue last = read_key(select, 0);
      const long long selected = select.integer(1);
      values["last"] = last;
      // The values other stores act on first (read as the batch selected the records), then
      // related rows (`also:`), then the records themselves, on the same key range and under the
      // same conditions, in this one transaction; then the other stores, for the values no row
      // left holds.
      auto related = sql::read_related(policy, ctx, store_.name, [&](size_t rule) {
        std::vector<std::string> out;
        Statement read = bound(*db_, (after ? s.next_related : s.first_related)[rule], values);
        while (read.step())
          if (!read.is_null(0)) out.push_back(read.text(0));
        return out;
      });
      for (const auto& a : after ? s.next_also : s.first_also) bound(*db_, a, values).step();
      bound(*db_, after ? s.next_action : s.first_action, values).step();
      // Never more than the batch selected (sql/batch_bound.h): the throw rolls it all back,
      // before the batch announces itself (and before another store changes anything).
      const long long affected = db_->changes();
      sql::check_batch_bound(affected, selected,
                             policy.action == policies::Action::Anonymise ? "UPDATE" : "DELETE",
                             sql::Bound::Selected);
      sql::hand_to_other_stores(policy, ctx, related, [&](size_t rule, const std::string& json) {
        std::vector<std::string> out;
        auto with = values;
        with["related"] = KeyValue{json};
        Statement kept = bound(*db_, s.related_kept[rule], with);
        while (kept.step())
          if (!kept.is_null(0)) out.push_back(kept.text(0));
        return out;
      });
      if (ctx.journal) {
        Statement count = bound(*db_, after ? s.next_count : s.first_count, values);
        count.step();
        ctx.journal->before_commit({affected, range_evidence({after, last, count.integer(0)}), {}});
      }
      return BatchResult{affected, Cursor::after(last), selected < limit};
    });
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  } catch (const sql::BatchOverrun& e) {
    return Error{ErrorKind::QueryFailed, error_prefix(store_.name, policy.name) + e.what()};
  } catch (const RelatedStoreFailed& e) {
    return e.error();
  } catch (const std::exception& e) {
    return Error{ErrorKind::Io,
                 error_prefix(store_.name, policy.name) + e.what() + "; the batch was rolled back"};
  }
}

Result<long long> SqliteConnector::reconcile(const Policy& policy, const PassContext& ctx,
                                             const BatchIntent& intent) {
  auto range = parse_range_evidence(intent.evidence);
  if (!range || !range->last)
    return Error{ErrorKind::Io, error_prefix(store_.name, policy.name) +
                                    "the state file's record of the last batch is unreadable"};
  auto p = prepared(policy, !ctx.held_keys.empty());
  if (!p) return p.error();
  try {
    auto values = this->values(policy, ctx, p->integer_key);
    values["last"] = *range->last;
    if (range->after) values["after"] = *range->after;
    Statement count =
        bound(*db_, range->after ? p->statements.next_count : p->statements.first_count, values);
    count.step();
    return changed_from_remaining(*range, intent.expected, count.integer(0));
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) + e.what()};
  }
}

Result<std::vector<NoticeCandidate>> SqliteConnector::notice_candidates(
    const Policy& policy, const PassContext& ctx, policies::TimePoint notice_cutoff) {
  auto p = prepared(policy, !ctx.held_keys.empty());
  if (!p) return p.error();
  std::vector<NoticeCandidate> out;
  try {
    auto values = this->values(policy, ctx, p->integer_key);
    values["cutoff_epoch"] = policies::epoch_seconds(notice_cutoff);
    Statement st = bound(*db_, p->statements.notice_candidates, values);
    while (st.step()) {
      NoticeCandidate c;
      c.key = st.text(0);
      if (auto b = st.optional_integer(1)) c.basis = policies::from_epoch_seconds(*b);
      c.email = st.is_null(2) ? "" : st.text(2);
      c.held = st.optional_integer(3).value_or(0) != 0;
      out.push_back(std::move(c));
    }
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) + e.what()};
  }
  return out;
}

}  // namespace retentiond::connectors::sqlite
