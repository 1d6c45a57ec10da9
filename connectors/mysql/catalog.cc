#include "connectors/mysql/catalog.h"

namespace retentiond::connectors::mysql {
namespace {

char category_of(const std::string& type) {
  if (type == "date" || type == "datetime" || type == "timestamp") return 'D';
  if (type == "tinyint" || type == "smallint" || type == "mediumint" || type == "int" ||
      type == "bigint" || type == "decimal" || type == "double" || type == "float")
    return 'N';  // epoch numbers
  if (type == "char" || type == "varchar" || type == "text" || type == "tinytext" ||
      type == "mediumtext" || type == "longtext")
    return 'S';
  return 0;
}

bool is_integer_type(const std::string& type) {
  return type == "tinyint" || type == "smallint" || type == "mediumint" || type == "int" ||
         type == "bigint";
}

std::vector<Value> schema_and_table(const policies::QualifiedName& name) {
  return {Value{name.schema}, Value{name.schema}, Value{name.name}};
}

std::vector<std::string> table_names(Client& c) {
  std::vector<std::string> out;
  for (const auto& row :
       c.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"))
    out.push_back(row[0].value_or(""));
  return out;
}

}  // namespace

std::optional<sql::TableShape> describe_table(Client& c, const policies::QualifiedName& name) {
  const std::string schema = "TABLE_SCHEMA = IF(? = '', DATABASE(), ?) AND TABLE_NAME = ?";
  auto cols = c.query(
      "SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM information_schema.COLUMNS "
      "WHERE " +
          schema + " ORDER BY ORDINAL_POSITION",
      schema_and_table(name));
  if (cols.empty()) return std::nullopt;
  sql::TableShape t;
  for (const auto& row : cols) {
    std::string type = row[1].value_or("");
    t.columns.push_back({row[0].value_or(""), type, category_of(type), is_integer_type(type),
                         row[2].value_or("YES") == "NO"});
  }
  auto pk = c.query("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE " + schema +
                        " AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
                    schema_and_table(name));
  for (const auto& row : pk) t.primary_key.push_back(row[0].value_or(""));
  // Unique indexes of one column (a prefix one too: equal values have equal prefixes).
  auto unique = c.query("SELECT MIN(COLUMN_NAME) FROM information_schema.STATISTICS WHERE " +
                            schema + " AND NON_UNIQUE = 0 GROUP BY INDEX_NAME HAVING COUNT(*) = 1",
                        schema_and_table(name));
  for (const auto& row : unique) t.unique_columns.push_back(row[0].value_or(""));
  return t;
}

sql::CatalogLookup catalog(Client& c) {
  return {[&c](const policies::QualifiedName& name) { return describe_table(c, name); },
          [&c] { return table_names(c); }};
}

}  // namespace retentiond::connectors::mysql
