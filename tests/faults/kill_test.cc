// kill -9 at random moments of enforcement, 50 times per kind of store, with the invariants of
// tests/support/fault_scenario.h checked after each kill. Serial (tests/CMakeLists.txt): the
// timings must not depend on what else runs.
#include <sys/stat.h>
#include <utime.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "support/fault_scenario.h"
#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

constexpr int kKills = 50;

}  // namespace

TEST_CASE("faults: kill -9 at random moments loses nothing on SQLite", "[faults]") {
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL);"
              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
              "INSERT INTO t SELECT i, 1900000000 FROM n;");
  FaultStore store;
  store.store_yaml = "{type: sqlite, path: app.db}";
  store.target_yaml = "    table: t\n    since: {column: ts, format: epoch}\n";
  store.add_expired = [&](int count) {
    sqlite_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                        std::to_string(count) + ") INSERT INTO t (ts) SELECT 1500000000 FROM n;");
  };
  store.expired_left = [&] {
    return sqlite_int(db, "SELECT count(*) FROM t WHERE ts = 1500000000");
  };
  store.fresh_left = [&] { return sqlite_int(db, "SELECT count(*) FROM t WHERE ts = 1900000000"); };
  kill_at_random_moments(dir, store, kKills, 20'000);
}

TEST_CASE("faults: kill -9 at random moments loses nothing on PostgreSQL", "[faults]") {
  TempDir dir;
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (id bigserial PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO t (ts) SELECT '2030-01-01' FROM generate_series(1, 1000);");
  FaultStore store;
  store.store_yaml = "{type: postgresql, dsn: \"" + db.dsn() + "\"}";
  store.target_yaml = "    table: t\n    since: ts\n";
  store.add_expired = [&](int count) {
    db.exec("INSERT INTO t (ts) SELECT '2020-01-01' FROM generate_series(1, " +
            std::to_string(count) + ")");
  };
  store.expired_left = [&] { return db.integer("SELECT count(*) FROM t WHERE ts < '2025-01-01'"); };
  store.fresh_left = [&] { return db.integer("SELECT count(*) FROM t WHERE ts > '2025-01-01'"); };
  kill_at_random_moments(dir, store, kKills, 20'000);
}

TEST_CASE("faults: kill -9 at random moments loses nothing on MariaDB", "[faults]") {
  TempDir dir;
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, ts DATETIME NOT NULL);"
      "INSERT INTO t (ts) SELECT '2030-01-01' FROM seq_1_to_1000;");
  dir.write("pw", MysqlDatabase::password());
  FaultStore store;
  store.store_yaml = db.store_yaml(dir.file("pw"));
  store.target_yaml = "    table: t\n    since: ts\n";
  store.add_expired = [&](int count) {
    db.exec("INSERT INTO t (ts) SELECT '2020-01-01' FROM seq_1_to_" + std::to_string(count));
  };
  store.expired_left = [&] { return db.integer("SELECT count(*) FROM t WHERE ts < '2025-01-01'"); };
  store.fresh_left = [&] { return db.integer("SELECT count(*) FROM t WHERE ts > '2025-01-01'"); };
  kill_at_random_moments(dir, store, kKills, 40'000);
}

TEST_CASE("faults: kill -9 at random moments loses nothing on the files store", "[faults]") {
  TempDir dir;
  const std::string root = dir.file("logs");
  int made = 0;
  auto make = [&](int count, time_t mtime) {
    for (int i = 0; i < count; ++i, ++made) {
      std::string path = dir.write(
          "logs/d" + std::to_string(made % 37) + "/f" + std::to_string(made) + ".log", "");
      struct utimbuf t {
        mtime, mtime
      };
      utime(path.c_str(), &t);
    }
  };
  make(200, 1900000000);
  auto count = [&](time_t mtime) {
    long long n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      struct stat st;
      if (e.is_regular_file() && ::stat(e.path().c_str(), &st) == 0 && st.st_mtime == mtime) ++n;
    }
    return n;
  };
  FaultStore store;
  store.store_yaml = "{type: files, root: logs}";
  store.target_yaml = "    files: \"*/*.log\"\n    since: mtime\n";
  store.add_expired = [&](int n) { make(n, 1500000000); };
  store.expired_left = [&] { return count(1500000000); };
  store.fresh_left = [&] { return count(1900000000); };
  kill_at_random_moments(dir, store, kKills, 2'000);
}
