// The SQLite layer names the file when the file itself fails (issue 17, item 11: a full disk
// said only "database or disk is full", naming no file).
#include "lib/sqlite/database.h"

#include <catch2/catch.hpp>

#include "support/temp_dir.h"

using namespace retentiond::lib::sqlite;
using retentiond::testing::TempDir;

namespace {

// Fills `db` until SQLite refuses to grow it past max_page_count; returns the error's message.
std::string fill_until_full(Database& db) {
  db.exec("CREATE TABLE t (v BLOB)");
  auto pages = db.prepare("PRAGMA page_count");
  pages.step();
  db.exec("PRAGMA max_page_count = " + std::to_string(pages.integer(0) + 1));
  try {
    for (int i = 0; i < 100; ++i) db.exec("INSERT INTO t VALUES (zeroblob(3000))");
  } catch (const SqliteError& e) {
    CHECK(e.file_problem());
    return e.what();
  }
  FAIL("the database never became full");
  return "";
}

}  // namespace

TEST_CASE("issue 17: a full database names its file, as its owner calls it", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  Database state(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "the state file '" + path + "'");
  CHECK(fill_until_full(state) ==
        "cannot write the state file '" + path + "': disk full (SQLite: database or disk is full)");

  const std::string other = dir.file("app.db");
  Database store(other, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  CHECK(fill_until_full(store) == "cannot write the SQLite database '" + other +
                                      "': disk full (SQLite: database or disk is full)");
}

TEST_CASE("SQL errors keep SQLite's own message", "[sqlite]") {
  TempDir dir;
  Database db(dir.file("x.db"), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  try {
    db.prepare("SELECT nope FROM nowhere");
    FAIL("prepared");
  } catch (const SqliteError& e) {
    CHECK(std::string(e.what()) == "no such table: nowhere");
    CHECK_FALSE(e.file_problem());
  }
}
