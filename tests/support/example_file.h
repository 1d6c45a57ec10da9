// The shipped example configurations (policies/examples/) made runnable in a test: their stores
// pointed at the test's servers and directories, the policies left as shipped.
#pragma once

#include <string>

namespace retentiond::testing {

// The example `file` with its `stores:` block replaced by `stores` and its state file by
// state.db (relative to the test's directory).
std::string example_with_stores(const std::string& file, const std::string& stores);

// `config` with every `max_affected:` raised to 100%: a test's few rows would trip the guards
// that the examples set for production tables.
std::string without_guards(const std::string& config);

}  // namespace retentiond::testing
