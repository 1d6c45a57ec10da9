// The MariaDB server scripts/test starts (RETENTIOND_TEST_MYSQL_*). Each MysqlDatabase is a
// fresh, uniquely named database, dropped when it goes out of scope. A test that cannot reach the
// server fails: there is no skipping.
#pragma once

#include <string>
#include <vector>

namespace retentiond::testing {

class MysqlDatabase {
 public:
  // throws std::runtime_error naming what is missing. The test replica copies the databases
  // whose name starts with "rd_repl_" (kReplicatedPrefix) and no other.
  explicit MysqlDatabase(const std::string& prefix = "rd_test_");
  static constexpr const char* kReplicatedPrefix = "rd_repl_";
  ~MysqlDatabase();
  MysqlDatabase(const MysqlDatabase&) = delete;
  MysqlDatabase& operator=(const MysqlDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The `stores:` entry for this database, with the password in `password_file` (written by the
  // test into its directory).
  std::string store_yaml(const std::string& password_file) const;
  static std::string password();
  void exec(const std::string& sql) const;  // several statements allowed
  std::vector<std::string> column(const std::string& sql) const;
  long long integer(const std::string& sql) const;

 private:
  std::string name_;
};

}  // namespace retentiond::testing
