// What the PostgreSQL store needs to know about a table before it can build statements: whether
// it exists (following search_path for unqualified names), its columns with their type category,
// and its primary key. Read from pg_catalog; never changes anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "connectors/sql/catalog.h"
#include "policies/identifier.h"

namespace retentiond::connectors::postgresql {

// Columns: format_type() as the type ("timestamp without time zone", "uuid"), pg_type.typcategory
// as the category ('D' date/time, 'N' numeric, 'S' string, ...).
struct PgTable : sql::TableShape {
  std::string oid;
  char kind = 'r';  // pg_class.relkind: 'r' table, 'p' partitioned table, 'v' view, ...
  // SELECT is granted on the whole table (not only on columns): needed to read `ctid`.
  bool select_granted = true;
};

// nullopt when the table (or view) does not exist or is not visible to the session's user.
std::optional<PgTable> describe_table(pqxx::transaction_base& t,
                                      const policies::QualifiedName& name);

// The catalog of `c`'s database, each lookup in a transaction of its own (none may be open):
// describe_table, and the tables and views outside the system schemas for "did you mean"
// suggestions.
sql::CatalogLookup catalog(pqxx::connection& c);

}  // namespace retentiond::connectors::postgresql
