// What the mysql store needs to know about a table: whether it exists (in the store's database,
// or in the database a qualified name gives), its columns with their type category, and its
// primary key. Read from information_schema; never changes anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/mysql/connection.h"
#include "connectors/sql/catalog.h"
#include "policies/identifier.h"

namespace retentiond::connectors::mysql {

// Columns: information_schema's DATA_TYPE as the type ("datetime", "int", "char"), categories
// 'D' date/time, 'N' number, 'S' string, 0 other. nullopt when the table does not exist.
std::optional<sql::TableShape> describe_table(Client& c, const policies::QualifiedName& name);

// The catalog as `c` reads it: describe_table, and the tables of the store's database for "did
// you mean" suggestions.
sql::CatalogLookup catalog(Client& c);

}  // namespace retentiond::connectors::mysql
