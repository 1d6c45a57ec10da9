// A race-safe walk of a files store's root: every directory is opened relative to its parent's
// handle with O_NOFOLLOW | O_DIRECTORY, so a directory swapped for a symlink (even one pointing
// outside the root) is never entered, and symlinks are never reported. Entries are visited in
// a fixed order (names sorted, bytewise, depth first), so a walk can resume after a given path.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "connectors/files/glob.h"

namespace retentiond::connectors::files {

// A regular file the walk found: its directory's handle (valid during the call), its name in
// that directory, its path relative to the root, and its lstat, unless `stat_taken` is false:
// a file the prefilter admitted that the listing says is a regular file is not stat'ed by the
// walk (the visitor stats it itself, right before acting on it: one lstat, at the right time).
struct Found {
  int dir_fd;
  const std::string& name;
  const std::string& path;
  const struct stat& st;
  bool stat_taken = true;
};

// Returns false to stop the walk.
using Visit = std::function<bool(const Found&)>;

// Whether a file whose path matches is worth an lstat at all (a cheap test on its relative path).
using Prefilter = std::function<bool(const std::string& path)>;

// Called before the walk enters a subdirectory and when it has listed a directory's last entry:
// the directory handles of every file visited since the previous call are still open (a
// visitor may keep Found::dir_fd until then). Returns false to stop the walk.
using Boundary = std::function<bool()>;

// A directory's sorted entries (name, d_type), kept between the walks of one pass's batches:
// a batch resuming in a directory of 200,000 files would otherwise list and sort it again each
// time. Known by the directory's device and inode (a directory swapped meanwhile is listed
// again); a directory the walk finished is dropped (a resumed walk never goes back into it).
// Files created since the listing wait for the next pass; those gone are skipped at their lstat.
struct Listing {
  dev_t dev = 0;
  ino_t ino = 0;
  std::vector<std::pair<std::string, unsigned char>> entries;
};
using ListingCache = std::map<std::string, Listing>;  // by path relative to the root ("" root)

// The directory a pass began on, by device and inode ({0, 0}: not known yet).
struct RootIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
};

// Walks `root`, visiting regular files whose relative path matches `globs` (and `prefilter`,
// when given) and comes after `after` in walk order ("" for the start). Returns an errno value
// (0 on success) for the root; unreadable subdirectories are skipped and counted in
// `skipped_dirs`. With `listings`, directories are listed once for the walks that share it.
// With `root_identity`: the directory `root` names now is recorded when none is, and must be the
// one recorded otherwise (ESTALE: the root was moved or replaced, a symbolic link repointed).
int walk(const std::string& root, const GlobSet& globs, const std::string& after,
         const Visit& visit, long long* skipped_dirs = nullptr,
         const Prefilter* prefilter = nullptr, const Boundary* boundary = nullptr,
         ListingCache* listings = nullptr, RootIdentity* root_identity = nullptr);

// For walks shared between threads: the root's subdirectories the globs may enter, in walk
// order; each is walked on its own by walk_subtree(), and walk_subtree(root, "", ...) visits the
// files directly under the root. Together they visit what walk() visits.
std::vector<std::string> subtrees(const std::string& root, const GlobSet& globs, int* error);
int walk_subtree(const std::string& root, const std::string& subdir, const GlobSet& globs,
                 const Visit& visit, long long* skipped_dirs = nullptr);

}  // namespace retentiond::connectors::files
