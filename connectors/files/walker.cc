#include "connectors/files/walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace retentiond::connectors::files {
namespace {

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

struct Walk {
  const GlobSet& globs;
  std::vector<std::string> after;  // components; empty: from the start
  const Visit& visit;
  const Prefilter* prefilter = nullptr;
  const Boundary* boundary = nullptr;
  bool descend = true;  // false: only the files directly in the first directory
  ListingCache* listings = nullptr;
  long long skipped = 0;

  using Entries = std::vector<std::pair<std::string, unsigned char>>;

  // The directory's sorted entries: from `listings` when it holds this very directory, else
  // read (and kept there). Null when it cannot be read.
  const Entries* entries_of(int fd, const std::string& rel, Entries& local) {
    struct stat self;
    const bool known = fstat(fd, &self) == 0;
    if (listings && known) {
      auto it = listings->find(rel);
      if (it != listings->end() && it->second.dev == self.st_dev && it->second.ino == self.st_ino)
        return &it->second.entries;
    }
    int listing_fd = dup(fd);
    if (listing_fd < 0) return nullptr;
    DIR* dir = fdopendir(listing_fd);
    if (!dir) {
      close(listing_fd);
      return nullptr;
    }
    while (dirent* e = readdir(dir)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") local.emplace_back(std::move(n), e->d_type);
    }
    closedir(dir);
    std::sort(local.begin(), local.end());
    if (!listings || !known) return &local;
    Listing& kept = (*listings)[rel];
    kept = Listing{self.st_dev, self.st_ino, std::move(local)};
    return &kept.entries;
  }

  // -1: the subtree/file at `path` (components) comes entirely before `after`; 0: `after` lies
  // inside it (a directory on the way); 1: it comes after.
  int position(const std::vector<std::string>& path) const {
    if (after.empty()) return 1;
    for (size_t i = 0; i < path.size(); ++i) {
      if (i == after.size()) return 1;  // path is below `after` (cannot happen for files)
      if (path[i] < after[i]) return -1;
      if (path[i] > after[i]) return 1;
    }
    return path.size() == after.size() ? -1 : 0;  // the same file was already handled
  }

  // Returns false when the visitor stopped the walk.
  bool directory(int fd, const std::string& rel, std::vector<std::string>& parts) {
    Entries local;
    const Entries* entries = entries_of(fd, rel, local);
    if (!entries) {
      ++skipped;
      return true;
    }
    // On the way to `after`: the entries before its name at this depth were all handled.
    auto first = entries->begin();
    if (parts.size() < after.size() && std::equal(parts.begin(), parts.end(), after.begin()))
      first = std::lower_bound(
          entries->begin(), entries->end(), after[parts.size()],
          [](const auto& entry, const std::string& name) { return entry.first < name; });
    for (auto it = first; it != entries->end(); ++it) {
      const auto& [name, type] = *it;
      // Cheap tests first (resume position, globs, the listing's type); lstat only what may count.
      parts.push_back(name);
      const int pos = position(parts);
      bool go_on = true;
      if (pos >= 0 && type != DT_LNK) {
        std::string path = rel.empty() ? name : rel + "/" + name;
        const bool may_be_dir = type == DT_DIR || type == DT_UNKNOWN;
        const bool may_be_file = (type == DT_REG || type == DT_UNKNOWN) && pos > 0;
        const bool wanted_dir = descend && may_be_dir && globs.may_match_below(parts);
        const bool wanted_file =
            may_be_file && globs.matches(parts) && (!prefilter || (*prefilter)(path));
        struct stat st;
        if (wanted_file && prefilter && type == DT_REG) {
          st = {};
          go_on = visit(Found{fd, name, path, st, /*stat_taken=*/false});
        } else if ((wanted_dir || wanted_file) &&
                   fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
          if (wanted_dir && S_ISDIR(st.st_mode)) {
            if (boundary && !(*boundary)()) {
              parts.pop_back();
              return false;
            }
            int child = openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child >= 0) {
              go_on = directory(child, path, parts);
              close(child);
            } else {
              ++skipped;
            }
          } else if (wanted_file && S_ISREG(st.st_mode)) {
            go_on = visit(Found{fd, name, path, st});
          }
        }
      }
      parts.pop_back();
      if (!go_on) return false;
    }
    if (listings) listings->erase(rel);  // finished: a resumed walk never comes back here
    return !boundary || (*boundary)();
  }
};

}  // namespace

std::vector<std::string> subtrees(const std::string& root, const GlobSet& globs, int* error) {
  std::vector<std::string> out;
  *error = 0;
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = errno;
    return out;
  }
  DIR* dir = fdopendir(fd);
  if (!dir) {
    *error = errno;
    close(fd);
    return out;
  }
  while (dirent* e = readdir(dir)) {
    std::string n = e->d_name;
    if (n == "." || n == ".." || e->d_type == DT_LNK) continue;
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
    struct stat st;
    if (globs.may_match_below(std::vector<std::string>{n}) &&
        fstatat(dirfd(dir), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
      out.push_back(n);
  }
  closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

int walk_subtree(const std::string& root, const std::string& subdir, const GlobSet& globs,
                 const Visit& visit, long long* skipped_dirs) {
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  Walk w{globs, {}, visit};
  std::vector<std::string> parts;
  if (subdir.empty()) {
    w.descend = false;
    w.directory(fd, "", parts);
  } else {
    // Entered like the full walk enters it: relative to the root's handle, never through a link.
    int child = openat(fd, subdir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child >= 0) {
      parts.push_back(subdir);
      w.directory(child, subdir, parts);
      close(child);
    } else {
      ++w.skipped;
    }
  }
  close(fd);
  if (skipped_dirs) *skipped_dirs += w.skipped;
  return 0;
}

int walk(const std::string& root, const GlobSet& globs, const std::string& after,
         const Visit& visit, long long* skipped_dirs, const Prefilter* prefilter,
         const Boundary* boundary, ListingCache* listings, RootIdentity* root_identity) {
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  if (root_identity) {
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      const int error = errno;
      close(fd);
      return error;
    }
    if (root_identity->dev == 0 && root_identity->ino == 0) {
      root_identity->dev = st.st_dev;
      root_identity->ino = st.st_ino;
    } else if (root_identity->dev != st.st_dev || root_identity->ino != st.st_ino) {
      close(fd);
      return ESTALE;
    }
  }
  Walk w{globs, components(after), visit, prefilter, boundary};
  w.listings = listings;
  std::vector<std::string> parts;
  w.directory(fd, "", parts);
  close(fd);
  if (skipped_dirs) *skipped_dirs = w.skipped;
  return 0;
}

}  // namespace retentiond::connectors::files
