// What the mysql store needs to know about a table: whether it exists (in the store's database,
// or in the database a qualified name gives), its columns with their type category, and its
// primary key. Read from information_schema; never changes anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/mysql/connection.h"
#include "policies/identifier.h"

namespace retentiond::connectors::mysql {

struct MyColumn {
  std::string name;
  std::string type;   // information_schema DATA_TYPE: "datetime", "int", "char", ...
  char category = 0;  // 'D' date/time, 'N' integer, 'S' string, 0 other
};

struct MyTable {
  std::vector<MyColumn> columns;
  std::vector<std::string> primary_key;
  const MyColumn* column(const std::string& name) const;
  std::vector<std::string> column_names() const;
};

std::optional<MyTable> describe_table(Client& c, const policies::QualifiedName& name);
std::vector<std::string> table_names(Client& c);

}  // namespace retentiond::connectors::mysql
