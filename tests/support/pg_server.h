// The PostgreSQL server scripts/test starts (RETENTIOND_TEST_PG_*). Each PgDatabase is a fresh,
// uniquely named database, dropped when it goes out of scope. A test that cannot reach the
// server fails: there is no skipping.
#pragma once

#include <string>
#include <vector>

#include "policies/policy.h"

namespace retentiond::testing {

class PgDatabase {
 public:
  PgDatabase();  // throws std::runtime_error naming what is missing
  ~PgDatabase();
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  const std::string& name() const { return name_; }
  // A libpq DSN for this database, without password (the test server trusts loopback).
  std::string dsn() const;
  // The `stores:` entry for this database: {type: postgresql, dsn: "..."}.
  std::string store_yaml() const;
  // This database as a PostgreSQL state (`state: {type: postgresql, dsn: ...}`), as loaded.
  policies::StoreConfig state_config() const;
  void exec(const std::string& sql) const;
  // First column of every row, as text ("NULL" for NULL).
  std::vector<std::string> column(const std::string& sql) const;
  long long integer(const std::string& sql) const;

 private:
  std::string name_;
};

// A login role of the test server for least-privilege tests, named after `db` and `suffix`,
// created at once; its objects and itself are dropped with it (roles are the server's).
class PgRole {
 public:
  PgRole(const PgDatabase& db, const std::string& suffix);
  ~PgRole();
  PgRole(const PgRole&) = delete;
  PgRole& operator=(const PgRole&) = delete;
  const std::string& name() const { return name_; }
  // The database's dsn as this role (the last user= counts).
  std::string dsn() const;
  // What a user that reads and writes retentiond's tables, without owning them, is granted.
  void grant_table_writer() const;

 private:
  const PgDatabase& db_;
  std::string name_;
};

// Host, port and user of the test server; throws when the environment does not name one.
std::string pg_server_dsn(const std::string& database);

}  // namespace retentiond::testing
