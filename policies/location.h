// Where a piece of configuration came from: file, 1-based line and column.
// yaml-cpp's Mark is 0-based and knows no file name; this is the one place that converts it.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

namespace retentiond::policies {

struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown

  // "file:line:column", or "file" alone when the position is unknown.
  std::string str() const;
  bool known() const { return line > 0; }
};

// Builds a Location from a yaml-cpp mark (0-based) in `file`. A null mark gives line 0.
Location location_of(const std::string& file, const YAML::Mark& mark);
Location location_of(const std::string& file, const YAML::Node& node);

}  // namespace retentiond::policies
