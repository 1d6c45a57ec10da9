// Who is enforcing a policy right now: an exclusive flock(2) on one file per policy, in the
// directory `<state file>.locks/`, held for the whole pass. The kernel drops it when its owner
// ends in any way (kill -9 included), and nothing else does: not a clock, a pause (SIGSTOP, a
// suspended machine) or a long lock wait. So a slow owner keeps its claim, a dead owner's claim
// is free at once, and a claim is only ever released by its owner.
//
// With a PostgreSQL state, shared by several hosts, the lock is a lease: a session-level
// advisory lock (pg_try_advisory_lock, on a key hashed from the policy name) held by a session
// of its own for the whole pass. The server drops it when that session ends: at once when the
// owner's process dies (its socket closes), within about a minute when its host is lost (TCP
// keepalives and tcp_user_timeout, postgresql_state_db.h). Nothing else releases it.
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace retentiond::daemon {

class StateFile;
class PgSession;

class PassLock {
 public:
  // Takes the lock of `policy` without waiting. nullopt when another process (or another
  // PassLock in this one) holds it. Throws StateError when the lock file cannot be made.
  static std::optional<PassLock> try_acquire(const std::string& state_path,
                                             const std::string& policy);
  // The lock of `policy` for `state`: its lock file, or its lease in the PostgreSQL state.
  // Throws StateError when the lock file cannot be made or the lease session cannot be opened.
  static std::optional<PassLock> try_acquire(StateFile& state, const std::string& policy);

  // Whether some process holds the lock of `policy` now, without taking it for longer than the
  // test. nullopt when this cannot be told (the lock directory is unreadable); false when the
  // lock file does not exist (no pass ever ran here, or the state file is an archived copy).
  static std::optional<bool> held(const std::string& state_path, const std::string& policy);
  // The same for `state` (for PostgreSQL: whether some session holds the lease now).
  static std::optional<bool> held(StateFile& state, const std::string& policy);

  // Whether the lease is still held (its session still open and answering); a lock file always
  // is. A pass checks between batches: a lease lost (the state server restarted, the network
  // cut) may already be someone else's.
  bool still_held();

  // The lock file of `policy` (for messages and tests).
  static std::string path_for(const std::string& state_path, const std::string& policy);
  // The directory of the lock files: beside the state file, its symlinks resolved.
  static std::string lock_dir(const std::string& state_path);

  PassLock(PassLock&& other) noexcept : fd_(other.fd_), lease_(std::move(other.lease_)) {
    other.fd_ = -1;
  }
  PassLock& operator=(PassLock&& other) noexcept;
  PassLock(const PassLock&) = delete;
  PassLock& operator=(const PassLock&) = delete;
  ~PassLock();

 private:
  explicit PassLock(int fd) : fd_(fd) {}
  explicit PassLock(std::shared_ptr<PgSession> lease);
  int fd_ = -1;
  std::shared_ptr<PgSession> lease_;  // the session holding the advisory lock
};

}  // namespace retentiond::daemon
