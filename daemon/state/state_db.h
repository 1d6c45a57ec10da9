// The database under the state: a SQLite file on one host, or a PostgreSQL database that several
// hosts share. The state code speaks one SQL to both (parameters ?1..?N, ON CONFLICT upserts,
// plain types); what differs (the schema, looking up tables, the lock that keeps the audit chain
// from forking) sits behind this interface. A StateDb and its statements belong to one thread.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace retentiond::daemon {

class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class StateBackend { Sqlite, Postgresql };

// One statement of a back end; see StateStatement.
class StateStatementImpl {
 public:
  virtual ~StateStatementImpl() = default;
  virtual void bind(int index, long long value) = 0;
  virtual void bind(int index, const std::string& value) = 0;
  virtual void bind_null(int index) = 0;
  virtual bool step() = 0;
  virtual void reset() = 0;
  virtual bool is_null(int column) const = 0;
  virtual long long integer(int column) const = 0;
  virtual std::string text(int column) const = 0;
};

// A prepared statement: bind ?N parameters, then step() through its rows (false when done).
// Failures throw: SQLite's SqliteError, or StateError naming the PostgreSQL state.
class StateStatement {
 public:
  explicit StateStatement(std::unique_ptr<StateStatementImpl> impl) : impl_(std::move(impl)) {}

  StateStatement& bind(int index, long long value) {
    impl_->bind(index, value);
    return *this;
  }
  StateStatement& bind(int index, const std::string& value) {
    impl_->bind(index, value);
    return *this;
  }
  StateStatement& bind_null(int index) {
    impl_->bind_null(index);
    return *this;
  }
  bool step() { return impl_->step(); }
  // Runs again from the start; the bindings are cleared.
  void reset() { impl_->reset(); }
  bool is_null(int column) const { return impl_->is_null(column); }
  long long integer(int column) const { return impl_->integer(column); }
  std::string text(int column) const { return impl_->text(column); }

 private:
  std::unique_ptr<StateStatementImpl> impl_;
};

class StateDb {
 public:
  virtual ~StateDb() = default;

  virtual StateBackend backend() const = 0;
  // Several hosts may use this state at once (PostgreSQL): passes are leased, not only locked.
  bool shared() const { return backend() == StateBackend::Postgresql; }

  // Runs one or more statements without parameters.
  virtual void exec(const std::string& sql) = 0;
  virtual StateStatement prepare(const std::string& sql) = 0;
  // The rows the last INSERT, UPDATE or DELETE changed.
  virtual long long changes() const = 0;

  // A write transaction: SQLite's BEGIN IMMEDIATE (one writer at a time), PostgreSQL's BEGIN.
  // PostgreSQL reconnects first when its session was lost (the server restarted). See
  // in_transaction().
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  // Until the transaction ends, no other writer appends to the audit chain, so two hosts never
  // fork it: PostgreSQL takes a transaction-level advisory lock; with SQLite, BEGIN IMMEDIATE
  // already has.
  virtual void lock_audit_chain() = 0;

  virtual bool has_table(const std::string& name) = 0;
  virtual bool has_column(const std::string& table, const std::string& column) = 0;

  // The column that orders rows as they were inserted, in tables without an id of their own.
  virtual std::string insertion_order() const = 0;
};

// Runs `body` inside begin() ... commit(); rolls back if it throws.
template <typename F>
auto in_transaction(StateDb& db, F&& body) {
  db.begin();
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      db.commit();
    } else {
      auto result = body();
      db.commit();
      return result;
    }
  } catch (...) {
    db.rollback();
    throw;
  }
}

}  // namespace retentiond::daemon
