// A test database as the one store of a configuration, the same way on SQLite, PostgreSQL and
// MariaDB: a scenario written once for every SQL store takes a SqlStore, and the test says which
// database it is.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/temp_dir.h"

namespace retentiond::testing {

// The test database a scenario works on, in the store's own client: run SQL, read one integer,
// read the first column of every row as text.
struct ScenarioDatabase {
  std::function<void(const std::string& sql)> exec;
  std::function<long long(const std::string& sql)> integer;
  std::function<std::vector<std::string>(const std::string& sql)> column;
};

// A ScenarioDatabase on a PgDatabase or a MysqlDatabase, which must outlive it.
template <typename Database>
ScenarioDatabase scenario_database(const Database& db) {
  return {[&db](const std::string& sql) { db.exec(sql); },
          [&db](const std::string& sql) { return db.integer(sql); },
          [&db](const std::string& sql) { return db.column(sql); }};
}

// Writes a configuration holding `policies` (starting at line 5) for store `store`; returns its
// path.
using WriteConfig = std::function<std::string(const std::string& policies)>;

struct SqlStore {
  std::string name;  // under `stores:`
  // Writes r.yaml in the test's directory: state.db, this store alone, then `policies` from line 5.
  WriteConfig write;
  ScenarioDatabase db;
};

// app.db in `dir`, as store "app".
SqlStore sqlite_store(const TempDir& dir);
// `db` as store `name` of configurations written in `dir`; `dir` and `db` must outlive it.
SqlStore postgresql_store(const TempDir& dir, const PgDatabase& db, const std::string& name = "pg");
// `db` as store `name`, its password written to my.password in `dir`; `dir` and `db` must outlive
// it.
SqlStore mysql_store(const TempDir& dir, const MysqlDatabase& db, const std::string& name = "my");

}  // namespace retentiond::testing
