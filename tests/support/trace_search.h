// Where a person's traces are left in a whole database: the tables in which a text (a name, an
// address) still appears in any column, for the seeds' end-to-end tests. Case-insensitive.
#pragma once

#include <string>
#include <vector>

#include "support/mysql_server.h"
#include "support/pg_server.h"

namespace retentiond::testing {

// The tables of `schema` (as schema.table) with a row whose text form holds `needle`.
std::vector<std::string> pg_tables_holding(const PgDatabase& db, const std::string& schema,
                                           const std::string& needle);

// The tables of the database with a row in which one column holds `needle`.
std::vector<std::string> mysql_tables_holding(const MysqlDatabase& db, const std::string& needle);

// The tables of the SQLite database file `path` with a row in which one column holds `needle`
// (ASCII case folded, as SQLite's LIKE does).
std::vector<std::string> sqlite_tables_holding(const std::string& path, const std::string& needle);

}  // namespace retentiond::testing
