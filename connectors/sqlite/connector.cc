#include "connectors/sqlite/connector.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "connectors/batch_evidence.h"
#include "connectors/sql/anonymise.h"
#include "connectors/sql/batch_bound.h"
#include "connectors/sql/quote.h"
#include "connectors/sqlite/functions.h"
#include "policies/diagnostics.h"

namespace retentiond::connectors::sqlite {
namespace {

using policies::Diagnostic;
using policies::did_you_mean;
using policies::error_at;
using policies::Location;

void bind_key(Statement& st, int index, const KeyValue& key) {
  if (const auto* n = std::get_if<long long>(&key)) st.bind(index, *n);
  else st.bind(index, std::get<std::string>(key));
}

KeyValue read_key(const Statement& st, int column) {
  if (st.is_integer(column)) return st.integer(column);
  return st.text(column);
}

std::string bindings_note(const PassContext& ctx, const std::string& key, bool delete_statement,
                          bool holds) {
  std::string note = " -- ?1 = " + std::to_string(policies::epoch_seconds(ctx.cutoff.cutoff)) +
                     " (cut-off " + policies::format_timestamp(ctx.cutoff.cutoff) + ")";
  note += delete_statement ? ", ?2 = last key of this batch" : ", ?2 = batch size";
  note += ", ?3 = last key of the previous batch (the first batch has no " + key + " > ?3)";
  if (holds) note += ", ?4 = keys under an operator's hold";
  return note;
}

// Binds the anonymisation parameters (?10 on) that `st` uses.
void bind_named(Statement& st, const SqliteStatements& s, const std::map<std::string, std::string>& values) {
  for (size_t i = 0; i < s.named.size(); ++i) {
    int index = 10 + static_cast<int>(i);
    if (index > st.parameter_count()) break;
    st.bind(index, values.at(s.named[i]));
  }
}

// The bindings of first_count / next_count.
void bind_range_count(Statement& st, const SqliteStatements& s, long long cutoff, const KeyValue& last,
                      const std::optional<KeyValue>& after, const std::map<std::string, std::string>& named) {
  st.bind(1, cutoff);
  bind_key(st, 2, last);
  if (after) bind_key(st, 3, *after);
  bind_named(st, s, named);
}

// The anonymisation parameters `text` uses, described.
std::string named_note(const std::string& text, const SqliteStatements& s,
                       const std::map<std::string, std::string>& values) {
  std::string note;
  for (size_t i = 0; i < s.named.size(); ++i) {
    const std::string ref = "?" + std::to_string(10 + i);
    bool used = false;
    for (size_t at = text.find(ref); at != std::string::npos && !used; at = text.find(ref, at + 1))
      used = at + ref.size() >= text.size() || !std::isdigit(static_cast<unsigned char>(text[at + ref.size()]));
    if (used) note += ", " + ref + " = " + sql::describe_anonymise_param(s.named[i], values);
  }
  return note;
}

}  // namespace

std::map<std::string, std::string> SqliteConnector::named_values(const Policy& policy,
                                                                 const PassContext& ctx) const {
  return sql::anonymisation_values(policy, ctx.anonymisation_key, policies::format_sql_datetime(ctx.cutoff.now));
}

SqliteConnector::SqliteConnector(const policies::StoreConfig& store)
    : store_(store), path_(store.path("path")) {
  std::string unused;
  if (const auto* o = store.option("busy_timeout"))
    if (auto t = policies::parse_interval(o->value, unused)) busy_timeout_ms_ = static_cast<int>(t->count() * 1000);
}

Result<void> SqliteConnector::open(AccessMode mode) {
  OpenOptions options;
  options.mode = mode;
  options.busy_timeout_ms = busy_timeout_ms_;
  auto db = open_database(store_.name, path_, options);
  if (!db) return db.error();
  db_ = std::move(db.value());
  statements_.clear();
  keys_.clear();
  return success();
}

std::vector<SqliteConnector::Column> SqliteConnector::columns_of(
    const policies::QualifiedName& table) {
  std::string pragma = table.schema.empty()
                           ? "PRAGMA table_xinfo(" + sql::quote_literal(table.name) + ")"
                           : "PRAGMA " + sql::quote_identifier(table.schema, '"') +
                                 ".table_xinfo(" + sql::quote_literal(table.name) + ")";
  std::vector<Column> out;
  try {
    Statement st = db_->prepare(pragma);
    while (st.step()) out.push_back({st.text(1), st.text(2), static_cast<int>(st.integer(5))});
  } catch (const SqliteError&) {
    // An unknown schema reads as a missing table; check() reports it.
  }
  return out;
}

Result<SqliteConnector::Key> SqliteConnector::resolve_key(const Policy& policy) {
  if (auto it = keys_.find(policy.name); it != keys_.end()) return it->second;
  auto columns = columns_of(*policy.table);
  if (columns.empty())
    return Error{ErrorKind::SchemaMismatch, "store '" + store_.name + "': table '" +
                                                policy.table->str() + "' does not exist"};
  auto integer_affinity = [](const std::string& declared) {
    std::string upper;
    for (char c : declared) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper.find("INT") != std::string::npos;
  };
  std::optional<Key> key;
  if (!policy.key.empty()) {
    if (policy.key == "rowid") key = Key{"rowid", true};
    for (const auto& c : columns)
      if (c.name == policy.key) key = Key{c.name, integer_affinity(c.declared_type)};
    if (!key)
      return Error{ErrorKind::SchemaMismatch, "store '" + store_.name + "': table '" +
                                                  policy.table->str() + "' has no key column '" +
                                                  policy.key + "'"};
  } else {
    std::vector<const Column*> pk;
    for (const auto& c : columns)
      if (c.pk > 0) pk.push_back(&c);
    if (pk.size() == 1) {
      key = Key{pk[0]->name, integer_affinity(pk[0]->declared_type)};
    } else {
      try {
        db_->prepare("SELECT rowid FROM " + sql::quote_table(*policy.table, '"') + " LIMIT 0");
        key = Key{"rowid", true};
      } catch (const SqliteError&) {
        return Error{ErrorKind::SchemaMismatch,
                     "store '" + store_.name + "': table '" + policy.table->str() +
                         "' has no single-column primary key and no rowid; set 'key:' in policy '" +
                         policy.name + "'"};
      }
    }
  }
  keys_.emplace(policy.name, *key);
  return *key;
}

Result<SqliteStatements> SqliteConnector::statements_for(const Policy& policy,
                                                         bool operator_holds) {
  auto cache_key = std::make_pair(policy.name, operator_holds);
  if (auto it = statements_.find(cache_key); it != statements_.end()) return it->second;
  auto key = resolve_key(policy);
  if (!key) return key.error();
  SqliteStatements s = build_statements(policy, key->column, operator_holds);
  statements_.emplace(cache_key, s);
  return s;
}

std::string SqliteConnector::held_keys_json(const Policy& policy, const PassContext& ctx) {
  return keys_json(policy, ctx.held_keys);
}

std::string SqliteConnector::keys_json(const Policy& policy, const std::vector<std::string>& keys) {
  auto key = resolve_key(policy);
  bool numbers = key && key->integer;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& k : keys) {
    bool digits = !k.empty() && k.size() < 19 && k.find_first_not_of("0123456789") == std::string::npos;
    if (numbers && digits) out.push_back(std::stoll(k));
    else out.push_back(k);
  }
  // A key that is not UTF-8 (SQLite keeps any bytes as TEXT) becomes U+FFFD and matches no row:
  // a noticed record is then kept, never acted on. Held keys are always UTF-8 (daemon/holds.h).
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<NoticeCandidate>> SqliteConnector::notice_candidates(const Policy& policy, const PassContext& ctx,
                                                                       policies::TimePoint notice_cutoff) {
  const bool holds = !ctx.held_keys.empty();
  auto statements = statements_for(policy, holds);
  if (!statements) return statements.error();
  const auto& s = statements.value();
  std::vector<NoticeCandidate> out;
  try {
    auto named = named_values(policy, ctx);
    Statement st = db_->prepare(s.notice_candidates);
    st.bind(1, policies::epoch_seconds(notice_cutoff));
    if (holds) st.bind(4, held_keys_json(policy, ctx));
    bind_named(st, s, named);
    while (st.step()) {
      NoticeCandidate c;
      c.key = st.text(0);
      if (auto b = st.optional_integer(1)) c.basis = policies::from_epoch_seconds(*b);
      c.email = st.is_null(2) ? "" : st.text(2);
      out.push_back(std::move(c));
    }
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, "store '" + store_.name + "', policy '" + policy.name + "': " + e.what()};
  }
  return out;
}

Error SqliteConnector::query_error(const Policy& policy, const SqliteError& e) const {
  std::string where = "store '" + store_.name + "', policy '" + policy.name + "': ";
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
  std::vector<Diagnostic> out;
  const std::string store_words = " in store '" + store_.name + "'";
  auto table_names = [&] {
    std::vector<std::string> names;
    try {
      Statement st = db_->prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view')");
      while (st.step()) names.push_back(st.text(0));
    } catch (const SqliteError&) {
    }
    return names;
  };
  auto column_names = [](const std::vector<Column>& cols) {
    std::vector<std::string> names;
    for (const auto& c : cols) names.push_back(c.name);
    return names;
  };
  auto has_column = [](const std::vector<Column>& cols, const std::string& name) {
    for (const auto& c : cols)
      if (c.name == name) return true;
    return false;
  };
  auto compiles = [&](const std::string& sql, const Location& where, const std::string& what) {
    try {
      db_->prepare(sql);
      return true;
    } catch (const SqliteError& e) {
      out.push_back(error_at(where, what + ": " + e.what()));
      return false;
    }
  };

  auto columns = columns_of(*policy.table);
  if (columns.empty()) {
    out.push_back(error_at(policy.table_location, "no table '" + policy.table->str() + "'" +
                                                     store_words +
                                                     did_you_mean(policy.table->name, table_names())));
    return out;
  }
  const std::string table_sql = sql::quote_table(*policy.table, '"');
  const std::string in_table = " in table '" + policy.table->str() + "'";
  if (!policy.key.empty() && policy.key != "rowid" && !has_column(columns, policy.key))
    out.push_back(error_at(policy.key_location, "no column '" + policy.key + "'" + in_table +
                                                   did_you_mean(policy.key, column_names(columns))));
  if (policy.key.empty()) {
    auto key = resolve_key(policy);
    if (!key) out.push_back(error_at(policy.table_location, key.error().message));
  }
  for (const auto& term : policy.since.terms) {
    if (!term.related) {
      if (!has_column(columns, term.column))
        out.push_back(error_at(term.location, "no column '" + term.column + "'" + in_table +
                                                 did_you_mean(term.column, column_names(columns))));
      continue;
    }
    auto related = columns_of(*term.related);
    if (related.empty()) {
      out.push_back(error_at(term.location, "no related table '" + term.related->str() + "'" +
                                               store_words +
                                               did_you_mean(term.related->name, table_names())));
      continue;
    }
    if (!has_column(related, term.column))
      out.push_back(error_at(term.location, "no column '" + term.column + "' in related table '" +
                                               term.related->str() + "'" +
                                               did_you_mean(term.column, column_names(related))));
    compiles("SELECT 1 FROM " + table_sql + " WHERE EXISTS (SELECT 1 FROM " +
                 sql::quote_table(*term.related, '"') + " WHERE (" + term.on + "))",
             term.on_location, "on");
  }
  if (!policy.where.empty())
    compiles("SELECT 1 FROM " + table_sql + " WHERE (" + policy.where + ")", policy.where_location,
             "where");
  if (!policy.hold_where.empty())
    compiles("SELECT 1 FROM " + table_sql + " WHERE (" + policy.hold_where + ")",
             policy.hold_where_location, "hold_where");
  for (const auto& a : policy.anonymise)
    if (!has_column(columns, a.column))
      out.push_back(error_at(a.location, "no column '" + a.column + "'" + in_table +
                                            did_you_mean(a.column, column_names(columns))));
  for (const auto& also : policy.also) {
    auto also_columns = columns_of(also.table);
    if (also_columns.empty()) {
      out.push_back(error_at(also.table_location, "no table '" + also.table.str() + "'" +
                                                     store_words +
                                                     did_you_mean(also.table.name, table_names())));
      continue;
    }
    compiles("SELECT 1 FROM " + table_sql + " WHERE EXISTS (SELECT 1 FROM " +
                 sql::quote_table(also.table, '"') + " WHERE (" + also.on + "))",
             also.on_location, "on");
    for (const auto& a : also.anonymise)
      if (!has_column(also_columns, a.column))
        out.push_back(error_at(a.location, "no column '" + a.column + "' in table '" +
                                              also.table.str() + "'"));
  }
  if (policy.notify && !has_column(columns, policy.notify->email_column))
    out.push_back(error_at(policy.notify->location,
                          "no column '" + policy.notify->email_column + "'" + in_table));
  if (!out.empty()) return out;

  for (bool holds : {false, true}) {
    auto statements = statements_for(policy, holds);
    if (!statements) {
      out.push_back(error_at(policy.location, statements.error().message));
      return out;
    }
    const auto& s = statements.value();
    bool ok = true;
    std::vector<const std::string*> all{&s.plan, &s.first_batch, &s.next_batch, &s.first_action,
                                        &s.next_action};
    if (policy.notify) all.push_back(&s.notice_candidates);
    for (const auto& a : s.first_also) all.push_back(&a);
    for (const auto& a : s.next_also) all.push_back(&a);
    for (const std::string* sql : all)
      if (ok) ok = compiles(*sql, policy.location, "generated statement does not compile");
    if (!ok) break;
  }
  return out;
}

Result<PlanStats> SqliteConnector::plan(const Policy& policy, const PassContext& ctx) {
  auto statements = statements_for(policy, !ctx.held_keys.empty());
  if (!statements) return statements.error();
  const auto& s = statements.value();
  PlanStats stats;
  std::map<std::string, std::string> named;
  try {
    named = named_values(policy, ctx);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, "store '" + store_.name + "', policy '" + policy.name + "': " + e.what()};
  }
  try {
    Statement st = db_->prepare(s.plan);
    st.bind(1, policies::epoch_seconds(ctx.cutoff.cutoff));
    st.bind(5, policies::epoch_seconds(ctx.cutoff.now));
    if (!ctx.held_keys.empty()) st.bind(4, held_keys_json(policy, ctx));
    if (policy.notify) st.bind(6, keys_json(policy, ctx.noticed_keys));
    bind_named(st, s, named);
    if (st.step()) {
      stats.total = st.integer(0);
      stats.matched = st.integer(1);
      stats.held = st.integer(2);
      if (auto oldest = st.optional_integer(3)) stats.oldest = policies::from_epoch_seconds(*oldest);
      stats.undated = st.integer(4);
      stats.future = st.integer(5);
    }
    if (ctx.samples > 0) {
      Statement st = db_->prepare(s.samples);
      st.bind(1, policies::epoch_seconds(ctx.cutoff.cutoff)).bind(2, ctx.samples);
      if (!ctx.held_keys.empty()) st.bind(4, held_keys_json(policy, ctx));
      if (policy.notify) st.bind(6, keys_json(policy, ctx.noticed_keys));
      bind_named(st, s, named);
      while (st.step()) stats.samples.push_back(st.text(0));
    }
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  }
  const bool holds = !ctx.held_keys.empty();
  stats.statements.push_back(s.next_batch + bindings_note(ctx, s.key, false, holds) + named_note(s.next_batch, s, named));
  for (const auto& a : s.next_also)
    stats.statements.push_back(a + bindings_note(ctx, s.key, true, holds) + named_note(a, s, named));
  stats.statements.push_back(s.next_action + bindings_note(ctx, s.key, true, holds) + named_note(s.next_action, s, named));
  return stats;
}

Result<BatchResult> SqliteConnector::apply_batch(const Policy& policy, const PassContext& ctx,
                                                 const Cursor& from, long long limit) {
  const bool holds = !ctx.held_keys.empty();
  auto statements = statements_for(policy, holds);
  if (!statements) return statements.error();
  const auto& s = statements.value();
  const long long cutoff = policies::epoch_seconds(ctx.cutoff.cutoff);
  const std::string held = holds ? held_keys_json(policy, ctx) : "";
  const std::string noticed = policy.notify ? keys_json(policy, ctx.noticed_keys) : "";
  std::map<std::string, std::string> named;
  try {
    named = named_values(policy, ctx);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, "store '" + store_.name + "', policy '" + policy.name + "': " +
                                        e.what() + "; nothing was changed"};
  }
  try {
    return in_transaction(*db_, [&]() -> BatchResult {
      Statement select = db_->prepare(from.after ? s.next_batch : s.first_batch);
      select.bind(1, cutoff).bind(2, limit);
      if (holds) select.bind(4, held);
      if (from.after) bind_key(select, 3, *from.after);
      if (policy.notify) select.bind(6, noticed);
      bind_named(select, s, named);
      if (!select.step() || select.is_null(0)) return BatchResult{0, from, true};
      KeyValue last = read_key(select, 0);
      long long selected = select.integer(1);

      // Related rows first (`also:`), then the records themselves, on the same key range and
      // under the same conditions, in this one transaction.
      auto run = [&](const std::string& text) {
        Statement st = db_->prepare(text);
        st.bind(1, cutoff);
        if (holds) st.bind(4, held);
        bind_key(st, 2, last);
        if (from.after) bind_key(st, 3, *from.after);
        if (policy.notify) st.bind(6, noticed);
        bind_named(st, s, named);
        st.step();
      };
      for (const auto& a : from.after ? s.next_also : s.first_also) run(a);
      run(from.after ? s.next_action : s.first_action);
      // Never more than the batch selected (sql/batch_bound.h): the throw rolls it all back,
      // before the batch announces itself.
      const long long affected = db_->changes();
      sql::check_batch_bound(affected, selected,
                             policy.action == policies::Action::Anonymise ? "UPDATE" : "DELETE",
                             sql::Bound::Selected);
      if (ctx.journal) {
        Statement count = db_->prepare(from.after ? s.next_count : s.first_count);
        bind_range_count(count, s, cutoff, last, from.after, named);
        count.step();
        ctx.journal->before_commit({affected, range_evidence({from.after, last, count.integer(0)}), {}});
      }
      return BatchResult{affected, Cursor{last}, selected < limit};
    });
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  } catch (const sql::BatchOverrun& e) {
    return Error{ErrorKind::QueryFailed, "store '" + store_.name + "', policy '" + policy.name + "': " + e.what()};
  } catch (const std::exception& e) {
    return Error{ErrorKind::Io, "store '" + store_.name + "', policy '" + policy.name + "': " + e.what() +
                                    "; the batch was rolled back"};
  }
}

Result<long long> SqliteConnector::reconcile(const Policy& policy, const PassContext& ctx, const BatchIntent& intent) {
  auto range = parse_range_evidence(intent.evidence);
  if (!range || !range->last)
    return Error{ErrorKind::Io, "store '" + store_.name + "', policy '" + policy.name +
                                    "': the state file's record of the last batch is unreadable"};
  auto statements = statements_for(policy, !ctx.held_keys.empty());
  if (!statements) return statements.error();
  const auto& s = statements.value();
  try {
    Statement count = db_->prepare(range->after ? s.next_count : s.first_count);
    bind_range_count(count, s, policies::epoch_seconds(ctx.cutoff.cutoff), *range->last, range->after,
                     named_values(policy, ctx));
    count.step();
    return changed_from_remaining(*range, intent.expected, count.integer(0));
  } catch (const SqliteError& e) {
    return query_error(policy, e);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, "store '" + store_.name + "', policy '" + policy.name + "': " + e.what()};
  }
}

}  // namespace retentiond::connectors::sqlite
