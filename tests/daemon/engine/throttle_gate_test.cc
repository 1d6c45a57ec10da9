// The throttle gate between batches: it rests nice_ratio times each batch's time, waits while the
// probe holds the pass back (counting the time by reason), and a stop signal ends either at once.
#include "daemon/engine/throttle_gate.h"

#include <thread>

#include <catch2/catch.hpp>

#include "support/holding_probe.h"

using namespace retentiond;
using namespace std::chrono_literals;

namespace {

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
  testing::HoldingProbe probe(3);
  std::vector<std::string> told;
  daemon::ThrottleGate gate(
      &probe, 3600s, "p", nullptr, [&](const std::string& why) { told.push_back(why); }, 50ms);
  CHECK(gate.wait() == daemon::ThrottleGate::Verdict::Go);
  CHECK(told == std::vector<std::string>{"replica r1 is 9 s behind (limit 5 s)", ""});
  CHECK(gate.waited().count() >= 0.14);
  CHECK(gate.waited_by_reason().at("replica-lag") >= 0.14);

  testing::HoldingProbe forever(1'000'000);
  daemon::ThrottleGate impatient(&forever, 0s, "p", nullptr, {}, 50ms);
  CHECK(impatient.wait() == daemon::ThrottleGate::Verdict::TooLong);
  CHECK(impatient.last_reasons() == "replica r1 is 9 s behind (limit 5 s)");
}

namespace {

// A probe whose every reading takes `reading` and holds the pass back: a replica that does not
// answer until its timeout.
struct SlowProbe : connectors::ThrottleProbe {
  std::chrono::milliseconds reading;
  explicit SlowProbe(std::chrono::milliseconds r) : reading(r) {}
  std::vector<connectors::ThrottleHold> holds() override {
    std::this_thread::sleep_for(reading);
    return {{"replica-lag", "replica r1 cannot be reached (timeout)"}};
  }
  std::vector<connectors::ThrottleProblem> check() override { return {}; }
  std::string describe() const override { return "test"; }
};

}  // namespace

TEST_CASE("the gate counts slow readings as waited, and tells each stretch as it waits",
          "[throttle_gate]") {
  SlowProbe probe(300ms);
  std::vector<double> stretches;  // told during the wait, not only at its end
  daemon::ThrottleGate gate(&probe, 1s, "p", nullptr, {}, 50ms);
  gate.on_waited([&](const std::string& reason, double seconds) {
    CHECK(reason == "replica-lag");
    stretches.push_back(seconds);
  });
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(gate.wait() == daemon::ThrottleGate::Verdict::TooLong);
  const double took = seconds_since(t0);
  // max_wait 1 s: over after about three readings and sleeps, not after 1 s of sleeps alone
  // (which readings of 300 ms would stretch to about 7 s).
  CHECK(took < 2.0);
  CHECK(gate.waited().count() >= 1.0);
  CHECK(gate.waited().count() <= took + 0.01);
  REQUIRE(stretches.size() >= 4);
  double told = 0;
  for (double s : stretches) told += s;
  CHECK(told == Approx(gate.waited().count()).margin(1e-9));
  CHECK(gate.waited_by_reason().at("replica-lag") == Approx(told).margin(1e-9));
}
