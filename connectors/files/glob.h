// Glob patterns relative to a files store's root: '*', '?' and '[...]' within one path segment
// (a leading '.' must be matched explicitly), and '**' as a whole segment for any number of
// directories. Matching is on '/'-separated relative paths; nothing here touches the disk.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace retentiond::connectors::files {

class GlobSet {
 public:
  // `excluded`: relative paths no pattern selects, whatever it says: a file itself, and, for
  // one ending in '/', a directory and everything below it (retentiond's own state and
  // configuration when they lie under a store's root).
  explicit GlobSet(const std::vector<std::string>& patterns,
                   const std::vector<std::string>& excluded = {});

  // True when `path` (relative, e.g. "site1/access.log-20270301") matches one of the patterns.
  bool matches(const std::string& path) const;
  // The same, on a path already split into its segments (the walk keeps them).
  bool matches(const std::vector<std::string>& segments) const;

  // True when a file below directory `dir` (relative, "" for the root) could match: the walk
  // does not enter other directories.
  bool may_match_below(const std::string& dir) const;
  bool may_match_below(const std::vector<std::string>& segments) const;

 private:
  bool is_excluded(const std::vector<std::string>& parts, bool directory) const;

  std::vector<std::vector<std::string>> patterns_;                   // split on '/'
  std::vector<std::pair<std::vector<std::string>, bool>> excluded_;  // split; whether a directory
};

}  // namespace retentiond::connectors::files
