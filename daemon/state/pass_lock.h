// Who is enforcing a policy right now: an exclusive flock(2) on one file per policy, in the
// directory `<state file>.locks/`, held for the whole pass. The kernel drops it when its owner
// ends in any way (kill -9 included), and nothing else does: not a clock, a pause (SIGSTOP, a
// suspended machine) or a long lock wait. So a slow owner keeps its claim, a dead owner's claim
// is free at once, and a claim is only ever released by its owner.
#pragma once

#include <optional>
#include <string>

namespace retentiond::daemon {

class PassLock {
 public:
  // Takes the lock of `policy` without waiting. nullopt when another process (or another
  // PassLock in this one) holds it. Throws StateError when the lock file cannot be made.
  static std::optional<PassLock> try_acquire(const std::string& state_path,
                                             const std::string& policy);

  // Whether some process holds the lock of `policy` now, without taking it for longer than the
  // test. nullopt when this cannot be told (the lock directory is unreadable); false when the
  // lock file does not exist (no pass ever ran here, or the state file is an archived copy).
  static std::optional<bool> held(const std::string& state_path, const std::string& policy);

  // The lock file of `policy` (for messages and tests).
  static std::string path_for(const std::string& state_path, const std::string& policy);

  PassLock(PassLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  PassLock& operator=(PassLock&& other) noexcept;
  PassLock(const PassLock&) = delete;
  PassLock& operator=(const PassLock&) = delete;
  ~PassLock();

 private:
  explicit PassLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace retentiond::daemon
