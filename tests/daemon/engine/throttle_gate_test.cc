// The throttle gate between batches: it rests nice_ratio times each batch's time, waits while the
// probe holds the pass back (counting the time by reason), and a stop signal ends either at once.
#include "daemon/engine/throttle_gate.h"

#include <thread>

#include <catch2/catch.hpp>

using namespace retentiond;
using namespace std::chrono_literals;

namespace {

// A probe that holds the pass back for its first `holds` readings (a real store's probe reads a
// server: tests/cli/throttle_test.cc).
struct CountingProbe : connectors::ThrottleProbe {
  int holds_left;
  explicit CountingProbe(int holds) : holds_left(holds) {}
  std::vector<connectors::ThrottleHold> holds() override {
    if (holds_left <= 0) return {};
    --holds_left;
    return {{"replica-lag", "replica r1 is 9 s behind (limit 5 s)"}};
  }
  std::vector<std::string> check() override { return {}; }
  std::string describe() const override { return "test"; }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("the gate rests nice_ratio times the batch's time, once", "[throttle_gate]") {
  daemon::ThrottleGate gate(nullptr, 3600s, "p", nullptr);
  gate.rest_after(100ms, 3.0);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(gate.wait() == daemon::ThrottleGate::Verdict::Go);
  CHECK(seconds_since(t0) >= 0.29);
  CHECK(gate.waited().count() == 0);  // pacing is not waiting for the throttle
  t0 = std::chrono::steady_clock::now();
  CHECK(gate.wait() == daemon::ThrottleGate::Verdict::Go);  // the rest was used up
  CHECK(seconds_since(t0) < 0.25);
}

TEST_CASE("a stop signal ends a rest at once", "[throttle_gate]") {
  std::atomic<bool> stop{false};
  daemon::ThrottleGate gate(nullptr, 3600s, "p", &stop);
  gate.rest_after(60s, 1.0);
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(gate.wait() == daemon::ThrottleGate::Verdict::Stopped);
  stopper.join();
  CHECK(seconds_since(t0) < 5);
}

TEST_CASE(
    "the gate waits while the probe holds, counts the time by reason, and gives up past max_wait",
    "[throttle_gate]") {
  CountingProbe probe(3);
  std::vector<std::string> told;
  daemon::ThrottleGate gate(
      &probe, 3600s, "p", nullptr, [&](const std::string& why) { told.push_back(why); }, 50ms);
  CHECK(gate.wait() == daemon::ThrottleGate::Verdict::Go);
  CHECK(told == std::vector<std::string>{"replica r1 is 9 s behind (limit 5 s)", ""});
  CHECK(gate.waited().count() >= 0.14);
  CHECK(gate.waited_by_reason().at("replica-lag") >= 0.14);

  CountingProbe forever(1'000'000);
  daemon::ThrottleGate impatient(&forever, 0s, "p", nullptr, {}, 50ms);
  CHECK(impatient.wait() == daemon::ThrottleGate::Verdict::TooLong);
  CHECK(impatient.last_reasons() == "replica r1 is 9 s behind (limit 5 s)");
}
