// A throttle probe for engine tests: it holds the pass back for its first `holds` readings, then
// lets it go (the real probes read a server: tests/cli/throttle_test.cc).
#pragma once

#include <string>
#include <vector>

#include "connectors/throttle.h"

namespace retentiond::testing {

struct HoldingProbe : connectors::ThrottleProbe {
  int holds_left;
  explicit HoldingProbe(int holds) : holds_left(holds) {}
  std::vector<connectors::ThrottleHold> holds() override {
    if (holds_left <= 0) return {};
    --holds_left;
    return {{"replica-lag", "replica r1 is 9 s behind (limit 5 s)"}};
  }
  std::vector<connectors::ThrottleProblem> check() override { return {}; }
  std::string describe() const override { return "test"; }
};

}  // namespace retentiond::testing
