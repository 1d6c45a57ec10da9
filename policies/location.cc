#include "policies/location.h"

namespace retentiond::policies {

std::string Location::str() const {
  if (!known()) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Location location_of(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return Location{file, 0, 0};
  return Location{file, mark.line + 1, mark.column + 1};
}

Location location_of(const std::string& file, const YAML::Node& node) {
  return location_of(file, node.Mark());
}

}  // namespace retentiond::policies
