#include "support/sql_store.h"

#include "support/config_text.h"
#include "support/sqlite_file.h"

namespace retentiond::testing {
namespace {

WriteConfig writer(const TempDir& dir, const std::string& name, const std::string& entry) {
  return [&dir, name, entry](const std::string& policies) {
    return dir.write("r.yaml", one_store_config(name, entry, policies));
  };
}

}  // namespace

SqlStore sqlite_store(const TempDir& dir) {
  const std::string path = dir.file("app.db");
  return {"app",
          writer(dir, "app", "{type: sqlite, path: app.db}"),
          {[path](const std::string& sql) { sqlite_exec(path, sql); },
           [path](const std::string& sql) { return sqlite_int(path, sql); },
           [path](const std::string& sql) { return sqlite_column(path, sql); }}};
}

SqlStore postgresql_store(const TempDir& dir, const PgDatabase& db, const std::string& name) {
  return {name, writer(dir, name, db.store_yaml()), scenario_database(db)};
}

SqlStore mysql_store(const TempDir& dir, const MysqlDatabase& db, const std::string& name) {
  dir.write("my.password", MysqlDatabase::password() + "\n");
  return {name, writer(dir, name, db.store_yaml("my.password")), scenario_database(db)};
}

}  // namespace retentiond::testing
