// What each store declares (connectors/<store>/spec.cc): the policy keys its policies take are
// keys its kind of target reads, so that no key a store accepts is silently ignored.
#include "connectors/specs.h"

#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "policies/policy_parser.h"

using retentiond::connectors::store_specs;
using retentiond::policies::common_policy_keys;

TEST_CASE("every store declares policy keys its target reads", "[specs]") {
  std::set<std::string_view> types;
  for (const auto& spec : store_specs()) {
    INFO(spec.type);
    CHECK(types.insert(spec.type).second);
    REQUIRE(spec.target.parse != nullptr);
    CHECK_FALSE(spec.target.words.empty());
    CHECK_FALSE(spec.fields().empty());
    std::set<std::string_view> seen;
    for (auto key : spec.fields()) {
      INFO(key);
      CHECK(seen.insert(key).second);
      // A key the target's parser does not read would be accepted and then ignored: a
      // `hold_where` ignored deletes held rows.
      CHECK(std::count(spec.target.fields.begin(), spec.target.fields.end(), key) == 1);
      CHECK(std::count(common_policy_keys().begin(), common_policy_keys().end(), key) == 0);
    }
    // SQL conditions are checked in the store's dialect.
    if (spec.takes("where") || spec.takes("hold_where") || spec.takes("also"))
      CHECK(spec.dialect.has_value());
    // A store whose policies name fixed targets lists them.
    if (spec.takes("sympa")) CHECK_FALSE(spec.targets.empty());
  }
  CHECK(types == std::set<std::string_view>{"sqlite", "postgresql", "mysql", "sympa", "files"});
}
