#include "connectors/sql/check.h"

#include <algorithm>

#include "connectors/sql/quote.h"

namespace retentiond::connectors::sql {

using policies::did_you_mean;
using policies::error_at;

namespace {

bool has(const TableShape& t, const std::string& column) {
  return std::find(t.columns.begin(), t.columns.end(), column) != t.columns.end();
}

}  // namespace

std::optional<std::string> key_needed_for(const policies::Policy& policy) {
  if (policy.action == policies::Action::Anonymise) return "anonymising";
  if (!policy.also.empty()) return "'also:'";
  if (policy.notify) return "'notify:'";
  return std::nullopt;
}

std::string missing_key_message(const policies::Policy& policy, const std::string& why) {
  return "table '" + policy.table->str() + "' has no single-column primary key, and " + why +
         " needs one to follow its records; set 'key:' to a unique column";
}

std::string keyless_holds_message(const policies::Policy& policy) {
  return "records are held by key (retentiond hold), but table '" + policy.table->str() +
         "' has no single-column primary key to honour them; set 'key:' to a unique column, or "
         "release the holds and use 'hold_where:'; nothing was changed";
}

std::string keyless_samples_message(const policies::Policy& policy) {
  return "no samples: table '" + policy.table->str() + "' has no key to name its rows by";
}

std::vector<policies::Diagnostic> check_catalog(const policies::Policy& policy, const std::string& store_name,
                                                const CatalogLookup& catalog) {
  std::vector<policies::Diagnostic> out;
  const std::string in_store = " in store '" + store_name + "'";
  auto table = catalog.describe(*policy.table);
  if (!table) {
    out.push_back(error_at(policy.table_location, "no table '" + policy.table->str() + "'" + in_store +
                                                      did_you_mean(policy.table->name, catalog.table_names())));
    return out;
  }
  const std::string in_table = " in table '" + policy.table->str() + "'";
  if (!policy.key.empty() && !has(*table, policy.key))
    out.push_back(error_at(policy.key_location,
                           "no column '" + policy.key + "'" + in_table + did_you_mean(policy.key, table->columns)));
  if (policy.key.empty() && table->primary_key.size() != 1)
    if (auto why = key_needed_for(policy)) out.push_back(error_at(policy.table_location, missing_key_message(policy, *why)));
  for (const auto& term : policy.since.terms) {
    std::optional<TableShape> related;
    const TableShape* owner = &*table;
    if (term.related) {
      related = catalog.describe(*term.related);
      if (!related) {
        out.push_back(error_at(term.location, "no related table '" + term.related->str() + "'" + in_store +
                                                  did_you_mean(term.related->name, catalog.table_names())));
        continue;
      }
      owner = &*related;
    }
    if (!has(*owner, term.column))
      out.push_back(error_at(term.location, "no column '" + term.column + "' in table '" +
                                                (term.related ? term.related->str() : policy.table->str()) + "'" +
                                                did_you_mean(term.column, owner->columns)));
  }
  for (const auto& a : policy.anonymise)
    if (!has(*table, a.column))
      out.push_back(error_at(a.location,
                             "no column '" + a.column + "'" + in_table + did_you_mean(a.column, table->columns)));
  for (const auto& also : policy.also) {
    auto other = catalog.describe(also.table);
    if (!other) {
      out.push_back(error_at(also.table_location, "no table '" + also.table.str() + "'" + in_store +
                                                      did_you_mean(also.table.name, catalog.table_names())));
      continue;
    }
    for (const auto& a : also.anonymise)
      if (!has(*other, a.column))
        out.push_back(error_at(a.location, "no column '" + a.column + "' in table '" + also.table.str() + "'" +
                                               did_you_mean(a.column, other->columns)));
  }
  if (policy.notify && !has(*table, policy.notify->email_column))
    out.push_back(error_at(policy.notify->location, "no column '" + policy.notify->email_column + "'" + in_table +
                                                        did_you_mean(policy.notify->email_column, table->columns)));
  return out;
}

std::vector<policies::Diagnostic> check_fragments(
    const policies::Policy& policy, char quote,
    const std::function<std::optional<std::string>(const std::string&)>& compile_error) {
  std::vector<policies::Diagnostic> out;
  const std::string table_sql = quote_table(*policy.table, quote);
  auto compiles = [&](const std::string& text, const policies::Location& where, const std::string& what) {
    if (auto error = compile_error(text)) out.push_back(error_at(where, what + ": " + *error));
  };
  if (!policy.where.empty())
    compiles("SELECT 1 FROM " + table_sql + " WHERE (" + policy.where + ")", policy.where_location, "where");
  if (!policy.hold_where.empty())
    compiles("SELECT 1 FROM " + table_sql + " WHERE (" + policy.hold_where + ")", policy.hold_where_location,
             "hold_where");
  for (const auto& term : policy.since.terms)
    if (term.related)
      compiles("SELECT 1 FROM " + table_sql + " WHERE EXISTS (SELECT 1 FROM " + quote_table(*term.related, quote) +
                   " WHERE (" + term.on + "))",
               term.on_location, "on");
  for (const auto& also : policy.also)
    compiles("SELECT 1 FROM " + table_sql + " WHERE EXISTS (SELECT 1 FROM " + quote_table(also.table, quote) +
                 " WHERE (" + also.on + "))",
             also.on_location, "on");
  return out;
}

}  // namespace retentiond::connectors::sql
