// What a store type declares, as data: its `type:` name, the options it takes, what its policies
// select and the policy keys they take for it. The loader validates configuration against these
// specs without connecting; connectors/<store>/spec.cc declares each one, and
// connectors/registry.cc pairs it with the code that acts on the store.
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/location.h"
#include "policies/policy.h"
#include "policies/sql_fragment.h"

namespace retentiond::policies {

struct TargetInput;  // policies/policy_parser.h

// One kind of thing policies select (a table, files, a Sympa target): the keys that say which,
// and the parsers that read them. The policy language offers the kinds below; a store whose
// policies select something new declares its own kind beside its spec.
struct PolicyTarget {
  // Said when a policy uses a key its store does not take: "select a table with 'table:'".
  std::string_view words;
  // Every key the parsers read. A store takes all of them or fewer (StoreSpec::policy_fields).
  std::vector<std::string_view> fields;
  // Both parsers read the keys the policy's store takes into `policy`, report every bad key to
  // the input's diagnostics and go on; they throw nothing. `parse` reads what the policy
  // selects, before its `action:` is read;
  void (*parse)(const TargetInput& input, Policy& policy) = nullptr;
  // `parse_action` what goes with the action (`anonymise:`, `also:`, ...), after. Null for
  // targets that can only be deleted: there `action: anonymise` is an error.
  void (*parse_action)(const TargetInput& input, Policy& policy) = nullptr;
};

// A table, with `table:`, `key:`, `since:` (date columns), `where:`, `hold_where:`,
// `anonymise:`, `also:` and `notify:` (policies/table_target.cc).
PolicyTarget table_target();
// Files under the store's root, with `files:` (globs), `since:` (mtime or a date in the name) and
// `min_keep:` (policies/files_target.cc).
PolicyTarget files_target();
// One of the store's named targets (StoreSpec::targets), with `sympa:` (policies/sympa_target.cc).
PolicyTarget sympa_target();

class YamlMap;  // policies/yaml_map.h

// What a store does for the policies of other stores whose `also:` names it
// (`also: [{store: lists, sympa: subscribers, ...}]`): the keys such an entry takes besides
// `store` and `action`, and the parser that reads them. A store whose spec has none cannot be
// named in an `also:`.
struct AlsoTarget {
  // What the store does for them, in messages: "unsubscribe addresses from lists".
  std::string_view words;
  std::vector<std::string_view> fields;
  // Reads the entry's keys into `rule` (its store and location already set); `where` names the
  // entry in messages ("'also' #2 of policy 'x'"). Throws ConfigError at the bad part.
  void (*parse)(const YamlMap& entry, const std::string& where, AlsoStoreRule& rule) = nullptr;
};

// Sympa's subscriptions: `sympa: subscribers`, `lists:` (names), `robot:` (optional) and
// `email:`, the column of the policy's table holding the address (policies/sympa_also.cc).
AlsoTarget sympa_also_target();

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
  // What its policies select.
  PolicyTarget target;
  // The keys its policies take besides those every policy takes (name, store, expire_after,
  // action, schedule, ...: policy_parser.h): some of its target's fields, or, left empty, all of
  // them (fields()). In its policies, a key that only other stores take is an error ("'files'
  // does not apply to store 'app'"), a key no store takes is unknown ("did you mean ...").
  std::vector<std::string_view> policy_fields = {};
  std::vector<OptionSpec> options;
  std::vector<std::string_view> targets = {};  // the names its policies may select, if fixed
  // How the store reads SQL (`where`, `on`, `hold_where` are validated as that dialect); none
  // for stores whose policies take no SQL.
  std::optional<SqlDialect> dialect = std::nullopt;
  // Whether the store takes a `throttle:` block (policies/throttle.h).
  bool throttle = false;
  // What it does for other stores' policies that name it in `also:`; none for most stores.
  std::optional<AlsoTarget> also_target = std::nullopt;
  // Rules between options (tls_ca needs tls: verify, ...), checked when the configuration loads,
  // so that `check --offline` reports them: each problem at the option to mend. May be empty.
  std::function<std::vector<OptionProblem>(const StoreConfig&)> cross_check = {};

  // The keys its policies take: policy_fields, or its target's when it names none.
  const std::vector<std::string_view>& fields() const {
    return policy_fields.empty() ? target.fields : policy_fields;
  }
  // Whether its policies take the key `policy_field`.
  bool takes(std::string_view policy_field) const {
    return std::find(fields().begin(), fields().end(), policy_field) != fields().end();
  }
};

}  // namespace retentiond::policies
