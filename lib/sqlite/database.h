// A thin RAII layer over the SQLite C API, shared by the sqlite store and the state file.
// Errors throw SqliteError (with SQLite's message); callers at a module boundary convert them.
// A failure to read or write the file itself (a full disk, an I/O error) names the file: "cannot
// write the state file '/var/lib/retentiond/state.db': disk full (SQLite: ...)".
// A Database and its Statements belong to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace retentiond::lib::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }
  // SQLITE_BUSY or SQLITE_LOCKED: another connection holds a lock.
  bool busy() const;
  // SQLITE_FULL or SQLITE_IOERR: the file could not be read or written; the message names it.
  bool file_problem() const;

 private:
  int code_;
};

class Statement {
 public:
  // `label` names the database in messages about its file (see Database); by default "the
  // SQLite database '<path>'".
  Statement(sqlite3* db, std::string_view sql, std::shared_ptr<const std::string> label = nullptr);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, long long value);
  Statement& bind(int index, const std::string& value);
  Statement& bind_null(int index);
  // Binds an integer or a text, as the value holds.
  Statement& bind_text_or_integer(int index, const std::string& value, bool is_integer);

  // The largest parameter number the statement uses (?N).
  int parameter_count() const { return sqlite3_bind_parameter_count(stmt_); }
  // The number of columns a row of this statement has.
  int column_count() const { return sqlite3_column_count(stmt_); }

  // Advances to the next row; false when done. Throws SqliteError on failure.
  bool step();
  void reset();

  bool is_null(int column) const;
  bool is_integer(int column) const;
  long long integer(int column) const;
  std::string text(int column) const;
  std::optional<long long> optional_integer(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::shared_ptr<const std::string> label_;
};

class Database {
 public:
  // Opens `path` with SQLITE_OPEN_* `flags`; throws SqliteError when it cannot. `label` is how
  // messages about the file name it ("the state file '/var/lib/retentiond/state.db'"); empty:
  // "the SQLite database '<path>'".
  Database(const std::string& path, int flags, std::string label = "");
  ~Database();
  Database(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql, label_); }
  long long changes() const { return sqlite3_changes64(db_); }
  void busy_timeout(int milliseconds) { sqlite3_busy_timeout(db_, milliseconds); }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::shared_ptr<const std::string> label_;
};

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back if it throws.
template <typename F>
auto in_transaction(Database& db, F&& body) {
  db.exec("BEGIN IMMEDIATE");
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      db.exec("COMMIT");
    } else {
      auto result = body();
      db.exec("COMMIT");
      return result;
    }
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace retentiond::lib::sqlite
