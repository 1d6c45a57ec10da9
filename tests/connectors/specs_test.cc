// What each store declares (connectors/<store>/spec.cc): the policy keys its policies take are
// keys its kind of target reads, so that no key a store accepts is silently ignored.
#include "connectors/specs.h"

#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "connectors/secret.h"
#include "policies/policy_parser.h"
#include "support/temp_dir.h"

using retentiond::connectors::store_specs;
using retentiond::policies::common_policy_keys;
using retentiond::testing::TempDir;

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

TEST_CASE("an empty password file is an error naming it, not a connection without a password",
          "[specs][secret]") {
  TempDir dir;
  retentiond::policies::StoreConfig store;
  store.name = "app";
  store.type = "mysql";
  store.base_dir = dir.path();
  store.options.emplace("password_file", retentiond::policies::StoreOption{"pw", {}});
  dir.write("pw", "");
  auto empty = retentiond::connectors::store_password(store);
  REQUIRE_FALSE(empty);
  CHECK_THAT(empty.error().message,
             Catch::Contains("the password file '" + dir.file("pw") + "' is empty"));
  dir.write("pw", "s3cret\n");
  auto given = retentiond::connectors::store_password(store);
  REQUIRE(given);
  CHECK(given.value() == std::optional<std::string>{"s3cret"});
}
