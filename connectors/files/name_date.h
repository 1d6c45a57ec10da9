// The date written in a file name, for rotated logs and dated backups whose modification time
// lies (copied, compressed, restored): a strftime-like pattern ("%Y%m%d", "%Y-%m-%d_%H%M") is
// searched in the file's base name. Times are UTC. A pattern without %d (only the sympa store
// makes one, "%Y-%m" for its archives) dates a name from the end of its month.
#pragma once

#include <optional>
#include <regex>
#include <string>

#include "policies/timestamp.h"

namespace retentiond::connectors::files {

class NameDate {
 public:
  // `pattern` was validated by the loader: %Y %m %d, optionally %H %M %S, and %%.
  explicit NameDate(const std::string& pattern);

  // The first date in `name` that fits the pattern, is a real date and is not part of a longer
  // run of digits ("1700010821" holds no date); nullopt otherwise.
  std::optional<policies::TimePoint> find(const std::string& name) const;

 private:
  std::regex regex_;
  std::string fields_;  // the conversion letters, in the order of the regex's groups
};

}  // namespace retentiond::connectors::files
