// The state file (`state:`, SQLite): the audit trail, the passes in progress, and what later
// features keep between passes. Opened by each command; WAL mode lets `history` read while the
// daemon writes. Created with mode 0600, its directory with 0700 when missing.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "lib/sqlite/database.h"
#include "policies/policy.h"

namespace retentiond::daemon {

class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The audit key of a configuration: the contents of `audit_key_file:`, else of the systemd
// credential $CREDENTIALS_DIRECTORY/audit-key when there is one, else "". Throws StateError
// naming the file when it cannot be read or holds fewer than 16 bytes.
std::string audit_key_for(const policies::Config& config);
std::string read_audit_key(const std::string& path);

class StateFile {
 public:
  // Opens `path`. Writable: creates the file and its tables when missing. Read-only: the file
  // must exist (see exists()); it may sit on a read-only mount or be an archived copy. Throws
  // StateError with a sentence naming the path.
  StateFile(const std::string& path, bool writable);
  // The configuration's state file, with its audit key (see audit_key_for).
  StateFile(const policies::Config& config, bool writable);

  static bool exists(const std::string& path);

  lib::sqlite::Database& db() { return *db_; }
  const std::string& path() const { return path_; }
  bool writable() const { return writable_; }

  // Whether the file has this table (a read-only file may predate it).
  bool has_table(const std::string& name);
  bool has_column(const std::string& table, const std::string& column);

  // The installation's secret for keyed hashes (anonymisation, notices): 32 random bytes as
  // hex, drawn the first time a writable state file is asked. "" when read-only and none yet.
  std::string anonymisation_key();

  // The key new audit entries are keyed with ("" for none), and verified with.
  const std::string& audit_key() const { return audit_key_; }
  void set_audit_key(std::string key) { audit_key_ = std::move(key); }

 private:
  void create_schema();
  void use_wal();
  // Opens the file for reading, even where SQLite cannot create its -shm file beside it.
  void open_read_only();

  std::string path_;
  bool writable_ = false;
  std::string audit_key_;
  std::unique_ptr<lib::sqlite::Database> db_;
};

// The state file at `path` opened read-only, or null when there is none yet (no pass recorded,
// no hold). Throws StateError, naming the path, when it exists but cannot be read.
std::unique_ptr<StateFile> open_state_for_reading(const std::string& path);

}  // namespace retentiond::daemon
