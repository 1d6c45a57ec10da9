#include "daemon/engine/throttle_gate.h"

#include <set>
#include <thread>

#include <spdlog/spdlog.h>

namespace retentiond::daemon {

ThrottleGate::ThrottleGate(connectors::ThrottleProbe* probe, std::chrono::seconds max_wait,
                           std::string policy, const std::atomic<bool>* stop,
                           std::function<void(const std::string&)> on_wait,
                           std::chrono::milliseconds poll)
    : probe_(probe),
      max_wait_(max_wait),
      policy_(std::move(policy)),
      stop_(stop),
      on_wait_(std::move(on_wait)),
      poll_(poll) {}

ThrottleGate::Verdict ThrottleGate::wait() {
  // Sleeps in short steps so that a stop signal ends the rest at once.
  for (auto left = rest_; left.count() > 0; left -= std::chrono::milliseconds(50)) {
    if (stop_ && stop_->load()) return Verdict::Stopped;
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(50)));
  }
  rest_ = std::chrono::milliseconds(0);
  if (!probe_) return Verdict::Go;
  const auto started = std::chrono::steady_clock::now();
  // Time counts as waited from the reading that finds the pass held back, readings included (one
  // of a replica that does not answer lasts until its timeout).
  auto counted_to = started;
  std::set<std::string> reasons;
  auto count_waited = [&] {
    const auto now = std::chrono::steady_clock::now();
    const std::chrono::duration<double> spent = now - counted_to;
    counted_to = now;
    total_ += spent;
    for (const auto& r : reasons) {
      by_reason_[r] += spent.count();
      if (on_waited_) on_waited_(r, spent.count());
    }
  };
  bool waiting = false;
  while (true) {
    if (stop_ && stop_->load()) {
      if (waiting) count_waited();
      return Verdict::Stopped;
    }
    auto holds = probe_->holds();
    if (holds.empty()) {
      if (waiting) {
        const auto took =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        spdlog::info("policy '{}': resuming after {:.0f} s of waiting for the throttle", policy_,
                     took);
        if (on_wait_) on_wait_("");
      }
      return Verdict::Go;
    }
    std::string why;
    reasons.clear();
    for (const auto& h : holds) {
      why += (why.empty() ? "" : "; ") + h.detail;
      reasons.insert(h.reason);
    }
    last_ = why;
    for (const auto& h : holds)
      if (h.misconfigured) {
        last_ = h.detail;
        if (waiting) count_waited();
        return Verdict::Misconfigured;
      }
    if (!waiting) {
      spdlog::warn("policy '{}': pausing {}: {}", policy_, phase_, why);
      if (on_wait_) on_wait_(why);
      waiting = true;
    }
    count_waited();
    if (total_ >= max_wait_) return Verdict::TooLong;
    // Sleeps in short steps so that a stop signal ends the wait at once.
    const auto step = std::chrono::milliseconds(100);
    for (auto slept = std::chrono::milliseconds(0); slept < poll_; slept += step) {
      if (stop_ && stop_->load()) break;
      std::this_thread::sleep_for(std::min(step, poll_ - slept));
    }
    count_waited();
  }
}

}  // namespace retentiond::daemon
