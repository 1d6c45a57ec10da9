#include "connectors/files/connector.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>
#include <set>

#include "connectors/files/glob.h"
#include "connectors/files/name_date.h"
#include "connectors/files/walker.h"
#include "policies/planner.h"

namespace retentiond::connectors::files {
namespace {

std::string mebibytes(long long bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

policies::TimePoint mtime_of(const struct stat& st) { return policies::from_epoch_seconds(st.st_mtim.tv_sec); }

std::uint64_t path_hash(const std::string& path) { return std::hash<std::string>{}(path); }

// Beyond this many expired files (8 MiB of hashes), a pass lstats every match again instead.
constexpr size_t kMaxRemembered = 1'000'000;

}  // namespace

FilesConnector::FilesConnector(const policies::StoreConfig& store) : store_(store), root_(store.path("root")) {}

Result<void> FilesConnector::open(AccessMode) {
  int fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return Error{ErrorKind::StoreUnreachable,
                 "store '" + store_.name + "': cannot open the root directory '" + root_ + "': " + std::strerror(errno)};
  ::close(fd);
  keep_from_.clear();
  return success();
}

std::optional<policies::TimePoint> FilesConnector::date_of(const Policy& policy, const Found& f) const {
  if (policy.since.kind == policies::Basis::Kind::NameDate) {
    auto& reader = name_dates_[policy.since.name_date_format];
    if (!reader) reader = std::make_unique<NameDate>(policy.since.name_date_format);
    if (!policy.since.name_date_in_path) return reader->find(f.name);
    // In the path below the first directory (the first one names a list, which may hold digits).
    const size_t slash = f.path.find('/');
    return reader->find(slash == std::string::npos ? f.path : f.path.substr(slash + 1));
  }
  return mtime_of(f.st);
}

Result<std::vector<policies::Diagnostic>> FilesConnector::check(const Policy& policy) {
  std::vector<policies::Diagnostic> out;
  struct stat st;
  if (::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    out.push_back({policies::Severity::Error, policy.files_location,
                   "the root '" + root_ + "' of store '" + store_.name + "' is not a readable directory"});
  return out;
}

Result<std::optional<policies::TimePoint>> FilesConnector::keep_from(const Policy& policy) {
  if (!policy.min_keep || *policy.min_keep <= 0) return std::optional<policies::TimePoint>{};
  if (auto it = keep_from_.find(policy.name); it != keep_from_.end()) return it->second;
  // The N newest dates, in a min-heap of size N: memory stays flat however many files match.
  const auto n = static_cast<size_t>(*policy.min_keep);
  std::priority_queue<policies::TimePoint, std::vector<policies::TimePoint>, std::greater<>> newest;
  GlobSet globs(policy.files);
  int error = walk(root_, globs, "", [&](const Found& f) {
    if (auto d = date_of(policy, f)) {
      newest.push(*d);
      if (newest.size() > n) newest.pop();
    }
    return true;
  });
  if (error)
    return Error{ErrorKind::StoreUnreachable, "store '" + store_.name + "': cannot read '" + root_ + "': " + std::strerror(error)};
  std::optional<policies::TimePoint> from;
  if (newest.size() == n) from = newest.top();
  else if (!newest.empty()) from = newest.top();  // fewer than N files: all are kept
  keep_from_[policy.name] = from;
  return from;
}

std::string FilesConnector::describe(const Policy& policy, const PassContext& ctx) const {
  std::string globs;
  for (const auto& g : policy.files) globs += (globs.empty() ? "\"" : ", \"") + g + "\"";
  std::string basis = policy.since.kind == policies::Basis::Kind::NameDate
                          ? "name date (" + policy.since.name_date_format + ")"
                          : "modification time";
  std::string text = "walk '" + root_ + "' for regular files matching " + globs +
                     " (symlinks are neither followed nor removed); unlink those whose " + basis + " is before " +
                     policies::format_timestamp(ctx.cutoff.cutoff) + ", re-checked just before each unlink";
  if (policy.min_keep) text += "; the newest " + std::to_string(*policy.min_keep) + " are always kept";
  return text;
}

Result<PlanStats> FilesConnector::plan(const Policy& policy, const PassContext& ctx) {
  keep_from_.erase(policy.name);
  auto keep = keep_from(policy);
  if (!keep) return keep.error();
  const std::set<std::string> held(ctx.held_keys.begin(), ctx.held_keys.end());
  PlanStats stats;
  stats.unit = "files";
  long long bytes = 0, kept_newest = 0, skipped = 0;
  Expired expired{ctx.cutoff.cutoff, {}};
  bool remember = true;
  GlobSet globs(policy.files);
  int error = walk(
      root_, globs, "",
      [&](const Found& f) {
        ++stats.total;
        auto d = date_of(policy, f);
        if (!d) {
          ++stats.undated;
          return true;
        }
        if (*d > ctx.cutoff.now) ++stats.future;
        if (*d >= ctx.cutoff.cutoff) return true;
        if (keep.value() && *d >= *keep.value()) {
          ++kept_newest;
          return true;
        }
        if (held.count(f.path)) {
          ++stats.held;
          return true;
        }
        ++stats.matched;
        if (remember && expired.hashes.size() < kMaxRemembered) expired.hashes.push_back(path_hash(f.path));
        else if (remember) {
          remember = false;
          expired.hashes = {};
        }
        if (static_cast<long long>(stats.samples.size()) < ctx.samples) stats.samples.push_back(f.path);
        bytes += f.st.st_size;
        if (!stats.oldest || *d < *stats.oldest) stats.oldest = *d;
        return true;
      },
      &skipped);
  if (error)
    return Error{ErrorKind::StoreUnreachable, "store '" + store_.name + "': cannot read '" + root_ + "': " + std::strerror(error)};
  expired_.erase(policy.name);
  if (remember) {
    std::sort(expired.hashes.begin(), expired.hashes.end());
    expired_.emplace(policy.name, std::move(expired));
  }
  stats.statements = {describe(policy, ctx)};
  if (stats.matched) stats.warnings.push_back("the expired files hold " + mebibytes(bytes));
  if (kept_newest)
    stats.warnings.push_back(policies::with_thousands(kept_newest) + " expired files are kept as the newest " +
                             std::to_string(*policy.min_keep) + " (min_keep)");
  if (skipped) stats.warnings.push_back(std::to_string(skipped) + " directories could not be read and were skipped");
  return stats;
}

Result<BatchResult> FilesConnector::apply_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                                long long limit) {
  auto keep = keep_from(policy);
  if (!keep) return keep.error();
  const std::set<std::string> held(ctx.held_keys.begin(), ctx.held_keys.end());
  BatchResult result{0, from, true};
  std::optional<Error> failure;
  GlobSet globs(policy.files);
  const std::string after = from.after ? key_text(*from.after) : "";
  // After a plan at the same cut-off, only the files it found expired are worth an lstat.
  const Expired* known = nullptr;
  if (auto it = expired_.find(policy.name); it != expired_.end() && it->second.cutoff == ctx.cutoff.cutoff)
    known = &it->second;
  const Prefilter planned = [known](const std::string& path) {
    return std::binary_search(known->hashes.begin(), known->hashes.end(), path_hash(path));
  };
  int error = walk(root_, globs, after, [&](const Found& f) {
    auto d = date_of(policy, f);
    if (!d || *d >= ctx.cutoff.cutoff || (keep.value() && *d >= *keep.value()) || held.count(f.path)) return true;
    // The walk took this lstat just now, relative to the directory's handle: the file is a
    // regular file and expired at this moment, which is the re-check before the unlink.
    if (unlinkat(f.dir_fd, f.name.c_str(), 0) != 0) {
      if (errno == ENOENT) return true;
      // The file name may carry a person's name: the message does not.
      failure = Error{ErrorKind::Io, "store '" + store_.name + "', policy '" + policy.name +
                                         "': cannot remove a file under '" + root_ + "': " + std::strerror(errno)};
      return false;
    }
    ++result.affected;
    result.next = Cursor{KeyValue{f.path}};
    if (result.affected >= limit) {
      result.done = false;
      return false;
    }
    return true;
  }, nullptr, known ? &planned : nullptr);
  if (error)
    return Error{ErrorKind::StoreUnreachable, "store '" + store_.name + "': cannot read '" + root_ + "': " + std::strerror(error)};
  if (failure) return *failure;
  return result;
}

}  // namespace retentiond::connectors::files
