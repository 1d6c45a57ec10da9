#include "daemon/commands/cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "policies/policy.h"
#include "policies/printable.h"

namespace retentiond::daemon {

policies::TimePoint parse_at(const std::optional<std::string>& text) {
  if (!text) return policies::now_utc();
  if (text->empty())
    throw UsageError(
        "--at is empty: give an ISO-8601 time (e.g. 2027-03-01T00:00:00Z or "
        "2027-03-01), or leave --at out to use the current time");
  auto t = policies::parse_timestamp(*text);
  if (!t)
    throw UsageError("--at '" + *text +
                     "' is not an ISO-8601 time (e.g. 2027-03-01T00:00:00Z "
                     "or 2027-03-01)");
  const int year = static_cast<int>(
      std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*t)}.year());
  if (year < 1000 || year > 9999)
    throw UsageError("--at '" + *text +
                     "' is out of range: the year must be between 1000 and 9999");
  return *t;
}

std::optional<int> parse_at_option(const std::string& command,
                                   const boost::program_options::variables_map& vm,
                                   const std::string& text, policies::TimePoint& now) {
  try {
    now = parse_at(vm.count("at") ? std::optional<std::string>(text) : std::nullopt);
    return std::nullopt;
  } catch (const UsageError& e) {
    return usage_failure(command, e.what());
  }
}

std::string json_text(const nlohmann::json& value) {
  return value.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

namespace {

[[noreturn]] void cannot_write(const std::string& path, int error) {
  throw std::runtime_error("cannot write the report to '" + path + "': " + std::strerror(error));
}

// Writes all of `text` to `fd`; false (errno set) when the system refuses part of it.
bool write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string resolved(const std::string& path) {
  std::error_code ec;
  auto c = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  return ec ? std::filesystem::absolute(path).lexically_normal().string() : c.string();
}

}  // namespace

std::optional<std::string> output_refusal(const policies::Config& config, const std::string& path) {
  if (path.empty() || path == "-") return std::nullopt;
  std::vector<std::string> own;
  if (!config.stores.empty()) own = config.stores.front().own_files;  // config_loader.cc
  for (const auto& store : config.stores)
    if (store.type == "sqlite" && store.option("path"))
      for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        own.push_back(resolved(store.path("path")) + suffix);
  const std::string target = resolved(path);
  for (const auto& file : own) {
    const bool directory = !file.empty() && file.back() == '/';
    if (directory ? (target + "/").rfind(file, 0) == 0 : target == file)
      return "-o '" + path +
             "' names a file retentiond reads or keeps (its configuration, state, keys, "
             "templates or a store's database): the report would replace it; choose another file";
  }
  return std::nullopt;
}

void write_output(const std::string& text, const std::string& path) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    if (!std::cout) {
      std::cout.clear();  // said here, by the caller: not a second time when the command ends
      throw std::runtime_error("cannot write the report to standard output");
    }
    return;
  }
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;  // through symbolic links
  if (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    // A device, a FIFO, /dev/stdout: written into, as a shell's redirection would.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) cannot_write(path, errno);
    const bool written = write_all(fd, text);
    const int error = errno;
    if (::close(fd) != 0 && written) cannot_write(path, errno);
    if (!written) cannot_write(path, error);
    return;
  }
  // A regular file (a symbolic link's target) is replaced whole, with its mode kept: a new
  // temporary file (O_EXCL: never one planted there), then renamed over it.
  const std::string target = exists ? resolved(path) : path;
  const mode_t umask_now = ::umask(0);
  ::umask(umask_now);
  const mode_t mode = exists ? (st.st_mode & 07777) : (0666 & ~umask_now);
  std::string temporary = target + ".XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) cannot_write(path, errno);
  // Its owner too, where this user may give it (root replacing a report another user reads).
  if (exists && (st.st_uid != ::geteuid() || st.st_gid != ::getegid())) {
    [[maybe_unused]] const int kept = ::fchown(fd, st.st_uid, st.st_gid);
  }
  bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, text);
  int error = errno;
  if (::close(fd) != 0 && ok) ok = false, error = errno;
  if (!ok) {
    std::remove(temporary.c_str());
    cannot_write(path, error);
  }
  std::error_code ec;
  std::filesystem::rename(temporary, target, ec);
  if (ec) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write the report to '" + path + "': " + ec.message());
  }
}

int usage_failure(const std::string& command, const std::string& message) {
  std::cerr << "retentiond " << command << ": " << policies::printable(message) << "\n"
            << "Try 'retentiond " << command << " --help'.\n";
  return kExitUsage;
}

std::optional<int> check_choice(const std::string& command, const std::string& option,
                                const std::string& value, const std::vector<std::string>& choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return std::nullopt;
  std::string allowed;
  for (size_t i = 0; i < choices.size(); ++i)
    allowed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return usage_failure(command, option + " must be " + allowed + ", not '" + value + "'");
}

std::optional<int> parse_command_line(
    const std::string& command, const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    boost::program_options::variables_map& vm,
    const boost::program_options::options_description* hidden,
    const boost::program_options::positional_options_description* positional) {
  namespace po = boost::program_options;
  po::options_description all;
  all.add(options);
  if (hidden) all.add(*hidden);
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    if (positional) parser.positional(*positional);
    const po::parsed_options parsed = parser.run();
    // Without a positional description Boost keeps bare words aside and store() drops them:
    // 'enforce p1' would enforce every policy. They are refused, named.
    std::string stray;
    for (const auto& o : parsed.options)
      if (o.string_key.empty())
        for (const auto& token : o.original_tokens)
          stray += (stray.empty() ? "'" : ", '") + token + "'";
    if (!stray.empty())
      return usage_failure(command,
                           "unexpected argument " + stray + " (options start with '-'" +
                               (options.find_nothrow("policy", false)
                                    ? std::string("; a policy is named with --policy NAME)")
                                    : std::string(")")));
    // An option given an empty value ('-c ""', '-o ""', '--since ""') is a mistake, never "the
    // default": said, named, as every other usage error (--at says more, in parse_at_option).
    for (const auto& o : parsed.options)
      if (!o.string_key.empty() && o.string_key != "at" && !o.original_tokens.empty() &&
          o.original_tokens.front().rfind("-", 0) == 0)
        for (const auto& value : o.value)
          if (value.empty())
            return usage_failure(command, "--" + o.string_key + " is given an empty value");
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_failure(command, e.what());
  }
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace retentiond::daemon
