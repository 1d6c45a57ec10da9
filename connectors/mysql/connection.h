// A MariaDB Connector/C session for one configured MySQL/MariaDB store, and the one way
// retentiond talks to it: server-side prepared statements with every value bound. The session is
// set up for retentiond's rules: UTC time zone (DATETIME and TIMESTAMP read as UTC), a short
// innodb_lock_wait_timeout so that a batch never queues long behind an application, read-only
// transactions for check and plan.
#pragma once

#include <mysql.h>

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "connectors/connector.h"

namespace retentiond::connectors::mysql {

// A failed statement or connection: the server's error number and message.
class MysqlError : public std::runtime_error {
 public:
  // The message without the values the server quotes in it (a duplicate key, a value it could
  // not convert): they may be a person's name or address, and the message reaches the log and
  // the report. PostgreSQL's connector leaves out its DETAIL for the same reason.
  // A trigger's or a routine's own SIGNAL (error 1644, or SQLSTATE class 45, whatever
  // MYSQL_ERRNO it sets) says whatever its author wrote, the row's values included ("refusing
  // jane@example.org"): withheld whole.
  MysqlError(unsigned number, const std::string& message, const std::string& sqlstate = "")
      : std::runtime_error(number == 1644 || sqlstate.rfind("45", 0) == 0
                               ? signalled(number, sqlstate)
                               : without_values(message)),
        number_(number) {}
  static std::string signalled(unsigned number, const std::string& sqlstate) {
    return "a trigger or stored routine of the database refused the statement (SIGNAL, error " +
           std::to_string(number) + (sqlstate.empty() ? "" : ", SQLSTATE " + sqlstate) +
           "; its message is withheld from logs and reports, since it may quote the row)";
  }
  static std::string without_values(const std::string& message);
  unsigned number() const { return number_; }
  // The connection is gone (server restarted, network): reconnecting may help.
  bool connection_lost() const;

 private:
  unsigned number_;
};

// A bound value: text, or an integer (LIMIT and epoch comparisons need integer types).
struct Value {
  std::string text;
  bool integer = false;
};

using Row = std::vector<std::optional<std::string>>;

class Client {
 public:
  // Connects; Error kind StoreUnreachable names the store and the server's reason. With
  // `io_timeout`, connecting and every read or write on the session give up after that many
  // seconds (the throttle's readings: a server that accepts connections but never answers must
  // not hold a pass); without it, connecting gives up after 10 s and reads wait (a plan's count
  // may take minutes).
  static Result<std::unique_ptr<Client>> connect(const policies::StoreConfig& store,
                                                 AccessMode mode,
                                                 std::optional<unsigned> io_timeout = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs one statement with its values bound; returns its rows (as text) and sets affected().
  // Throws MysqlError.
  std::vector<Row> query(const std::string& sql, const std::vector<Value>& values = {});
  // Prepares a statement without running it: unknown columns and syntax errors surface here.
  // Returns the server's message, or nullopt when it compiles.
  std::optional<std::string> compile_error(const std::string& sql);
  void exec(const std::string& sql);  // no values, no rows
  // Runs a statement without values (SHOW ...) and returns its rows by column name.
  std::vector<std::map<std::string, std::optional<std::string>>> named_rows(const std::string& sql);
  long long affected() const { return affected_; }
  // After an UPDATE: the columns the server could not store an assigned value in as given (it
  // truncated, rounded or clipped it, or it was no value of the column's type: a non-strict
  // session only warns), each once, in the order warned. Reads SHOW WARNINGS only when the
  // statement left some; never returns the warnings' texts (they quote the values). With each
  // column, the first warning's code (ER_TRUNCATED_WRONG_VALUE_FOR_FIELD, ...). When the
  // statement warned more than the server lists (max_error_count), the first entry is
  // {"", kWarningsNotListed}: whether every value was stored cannot be told.
  std::vector<std::pair<std::string, int>> columns_not_stored_as_given();
  static constexpr int kWarningsNotListed = -1;
  // After an UPDATE: the rows its WHERE matched ("Rows matched" of the server's info; affected()
  // counts only the rows it changed), or nullopt when the server did not say.
  std::optional<long long> rows_matched() const { return matched_; }

 private:
  explicit Client(MYSQL* handle) : handle_(handle) {}
  MYSQL* handle_;
  long long affected_ = 0;
  std::optional<long long> matched_;
};

}  // namespace retentiond::connectors::mysql
