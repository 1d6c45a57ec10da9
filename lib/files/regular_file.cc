#include "lib/files/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace retentiond::lib {
namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

std::string not_regular(mode_t mode) { return "it is not a regular file (" + kind_of(mode) + ")"; }

std::string system_error(int code) {
  if (code == ENOENT) return "no such file";
  return std::generic_category().message(code);
}

}  // namespace

std::string size_words(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::optional<std::string> read_regular_file(const std::string& path, std::size_t max_bytes,
                                             std::string& error) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int code = errno;
    struct stat st {};
    // A socket cannot be opened (ENXIO): say what it is rather than "No such device".
    error = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) ? not_regular(st.st_mode)
                                                                   : system_error(code);
    return std::nullopt;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = system_error(errno);
    return std::nullopt;
  }
  // After open, on what was opened: the path may have been replaced in between.
  if (!S_ISREG(st.st_mode)) {
    error = not_regular(st.st_mode);
    return std::nullopt;
  }
  const std::string too_large = "it is larger than " + size_words(max_bytes);
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    error = too_large;
    return std::nullopt;
  }
  std::string text;
  char buffer[16384];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = system_error(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    // The file may have grown since fstat.
    if (text.size() + static_cast<std::size_t>(n) > max_bytes) {
      error = too_large;
      return std::nullopt;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace retentiond::lib
