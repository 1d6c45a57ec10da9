// Waits between a pass's batches while its store's throttle holds it back (connectors/throttle.h):
// logs once why the pass waits and again when it resumes, counts the time waited by reason,
// checks again every second or so, ends the wait at once on a stop signal, and gives up once the
// pass has waited `max_wait` in all.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "connectors/throttle.h"

namespace retentiond::daemon {

class ThrottleGate {
 public:
  // `probe` may be null (no throttle: wait() returns Go at once). `on_wait` is told, each time
  // the pass starts waiting, why ("" when it resumes): for serve's STATUS= and enforce's
  // progress line.
  ThrottleGate(connectors::ThrottleProbe* probe, std::chrono::seconds max_wait, std::string policy,
               const std::atomic<bool>* stop,
               std::function<void(const std::string& why)> on_wait = {},
               std::chrono::milliseconds poll = std::chrono::seconds(1));

  // After a batch that took `took`: the next wait() first rests `ratio` times as long (the
  // store's nice_ratio), whatever the probe says. Rest is pacing, not counted as waiting.
  void rest_after(std::chrono::steady_clock::duration took, double ratio) {
    rest_ = std::chrono::duration_cast<std::chrono::milliseconds>(took * ratio);
  }

  // Told, as the pass waits, each stretch of time waited and why (for serve's metrics, which
  // then move during a long wait rather than when the pass ends).
  void on_waited(std::function<void(const std::string& reason, double seconds)> f) {
    on_waited_ = std::move(f);
  }

  // Where the pass is when it waits, for the log: "between batches" (the default) or
  // "while counting" (a count in parts paces like batches).
  void set_phase(std::string phase) { phase_ = std::move(phase); }

  enum class Verdict { Go, Stopped, TooLong, Misconfigured };
  // Returns when the throttle lets the pass go on, a stop was asked, max_wait is used up, or a
  // hold is a mistake of the configuration no wait can end (last_reasons() says which).
  Verdict wait();

  std::chrono::duration<double> waited() const { return total_; }
  // Seconds waited, by reason ("replica-lag", "threads-running").
  const std::map<std::string, double>& waited_by_reason() const { return by_reason_; }
  // The holds that were in the way when wait() last gave up.
  const std::string& last_reasons() const { return last_; }

 private:
  connectors::ThrottleProbe* probe_;
  std::chrono::seconds max_wait_;
  std::string policy_;
  const std::atomic<bool>* stop_;
  std::function<void(const std::string&)> on_wait_;
  std::function<void(const std::string&, double)> on_waited_;
  std::chrono::milliseconds poll_;
  std::chrono::duration<double> total_{0};
  std::map<std::string, double> by_reason_;
  std::string last_;
  std::string phase_ = "between batches";
  std::chrono::milliseconds rest_{0};
};

}  // namespace retentiond::daemon
