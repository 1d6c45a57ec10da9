// What the PostgreSQL store needs to know about a table before it can build statements: whether
// it exists (following search_path for unqualified names), its columns with their type category,
// and its primary key. Read from pg_catalog; never changes anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "policies/identifier.h"

namespace retentiond::connectors::postgresql {

struct PgColumn {
  std::string name;
  std::string type;   // format_type(): "timestamp without time zone", "uuid", ...
  char category = 0;  // pg_type.typcategory: 'D' date/time, 'N' numeric, 'S' string, ...
};

struct PgTable {
  std::string oid;
  char kind = 'r';  // pg_class.relkind: 'r' table, 'p' partitioned table, 'v' view, ...
  // SELECT is granted on the whole table (not only on columns): needed to read `ctid`.
  bool select_granted = true;
  std::vector<PgColumn> columns;
  std::vector<std::string> primary_key;  // column names, in key order

  const PgColumn* column(const std::string& name) const;
  std::vector<std::string> column_names() const;
};

// nullopt when the table (or view) does not exist or is not visible to the session's user.
std::optional<PgTable> describe_table(pqxx::transaction_base& t, const policies::QualifiedName& name);

// Tables and views outside the system schemas, for "did you mean" suggestions.
std::vector<std::string> table_names(pqxx::transaction_base& t);

}  // namespace retentiond::connectors::postgresql
