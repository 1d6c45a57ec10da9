#include "daemon/state.h"

#include <sys/stat.h>

#include <openssl/rand.h>

#include <filesystem>

namespace retentiond::daemon {
namespace {

namespace fs = std::filesystem;
using connectors::sqlite::Database;
using connectors::sqlite::SqliteError;

// Version 1: audit trail and passes in progress. Version 2: secrets, legal holds, notices.
// Version 3: sightings (dates a store tracks through retentiond, such as Sympa's orphaned users).
constexpr int kSchemaVersion = 3;

// How SQLite errors about the file itself (a full disk...) name it.
std::string label(const std::string& path) { return "the state file '" + path + "'"; }

}  // namespace

bool StateFile::exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

StateFile::StateFile(const std::string& path, bool writable) : path_(path), writable_(writable) {
  try {
    if (writable) {
      fs::path dir = fs::path(path).parent_path();
      std::error_code ec;
      if (!dir.empty() && !fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) throw StateError("cannot create the state directory '" + dir.string() + "': " +
                                 ec.message());
        ::chmod(dir.c_str(), 0700);
      }
      bool fresh = !exists(path);
      mode_t old = ::umask(077);
      try {
        db_ = std::make_unique<Database>(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, label(path));
      } catch (...) {
        ::umask(old);
        throw;
      }
      ::umask(old);
      if (fresh) ::chmod(path.c_str(), 0600);
      db_->busy_timeout(10000);
      db_->exec("PRAGMA journal_mode = WAL");
      db_->exec("PRAGMA synchronous = NORMAL");
      create_schema();
    } else {
      if (!exists(path)) throw StateError("the state file '" + path + "' does not exist yet");
      db_ = std::make_unique<Database>(path, SQLITE_OPEN_READONLY, label(path));
      db_->busy_timeout(10000);
    }
  } catch (const SqliteError& e) {
    if (e.file_problem()) throw StateError(e.what());  // it names the state file already
    throw StateError("cannot open the state file '" + path + "': " + e.what());
  }
}

void StateFile::create_schema() {
  auto version = db_->prepare("PRAGMA user_version");
  version.step();
  long long current = version.integer(0);
  if (current > kSchemaVersion)
    throw StateError("the state file '" + path_ + "' was written by a newer retentiond (schema " +
                     std::to_string(current) + "); refusing to touch it");
  db_->exec(R"sql(
    CREATE TABLE IF NOT EXISTS audit (
      id INTEGER PRIMARY KEY,
      policy TEXT NOT NULL,
      store TEXT NOT NULL,
      action TEXT NOT NULL,
      cutoff TEXT NOT NULL,
      matched INTEGER NOT NULL,
      held INTEGER NOT NULL,
      affected INTEGER NOT NULL,
      started TEXT NOT NULL,
      finished TEXT NOT NULL,
      outcome TEXT NOT NULL,
      error_class TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS audit_policy ON audit (policy, id);
    CREATE TABLE IF NOT EXISTS pass_in_progress (
      policy TEXT PRIMARY KEY,
      store TEXT NOT NULL,
      action TEXT NOT NULL,
      cutoff TEXT NOT NULL,
      matched INTEGER NOT NULL,
      held INTEGER NOT NULL,
      affected INTEGER NOT NULL,
      started TEXT NOT NULL,
      updated TEXT NOT NULL,
      pid INTEGER NOT NULL
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
  )sql");
  db_->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
}

bool StateFile::has_table(const std::string& name) {
  auto st = db_->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  st.bind(1, name);
  return st.step();
}

std::string StateFile::anonymisation_key() {
  if (!has_table("secrets")) return "";
  auto read = [&] {
    auto st = db_->prepare("SELECT value FROM secrets WHERE name = 'anonymisation'");
    return st.step() ? st.text(0) : std::string();
  };
  std::string key = read();
  if (!key.empty() || !writable_) return key;
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw StateError("cannot draw a random anonymisation key");
  std::string hex;
  static const char* digits = "0123456789abcdef";
  for (unsigned char b : bytes) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  auto insert = db_->prepare("INSERT OR IGNORE INTO secrets (name, value) VALUES ('anonymisation', ?1)");
  insert.bind(1, hex);
  insert.step();
  return read();
}

}  // namespace retentiond::daemon
