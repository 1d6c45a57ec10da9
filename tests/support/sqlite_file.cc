#include "support/sqlite_file.h"

#include <sqlite3.h>

#include <stdexcept>

namespace retentiond::testing {
namespace {

// `wait_ms`: how long a read waits for a writer (retentiond committing a batch) to let go.
sqlite3* open_db(const std::string& path, int wait_ms = 0) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path + ": " + message);
  }
  if (wait_ms > 0) sqlite3_busy_timeout(db, wait_ms);
  return db;
}

}  // namespace

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = open_db(path);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("sqlite_exec: " + message + " in: " + sql);
}

std::vector<std::string> sqlite_column(const std::string& path, const std::string& sql) {
  sqlite3* db = open_db(path, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("sqlite_column: " + message + " in: " + sql);
  }
  std::vector<std::string> values;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    values.push_back(text ? reinterpret_cast<const char*>(text) : "NULL");
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return values;
}

long long sqlite_int(const std::string& path, const std::string& sql) {
  auto values = sqlite_column(path, sql);
  if (values.empty()) throw std::runtime_error("sqlite_int: no row for: " + sql);
  return std::stoll(values.front());
}

}  // namespace retentiond::testing
