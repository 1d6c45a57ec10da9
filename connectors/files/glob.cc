#include "connectors/files/glob.h"

#include <fnmatch.h>

#include <algorithm>

namespace retentiond::connectors::files {
namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool segment_matches(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) == 0;
}

// Does pattern[p..] match path[s..] exactly? Each (p, s) is settled once (`seen`): without it,
// patterns with several `**` tried every split of the path again and again (eight `**` over a
// deep tree ran for minutes).
bool match_from(const std::vector<std::string>& pattern, size_t p,
                const std::vector<std::string>& path, size_t s, std::vector<signed char>& seen) {
  signed char& known = seen[p * (path.size() + 1) + s];
  if (known >= 0) return known == 1;
  bool matched;
  if (p == pattern.size()) {
    matched = s == path.size();
  } else if (pattern[p] == "**") {
    // Like '*', '**' never stands for a name starting with '.' (a shell's globstar does not
    // enter .snapshots either): such a directory must be written.
    matched = false;
    // A trailing '**' stands for what is inside a directory, never for nothing: `logs/**` does
    // not select a file named `logs`, nor `*/**` the files at the root.
    const bool last = p + 1 == pattern.size();
    for (size_t k = s + (last ? 1 : 0); k <= path.size() && !matched; ++k) {
      if (last && path[k - 1].starts_with('.')) break;
      matched = match_from(pattern, p + 1, path, k, seen);
      if (k < path.size() && path[k].starts_with('.')) break;
    }
  } else {
    matched = s < path.size() && segment_matches(pattern[p], path[s]) &&
              match_from(pattern, p + 1, path, s + 1, seen);
  }
  known = matched ? 1 : 0;
  return matched;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  std::vector<signed char> seen((pattern.size() + 1) * (path.size() + 1), -1);
  return match_from(pattern, 0, path, 0, seen);
}

// Can pattern[p..] match some path that starts with dir[s..] (dir fully consumed, more to come)?
bool prefix_from(const std::vector<std::string>& pattern, size_t p,
                 const std::vector<std::string>& dir, size_t s) {
  if (s == dir.size()) return p < pattern.size();
  if (p == pattern.size()) return false;
  if (pattern[p] == "**") return true;
  return segment_matches(pattern[p], dir[s]) && prefix_from(pattern, p + 1, dir, s + 1);
}

}  // namespace

GlobSet::GlobSet(const std::vector<std::string>& patterns,
                 const std::vector<std::string>& excluded) {
  for (const auto& p : patterns) patterns_.push_back(split(p));
  for (const auto& e : excluded) excluded_.emplace_back(split(e), e.ends_with('/'));
}

bool GlobSet::is_excluded(const std::vector<std::string>& parts, bool directory) const {
  for (const auto& [path, whole_directory] : excluded_) {
    if (whole_directory) {
      // The directory itself (not entered), or anything below it.
      if (parts.size() >= path.size() && std::equal(path.begin(), path.end(), parts.begin()))
        return true;
    } else if (!directory && parts == path) {
      return true;
    }
  }
  return false;
}

bool GlobSet::matches(const std::string& path) const { return matches(split(path)); }

bool GlobSet::matches(const std::vector<std::string>& parts) const {
  if (!excluded_.empty() && is_excluded(parts, false)) return false;
  for (const auto& p : patterns_)
    if (match(p, parts)) return true;
  return false;
}

bool GlobSet::may_match_below(const std::string& dir) const { return may_match_below(split(dir)); }

bool GlobSet::may_match_below(const std::vector<std::string>& parts) const {
  if (!excluded_.empty() && is_excluded(parts, true)) return false;
  for (const auto& p : patterns_)
    if (prefix_from(p, 0, parts, 0)) return true;
  return false;
}

}  // namespace retentiond::connectors::files
