#include "support/example_file.h"

#include <regex>
#include <stdexcept>

#include "support/run.h"
#include "support/temp_dir.h"

namespace retentiond::testing {

std::string example_with_stores(const std::string& file, const std::string& stores) {
  std::string text = read_file(source_dir() + "/policies/examples/" + file);
  const auto begin = text.find("\nstores:\n");
  const auto end = text.find("\npolicies:\n");
  if (begin == std::string::npos || end == std::string::npos || end < begin)
    throw std::runtime_error(file + " has no 'stores:' block before 'policies:'");
  text = text.substr(0, begin) + "\nstores:\n" + stores + text.substr(end);
  return std::regex_replace(text, std::regex("state: [^\\n]*"), "state: state.db");
}

std::string without_guards(const std::string& config) {
  return std::regex_replace(config, std::regex("max_affected: [0-9]+%?"), "max_affected: 100%");
}

}  // namespace retentiond::testing
