#include "support/sqlite_judge.h"

#include <stdexcept>

namespace retentiond::testing {

SqliteJudge::SqliteJudge() {
  if (sqlite3_open(":memory:", &db_) != SQLITE_OK) {
    sqlite3_close(db_);
    throw std::runtime_error("cannot open an in-memory SQLite database");
  }
  sqlite3_exec(db_,
               "CREATE TABLE t (name TEXT, a, b, x, y, data, deleted_at);"
               "INSERT INTO t VALUES ('n', 1, 2, 3, 4, '{\"a\": \"x\"}', NULL)",
               nullptr, nullptr, nullptr);
}

SqliteJudge::~SqliteJudge() { sqlite3_close(db_); }

bool SqliteJudge::escapes(const std::string& fragment) const {
  const std::string sql = "SELECT 1 FROM t WHERE (1=0) AND (" + fragment + ") AND (1=0)";
  sqlite3_stmt* st = nullptr;
  bool row = false;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) ==
          SQLITE_OK &&
      st)
    row = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return row;
}

}  // namespace retentiond::testing
