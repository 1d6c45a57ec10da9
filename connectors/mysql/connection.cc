#include "connectors/mysql/connection.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <algorithm>
#include <cstring>
#include <regex>
#include <set>

#include "connectors/secret.h"

namespace retentiond::connectors::mysql {
namespace {

// "Rows matched: N  Changed: M  Warnings: W", the server's info after an UPDATE.
std::optional<long long> rows_matched_of(const char* info) {
  const char* at = info ? std::strstr(info, "Rows matched:") : nullptr;
  if (!at) return std::nullopt;
  return std::strtoll(at + 13, nullptr, 10);
}

// Closes a prepared statement on every path.
struct StatementHandle {
  MYSQL_STMT* stmt;
  ~StatementHandle() {
    if (stmt) mysql_stmt_close(stmt);
  }
};

// The statement's error; an error the server sent while rows were being fetched may be on the
// connection only (the statement's message is then empty).
[[noreturn]] void fail_statement(MYSQL_STMT* stmt, MYSQL* connection) {
  const char* message = mysql_stmt_error(stmt);
  if ((!message || !*message) && connection && *mysql_error(connection))
    throw MysqlError(mysql_errno(connection), mysql_error(connection), mysql_sqlstate(connection));
  if (!message || !*message)
    throw MysqlError(mysql_stmt_errno(stmt), "the server reported error " +
                                                 std::to_string(mysql_stmt_errno(stmt)) +
                                                 " without a message");
  throw MysqlError(mysql_stmt_errno(stmt), message, mysql_stmt_sqlstate(stmt));
}

}  // namespace

std::string MysqlError::without_values(const std::string& message) {
  // Greedy up to the words that follow the value: a value holding a quote (O'Brien) is
  // withheld whole.
  static const std::regex entry("(entry )'.*'( for key )");
  static const std::regex value_for("(value:? )'.*'( for column )");
  static const std::regex value_last("(value:? )'.*'$");
  std::string out = std::regex_replace(message, entry, "$1'…'$2");
  out = std::regex_replace(out, value_for, "$1'…'$2");
  return std::regex_replace(out, value_last, "$1'…'");
}

bool MysqlError::connection_lost() const {
  return number_ == CR_SERVER_GONE_ERROR || number_ == CR_SERVER_LOST ||
         number_ == CR_CONNECTION_ERROR || number_ == CR_CONN_HOST_ERROR ||
         number_ == ER_SERVER_SHUTDOWN || number_ == ER_CONNECTION_KILLED ||
         number_ == 2026 /* SSL */ ||
         number_ ==
             4031;  // MySQL 8's ER_CLIENT_INTERACTION_TIMEOUT: the server closed an idle session
}

Result<std::unique_ptr<Client>> Client::connect(const policies::StoreConfig& store, AccessMode mode,
                                                std::optional<unsigned> io_timeout) {
  auto password = store_password(store);
  if (!password) return password.error();
  MYSQL* handle = mysql_init(nullptr);
  if (!handle)
    return Error{ErrorKind::StoreUnreachable, error_prefix(store.name) + "out of memory"};
  unsigned timeout = io_timeout.value_or(10);
  mysql_optionsv(handle, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (io_timeout) {
    mysql_optionsv(handle, MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_optionsv(handle, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
  }
  my_bool no = 0;
  mysql_optionsv(handle, MYSQL_OPT_RECONNECT,
                 &no);  // reconnecting silently would drop session settings
  mysql_optionsv(handle, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(handle, MYSQL_READ_DEFAULT_GROUP, nullptr);
  const std::string tls = store.value("tls", "off");
  const std::string tls_ca = store.path("tls_ca");
  // The loader has refused verify without tls_ca and tls_ca without tls (see spec.cc).
  if (tls != "off") {
    // Refuse an unencrypted session rather than fall back to one.
    my_bool yes = 1;
    mysql_optionsv(handle, MYSQL_OPT_SSL_ENFORCE, &yes);
    if (tls == "verify") {
      mysql_optionsv(handle, MYSQL_OPT_SSL_CA, tls_ca.c_str());
      mysql_optionsv(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT,
                     &yes);  // the chain and the host name
    }
    if (const std::string cert = store.path("tls_cert"); !cert.empty()) {
      const std::string key = store.path("tls_key");
      mysql_optionsv(handle, MYSQL_OPT_SSL_CERT, cert.c_str());
      mysql_optionsv(handle, MYSQL_OPT_SSL_KEY, key.c_str());
    }
  }
  const std::string host = store.value("host", store.option("socket") ? "localhost" : "127.0.0.1");
  const std::string user = store.value("user");
  const std::string database = store.value("database");
  const std::string socket = store.path("socket");
  unsigned port = static_cast<unsigned>(std::stoul(store.value("port", "3306")));
  if (!mysql_real_connect(handle, host.c_str(), user.empty() ? nullptr : user.c_str(),
                          password.value() ? password.value()->c_str() : nullptr, database.c_str(),
                          port, socket.empty() ? nullptr : socket.c_str(), 0)) {
    std::string why = mysql_error(handle);
    mysql_close(handle);
    return Error{ErrorKind::StoreUnreachable,
                 error_prefix(store.name) + "cannot connect to MySQL/MariaDB: " + why};
  }
  std::unique_ptr<Client> client(new Client(handle));
  try {
    client->exec("SET time_zone = '+00:00'");
    client->exec("SET SESSION innodb_lock_wait_timeout = 5");
    // And the table locks of ALTER TABLE and LOCK TABLES (partitions), whose server default is a
    // day: waiting behind an application's open transaction, they would hold up every other
    // session's queries on the table meanwhile.
    client->exec("SET SESSION lock_wait_timeout = 5");
    // Non-strict: an unreadable date in a text column is NULL (kept) instead of an error that
    // would fail the whole batch. Neither NO_BACKSLASH_ESCAPES nor ANSI_QUOTES: the policy's SQL
    // fragments were validated as read with backslash escapes and "..." strings
    // (policies/sql_fragment.h).
    client->exec("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
    // SHOW WARNINGS lists this many (64 by default): an anonymising UPDATE's warnings about
    // dates its WHERE could not read must not hide one about a value it could not store.
    client->exec("SET SESSION max_error_count = 65535");
    if (mode == AccessMode::ReadOnly) client->exec("SET SESSION TRANSACTION READ ONLY");
  } catch (const MysqlError& e) {
    return Error{ErrorKind::StoreUnreachable,
                 error_prefix(store.name) + "cannot set up the session: " + e.what()};
  }
  return client;
}

Client::~Client() { mysql_close(handle_); }

void Client::exec(const std::string& sql) {
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0)
    throw MysqlError(mysql_errno(handle_), mysql_error(handle_), mysql_sqlstate(handle_));
  if (MYSQL_RES* r = mysql_store_result(handle_)) mysql_free_result(r);
  affected_ = static_cast<long long>(mysql_affected_rows(handle_));
  matched_ = rows_matched_of(mysql_info(handle_));
}

std::vector<std::map<std::string, std::optional<std::string>>> Client::named_rows(
    const std::string& sql) {
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0)
    throw MysqlError(mysql_errno(handle_), mysql_error(handle_), mysql_sqlstate(handle_));
  std::vector<std::map<std::string, std::optional<std::string>>> out;
  MYSQL_RES* result = mysql_store_result(handle_);
  if (!result) return out;
  const unsigned columns = mysql_num_fields(result);
  MYSQL_FIELD* fields = mysql_fetch_fields(result);
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned long* lengths = mysql_fetch_lengths(result);
    auto& named = out.emplace_back();
    for (unsigned i = 0; i < columns; ++i)
      named[fields[i].name] =
          row[i] ? std::optional<std::string>(std::string(row[i], lengths[i])) : std::nullopt;
  }
  mysql_free_result(result);
  return out;
}

std::vector<std::pair<std::string, int>> Client::columns_not_stored_as_given() {
  std::vector<std::pair<std::string, int>> columns;
  auto add = [&](const std::string& name, int code) {
    if (std::find_if(columns.begin(), columns.end(),
                     [&](const auto& c) { return c.first == name; }) == columns.end())
      columns.emplace_back(name, code);
  };
  unsigned long long warned = mysql_warning_count(handle_);
  if (warned == 0) return columns;
  // The protocol's count stops at 65,535; the server's own (a diagnostic statement, which keeps
  // the list) does not.
  if (warned >= 65535)
    for (const auto& row : named_rows("SHOW COUNT(*) WARNINGS"))
      for (const auto& [name, value] : row)
        if (value) warned = std::stoull(*value);
  const auto warnings = named_rows("SHOW WARNINGS");
  // More than the server lists: one not listed may be about an assignment.
  if (warnings.size() < warned) add("", kWarningsNotListed);
  for (const auto& warning : warnings) {
    static const std::set<std::string> assignment_codes = {
        "1264",  // out of range value for column
        "1265",  // data truncated for column (also a rounded DECIMAL, an unknown ENUM value)
        "1292",  // incorrect date/time value for column (only "for column" ones: see below)
        "1366",  // incorrect integer/decimal/string value for column
        "1406",  // data too long for column
    };
    const auto code = warning.find("Code");
    const auto text = warning.find("Message");
    if (code == warning.end() || !code->second || text == warning.end() || !text->second) continue;
    // "Column 'c' cannot be null": NULL into a NOT NULL column, which a non-strict session
    // stores as the type's zero value ('' or 0).
    if (*code->second == "1048") {
      const std::string& message = *text->second;
      const size_t open = message.find('\''), close = message.find('\'', open + 1);
      if (open != std::string::npos && close != std::string::npos)
        add(message.substr(open + 1, close - open - 1), 1048);
      continue;
    }
    if (!assignment_codes.count(*code->second)) continue;
    // "... for column 'c' at row 1" or "... for column `db`.`t`.`c` at row 1"; a date the WHERE
    // could not read warns without "for column" and is no assignment.
    const std::string& message = *text->second;
    const size_t from = message.rfind(" for column ");
    const size_t to = message.rfind(" at row ");
    if (from == std::string::npos || to == std::string::npos || to < from) continue;
    std::string name = message.substr(from + 12, to - from - 12);
    const size_t dot = name.rfind("`.`");
    if (dot != std::string::npos) name = name.substr(dot + 2);
    if (name.size() >= 2 && (name.front() == '\'' || name.front() == '`'))
      name = name.substr(1, name.size() - 2);
    add(name, std::stoi(*code->second));
  }
  return columns;
}

std::optional<std::string> Client::compile_error(const std::string& sql) {
  StatementHandle h{mysql_stmt_init(handle_)};
  if (!h.stmt) return std::string("out of memory");
  if (mysql_stmt_prepare(h.stmt, sql.data(), sql.size()) != 0) {
    MysqlError e(mysql_stmt_errno(h.stmt), mysql_stmt_error(h.stmt));
    if (e.connection_lost()) throw e;
    // A read-only session refuses to prepare a DELETE once it has parsed it: it compiles.
    if (e.number() == ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION) return std::nullopt;
    return std::string(e.what());
  }
  return std::nullopt;
}

std::vector<Row> Client::query(const std::string& sql, const std::vector<Value>& values) {
  StatementHandle h{mysql_stmt_init(handle_)};
  if (!h.stmt) throw MysqlError(CR_OUT_OF_MEMORY, "out of memory");
  if (mysql_stmt_prepare(h.stmt, sql.data(), sql.size()) != 0) fail_statement(h.stmt, handle_);
  if (mysql_stmt_param_count(h.stmt) != values.size())
    throw MysqlError(0, "internal error: statement expects " +
                            std::to_string(mysql_stmt_param_count(h.stmt)) + " values, " +
                            std::to_string(values.size()) + " given");

  std::vector<MYSQL_BIND> params(values.size());
  std::vector<long long> integers(values.size());
  std::vector<unsigned long> lengths(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    std::memset(&params[i], 0, sizeof(MYSQL_BIND));
    if (values[i].integer) {
      try {
        integers[i] = std::stoll(values[i].text);
      } catch (const std::out_of_range&) {
        // An unsigned BIGINT above the signed range (a key near the type's top): same bits,
        // marked unsigned. Anything else that does not fit is a bug upstream and throws.
        const unsigned long long u = std::stoull(values[i].text);
        std::memcpy(&integers[i], &u, sizeof u);
        params[i].is_unsigned = 1;
      }
      params[i].buffer_type = MYSQL_TYPE_LONGLONG;
      params[i].buffer = &integers[i];
    } else {
      lengths[i] = values[i].text.size();
      params[i].buffer_type = MYSQL_TYPE_STRING;
      params[i].buffer = const_cast<char*>(values[i].text.data());
      params[i].buffer_length = lengths[i];
      params[i].length = &lengths[i];
    }
  }
  if (!values.empty() && mysql_stmt_bind_param(h.stmt, params.data()) != 0)
    fail_statement(h.stmt, handle_);
  if (mysql_stmt_execute(h.stmt) != 0) fail_statement(h.stmt, handle_);
  affected_ = static_cast<long long>(mysql_stmt_affected_rows(h.stmt));
  matched_ = rows_matched_of(mysql_info(handle_));  // closing the statement forgets it

  std::vector<Row> rows;
  unsigned columns = mysql_stmt_field_count(h.stmt);
  if (columns == 0) return rows;
  std::vector<MYSQL_BIND> out(columns);
  std::vector<std::vector<char>> buffers(columns, std::vector<char>(256));
  std::vector<unsigned long> out_lengths(columns);
  std::vector<my_bool> nulls(columns);
  for (unsigned i = 0; i < columns; ++i) {
    std::memset(&out[i], 0, sizeof(MYSQL_BIND));
    out[i].buffer_type = MYSQL_TYPE_STRING;
    out[i].buffer = buffers[i].data();
    out[i].buffer_length = buffers[i].size();
    out[i].length = &out_lengths[i];
    out[i].is_null = &nulls[i];
  }
  if (mysql_stmt_bind_result(h.stmt, out.data()) != 0) fail_statement(h.stmt, handle_);
  for (;;) {
    int rc = mysql_stmt_fetch(h.stmt);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) fail_statement(h.stmt, handle_);
    Row row(columns);
    for (unsigned i = 0; i < columns; ++i) {
      if (nulls[i]) continue;
      if (out_lengths[i] <= buffers[i].size()) {
        row[i] = std::string(buffers[i].data(), out_lengths[i]);
      } else {  // MYSQL_DATA_TRUNCATED: fetch the whole value
        std::vector<char> big(out_lengths[i]);
        MYSQL_BIND b;
        std::memset(&b, 0, sizeof b);
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = big.data();
        b.buffer_length = big.size();
        if (mysql_stmt_fetch_column(h.stmt, &b, i, 0) != 0) fail_statement(h.stmt, handle_);
        row[i] = std::string(big.data(), big.size());
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace retentiond::connectors::mysql
