#include "support/mysql_server.h"

#include <mysql.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "support/run.h"

namespace retentiond::testing {
namespace {

struct Connection {
  MYSQL* handle;
  explicit Connection(const std::string& database) {
    handle = mysql_init(nullptr);
    if (!mysql_real_connect(
            handle, server_env("RETENTIOND_TEST_MYSQL_HOST").c_str(),
            server_env("RETENTIOND_TEST_MYSQL_USER").c_str(),
            server_env("RETENTIOND_TEST_MYSQL_PASSWORD").c_str(),
            database.empty() ? nullptr : database.c_str(),
            static_cast<unsigned>(std::stoul(server_env("RETENTIOND_TEST_MYSQL_PORT"))), nullptr,
            CLIENT_MULTI_STATEMENTS)) {
      std::string why = mysql_error(handle);
      mysql_close(handle);
      throw std::runtime_error("cannot connect to the test MariaDB server: " + why);
    }
  }
  ~Connection() { mysql_close(handle); }
  // Runs statements; returns the first column of the last result's rows.
  std::vector<std::string> run(const std::string& sql) {
    if (mysql_real_query(handle, sql.data(), sql.size()) != 0)
      throw std::runtime_error("MariaDB: " + std::string(mysql_error(handle)) + " in: " + sql);
    std::vector<std::string> out;
    do {
      if (MYSQL_RES* r = mysql_store_result(handle)) {
        out.clear();
        while (MYSQL_ROW row = mysql_fetch_row(r)) out.push_back(row[0] ? row[0] : "NULL");
        mysql_free_result(r);
      }
      int status = mysql_next_result(handle);
      if (status > 0)
        throw std::runtime_error("MariaDB: " + std::string(mysql_error(handle)) + " in: " + sql);
      if (status != 0) break;
    } while (true);
    return out;
  }
};

}  // namespace

MysqlDatabase::MysqlDatabase(const std::string& prefix) {
  static std::atomic<int> counter{0};
  name_ = prefix + std::to_string(getpid()) + "_" + std::to_string(counter++);
  Connection c("");
  c.run("DROP DATABASE IF EXISTS " + name_ + "; CREATE DATABASE " + name_);
}

MysqlDatabase::~MysqlDatabase() {
  try {
    Connection c("");
    c.run("DROP DATABASE IF EXISTS " + name_);
  } catch (const std::exception&) {
  }
}

std::string MysqlDatabase::password() { return server_env("RETENTIOND_TEST_MYSQL_PASSWORD"); }

std::string MysqlDatabase::store_yaml(const std::string& password_file) const {
  return "{type: mysql, host: " + server_env("RETENTIOND_TEST_MYSQL_HOST") +
         ", port: " + server_env("RETENTIOND_TEST_MYSQL_PORT") + ", database: " + name_ +
         ", user: " + server_env("RETENTIOND_TEST_MYSQL_USER") +
         ", password_file: " + password_file + "}";
}

void MysqlDatabase::exec(const std::string& sql) const { Connection(name_).run(sql); }

std::vector<std::string> MysqlDatabase::column(const std::string& sql) const {
  return Connection(name_).run(sql);
}

long long MysqlDatabase::integer(const std::string& sql) const {
  auto values = column(sql);
  if (values.empty()) throw std::runtime_error("no row for: " + sql);
  return std::stoll(values.front());
}

}  // namespace retentiond::testing
