#include "daemon/state/pass_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "daemon/state/postgresql_state_db.h"
#include "daemon/state/state.h"
#include "lib/crypto/sha256.h"

namespace retentiond::daemon {

std::string PassLock::lock_dir(const std::string& state_path) {
  // Beside the state file itself, its symlinks resolved: two processes reaching one file by two
  // paths must meet at one lock.
  std::error_code ignored;
  const auto real = std::filesystem::weakly_canonical(state_path, ignored);
  return (real.empty() ? state_path : real.string()) + ".locks";
}

std::string PassLock::path_for(const std::string& state_path, const std::string& policy) {
  // Policy names are letters, digits, '_', '-' and '.', starting with a letter or digit: safe
  // as file names as they are.
  return lock_dir(state_path) + "/" + policy + ".lock";
}

std::optional<PassLock> PassLock::try_acquire(const std::string& state_path,
                                              const std::string& policy) {
  const std::string dir = lock_dir(state_path);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw StateError("cannot create the lock directory '" + dir + "': " + std::strerror(errno));
  const std::string path = path_for(state_path, policy);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw StateError("cannot open the lock file '" + path + "': " + std::strerror(errno));
  // held() takes a shared lock for an instant: a few short retries tell it from a real owner,
  // which keeps the lock for the whole pass.
  for (int attempt = 0;; ++attempt) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return PassLock(fd);
    const int error = errno;
    if (error != EWOULDBLOCK || attempt == 3) {
      ::close(fd);
      if (error == EWOULDBLOCK) return std::nullopt;
      throw StateError("cannot lock '" + path + "': " + std::strerror(error));
    }
    ::usleep(20'000);
  }
}

std::optional<bool> PassLock::held(const std::string& state_path, const std::string& policy) {
  const std::string path = path_for(state_path, policy);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    return std::nullopt;
  }
  // A shared lock is refused while anyone holds the exclusive one, and is dropped at once.
  const bool free = ::flock(fd, LOCK_SH | LOCK_NB) == 0;
  const int error = errno;
  ::close(fd);
  if (free) return false;
  if (error == EWOULDBLOCK) return true;
  return std::nullopt;
}

PassLock& PassLock::operator=(PassLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
    lease_ = std::move(other.lease_);
  }
  return *this;
}

PassLock::PassLock(std::shared_ptr<PgSession> lease) : lease_(std::move(lease)) {}

PassLock::~PassLock() {
  // Closing the only descriptor releases the lock; the file stays for the next owner. Ending the
  // lease's session releases the lease.
  if (fd_ >= 0) ::close(fd_);
}

namespace {

// The lease key of a policy: 60 bits of SHA-256 over its name, so that it stays the same on
// every host and version (hashtext() is not promised to).
long long lease_key(const std::string& policy) {
  return static_cast<long long>(
      std::stoull(lib::sha256_hex("retentiond lease " + policy).substr(0, 15), nullptr, 16));
}

PostgresqlStateDb& postgresql_of(StateFile& state) {
  return static_cast<PostgresqlStateDb&>(state.db());
}

}  // namespace

std::optional<PassLock> PassLock::try_acquire(StateFile& state, const std::string& policy) {
  if (!state.shared()) return try_acquire(state.path(), policy);
  auto& db = postgresql_of(state);
  auto session = std::make_unique<PgSession>(db.conninfo(), db.label() + " (lease)");
  if (session->value("SELECT pg_try_advisory_lock(" + std::to_string(lease_key(policy)) + ")") ==
      "t")
    return PassLock(std::move(session));
  return std::nullopt;
}

std::optional<bool> PassLock::held(StateFile& state, const std::string& policy) {
  if (!state.shared()) return held(state.path(), policy);
  const unsigned long long key = static_cast<unsigned long long>(lease_key(policy));
  auto st = state.db().prepare(
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = ?1::oid AND objid = "
      "?2::oid AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database WHERE "
      "datname = current_database())");
  st.bind(1, static_cast<long long>(key >> 32)).bind(2, static_cast<long long>(key & 0xffffffff));
  return st.step();
}

bool PassLock::still_held() {
  if (!lease_) return true;
  try {
    lease_->run("SELECT 1", {});
    return lease_->ok();
  } catch (const StateError&) {
    return false;
  }
}

}  // namespace retentiond::daemon
