#include "daemon/state/state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "connectors/secret.h"
#include "daemon/state/pass_lock.h"
#include "daemon/state/postgresql_state_db.h"
#include "daemon/state/sqlite_state_db.h"
#include "lib/crypto/random.h"
#include "lib/secrets/secret_file.h"
#include "lib/sqlite/database.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

namespace fs = std::filesystem;
using lib::sqlite::Database;
using lib::sqlite::SqliteError;

// Version 1: audit trail and passes in progress. Version 2: secrets, legal holds, notices.
// Version 3: sightings (dates a store tracks through retentiond, such as Sympa's orphaned users).
// Version 4: the owner of each pass in progress, the intent of the batch in flight, keyed audit
// entries, the time a pass waited for its store's throttle. Version 5: the host that wrote each
// audit entry. A PostgreSQL state starts at version 5 (postgresql_schema.cc). Version 6: the
// partitions a pass in progress has dropped or detached whole. Version 7: what other stores
// removed for a pass (`also:` with `store:`), beside its audit entry and in its record while
// under way, and the time a pass under way has waited for its store's throttle. Version 8: the
// notices a pass sent, beside its audit entry (audit_notices).
constexpr int kSchemaVersion = 8;

// How SQLite errors about the file itself (a full disk...) name it.
std::string file_label(const std::string& path) { return "the state file '" + path + "'"; }

std::unique_ptr<StateDb> sqlite_state(std::unique_ptr<Database> db) {
  return std::make_unique<SqliteStateDb>(std::move(db));
}

Database& sqlite_of(StateDb& db) { return static_cast<SqliteStateDb&>(db).sqlite(); }

}  // namespace

std::string read_audit_key(const std::string& path) {
  std::string error;
  auto secret = lib::read_secret_file(path, error);
  if (!secret) throw StateError("cannot read the audit key file '" + path + "': " + error);
  const std::string& key = *secret;
  if (key.size() < 16)
    throw StateError("the audit key in '" + path +
                     "' is shorter than 16 bytes; make one with "
                     "'head -c 32 /dev/urandom | base64 > " +
                     path + "'");
  return key;
}

std::string audit_key_for(const policies::Config& config) {
  if (!config.audit_key_file.empty()) return read_audit_key(config.audit_key_file);
  if (auto credential = lib::credential_path("audit-key")) return read_audit_key(*credential);
  return "";
}

StateFile::StateFile(const policies::Config& config, bool writable)
    : StateFile(config.state_store ? StateFile(*config.state_store, writable)
                                   : StateFile(config.state_path, writable)) {
  audit_key_ = audit_key_for(config);
}

void StateFile::check_still_there() const {
  if (!identity_) return;
  struct stat now;
  if (::stat(path_.c_str(), &now) != 0 || now.st_dev != identity_->first ||
      now.st_ino != identity_->second)
    throw StateError("the state file '" + path_ +
                     "' was removed or replaced since this process opened it: what it records "
                     "now would be lost with the old file; stopping before this batch commits");
}

void StateFile::check_writable() {
  // What a pass writes, each statement changing nothing: a read-only file or mount refuses any
  // write, a PostgreSQL role the privilege it lacks on that table.
  static const char* const kAppended[] = {"audit", "audit_partitions", "audit_also_stores",
                                          "audit_notices", "sighting_policies"};
  static const char* const kWritten[] = {"pass_in_progress", "batch_intent", "batch_intent_items",
                                         "notices", "sightings"};
  if (auto missing = missing_pass_privileges(); !missing.empty())
    throw StateError(label() + " cannot be written: its user lacks " + missing);
  try {
    db_->begin();
    for (const char* table : kAppended)
      db_->exec("INSERT INTO " + std::string(table) + " SELECT * FROM " + table + " WHERE 1 = 0");
    for (const char* table : kWritten) {
      db_->exec("INSERT INTO " + std::string(table) + " SELECT * FROM " + table + " WHERE 1 = 0");
      db_->exec("DELETE FROM " + std::string(table) + " WHERE 1 = 0");
    }
    db_->exec("UPDATE pass_in_progress SET policy = policy WHERE 1 = 0");
    db_->rollback();
  } catch (const std::exception& e) {
    db_->rollback();
    throw StateError(label() + " cannot be written: " + e.what());
  }
}

std::string StateFile::label() const {
  return (postgresql_ ? "the PostgreSQL state '" : "the state file '") + path_ + "'";
}

bool StateFile::exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

namespace {

// The mark a state file leaves in its lock directory (which outlives it): "-state-created" (a
// policy's lock file never starts with '-').
std::string created_mark(const std::string& path) {
  return PassLock::lock_dir(path) + "/-state-created";
}

void refuse_lost_state(const std::string& path) {
  // A state file that existed and is gone (deleted, a restore that missed it) took its legal
  // holds, notices sent and audit trail with it: an empty one in its place would let the next
  // pass delete a held record, unnoticed. Its lock directory tells: the mark, or (from versions
  // before the mark) a policy's lock file; a daemon's own lock, "-serve.lock", is taken before
  // the file exists and is no sign.
  std::error_code gone;
  bool earlier = fs::exists(created_mark(path), gone);
  for (const auto& entry : fs::directory_iterator(PassLock::lock_dir(path), gone))
    if (entry.path().filename() != "-serve.lock") earlier = true;
  if (earlier)
    throw StateError("the state file '" + path + "' is missing, but one was there (" +
                     PassLock::lock_dir(path) +
                     " is beside it): its legal holds, notices sent and audit trail went with "
                     "it, so nothing is done until it is restored from a backup; to start an "
                     "empty state on purpose, remove " +
                     PassLock::lock_dir(path) + " first");
}

void mark_state_created(const std::string& path) {
  const std::string mark = created_mark(path);
  std::error_code ec;
  if (fs::exists(mark, ec)) return;
  const std::string dir = PassLock::lock_dir(path);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw StateError("cannot create the lock directory '" + dir + "': " + std::strerror(errno));
  const int fd = ::open(mark.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw StateError("cannot create '" + mark + "': " + std::strerror(errno));
  ::close(fd);
}

}  // namespace

StateFile::StateFile(const std::string& path, bool writable) : path_(path), writable_(writable) {
  // A FIFO would hang every reader, a device or a directory give SQLite's errors without the
  // file's name: said here, by name (a symlink to a regular file is fine).
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw StateError("the state file '" + path + "' is not a regular file (" +
                     (S_ISDIR(st.st_mode)    ? "a directory"
                      : S_ISFIFO(st.st_mode) ? "a FIFO"
                                             : "a device or socket") +
                     "); give 'state:' the path of a file");
  try {
    if (writable) {
      fs::path dir = fs::path(path).parent_path();
      std::error_code ec;
      if (!dir.empty() && !fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec)
          throw StateError("cannot create the state directory '" + dir.string() +
                           "': " + ec.message());
        ::chmod(dir.c_str(), 0700);
      }
      const bool fresh = !exists(path);
      if (fresh) refuse_lost_state(path);
      mode_t old = ::umask(077);
      try {
        db_ = sqlite_state(std::make_unique<Database>(
            path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, file_label(path)));
      } catch (...) {
        ::umask(old);
        throw;
      }
      ::umask(old);
      if (fresh) ::chmod(path.c_str(), 0600);
      mark_state_created(path);
      struct stat opened;
      if (::stat(path.c_str(), &opened) == 0) identity_ = {opened.st_dev, opened.st_ino};
      sqlite_of(*db_).busy_timeout(10000);
      if (!fresh) refuse_foreign_database(/*empty_is_foreign=*/false);  // before WAL: a change
      use_wal();
      db_->exec("PRAGMA synchronous = NORMAL");
      // Several processes may create the file at once (enforce started twice): one at a time.
      in_transaction(*db_, [&] { create_schema(); });
    } else {
      if (!exists(path)) throw StateError("the state file '" + path + "' does not exist yet");
      open_read_only();
      refuse_foreign_database(/*empty_is_foreign=*/true);
    }
  } catch (const SqliteError& e) {
    if (e.file_problem()) throw StateError(e.what());  // it names the state file already
    throw StateError("cannot open the state file '" + path + "': " + e.what());
  }
}

void StateFile::open_read_only() {
  try {
    db_ = sqlite_state(std::make_unique<Database>(path_, SQLITE_OPEN_READONLY, file_label(path_)));
    sqlite_of(*db_).busy_timeout(10000);
    // A WAL file needs its shared-memory file beside it, which a reader may not be allowed to
    // create (a read-only mount, an archived copy): the first read tells.
    db_->prepare("SELECT count(*) FROM sqlite_master").step();
    return;
  } catch (const SqliteError&) {
    db_.reset();
  }
  // Read as an immutable file: no lock, no shared memory. What a -wal file beside it still holds
  // is not seen, so say so when there is one.
  std::error_code ec;
  if (fs::exists(path_ + "-wal", ec) && fs::file_size(path_ + "-wal", ec) > 0)
    spdlog::warn(
        "the state file '{}' is read-only here and its write-ahead log '{}-wal' cannot be read "
        "with it; "
        "showing what the file itself holds",
        path_, path_);
  std::string uri = "file:";
  for (char c : fs::absolute(path_).string()) {
    // Percent-encode what a URI path cannot hold as it is.
    if (c == '%' || c == '?' || c == '#') {
      static const char* hex = "0123456789ABCDEF";
      uri += '%';
      uri += hex[(static_cast<unsigned char>(c) >> 4) & 15];
      uri += hex[static_cast<unsigned char>(c) & 15];
    } else {
      uri += c;
    }
  }
  uri += "?immutable=1";
  db_ = sqlite_state(
      std::make_unique<Database>(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, file_label(path_)));
  db_->prepare("SELECT count(*) FROM sqlite_master").step();
}

void StateFile::refuse_foreign_database(bool empty_is_foreign) {
  // An application's SQLite database named as the state by mistake (the store's own path): its
  // WAL mode, retentiond's tables, holds and secrets would be written into it, readable by the
  // application. A state always has its audit table.
  auto tables = db_->prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  bool audit = false;
  std::string others;
  int count = 0;
  while (tables.step()) {
    const std::string name = tables.text(0);
    if (name == "audit") audit = true;
    if (name != "audit" && ++count <= 3) others += (others.empty() ? "" : ", ") + name;
  }
  if (audit || (count == 0 && !empty_is_foreign)) return;
  throw StateError("the file '" + path_ + "' is not a retentiond state file (" +
                   (count == 0 ? std::string("it holds no table")
                               : "it holds other tables: " + policies::printable(others) +
                                     (count > 3 ? ", ..." : "")) +
                   "); give 'state:' a file of its own");
}

void StateFile::use_wal() {
  // Switching to WAL needs the file to itself and does not wait for it: retry for a while when
  // another process has it open. Once in WAL mode, nothing more is needed.
  for (int attempt = 0;; ++attempt) {
    try {
      bool wal = false;
      {
        auto mode = db_->prepare("PRAGMA journal_mode");
        wal = mode.step() && mode.text(0) == "wal";
      }  // finalized: an open statement would count as a transaction
      if (!wal) db_->exec("PRAGMA journal_mode = WAL");
      return;
    } catch (const SqliteError& e) {
      if (!e.busy() || attempt == 200) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void StateFile::create_schema() {
  auto version = db_->prepare("PRAGMA user_version");
  version.step();
  long long current = version.integer(0);
  if (current > kSchemaVersion)
    throw StateError("the state file '" + path_ + "' was written by a newer retentiond (schema " +
                     std::to_string(current) + "); refusing to touch it");
  // The columns of PassFigures (audit.h), which an audit row and a pass under way both hold.
  const std::string pass_figures = R"sql(
      policy TEXT NOT NULL,
      store TEXT NOT NULL,
      action TEXT NOT NULL,
      cutoff TEXT NOT NULL,
      matched INTEGER NOT NULL,
      held INTEGER NOT NULL,
      affected INTEGER NOT NULL,
      started TEXT NOT NULL,)sql";
  db_->exec(R"sql(
    CREATE TABLE IF NOT EXISTS audit (
      id INTEGER PRIMARY KEY,)sql" +
            pass_figures + R"sql(
      finished TEXT NOT NULL,
      outcome TEXT NOT NULL,
      error_class TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS audit_policy ON audit (policy, id);
    CREATE TABLE IF NOT EXISTS pass_in_progress ()sql" +
            pass_figures + R"sql(
      updated TEXT NOT NULL,
      pid INTEGER NOT NULL,
      PRIMARY KEY (policy)
    );
    CREATE TABLE IF NOT EXISTS secrets (
      name TEXT PRIMARY KEY,
      value BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS holds (
      policy TEXT NOT NULL,
      key TEXT NOT NULL,
      reason TEXT NOT NULL,
      created TEXT NOT NULL,
      until TEXT,
      PRIMARY KEY (policy, key)
    );
    CREATE TABLE IF NOT EXISTS notices (
      policy TEXT NOT NULL,
      key_hash TEXT NOT NULL,
      basis INTEGER NOT NULL,
      sent TEXT NOT NULL,
      PRIMARY KEY (policy, key_hash)
    );
    CREATE TABLE IF NOT EXISTS sightings (
      policy TEXT NOT NULL,
      key_hash TEXT NOT NULL,
      first_seen INTEGER NOT NULL,
      PRIMARY KEY (policy, key_hash)
    );
    CREATE TABLE IF NOT EXISTS sighting_policies (
      policy TEXT PRIMARY KEY,
      since INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS batch_intent (
      policy TEXT PRIMARY KEY,
      expected INTEGER NOT NULL,
      evidence TEXT NOT NULL,
      recorded TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS batch_intent_items (
      policy TEXT NOT NULL,
      item TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS batch_intent_items_policy ON batch_intent_items (policy);
  )sql");
  if (!has_column("pass_in_progress", "owner"))
    db_->exec("ALTER TABLE pass_in_progress ADD COLUMN owner TEXT NOT NULL DEFAULT ''");
  if (!has_column("audit", "keyed"))
    db_->exec("ALTER TABLE audit ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0");
  if (!has_column("audit", "waited"))
    db_->exec("ALTER TABLE audit ADD COLUMN waited INTEGER NOT NULL DEFAULT 0");
  if (!has_column("audit", "host"))
    db_->exec("ALTER TABLE audit ADD COLUMN host TEXT NOT NULL DEFAULT ''");
  if (!has_column("pass_in_progress", "partitions"))
    db_->exec("ALTER TABLE pass_in_progress ADD COLUMN partitions TEXT NOT NULL DEFAULT ''");
  if (!has_column("pass_in_progress", "waited"))
    db_->exec("ALTER TABLE pass_in_progress ADD COLUMN waited INTEGER NOT NULL DEFAULT 0");
  if (!has_column("pass_in_progress", "also_stores"))
    db_->exec("ALTER TABLE pass_in_progress ADD COLUMN also_stores TEXT NOT NULL DEFAULT ''");
  if (!has_column("pass_in_progress", "also_pending"))
    db_->exec("ALTER TABLE pass_in_progress ADD COLUMN also_pending TEXT NOT NULL DEFAULT ''");
  // The partitions a pass dropped or detached whole, and what other stores removed for it,
  // beside its audit row (audit.h).
  db_->exec(
      "CREATE TABLE IF NOT EXISTS audit_partitions (audit_id INTEGER PRIMARY KEY, partitions TEXT "
      "NOT NULL)");
  db_->exec(
      "CREATE TABLE IF NOT EXISTS audit_also_stores (audit_id INTEGER PRIMARY KEY, also_stores "
      "TEXT NOT NULL)");
  // The notices a pass sent (version 8).
  db_->exec(
      "CREATE TABLE IF NOT EXISTS audit_notices (audit_id INTEGER PRIMARY KEY, notices TEXT NOT "
      "NULL)");
  db_->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
}

bool StateFile::has_table(const std::string& name) { return db_->has_table(name); }

bool StateFile::has_column(const std::string& table, const std::string& column) {
  return db_->has_column(table, column);
}

std::string StateFile::anonymisation_key() {
  if (!has_table("secrets")) return "";
  auto read = [&] {
    auto st = db_->prepare("SELECT value FROM secrets WHERE name = 'anonymisation'");
    return st.step() ? st.text(0) : std::string();
  };
  std::string key = read();
  if (!key.empty() || !writable_) return key;
  std::string hex;
  try {
    hex = lib::random_hex(32);
  } catch (const std::runtime_error&) {
    throw StateError("cannot draw a random anonymisation key");
  }
  auto insert = db_->prepare(
      "INSERT INTO secrets (name, value) VALUES ('anonymisation', ?1) ON CONFLICT DO NOTHING");
  insert.bind(1, hex);
  insert.step();
  return read();
}

std::unique_ptr<StateFile> open_state_for_reading(const std::string& path) {
  if (!StateFile::exists(path)) {
    // No state yet, unless one was there: then its holds and trail are lost, and a plan without
    // its holds, a status without its passes or a verified empty trail would all be wrong.
    refuse_lost_state(path);
    return nullptr;
  }
  return std::make_unique<StateFile>(path, /*writable=*/false);
}

std::unique_ptr<StateFile> open_state_for_reading(const policies::Config& config) {
  std::unique_ptr<StateFile> state;
  if (config.state_store) {
    state = std::make_unique<StateFile>(*config.state_store, /*writable=*/false);
    if (!state->has_table("audit")) return nullptr;
  } else {
    state = open_state_for_reading(config.state_path);
    if (!state) return nullptr;
  }
  return state;
}

StateFile::StateFile(const policies::StoreConfig& store, bool writable)
    : path_(store.value("dsn")), writable_(writable), postgresql_(true) {
  auto password = connectors::store_password(store);
  if (!password) throw StateError(password.error().message);
  db_ = std::make_unique<PostgresqlStateDb>(state_conninfo(path_, password.value()), label());
  if (writable) create_postgresql_schema();
}

}  // namespace retentiond::daemon
