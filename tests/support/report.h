// Reading retentiond's JSON reports in tests.
#pragma once

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace retentiond::testing {

// The report's entry for policy `name`; fails the test when there is none.
inline nlohmann::json policy_in(const nlohmann::json& report, const std::string& name) {
  for (const auto& p : report.at("policies"))
    if (p.at("name") == name) return p;
  FAIL("no policy " << name << " in the report");
  return {};
}

}  // namespace retentiond::testing
