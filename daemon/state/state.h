// The state (`state:`): the audit trail, the passes in progress, and what later features keep
// between passes. By default a SQLite file, opened by each command; WAL mode lets `history` read
// while the daemon writes; created with mode 0600, its directory with 0700 when missing. Or a
// PostgreSQL database that several hosts share (`state: {type: postgresql, ...}`). Either way
// retentiond creates and migrates its schema (versioned) itself.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "daemon/state/state_db.h"
#include "policies/policy.h"

namespace retentiond::daemon {

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
  // The configuration's state (a file, or PostgreSQL), with its audit key (see audit_key_for).
  // A PostgreSQL state opened read-only must have its schema already (see
  // open_state_for_reading).
  StateFile(const policies::Config& config, bool writable);
  // The PostgreSQL state `store` (its dsn and password). Writable: creates or migrates its schema.
  StateFile(const policies::StoreConfig& store, bool writable);

  static bool exists(const std::string& path);

  // For `check`: what stops retentiond from using this PostgreSQL state (a schema too new, a
  // table missing, missing grants), or nullopt; always nullopt for a file.
  std::optional<std::string> schema_problem();
  // PostgreSQL state: the privileges its user lacks for what passes and `status` do
  // ("UPDATE on batch_intent; USAGE on the sequence of batch_intent_items"), or "" (always for
  // a SQLite state file).
  std::string missing_pass_privileges();

  StateDb& db() { return *db_; }
  // The file's path; for a PostgreSQL state, its dsn (which never holds the password).
  const std::string& path() const { return path_; }
  // How messages name the state: "the state file '...'" or "the PostgreSQL state '...'".
  std::string label() const;
  // Several hosts share it: passes are taken under a lease in the database (pass_lock.h).
  bool shared() const { return db_->shared(); }
  bool writable() const { return writable_; }
  // Throws StateError naming the state when a write would fail (a read-only file or mount, a
  // PostgreSQL role without DELETE): opening alone does not tell, SQLite then reads only.
  void check_writable();
  // Throws StateError when the file opened for writing is no longer at its path (removed or
  // replaced during a pass): SQLite would go on writing to the unlinked file, and what a pass
  // records would be lost with it. Nothing to check for a PostgreSQL state.
  void check_still_there() const;

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
  void create_postgresql_schema();
  // From version `from` (5 or more) to the current one, in the caller's transaction.
  void migrate_postgresql(long long from);
  // Why this user cannot migrate the state from version `from` (with what the owner must run),
  // or nullopt (it can, or there is nothing to migrate).
  std::optional<std::string> postgresql_migration_problem(long long from);
  // Throws StateError when the file holds tables but no audit trail (another program's
  // database), or, with `empty_is_foreign`, no table at all (a reader has nothing to read).
  void refuse_foreign_database(bool empty_is_foreign);
  void use_wal();
  // Opens the file for reading, even where SQLite cannot create its -shm file beside it.
  void open_read_only();

  std::string path_;
  bool writable_ = false;
  bool postgresql_ = false;
  std::string audit_key_;
  std::unique_ptr<StateDb> db_;
  std::optional<std::pair<dev_t, ino_t>> identity_;  // of the file opened for writing
};

// The state file at `path` opened read-only, or null when there is none yet (no pass recorded,
// no hold). Throws StateError, naming the path, when it exists but cannot be read.
std::unique_ptr<StateFile> open_state_for_reading(const std::string& path);
// The configuration's state for reading: its file as above, or its PostgreSQL database (null
// when retentiond has not created its schema there yet). Without the audit key.
std::unique_ptr<StateFile> open_state_for_reading(const policies::Config& config);

}  // namespace retentiond::daemon
