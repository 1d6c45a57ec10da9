#include "support/trace_search.h"

#include "support/sqlite_file.h"

namespace retentiond::testing {
namespace {

// `text` as an SQL literal; the needles are the tests' own.
std::string literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::vector<std::string> pg_tables_holding(const PgDatabase& db, const std::string& schema,
                                           const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& table :
       db.column("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM "
                 "information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = " +
                 literal(schema) + " ORDER BY table_name")) {
    // A row's text form holds every column, JSON documents included.
    if (db.integer("SELECT count(*) FROM " + table + " AS r WHERE r::text ILIKE " +
                   literal("%" + needle + "%")) > 0)
      found.push_back(table);
  }
  return found;
}

std::vector<std::string> mysql_tables_holding(const MysqlDatabase& db, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& table : db.column("SELECT table_name FROM information_schema.tables WHERE "
                                     "table_schema = DATABASE() AND table_type = 'BASE TABLE' "
                                     "ORDER BY table_name")) {
    std::string columns;
    for (const auto& c : db.column("SELECT column_name FROM information_schema.columns WHERE "
                                   "table_schema = DATABASE() AND table_name = " +
                                   literal(table) + " ORDER BY ordinal_position"))
      columns += (columns.empty() ? "" : ", ") + ("CONVERT(`" + c + "` USING utf8mb4)");
    // utf8mb4_unicode_ci: case and accents do not hide a trace.
    if (db.integer("SELECT COUNT(*) FROM `" + table + "` WHERE CONCAT_WS('|', " + columns +
                   ") COLLATE utf8mb4_unicode_ci LIKE " + literal("%" + needle + "%")) > 0)
      found.push_back(table);
  }
  return found;
}

std::vector<std::string> sqlite_tables_holding(const std::string& path, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& table : sqlite_column(path,
                                         "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                         "name NOT LIKE 'sqlite_%' ORDER BY name")) {
    std::string condition;
    for (const auto& c :
         sqlite_column(path, "SELECT name FROM pragma_table_info(" + literal(table) + ")"))
      condition += (condition.empty() ? "" : " OR ") +
                   ("CAST(\"" + c + "\" AS TEXT) LIKE " + literal("%" + needle + "%"));
    if (!condition.empty() &&
        sqlite_int(path, "SELECT count(*) FROM \"" + table + "\" WHERE " + condition) > 0)
      found.push_back(table);
  }
  return found;
}

}  // namespace retentiond::testing
