// Reading retentiond's JSON reports in tests.
#pragma once

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/run.h"

namespace retentiond::testing {

// The report's entry for policy `name`; fails the test when there is none.
inline nlohmann::json policy_in(const nlohmann::json& report, const std::string& name) {
  for (const auto& p : report.at("policies"))
    if (p.at("name") == name) return p;
  FAIL("no policy " << name << " in the report");
  return {};
}

// The report of `retentiond command -c config --at at --format json` (plan or enforce) run in
// `cwd`, which must succeed.
inline nlohmann::json json_report(const std::string& command, const std::string& config,
                                  const std::string& at, const std::string& cwd) {
  return nlohmann::json::parse(
      run_retentiond_ok({command, "-c", config, "--at", at, "--format", "json"}, cwd).out);
}

}  // namespace retentiond::testing
