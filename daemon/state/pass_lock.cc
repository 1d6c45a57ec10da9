#include "daemon/state/pass_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/state/state.h"

namespace retentiond::daemon {

std::string PassLock::path_for(const std::string& state_path, const std::string& policy) {
  // Policy names are letters, digits, '_', '-' and '.', starting with a letter or digit: safe
  // as file names as they are.
  return state_path + ".locks/" + policy + ".lock";
}

std::optional<PassLock> PassLock::try_acquire(const std::string& state_path,
                                              const std::string& policy) {
  const std::string dir = state_path + ".locks";
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
  }
  return *this;
}

PassLock::~PassLock() {
  // Closing the only descriptor releases the lock; the file stays for the next owner.
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace retentiond::daemon
