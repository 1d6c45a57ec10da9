// The state file (`state:`, SQLite): the audit trail, the passes in progress, and what later
// features keep between passes. Opened by each command; WAL mode lets `history` read while the
// daemon writes. Created with mode 0600, its directory with 0700 when missing.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "connectors/sqlite/database.h"

namespace retentiond::daemon {

class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateFile {
 public:
  // Opens `path`. Writable: creates the file and its tables when missing. Read-only: the file
  // must exist (see exists()). Throws StateError with a sentence naming the path.
  StateFile(const std::string& path, bool writable);

  static bool exists(const std::string& path);

  connectors::sqlite::Database& db() { return *db_; }
  const std::string& path() const { return path_; }
  bool writable() const { return writable_; }

  // Whether the file has this table (a read-only file may predate it).
  bool has_table(const std::string& name);

  // The installation's secret for keyed hashes (anonymisation, notices): 32 random bytes as
  // hex, drawn the first time a writable state file is asked. "" when read-only and none yet.
  std::string anonymisation_key();

 private:
  void create_schema();

  std::string path_;
  bool writable_ = false;
  std::unique_ptr<connectors::sqlite::Database> db_;
};

}  // namespace retentiond::daemon
