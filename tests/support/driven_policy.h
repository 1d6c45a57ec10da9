// A policy loaded from a config's YAML text, with its store's connector opened read-write and a
// context cut off at a given time: for the tests that drive a connector step by step (plan, then
// batches) to change the store, or the policy, between the steps.
#pragma once

#include <memory>
#include <string>

#include "connectors/connector.h"
#include "policies/policy.h"
#include "support/temp_dir.h"

namespace retentiond::testing {

struct DrivenPolicy {
  policies::Policy policy;  // the config's first policy (a copy: a test may alter it)
  std::unique_ptr<connectors::Connector> connector;
  connectors::PassContext ctx;
};

// Writes `config` to dir/r.yaml and loads it (the test fails on any error), opens the first
// policy's store read-write and cuts the context off as of `at` (ISO 8601, UTC).
DrivenPolicy drive_policy(const TempDir& dir, const std::string& config, const std::string& at);

}  // namespace retentiond::testing
