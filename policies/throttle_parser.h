// Reads a store's `throttle:` block (see throttle.h), with every error at its file:line:column.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "policies/diagnostics.h"
#include "policies/throttle.h"

namespace retentiond::policies {

// `store_type` decides what a replica entry takes: host, port, user and password_file on mysql,
// a dsn on postgresql. `base_dir` resolves relative password files. Errors go to `diags` (or are
// thrown as ConfigError for the block as a whole).
ThrottleConfig parse_throttle(const YAML::Node& node, const std::string& file,
                              const std::string& base_dir, const std::string& store_context,
                              const std::string& store_type, Diagnostics& diags);

}  // namespace retentiond::policies
