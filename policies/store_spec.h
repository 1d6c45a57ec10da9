// What a store type declares, as data: its `type:` name, the options it takes and what its
// policies select (a table, files, or a Sympa target). The loader validates configuration
// against these specs without connecting; connectors/registry.cc lists them next to the code
// that acts on each store.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/location.h"
#include "policies/policy.h"
#include "policies/sql_fragment.h"

namespace retentiond::policies {

enum class TargetKind { Table, Files, Sympa };

struct OptionSpec {
  enum class Kind { Text, Path, Port, Boolean, Interval, Choice };
  std::string_view name;
  bool required = false;
  Kind kind = Kind::Text;
  std::string_view help;
  std::vector<std::string_view> choices = {};  // Choice: the values allowed
};

// A problem between a store's options, at the option to mend.
struct OptionProblem {
  Location location;
  std::string message;
};

struct StoreSpec {
  std::string_view type;     // "sqlite"
  std::string_view summary;  // one line for --help and docs
  TargetKind target = TargetKind::Table;
  std::vector<OptionSpec> options;
  std::vector<std::string_view> targets;  // Sympa: allowed `sympa:` names
  // How the store reads SQL (`where`, `on`, `hold_where` are validated as that dialect); none
  // for stores whose policies take no SQL.
  std::optional<SqlDialect> dialect;
  // Whether the store takes a `throttle:` block (policies/throttle.h).
  bool throttle = false;
  // Rules between options (tls_ca needs tls: verify, ...), checked when the configuration loads,
  // so that `check --offline` reports them: each problem at the option to mend. May be empty.
  std::function<std::vector<OptionProblem>(const StoreConfig&)> cross_check = {};
};

}  // namespace retentiond::policies
