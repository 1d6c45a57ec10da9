// Prometheus metrics of the daemon, per policy: last success time, last pass duration, records
// matched and affected by the last pass, failures in a row, next scheduled run, records overdue
// (past their promise) and when the promise was last kept; per store, the
// time passes waited for its throttle. Rendered in the
// text exposition format, for the HTTP endpoint (`metrics: {listen: 127.0.0.1:9187}`) and for
// node_exporter's textfile collector (`serve --metrics-file`). No personal data: policy and store
// names only.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "policies/timestamp.h"

namespace retentiond::daemon {

struct PolicyMetrics {
  std::string store;
  std::optional<policies::TimePoint> last_success;
  double last_duration_seconds = 0;
  long long last_matched = 0;
  long long last_affected = 0;
  long long failures_total = 0;
  long long consecutive_failures = 0;
  long long refused_total = 0;  // refused by the guard, or skipped: another process held the policy
  bool last_refused = false;    // the last pass was refused: waiting for an operator's decision
  // Partitions dropped or detached whole (and detached tables dropped) since the daemon started,
  // by action ("drop", "detach", "drop-detached").
  std::map<std::string, long long> partitions_total;
  std::optional<policies::TimePoint> next_run;
  // Is the promise kept (engine/promise_status.h), as of `checked`, after the last pass: records
  // past their expiry plus the allowed lateness, the oldest of them, held records, and when the
  // promise was last kept. Unset until first checked, or when the store could not be read.
  std::optional<policies::TimePoint> checked;
  long long overdue = 0;
  std::optional<policies::TimePoint> oldest_overdue;
  long long held = 0;
  std::optional<policies::TimePoint> promise_kept;
  // No pass within twice the schedule's longest gap; known from the trail even when the store
  // could not be read.
  std::optional<bool> stale;
  // The last check could not read the store: the counts above are the last ones known, if any.
  std::optional<bool> unknown;
};

class Metrics {
 public:
  void update(const std::string& policy, const PolicyMetrics& m);
  PolicyMetrics get(const std::string& policy) const;
  void forget_others(const std::map<std::string, std::string>& policy_to_store);
  // Seconds passes of `store` waited for its throttle, for `reason` (replica-lag, threads-running).
  void add_throttle_wait(const std::string& store, const std::string& reason, double seconds);
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, PolicyMetrics> policies_;
  std::map<std::pair<std::string, std::string>, double> throttle_wait_;  // by store, reason
};

// Writes the exposition to `path` atomically (a temporary file renamed into place), as the
// textfile collector expects. Returns false (and logs) on failure.
bool write_metrics_file(const Metrics& metrics, const std::string& path);

}  // namespace retentiond::daemon
