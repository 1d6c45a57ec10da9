// Sympa's database as the sympa store queries it directly (for the users without subscription,
// whose rule is not a table-and-date policy): one connection through the same session set-up as
// the sqlite, postgresql and mysql stores, statements with `?` placeholders rewritten per dialect
// and every value bound as text.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "connectors/connector.h"

namespace retentiond::connectors::sympa {

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Row = std::vector<std::optional<std::string>>;

class SympaDatabase {
 public:
  virtual ~SympaDatabase() = default;
  // Connects to the database `store` (as built by database_store()). Errors name the store.
  static Result<std::unique_ptr<SympaDatabase>> connect(const policies::StoreConfig& store,
                                                        AccessMode mode);

  // Runs a read-only statement; `?` are the values, in order. Throws DatabaseError.
  virtual std::vector<Row> query(const std::string& sql,
                                 const std::vector<std::string>& values) = 0;
  // One changing statement and its values (`?`, in order).
  struct Change {
    std::string sql;
    std::vector<std::string> values;
  };
  // Runs the changing statements in one short transaction of their own; returns the rows they
  // changed. `before_commit`, when given, is called with that count before COMMIT; if it (or a
  // statement) throws, the transaction rolls back and DatabaseError carries the message.
  virtual long long change(const std::vector<Change>& statements,
                           const std::function<void(long long changed)>& before_commit = {}) = 0;
  // Prepares without running: the server's message when `sql` does not compile.
  virtual std::optional<std::string> compile_error(const std::string& sql) = 0;
  // Whether the table exists.
  virtual bool has_table(const std::string& table) = 0;
};

}  // namespace retentiond::connectors::sympa
