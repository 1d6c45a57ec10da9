#include "daemon/serve/metrics.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

namespace retentiond::daemon {
namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string label(const std::string& policy, const std::string& store) {
  return "{policy=\"" + escape_label(policy) + "\",store=\"" + escape_label(store) + "\"}";
}

}  // namespace

void Metrics::add_throttle_wait(const std::string& store, const std::string& reason,
                                double seconds) {
  std::lock_guard lock(mutex_);
  throttle_wait_[{store, reason}] += seconds;
}

void Metrics::update(const std::string& policy, const PolicyMetrics& m) {
  std::lock_guard lock(mutex_);
  policies_[policy] = m;
}

PolicyMetrics Metrics::get(const std::string& policy) const {
  std::lock_guard lock(mutex_);
  auto it = policies_.find(policy);
  return it == policies_.end() ? PolicyMetrics{} : it->second;
}

void Metrics::forget_others(const std::map<std::string, std::string>& policy_to_store) {
  std::lock_guard lock(mutex_);
  for (auto it = policies_.begin(); it != policies_.end();)
    it = policy_to_store.count(it->first) ? std::next(it) : policies_.erase(it);
  for (const auto& [policy, store] : policy_to_store) policies_[policy].store = store;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help, auto value_of) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [policy, m] : policies_) {
      std::optional<double> v = value_of(m);
      if (!v) continue;
      char number[64];
      std::snprintf(number, sizeof number, "%.17g", *v);
      out += name + label(policy, m.store) + " " + number + "\n";
    }
  };
  auto epoch = [](const std::optional<policies::TimePoint>& t) -> std::optional<double> {
    if (!t) return std::nullopt;
    return static_cast<double>(policies::epoch_seconds(*t));
  };
  family("retentiond_last_success_timestamp_seconds", "gauge",
         "When the policy's last successful pass finished.",
         [&](const PolicyMetrics& m) { return epoch(m.last_success); });
  family("retentiond_last_duration_seconds", "gauge", "How long the policy's last pass took.",
         [](const PolicyMetrics& m) -> std::optional<double> { return m.last_duration_seconds; });
  family("retentiond_last_matched_records", "gauge", "Expired records the last pass found.",
         [](const PolicyMetrics& m) -> std::optional<double> {
           return static_cast<double>(m.last_matched);
         });
  family("retentiond_last_affected_records", "gauge",
         "Records the last pass deleted or anonymised.",
         [](const PolicyMetrics& m) -> std::optional<double> {
           return static_cast<double>(m.last_affected);
         });
  family("retentiond_failures_total", "counter",
         "Failed passes since the daemon started (refusals not included).",
         [](const PolicyMetrics& m) -> std::optional<double> {
           return static_cast<double>(m.failures_total);
         });
  family("retentiond_consecutive_failures", "gauge", "Failed passes in a row (0 after a success).",
         [](const PolicyMetrics& m) -> std::optional<double> {
           return static_cast<double>(m.consecutive_failures);
         });
  family("retentiond_refused_total", "counter",
         "Passes refused since the daemon started (by max_affected, or another process enforcing "
         "the policy).",
         [](const PolicyMetrics& m) -> std::optional<double> {
           return static_cast<double>(m.refused_total);
         });
  family(
      "retentiond_last_pass_refused", "gauge",
      "1 when the policy's last pass was refused: it waits for its next scheduled time, or an "
      "operator.",
      [](const PolicyMetrics& m) -> std::optional<double> { return m.last_refused ? 1.0 : 0.0; });
  family("retentiond_next_run_timestamp_seconds", "gauge", "When the policy runs next.",
         [&](const PolicyMetrics& m) { return epoch(m.next_run); });
  // Whether the promise is kept, as checked after the policy's last pass (retentiond status).
  auto checked = [](const PolicyMetrics& m, double value) -> std::optional<double> {
    if (!m.checked) return std::nullopt;
    return value;
  };
  family("retentiond_overdue_records", "gauge",
         "Records past their expiry plus the lateness the policy's deadline allows: the promise "
         "is broken while this is above 0.",
         [&](const PolicyMetrics& m) { return checked(m, static_cast<double>(m.overdue)); });
  family("retentiond_oldest_overdue_age_seconds", "gauge",
         "Age of the oldest overdue record: seconds since its date (0 when none).",
         [&](const PolicyMetrics& m) {
           double age = 0;
           if (m.checked && m.oldest_overdue)
             age = static_cast<double>(policies::epoch_seconds(*m.checked) -
                                       policies::epoch_seconds(*m.oldest_overdue));
           return checked(m, age);
         });
  family("retentiond_held_records", "gauge", "Expired records kept by a legal hold.",
         [&](const PolicyMetrics& m) { return checked(m, static_cast<double>(m.held)); });
  family("retentiond_promise_stale", "gauge",
         "1 when the policy has had no pass within twice its schedule's longest gap.",
         [](const PolicyMetrics& m) -> std::optional<double> {
           if (!m.stale) return std::nullopt;
           return *m.stale ? 1.0 : 0.0;
         });
  family("retentiond_promise_unknown", "gauge",
         "1 when the last check could not read the policy's store: the overdue figures are the "
         "last ones known (none since the daemon started when absent).",
         [](const PolicyMetrics& m) -> std::optional<double> {
           if (!m.unknown) return std::nullopt;
           return *m.unknown ? 1.0 : 0.0;
         });
  family("retentiond_promise_kept_timestamp_seconds", "gauge",
         "When the policy's last successful pass ended, leaving nothing overdue.",
         [&](const PolicyMetrics& m) { return epoch(m.promise_kept); });
  // Only once a partition went whole: other installations' expositions stay as they were.
  const bool any_partitions = std::any_of(policies_.begin(), policies_.end(), [](const auto& p) {
    return !p.second.partitions_total.empty();
  });
  if (any_partitions) {
    out +=
        "# HELP retentiond_partitions_total Partitions dropped or detached whole since the daemon "
        "started, by action.\n# TYPE retentiond_partitions_total counter\n";
    for (const auto& [policy, m] : policies_)
      for (const auto& [action, count] : m.partitions_total)
        out += "retentiond_partitions_total{policy=\"" + escape_label(policy) + "\",store=\"" +
               escape_label(m.store) + "\",action=\"" + escape_label(action) + "\"} " +
               std::to_string(count) + "\n";
  }
  out +=
      "# HELP retentiond_throttle_wait_seconds_total Time passes waited for the store's "
      "throttle (between batches or parts of a count), by reason; grows during a wait.\n# TYPE "
      "retentiond_throttle_wait_seconds_total counter\n";
  for (const auto& [key, seconds] : throttle_wait_) {
    char number[64];
    std::snprintf(number, sizeof number, "%.17g", seconds);
    out += "retentiond_throttle_wait_seconds_total{store=\"" + escape_label(key.first) +
           "\",reason=\"" + escape_label(key.second) + "\"} " + number + "\n";
  }
  return out;
}

bool write_metrics_file(const Metrics& metrics, const std::string& path) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << metrics.render();
    if (!out) {
      spdlog::error("cannot write the metrics file '{}'", temporary);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    spdlog::error("cannot rename '{}' to '{}': {}", temporary, path, ec.message());
    return false;
  }
  return true;
}

}  // namespace retentiond::daemon
