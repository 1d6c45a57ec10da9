#include "connectors/files/glob.h"

#include <fnmatch.h>

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

// Does pattern[p..] match path[s..] exactly?
bool match_from(const std::vector<std::string>& pattern, size_t p,
                const std::vector<std::string>& path, size_t s) {
  if (p == pattern.size()) return s == path.size();
  if (pattern[p] == "**") {
    for (size_t k = s; k <= path.size(); ++k)
      if (match_from(pattern, p + 1, path, k)) return true;
    return false;
  }
  if (s == path.size()) return false;
  return segment_matches(pattern[p], path[s]) && match_from(pattern, p + 1, path, s + 1);
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

GlobSet::GlobSet(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) patterns_.push_back(split(p));
}

bool GlobSet::matches(const std::string& path) const { return matches(split(path)); }

bool GlobSet::matches(const std::vector<std::string>& parts) const {
  for (const auto& p : patterns_)
    if (match_from(p, 0, parts, 0)) return true;
  return false;
}

bool GlobSet::may_match_below(const std::string& dir) const { return may_match_below(split(dir)); }

bool GlobSet::may_match_below(const std::vector<std::string>& parts) const {
  for (const auto& p : patterns_)
    if (prefix_from(p, 0, parts, 0)) return true;
  return false;
}

}  // namespace retentiond::connectors::files
