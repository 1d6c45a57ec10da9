#include "lib/sqlite/database.h"

#include <cerrno>
#include <system_error>

namespace retentiond::lib::sqlite {
namespace {

bool is_file_problem(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_FULL || primary == SQLITE_IOERR;
}

// SQLite says "database or disk is full" or "disk I/O error", naming no file: which one, and
// what the system said, is what a sysadmin needs.
std::string file_message(sqlite3* db, int code, const std::string* label) {
  const std::string sqlite_says = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string name;
  if (label) {
    name = *label;
  } else {
    const char* path = db ? sqlite3_db_filename(db, "main") : nullptr;
    name = "the SQLite database '" + std::string(path ? path : "") + "'";
  }
  if ((code & 0xff) == SQLITE_FULL)
    return "cannot write " + name + ": disk full (SQLite: " + sqlite_says + ")";
  const bool reading = code == SQLITE_IOERR_READ || code == SQLITE_IOERR_SHORT_READ;
  const int system = db ? sqlite3_system_errno(db) : 0;
  std::string why = sqlite_says;
  if (system == ENOSPC)
    why = "disk full (SQLite: " + sqlite_says + ")";
  else if (system != 0)
    why = std::generic_category().message(system) + " (SQLite: " + sqlite_says + ")";
  return std::string(reading ? "cannot read " : "cannot write ") + name + ": " + why;
}

[[noreturn]] void fail(sqlite3* db, int code, const std::string* label) {
  if (is_file_problem(code)) throw SqliteError(code, file_message(db, code, label));
  std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  throw SqliteError(code, message);
}

}  // namespace

bool SqliteError::busy() const {
  int primary = code_ & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool SqliteError::file_problem() const { return is_file_problem(code_); }

Statement::Statement(sqlite3* db, std::string_view sql, std::shared_ptr<const std::string> label)
    : db_(db), label_(std::move(label)) {
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    fail(db, rc, label_.get());
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), label_(std::move(other.label_)) {
  other.stmt_ = nullptr;
}

Statement& Statement::bind(int index, long long value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(db_, rc, label_.get());
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, rc, label_.get());
  return *this;
}

Statement& Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(db_, rc, label_.get());
  return *this;
}

Statement& Statement::bind_text_or_integer(int index, const std::string& value, bool is_integer) {
  if (is_integer) return bind(index, std::stoll(value));
  return bind(index, value);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, label_.get());
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

bool Statement::is_integer(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_INTEGER;
}

long long Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (!p) return "";
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<long long> Statement::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

Database::Database(const std::string& path, int flags, std::string label)
    : label_(std::make_shared<const std::string>(
          label.empty() ? "the SQLite database '" + path + "'" : std::move(label))) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = is_file_problem(rc) ? file_message(db_, rc, label_.get())
                          : db_               ? sqlite3_errmsg(db_)
                                              : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() { sqlite3_close(db_); }

Database::Database(Database&& other) noexcept : db_(other.db_), label_(std::move(other.label_)) {
  other.db_ = nullptr;
}

void Database::exec(std::string_view sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    // sqlite3_exec returns the primary code only; the connection knows the extended one.
    const int code = sqlite3_extended_errcode(db_);
    std::string message = is_file_problem(rc) ? file_message(db_, code, label_.get())
                          : error             ? error
                                              : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw SqliteError(rc, message);
  }
}

}  // namespace retentiond::lib::sqlite
