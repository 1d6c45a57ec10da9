// The heart of `serve`: one Boost.Asio event loop with a timer per scheduled policy (computed from
// its `schedule`, in local time), and one worker thread that runs passes, one at a time, so that
// signals, the watchdog and reloads stay responsive during a long pass. Between two scheduled
// runs nothing wakes up but the watchdog (when systemd asks for one).
//
// Catch-up: a run missed while the service was stopped (the last successful pass, from the audit
// trail, is older than the latest scheduled moment) runs once, soon after start. A failed pass is
// retried with backoff (5 min, doubling, at most 1 h), logged and shown in STATUS= each time; a
// refused one (max_affected, or another process enforcing the policy) waits for its next
// scheduled time. The arithmetic is in run_timing.h, on the clock the scheduler is given.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>

#include "daemon/engine/pass.h"
#include "daemon/engine/promise_status.h"
#include "daemon/serve/metrics.h"
#include "daemon/serve/notifier.h"
#include "daemon/serve/run_queue.h"
#include "policies/clock.h"
#include "policies/policy.h"

namespace retentiond::daemon {

class Scheduler {
 public:
  // `metrics_file`: where to write the textfile-collector exposition after each pass ("" for none).
  // `status_every`: how often the overdue gauges are refreshed between passes (records expire
  // between passes too; 0 for never).
  Scheduler(boost::asio::io_context& io, std::shared_ptr<const policies::Config> config,
            Notifier& notifier, Metrics& metrics, std::string metrics_file = "",
            const policies::Clock& clock = policies::system_clock(),
            std::chrono::seconds status_every = std::chrono::hours(1));
  ~Scheduler();

  // Records passes a crash left in progress, arms every timer, runs missed passes. false (said
  // in the log) when the state cannot be written: nothing is armed.
  [[nodiscard]] bool start();
  // Replaces the configuration (already validated) and re-arms the timers. A policy already
  // queued or running stays so (once); its failures in a row are kept.
  void reload(std::shared_ptr<const policies::Config> config);
  // SIGTERM: no new pass; the running one stops at its next batch boundary; then the loop ends.
  void stop();

 private:
  struct Entry {
    std::unique_ptr<boost::asio::system_timer> timer;
    policies::TimePoint next{};
    int failures = 0;
  };
  // `kept`: policies whose run is already set (a reload that left their schedule as it was):
  // armed at that moment, retries included, instead of anew.
  void arm_all(bool catch_up, const std::map<std::string, policies::TimePoint>& kept = {});
  // `drawn`: `when` already holds the policy's random delay.
  void arm(const policies::Policy& policy, policies::TimePoint when, bool drawn = false);
  void due(const std::string& policy);
  void run_next();
  // `status`: whether the promise is kept after the pass (unset when it could not be checked).
  void finished(const std::string& policy, const PassOutcome& outcome,
                const std::optional<PolicyStatus>& status);
  void update_status();
  void publish_metrics();
  // The overdue gauges: `status` is applied when the store could be read; otherwise, after a
  // successful pass (which left nothing expired), from `outcome`.
  void apply_status(const std::string& policy, const PassOutcome* outcome,
                    const std::optional<PolicyStatus>& status);
  // Every `status_every_`: the promise status of every scheduled policy, on the worker (after any
  // pass in progress), then the gauges.
  void arm_status_refresh(std::chrono::seconds delay);
  void refresh_status();
  // When the policy's last successful pass, and its last pass that succeeded or was refused,
  // finished, from the audit trail.
  struct LastPasses {
    std::optional<policies::TimePoint> success, settled;
    // The latest pass failed or was interrupted (by a stop, a crash, a failure): at start, it is
    // retried at once, like a missed run.
    bool retry = false;
    long long failures_in_row = 0;  // failed passes since the last success
    bool refused = false;           // the latest pass was refused (the guard, a lock held)
  };
  LastPasses last_passes(const std::string& policy);
  // "3 policies ok, 1 refused, 1 failed, 1,204 rows and 12 files" for STATUS=.
  std::string last_passes_summary() const;

  boost::asio::io_context& io_;
  std::shared_ptr<const policies::Config> config_;
  Notifier& notifier_;
  Metrics& metrics_;
  std::string metrics_file_;
  const policies::Clock& clock_;
  std::chrono::seconds status_every_;
  std::unique_ptr<boost::asio::system_timer> status_timer_;
  boost::asio::thread_pool worker_{1};
  std::atomic<bool> stop_{false};
  bool busy_ = false;
  // STATUS= while a pass runs ("running P", "running P, paused: why"), "" between passes; set
  // from the pass's thread too (its throttle), hence the mutex.
  void set_running_status(const std::string& text);
  std::mutex running_status_mutex_;
  std::string running_status_;
  RunQueue queue_;  // policies due, in order, each once
  std::map<std::string, Entry> entries_;
  std::mt19937_64 random_{std::random_device{}()};  // random_delay draws
  // For STATUS=: the outcome of the latest pass of each policy.
  std::map<std::string, PassOutcome> last_;
};

}  // namespace retentiond::daemon
