#include "connectors/sql/check.h"

#include <algorithm>
#include <set>

#include "connectors/sql/quote.h"

namespace retentiond::connectors::sql {

using policies::Diagnostic;
using policies::did_you_mean;
using policies::error_at;

namespace {

bool has(const TableShape& t, const std::string& column) { return t.column(column) != nullptr; }

// The catalog's problems with `policy`; `missing` gets the tables it names that do not exist.
std::vector<Diagnostic> check_catalog(const policies::Policy& policy, const std::string& store_name,
                                      const CatalogLookup& catalog,
                                      std::set<std::string>& missing) {
  std::vector<Diagnostic> out;
  const std::string in_store = " in store '" + store_name + "'";
  auto no_table = [&](const policies::QualifiedName& name, const policies::Location& where,
                      const char* what) {
    missing.insert(name.str());
    out.push_back(error_at(where, std::string(what) + " '" + name.str() + "'" + in_store +
                                      did_you_mean(name.name, catalog.table_names())));
  };
  auto no_column = [&](const std::string& column, const std::string& table, const TableShape& shape,
                       const policies::Location& where) {
    if (has(shape, column)) return;
    Diagnostic d = error_at(where, "no column '" + column + "' in table '" + table + "'" +
                                       did_you_mean(column, shape.column_names()));
    // Said once: a Sympa target's key is its date column, both named at its `sympa:` line.
    for (const auto& said : out)
      if (said.location.file == d.location.file && said.location.line == d.location.line &&
          said.location.column == d.location.column && said.message == d.message)
        return;
    out.push_back(std::move(d));
  };
  auto table = catalog.describe(*policy.table);
  if (!table) {
    no_table(*policy.table, policy.table_location, "no table");
    return out;
  }
  const std::string name = policy.table->str();
  if (!policy.key.empty() && policy.key != table->implicit_key)
    no_column(policy.key, name, *table, policy.key_location);
  // A Sympa target's key is the operator's to choose no more than its table: Sympa's own
  // tables (logs_table's date, written several times a second) are batched by their date.
  if (!policy.key.empty() && has(*table, policy.key) && !table->declared_unique(policy.key) &&
      (policy.sympa_target.empty() || policy.notify)) {
    if (policy.notify)
      out.push_back(error_at(policy.key_location, non_unique_notify_message(policy, policy.key)));
    else
      out.push_back({policies::Severity::Warning, policy.key_location,
                     "key '" + policy.key + "' of table '" + name +
                         "' is not declared unique (no primary key or unique index on it alone): "
                         "each batch also takes every row sharing its last key, with a slower "
                         "statement; if the column is unique, say so with a unique index"});
  }
  if (policy.key.empty() && table->primary_key.size() != 1 && table->implicit_key.empty())
    if (auto why = key_needed_for(policy))
      out.push_back(error_at(policy.table_location, missing_key_message(policy, *why)));
  for (const auto& term : policy.since.terms) {
    if (!term.related) {
      no_column(term.column, name, *table, term.location);
      continue;
    }
    if (auto related = catalog.describe(*term.related))
      no_column(term.column, term.related->str(), *related, term.location);
    else
      no_table(*term.related, term.location, "no related table");
  }
  // `null` on a NOT NULL column: every batch would fail on it (rolled back, nothing lost, but
  // the promise never kept); said here, at the rule.
  auto not_null = [&](const auto& rules, const std::string& table_name, const TableShape& shape) {
    for (const auto& a : rules) {
      if (a.strategy.kind != policies::AnonymiseStrategy::Kind::Null) continue;
      for (const auto& c : shape.columns)
        if (c.name == a.column && c.not_null)
          out.push_back(error_at(a.location, "column '" + a.column + "' of table '" + table_name +
                                                 "' is NOT NULL: it cannot be anonymised to "
                                                 "null (give it a value, a hash or a "
                                                 "placeholder)"));
    }
  };
  for (const auto& a : policy.anonymise) no_column(a.column, name, *table, a.location);
  not_null(policy.anonymise, name, *table);
  // The key is how batches walk and re-find the rows (and how holds name them): changing it
  // would fail every batch or break those; it identifies no person by itself either.
  const std::string key = !policy.key.empty()              ? policy.key
                          : table->primary_key.size() == 1 ? table->primary_key.front()
                                                           : "";
  for (const auto& a : policy.anonymise)
    if (!key.empty() && a.column == key)
      out.push_back(error_at(a.location, "column '" + a.column + "' is the key of table '" + name +
                                             "', by which batches find the rows and holds name "
                                             "them: it cannot be anonymised (anonymise the "
                                             "columns that hold personal data)"));
  for (const auto& also : policy.also) {
    auto other = catalog.describe(also.table);
    if (!other) {
      no_table(also.table, also.table_location, "no table");
      continue;
    }
    for (const auto& a : also.anonymise) no_column(a.column, also.table.str(), *other, a.location);
    not_null(also.anonymise, also.table.str(), *other);
  }
  for (const auto& rule : policy.also_stores)
    no_column(rule.column, name, *table, rule.column_location);
  if (policy.notify) no_column(policy.notify->email_column, name, *table, policy.notify->location);
  return out;
}

// The fragments of `policy` that do not compile, leaving out the `on` of a `missing` table.
std::vector<Diagnostic> check_fragments(const policies::Policy& policy, const CheckHooks& hooks,
                                        const std::set<std::string>& missing) {
  std::vector<Diagnostic> out;
  const std::string table_sql = quote_table(*policy.table, hooks.quote);
  auto compiles = [&](const std::string& text, const policies::Location& where,
                      const std::string& what) {
    if (auto error = hooks.compile_error(text))
      out.push_back(error_at(where, what + ": " + *error));
  };
  auto on = [&](const policies::QualifiedName& other, const std::string& condition,
                const policies::Location& where) {
    if (missing.count(other.str())) return;
    compiles("SELECT 1 FROM " + table_sql + " WHERE EXISTS (SELECT 1 FROM " +
                 quote_table(other, hooks.quote) + " WHERE (" + condition + "))",
             where, "on");
  };
  if (!policy.where.empty())
    compiles("SELECT 1 FROM " + table_sql + " WHERE (" + policy.where + ")", policy.where_location,
             "where");
  if (!policy.hold_where.empty())
    compiles("SELECT 1 FROM " + table_sql + " WHERE (" + policy.hold_where + ")",
             policy.hold_where_location, "hold_where");
  for (const auto& term : policy.since.terms)
    if (term.related) on(*term.related, term.on, term.on_location);
  for (const auto& also : policy.also) on(also.table, also.on, also.on_location);
  return out;
}

}  // namespace

std::optional<std::string> key_needed_for(const policies::Policy& policy) {
  if (policy.action == policies::Action::Anonymise) return "anonymising";
  if (!policy.also.empty() || !policy.also_stores.empty()) return "'also:'";
  if (policy.notify) return "'notify:'";
  return std::nullopt;
}

std::string missing_key_message(const policies::Policy& policy, const std::string& why) {
  return "table '" + policy.table->str() + "' has no single-column primary key, and " + why +
         " needs one to follow its records; set 'key:' to a unique column";
}

std::string non_unique_notify_message(const policies::Policy& policy, const std::string& key) {
  return "key '" + key + "' of table '" + policy.table->str() +
         "' is not declared unique (no primary key or unique index on it alone), and 'notify:' "
         "records each notice by key: two records sharing a key would both go on one notice; add a "
         "unique index on it, or set 'key:' to a unique column";
}

std::string keyless_holds_message(const policies::Policy& policy) {
  return "records are held by key (retentiond hold), but table '" + policy.table->str() +
         "' has no single-column primary key to honour them; set 'key:' to a unique column, or "
         "release the holds and use 'hold_where:'; nothing was changed";
}

std::string keyless_samples_message(const policies::Policy& policy) {
  return "no samples: table '" + policy.table->str() + "' has no key to name its rows by";
}

std::vector<Diagnostic> check_policy(const policies::Policy& policy, const std::string& store_name,
                                     const CheckHooks& hooks) {
  std::set<std::string> missing;
  std::vector<Diagnostic> out = check_catalog(policy, store_name, hooks.catalog, missing);
  if (missing.count(policy.table->str())) return out;
  for (auto& d : check_fragments(policy, hooks, missing)) out.push_back(std::move(d));
  const bool errors = std::any_of(out.begin(), out.end(), [](const Diagnostic& d) {
    return d.severity == policies::Severity::Error;
  });
  if (errors) return out;
  for (bool holds : {false, true}) {
    auto statements = hooks.statements(holds);
    if (!statements) {
      out.push_back(error_at(policy.since.location, statements.error().message));
      return out;
    }
    for (const auto& text : statements->texts)
      if (auto error = hooks.compile_error(text)) {
        out.push_back(error_at(policy.location, "generated statement does not compile: " + *error));
        return out;
      }
    if (statements->keyless) break;
  }
  return out;
}

}  // namespace retentiond::connectors::sql
