// What a SQL store's catalog says about the tables a policy reads, in one shape for the three SQL
// stores: each table's columns with their type category, its primary key, and which key column
// a policy's batches follow. Each store reads its own catalog (pg_catalog, information_schema,
// PRAGMA table_xinfo); nothing here changes anything.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "connectors/result.h"
#include "policies/policy.h"

namespace retentiond::connectors::sql {

struct Column {
  std::string name;
  std::string type;       // as the catalog names it: "timestamp without time zone", "datetime"
  char category = 0;      // 'D' date/time, 'N' number, 'S' text, 0 anything else
  bool integer = false;   // an integer type: its keys stay integers, a walk may follow them
  bool not_null = false;  // declared NOT NULL: anonymising it to null would fail every batch
};

struct TableShape {
  std::vector<Column> columns;
  std::vector<std::string> primary_key;  // column names, in key order
  // A key the table has without a column of its own (SQLite's "rowid"), or empty.
  std::string implicit_key;
  // Columns that a unique index or constraint covers alone (not partial, not an expression).
  std::vector<std::string> unique_columns;

  const Column* column(const std::string& name) const;  // null when there is none
  // No two rows can hold the same value of `column`: it is the implicit key, the primary key
  // alone, or a column of unique_columns. A view declares none.
  bool declared_unique(const std::string& column) const;
  std::vector<std::string> column_names() const;
};

// How the catalog is asked. Store errors (exceptions) pass through.
struct CatalogLookup {
  // nullopt: no such table (or view) visible to the session.
  std::function<std::optional<TableShape>(const policies::QualifiedName&)> describe;
  std::function<std::vector<std::string>()> table_names;  // for "did you mean" suggestions
};

// The policy's table and the related tables its basis names, as the catalog describes them.
class PolicyTables {
 public:
  // Describes the related tables of `policy`'s basis (`table` is its own table's shape). An
  // Error (SchemaMismatch, starting with `prefix`) names a related table that does not exist.
  static Result<PolicyTables> describe(const policies::Policy& policy, TableShape table,
                                       const CatalogLookup& catalog, const std::string& prefix);

  const TableShape& table() const { return table_; }
  // The type category of a column of the policy's table (`related` nullopt) or of a related
  // table; 0 when unknown.
  char category(const std::optional<policies::QualifiedName>& related,
                const std::string& column) const;

 private:
  TableShape table_;
  std::map<std::string, TableShape> related_;  // by QualifiedName::str()
};

// The key column a policy's batches follow: `key:`, the single-column primary key, or the
// table's implicit key. `keyless`: none of these, and the policy may walk the table without one.
struct KeyChoice {
  std::string column;  // unquoted; empty when keyless
  bool integer = false;
  bool keyless = false;
  // The table declares the key unique (TableShape::declared_unique). When it does not, batches
  // take every row sharing their last key (policies::Policy::key_unique).
  bool unique = true;
};

// Chooses the key of `policy` on `table`. Errors (SchemaMismatch, starting with `prefix`): `key:`
// names no column; the table has no key and the policy needs one (sql/check.h key_needed_for);
// `keyless_refusal` is not empty (why this store cannot walk this table without a key); or
// operator holds apply (they name records by key); or the policy sends notices and the table
// does not declare its key unique (a notice is recorded per key, sql/check.h).
Result<KeyChoice> choose_key(const policies::Policy& policy, const TableShape& table,
                             bool operator_holds, const std::string& prefix,
                             const std::string& keyless_refusal);

// `policy` with key_unique false when `key` is not declared unique (it stays false when the
// policy already says so): what its statements are built from.
policies::Policy keyed_by(const policies::Policy& policy, const KeyChoice& key);

}  // namespace retentiond::connectors::sql
