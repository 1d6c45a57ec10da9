#include "connectors/files/connector.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <queue>
#include <set>
#include <thread>

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

policies::TimePoint mtime_of(const struct stat& st) {
  return policies::from_epoch_seconds(st.st_mtim.tv_sec);
}

// A date outside the years 1 to 9999 (an mtime set to year -1199 or 11476 on tmpfs, a name
// dated year 0) is unusable: the file is kept as undated (policies/timestamp.h).
std::optional<policies::TimePoint> usable(std::optional<policies::TimePoint> t) {
  if (t && !policies::usable_epoch(policies::epoch_seconds(*t))) return std::nullopt;
  return t;
}

std::uint64_t path_hash(const std::string& path) { return std::hash<std::string>{}(path); }

// Beyond this many expired files (2 MiB of hashes), a pass lstats every match again instead.
constexpr size_t kMaxRemembered = 262'144;

}  // namespace

FilesConnector::FilesConnector(const policies::StoreConfig& store)
    : store_(store), root_(store.path("root")) {
  // retentiond's own files under the root (the state, its locks, the configuration): relative
  // paths no policy of this store selects (files/glob.h).
  std::error_code ec;
  const auto root = std::filesystem::weakly_canonical(root_, ec);
  if (ec) return;
  for (const auto& own : store.own_files) {
    const bool directory = own.ends_with('/');
    const auto rel = std::filesystem::path(directory ? own.substr(0, own.size() - 1) : own)
                         .lexically_relative(root);
    if (rel.empty() || *rel.begin() == "..") continue;
    own_files_.push_back(rel.string() + (directory ? "/" : ""));
  }
}

Result<void> FilesConnector::open(AccessMode) {
  int fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return Error{ErrorKind::StoreUnreachable, error_prefix(store_.name) +
                                                  "cannot open the root directory '" + root_ +
                                                  "': " + std::strerror(errno)};
  ::close(fd);
  keep_from_.clear();
  return success();
}

std::optional<policies::TimePoint> FilesConnector::date_of(const Policy& policy,
                                                           const Found& f) const {
  if (policy.since.kind == policies::Basis::Kind::NameDate) {
    auto& reader = name_dates_[policy.since.name_date_format];
    if (!reader) reader = std::make_unique<NameDate>(policy.since.name_date_format);
    if (!policy.since.name_date_in_path) return usable(reader->find(f.name));
    // In the path below the first directory (the first one names a list, which may hold digits).
    const size_t slash = f.path.find('/');
    return usable(reader->find(slash == std::string::npos ? f.path : f.path.substr(slash + 1)));
  }
  return usable(mtime_of(f.st));
}

Result<std::optional<std::string>> FilesConnector::find_key(const Policy& policy,
                                                            const std::string& key) {
  if (key.empty() || key.front() == '/') return std::optional<std::string>{};
  std::vector<std::string> segments;
  for (size_t at = 0; at <= key.size();) {
    const size_t slash = std::min(key.find('/', at), key.size());
    segments.push_back(key.substr(at, slash - at));
    at = slash + 1;
  }
  std::string path = root_;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& s = segments[i];
    if (s.empty() || s == "." || s == "..") return std::optional<std::string>{};
    path += "/" + s;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return std::optional<std::string>{};
    const bool last = i + 1 == segments.size();
    if (last ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode)) return std::optional<std::string>{};
  }
  if (!GlobSet(policy.files, own_files_).matches(key)) return std::optional<std::string>{};
  return std::optional<std::string>{key};
}

Result<std::vector<policies::Diagnostic>> FilesConnector::check(const Policy& policy) {
  std::vector<policies::Diagnostic> out;
  struct stat st;
  if (::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    out.push_back(
        {policies::Severity::Error, policy.files_location,
         "the root '" + root_ + "' of store '" + store_.name + "' is not a readable directory"});
  return out;
}

namespace {

// The directory of a path relative to the root ("" for the root's own files).
std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

bool FilesConnector::KeepNewest::keeps(const std::string& path, policies::TimePoint date) const {
  if (!per_directory) return from && date >= *from;
  auto it = from_in.find(directory_of(path));
  return it != from_in.end() && date >= it->second;
}

Result<FilesConnector::KeepNewest> FilesConnector::keep_from(const Policy& policy,
                                                             policies::TimePoint now) {
  if (!policy.min_keep || *policy.min_keep <= 0) return KeepNewest{};
  if (auto it = keep_from_.find(policy.name); it != keep_from_.end()) {
    // Worked out by the plan: still right while the files that made it are there. One removed
    // meanwhile (by someone else: the pass never removes them) moves the bound to older files.
    bool anchored = true;
    for (const auto& path : it->second.anchors) {
      struct stat st {};
      if (::lstat((root_ + "/" + path).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        anchored = false;
        break;
      }
    }
    if (anchored) return it->second;
    keep_from_.erase(it);
  }
  // The N newest dates (of the tree, or of each directory), in min-heaps of size N: memory
  // stays flat however many files match. Fewer than N: all are kept (the oldest is the bound).
  const auto n = static_cast<size_t>(*policy.min_keep);
  using Dated = std::pair<policies::TimePoint, std::string>;
  using Newest = std::priority_queue<Dated, std::vector<Dated>, std::greater<>>;
  std::map<std::string, Newest> newest;
  GlobSet globs(policy.files, own_files_);
  int error = walk(root_, globs, "", [&](const Found& f) {
    // A file dated in the future (a wrong clock, a misnamed copy) is no recent backup: it takes
    // none of the N places.
    if (auto d = date_of(policy, f); d && *d <= now) {
      Newest& heap = newest[policy.min_keep_per_directory ? directory_of(f.path) : std::string()];
      heap.push({*d, f.path});
      if (heap.size() > n) heap.pop();
    }
    return true;
  });
  if (error)
    return Error{ErrorKind::StoreUnreachable, error_prefix(store_.name) + "cannot read '" + root_ +
                                                  "': " + std::strerror(error)};
  KeepNewest keep;
  keep.per_directory = policy.min_keep_per_directory;
  for (auto& [dir, heap] : newest) {
    if (heap.empty()) continue;
    if (keep.per_directory)
      keep.from_in[dir] = heap.top().first;
    else
      keep.from = heap.top().first;
    for (; !heap.empty(); heap.pop()) keep.anchors.push_back(heap.top().second);
  }
  keep_from_[policy.name] = keep;
  return keep;
}

std::string FilesConnector::describe(const Policy& policy, const PassContext& ctx) const {
  std::string globs;
  for (const auto& g : policy.files) globs += (globs.empty() ? "\"" : ", \"") + g + "\"";
  std::string basis = policy.since.kind == policies::Basis::Kind::NameDate
                          ? "name date (" + policy.since.name_date_format + ")"
                          : "modification time";
  std::string text = "walk '" + root_ + "' for regular files matching " + globs +
                     " (symlinks are neither followed nor removed); unlink those whose " + basis +
                     " is before " + policies::format_timestamp(ctx.cutoff.cutoff) +
                     ", re-checked just before each unlink";
  if (policy.min_keep)
    text += "; the newest " + std::to_string(*policy.min_keep) +
            (policy.min_keep_per_directory ? " of each directory" : "") + " are always kept";
  return text;
}

namespace {

// What one part of the plan's walk found (a subtree of the root, or the root's own files).
struct Tally {
  long long total = 0, matched = 0, held = 0, undated = 0, future = 0, kept_newest = 0, bytes = 0,
            skipped = 0;
  std::optional<policies::TimePoint> oldest;
  std::vector<std::string> samples;   // the first ones, in walk order
  std::vector<std::uint64_t> hashes;  // of the expired paths, while below the cap
  bool too_many = false;
};

}  // namespace

Result<PlanStats> FilesConnector::plan(const Policy& policy, const PassContext& ctx) {
  keep_from_.erase(policy.name);
  roots_.erase(policy.name);
  {
    struct stat st {};
    if (::stat(root_.c_str(), &st) == 0) roots_[policy.name] = RootIdentity{st.st_dev, st.st_ino};
  }
  auto keep = keep_from(policy, ctx.cutoff.now);
  if (!keep) return keep.error();
  const std::set<std::string> held(ctx.held_keys.begin(), ctx.held_keys.end());
  GlobSet globs(policy.files, own_files_);
  if (policy.since.kind == policies::Basis::Kind::NameDate) {
    // Compiled once, before the threads share it.
    auto& reader = name_dates_[policy.since.name_date_format];
    if (!reader) reader = std::make_unique<NameDate>(policy.since.name_date_format);
  }
  auto count = [&](Tally& t) {
    return [&](const Found& f) {
      ++t.total;
      auto d = date_of(policy, f);
      if (!d) {
        ++t.undated;
        return true;
      }
      if (*d > ctx.cutoff.now) ++t.future;
      if (*d >= ctx.cutoff.cutoff) return true;
      if (keep.value().keeps(f.path, *d)) {
        ++t.kept_newest;
        return true;
      }
      if (held.count(f.path)) {
        ++t.held;
        return true;
      }
      ++t.matched;
      if (!t.too_many) t.hashes.push_back(path_hash(f.path));
      if (t.hashes.size() > kMaxRemembered) {
        t.too_many = true;
        t.hashes = {};
      }
      if (static_cast<long long>(t.samples.size()) < ctx.samples) t.samples.push_back(f.path);
      t.bytes += f.st.st_size;
      if (!t.oldest || *d < *t.oldest) t.oldest = *d;
      return true;
    };
  };

  // The plan reads every matching file's metadata: the root's subtrees are walked by two threads
  // (the machine's lstat calls overlap), each tallying its own, merged below in walk order.
  int error = 0;
  const std::vector<std::string> parts = subtrees(root_, globs, &error);
  if (error)
    return Error{ErrorKind::StoreUnreachable, error_prefix(store_.name) + "cannot read '" + root_ +
                                                  "': " + std::strerror(error)};
  std::vector<Tally> tallies(parts.size() + 1);  // [0]: the root's own files
  std::atomic<size_t> next{0};
  std::atomic<int> failure{0};
  auto worker = [&] {
    for (size_t i = next++; i <= parts.size(); i = next++) {
      int e = walk_subtree(root_, i == 0 ? "" : parts[i - 1], globs, count(tallies[i]),
                           &tallies[i].skipped);
      if (e) failure = e;
    }
  };
  const unsigned threads =
      std::min<unsigned>(2, std::max<unsigned>(1, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads && i <= parts.size(); ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure)
    return Error{ErrorKind::StoreUnreachable, error_prefix(store_.name) + "cannot read '" + root_ +
                                                  "': " + std::strerror(failure)};

  PlanStats stats;
  stats.unit = "files";
  long long bytes = 0, kept_newest = 0, skipped = 0;
  Expired expired{ctx.cutoff.cutoff, {}};
  bool remember = true;
  // Samples in walk order: the root's files and its subtrees interleave by name.
  std::vector<std::pair<std::string, const std::vector<std::string>*>> sampled;
  for (size_t i = 0; i < tallies.size(); ++i) {
    const Tally& t = tallies[i];
    stats.total += t.total;
    stats.matched += t.matched;
    stats.held += t.held;
    stats.undated += t.undated;
    stats.future += t.future;
    kept_newest += t.kept_newest;
    bytes += t.bytes;
    skipped += t.skipped;
    if (t.oldest && (!stats.oldest || *t.oldest < *stats.oldest)) stats.oldest = t.oldest;
    remember = remember && !t.too_many;
    if (remember) expired.hashes.insert(expired.hashes.end(), t.hashes.begin(), t.hashes.end());
    if (expired.hashes.size() > kMaxRemembered) remember = false;
    if (!remember) expired.hashes = {};
    if (i > 0 && !t.samples.empty()) sampled.emplace_back(parts[i - 1], &t.samples);
  }
  for (const auto& file : tallies[0].samples) sampled.emplace_back(file, nullptr);
  std::sort(sampled.begin(), sampled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, list] : sampled) {
    if (!list) {
      if (static_cast<long long>(stats.samples.size()) < ctx.samples) stats.samples.push_back(name);
      continue;
    }
    for (const auto& s : *list)
      if (static_cast<long long>(stats.samples.size()) < ctx.samples) stats.samples.push_back(s);
  }
  expired_.erase(policy.name);
  if (remember) {
    std::sort(expired.hashes.begin(), expired.hashes.end());
    expired_.emplace(policy.name, std::move(expired));
  }
  stats.statements = {describe(policy, ctx)};
  if (stats.matched) stats.warnings.push_back("the expired files hold " + mebibytes(bytes));
  if (kept_newest)
    stats.warnings.push_back(
        policies::with_thousands(kept_newest) + " expired files are kept as the newest " +
        std::to_string(*policy.min_keep) +
        (policy.min_keep_per_directory ? " of their directory" : "") + " (min_keep)");
  if (skipped) {
    stats.unread_parts = skipped;
    stats.unread_words = policies::with_thousands(skipped) +
                         (skipped == 1 ? " directory under '" : " directories under '") + root_ +
                         "' (permissions?)";
  }
  return stats;
}

namespace {

// The file an lstat saw is the one there now, as it was: a regular file, the same inode, not
// written to since.
bool same_file_unchanged(const struct stat& seen, const struct stat& now) {
  return S_ISREG(now.st_mode) && now.st_ino == seen.st_ino && now.st_dev == seen.st_dev &&
         now.st_mtim.tv_sec == seen.st_mtim.tv_sec && now.st_mtim.tv_nsec == seen.st_mtim.tv_nsec;
}

}  // namespace

Result<BatchResult> FilesConnector::apply_batch(const Policy& policy, const PassContext& ctx,
                                                const Cursor& from, long long limit) {
  auto keep = keep_from(policy, ctx.cutoff.now);
  if (!keep) return keep.error();
  const std::set<std::string> held(ctx.held_keys.begin(), ctx.held_keys.end());
  BatchResult result{0, from, true};
  std::optional<Error> failure;
  if (!from.last_key()) {  // a pass's first batch
    // Without a plan at this cut-off just before, the pass begins on the root as it is now.
    if (auto it = expired_.find(policy.name);
        it == expired_.end() || it->second.cutoff != ctx.cutoff.cutoff)
      roots_.erase(policy.name);
    unremovable_.erase(policy.name);
    unremovable_errno_.erase(policy.name);
    listings_.erase(policy.name);
  }
  long long& unremovable = unremovable_[policy.name];
  int& unremovable_errno = unremovable_errno_[policy.name];
  GlobSet globs(policy.files, own_files_);
  const std::string after = from.last_key() ? key_text(*from.last_key()) : "";
  // After a plan at the same cut-off, only the files it found expired are worth an lstat.
  const Expired* known = nullptr;
  if (auto it = expired_.find(policy.name);
      it != expired_.end() && it->second.cutoff == ctx.cutoff.cutoff)
    known = &it->second;
  const Prefilter planned = [known](const std::string& path) {
    return std::binary_search(known->hashes.begin(), known->hashes.end(), path_hash(path));
  };
  // Expired files found since the last boundary: their directories are still open. Each group
  // is announced (ctx.journal) before any of it is removed, so that a crash mid-way is counted.
  struct Pending {
    int dir_fd;
    std::string name, path;
    struct stat seen;  // the walk's lstat, which found it expired, when it took one
    bool seen_taken;
  };
  std::vector<Pending> pending;
  auto remove_pending = [&]() -> bool {
    if (pending.empty()) return true;
    if (ctx.journal) {
      BatchIntent intent;
      intent.expected = static_cast<long long>(pending.size());
      for (const auto& p : pending) intent.items.push_back(p.path);
      try {
        ctx.journal->before_commit(intent);
      } catch (const std::exception& e) {
        failure = Error{ErrorKind::Io, error_prefix(store_.name, policy.name) + e.what() +
                                           "; the files of this group were not removed"};
        return false;
      }
    }
    for (const auto& p : pending) {
      // Whatever happens to it, the next batch resumes after it (a batch whose files all went
      // meanwhile must still move on).
      result.next = Cursor::after(p.path);
      // The re-check before the unlink, on an lstat taken now: the walk's may be a large
      // directory's listing old, and a fresh file renamed over the name meanwhile (a backup
      // written by rename) must stay. A regular file, expired and not kept by min_keep, and
      // the very file the walk saw, unchanged, when it saw one; else left for the next pass.
      struct stat now;
      if (fstatat(p.dir_fd, p.name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;
        unremovable_errno = errno;  // cannot even be looked at: left, and said
        ++unremovable;
        continue;
      }
      if (!S_ISREG(now.st_mode) || (p.seen_taken && !same_file_unchanged(p.seen, now))) continue;
      const auto d = date_of(policy, Found{p.dir_fd, p.name, p.path, now});
      if (!d || *d >= ctx.cutoff.cutoff || keep.value().keeps(p.path, *d)) continue;
      if (unlinkat(p.dir_fd, p.name.c_str(), 0) != 0) {
        if (errno == ENOENT) continue;
        // This file (or its directory) may not be changed: left, said at the end of the pass,
        // and the others still go; one site's read-only directory must not stop the rest.
        if (errno == EACCES || errno == EPERM || errno == EBUSY || errno == ETXTBSY) {
          unremovable_errno = errno;
          ++unremovable;
          continue;
        }
        // The file name may carry a person's name: the message does not.
        failure = Error{ErrorKind::Io, error_prefix(store_.name, policy.name) +
                                           "cannot remove a file under '" + root_ +
                                           "': " + std::strerror(errno)};
        return false;
      }
      ++result.affected;
    }
    pending.clear();
    return true;
  };
  const Boundary boundary = remove_pending;
  long long found = 0;
  int error = walk(
      root_, globs, after,
      [&](const Found& f) {
        // A file the walk did not stat (the plan found it expired) is dated at its removal;
        // a date in its name is known now.
        if (f.stat_taken || policy.since.kind == policies::Basis::Kind::NameDate) {
          auto d = date_of(policy, f);
          if (!d || *d >= ctx.cutoff.cutoff || keep.value().keeps(f.path, *d)) return true;
        }
        if (held.count(f.path)) return true;
        pending.push_back({f.dir_fd, f.name, f.path, f.st, f.stat_taken});
        if (++found < limit) return true;
        result.done = false;
        remove_pending();
        return false;
      },
      nullptr, known ? &planned : nullptr, &boundary, &listings_[policy.name],
      &roots_[policy.name]);
  if (result.done) listings_.erase(policy.name);
  if (error == ESTALE)
    return Error{ErrorKind::StoreUnreachable,
                 error_prefix(store_.name, policy.name) + "the root '" + root_ +
                     "' is another directory than the one this pass began on (moved, replaced, "
                     "or a symbolic link repointed): the pass stopped there, and removed nothing "
                     "outside the directory it began on; the next pass starts on the new one"};
  if (error)
    return Error{ErrorKind::StoreUnreachable, error_prefix(store_.name) + "cannot read '" + root_ +
                                                  "': " + std::strerror(error)};
  if (failure) return *failure;
  if (unremovable > 0)
    result.left_behind = Error{
        ErrorKind::Io,
        error_prefix(store_.name, policy.name) + "cannot remove " +
            policies::with_thousands(unremovable) +
            (unremovable == 1 ? " expired file" : " expired files") + " under '" + root_ + "'" +
            (unremovable_errno ? std::string(" (") + std::strerror(unremovable_errno) + ")" : "") +
            ": the service may not change " + (unremovable == 1 ? "it" : "them") + " or " +
            (unremovable == 1 ? "its directory" : "their directories") +
            " (permissions, chattr +i, a read-only bind mount, ReadWritePaths=); the other "
            "expired files went"};
  return result;
}

Result<long long> FilesConnector::reconcile(const Policy& policy, const PassContext& /*ctx*/,
                                            const BatchIntent& intent) {
  // The batch announced each file before removing it: those gone are the ones it removed.
  long long gone = 0;
  for (const auto& path : intent.items) {
    struct stat st;
    const std::string full = root_ + "/" + path;
    if (::lstat(full.c_str(), &st) == 0) continue;
    if (errno != ENOENT && errno != ENOTDIR)
      return Error{ErrorKind::Io, error_prefix(store_.name, policy.name) + "cannot look under '" +
                                      root_ + "': " + std::strerror(errno)};
    ++gone;
  }
  return gone;
}

}  // namespace retentiond::connectors::files
