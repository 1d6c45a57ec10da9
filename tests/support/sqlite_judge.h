// SQLite as the judge of a `where`/`on`/`hold_where` fragment: spliced the way retentiond splices
// it, between two false conditions, a fragment that stays inside its parentheses selects no row
// of a one-row table; only one that escaped them can (one SQLite refuses selects nothing). Shared
// by the validator's test and the fuzzer (fuzz/sql_fragment_fuzzer.cc).
#pragma once

#include <sqlite3.h>

#include <string>

namespace retentiond::testing {

class SqliteJudge {
 public:
  SqliteJudge();  // an in-memory database holding the one-row table; throws when SQLite cannot
  ~SqliteJudge();
  SqliteJudge(const SqliteJudge&) = delete;
  SqliteJudge& operator=(const SqliteJudge&) = delete;

  // Whether `fragment` escapes its parentheses: a row comes back.
  bool escapes(const std::string& fragment) const;
  // The database, for a caller that bounds its work (sqlite3_limit, a progress handler).
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace retentiond::testing
