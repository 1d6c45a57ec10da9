// Loads the configuration file (and the files it includes) into a Config, validating everything
// that can be checked without connecting to a store. `check`, `plan`, `enforce` and `serve`
// (including its reloads) all go through here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policies/diagnostics.h"
#include "policies/policy.h"
#include "policies/store_spec.h"

namespace retentiond::policies {

inline constexpr const char* kDefaultConfigPath = "/etc/retentiond/retentiond.yaml";
inline constexpr const char* kDefaultStatePath = "/var/lib/retentiond/state.db";

struct LoadResult {
  std::optional<Config> config;  // set only when there is no error
  Diagnostics diagnostics;       // every error and warning, in file order
};

// Reads `path`. Store options and policy targets are checked against `specs`.
// Never throws: unreadable files and YAML syntax errors are diagnostics too.
LoadResult load_config(const std::string& path, const std::vector<StoreSpec>& specs);

}  // namespace retentiond::policies
