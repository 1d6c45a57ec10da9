#include "daemon/scheduler.h"

#include <ctime>

#include <spdlog/spdlog.h>

#include "daemon/audit.h"
#include "daemon/policy_runs.h"
#include "daemon/state.h"
#include "policies/planner.h"
#include "policies/schedule.h"

namespace retentiond::daemon {
namespace {

using policies::TimePoint;

std::string local_time(TimePoint t) {
  time_t secs = static_cast<time_t>(policies::epoch_seconds(t));
  struct tm tm {};
  localtime_r(&secs, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
  return text;
}

std::chrono::minutes backoff(int failures) {
  auto delay = std::chrono::minutes(5);
  for (int i = 1; i < failures && delay < std::chrono::minutes(60); ++i) delay *= 2;
  return std::min(delay, std::chrono::minutes(60));
}

}  // namespace

Scheduler::Scheduler(boost::asio::io_context& io, std::shared_ptr<const policies::Config> config,
                     Notifier& notifier, Metrics& metrics, std::string metrics_file)
    : io_(io), config_(std::move(config)), notifier_(notifier), metrics_(metrics),
      metrics_file_(std::move(metrics_file)) {}

Scheduler::~Scheduler() {
  stop_ = true;
  worker_.join();
}

std::optional<TimePoint> Scheduler::last_success(const std::string& policy) {
  try {
    if (!StateFile::exists(config_->state_path)) return std::nullopt;
    StateFile state(config_->state_path, /*writable=*/false);
    std::optional<TimePoint> last;
    for (const auto& e : AuditTrail(state.db()).list({policy}, std::nullopt))
      if (e.outcome == "ok") last = e.finished;
    return last;
  } catch (const std::exception& e) {
    spdlog::warn("cannot read the audit trail for policy '{}': {}", policy, e.what());
    return std::nullopt;
  }
}

void Scheduler::start() {
  try {
    StateFile state(*config_, /*writable=*/true);
    PassRunner(&state).recover_interrupted();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
  arm_all(/*catch_up=*/true);
}

void Scheduler::reload(std::shared_ptr<const policies::Config> config) {
  config_ = std::move(config);
  for (auto& [name, entry] : entries_) entry.timer->cancel();
  entries_.clear();
  arm_all(/*catch_up=*/false);
}

void Scheduler::arm_all(bool catch_up) {
  const TimePoint now = policies::now_utc();
  size_t scheduled = 0, unscheduled = 0;
  std::map<std::string, std::string> stores;
  for (const auto& policy : config_->policies)
    if (policy.schedule) stores[policy.name] = policy.store;
  metrics_.forget_others(stores);
  for (const auto& policy : config_->policies) {
    if (!policy.schedule) {
      ++unscheduled;
      continue;
    }
    ++scheduled;
    auto& entry = entries_[policy.name];
    entry.timer = std::make_unique<boost::asio::system_timer>(io_);
    TimePoint when = policies::next_run(*policy.schedule, now);
    auto last = last_success(policy.name);
    if (last && !metrics_.get(policy.name).last_success) {
      auto m = metrics_.get(policy.name);
      m.last_success = last;
      metrics_.update(policy.name, m);
    }
    if (catch_up) {
      const TimePoint previous = policies::previous_run(*policy.schedule, now);
      if (last && *last < previous) {
        spdlog::info("policy '{}': the run of {} was missed (last success {}); running it now", policy.name,
                     local_time(previous), local_time(*last));
        when = now;
      } else if (last && policy.schedule->kind == policies::Schedule::Kind::Every) {
        when = std::max(now, *last + policy.schedule->interval);
      }
    }
    arm(policy, when);
  }
  spdlog::info("{} scheduled {}; {} without a schedule (run them with 'retentiond enforce')", scheduled,
               scheduled == 1 ? "policy" : "policies", unscheduled);
  update_status();
  publish_metrics();
}

void Scheduler::arm(const policies::Policy& policy, TimePoint when) {
  auto& entry = entries_[policy.name];
  if (!entry.timer) entry.timer = std::make_unique<boost::asio::system_timer>(io_);
  TimePoint fire_at = when;
  if (policy.random_delay && policy.random_delay->count() > 0 && when > policies::now_utc())
    fire_at += policies::random_delay_offset(*policy.random_delay, random_);
  entry.next = fire_at;
  auto m = metrics_.get(policy.name);
  m.store = policy.store;
  m.next_run = fire_at;
  metrics_.update(policy.name, m);
  entry.timer->expires_at(std::chrono::system_clock::time_point(fire_at.time_since_epoch()));
  std::string name = policy.name;
  entry.timer->async_wait([this, name](const boost::system::error_code& ec) {
    if (!ec) due(name);
  });
}

void Scheduler::due(const std::string& policy) {
  if (stop_) return;
  auto& entry = entries_[policy];
  if (entry.queued) return;  // at most one pass per policy at a time
  entry.queued = true;
  queue_.push_back(policy);
  run_next();
}

void Scheduler::run_next() {
  if (busy_ || queue_.empty() || stop_) return;
  busy_ = true;
  const std::string name = queue_.front();
  queue_.erase(queue_.begin());
  auto config = config_;  // the pass keeps the configuration it started with, across reloads
  const policies::Policy* policy = config->policy(name);
  if (!policy) {  // removed by a reload meanwhile
    busy_ = false;
    run_next();
    return;
  }
  notifier_.status("running " + name);
  boost::asio::post(worker_, [this, config, policy, name] {
    PassOutcome outcome;
    try {
      StateFile state(*config, /*writable=*/true);
      PassRunner runner(&state);
      PassOptions options;
      options.dry_run = false;
      options.now = policies::now_utc();
      options.stop = &stop_;
      if (config->smtp) options.smtp = &*config->smtp;
      auto outcomes = run_policies(*config, {policy}, runner, options);
      if (!outcomes.empty()) outcome = outcomes.front();
    } catch (const std::exception& e) {
      spdlog::error("policy '{}': {}", name, e.what());
      outcome.policy = name;
      outcome.status = PassStatus::Failed;
    }
    boost::asio::post(io_, [this, name, outcome] { finished(name, outcome); });
  });
}

void Scheduler::finished(const std::string& name, const PassOutcome& outcome) {
  busy_ = false;
  last_[name] = outcome;
  {
    auto m = metrics_.get(name);
    m.last_duration_seconds = static_cast<double>((outcome.finished - outcome.started).count());
    m.last_matched = outcome.plan.matched;
    m.last_affected = outcome.affected;
    if (outcome.status == PassStatus::Ok) {
      m.last_success = outcome.finished;
      m.consecutive_failures = 0;
    } else if (!stopped_by_signal(outcome)) {
      ++m.failures_total;
      ++m.consecutive_failures;
    }
    metrics_.update(name, m);
  }
  auto it = entries_.find(name);
  const policies::Policy* policy = config_->policy(name);
  if (it != entries_.end() && policy && policy->schedule && !stop_) {
    Entry& entry = it->second;
    entry.queued = false;
    const TimePoint now = policies::now_utc();
    TimePoint next = policies::next_run(*policy->schedule, now);
    if (outcome.status == PassStatus::Ok || outcome.status == PassStatus::Planned) {
      entry.failures = 0;
    } else if (!stopped_by_signal(outcome)) {
      ++entry.failures;
      TimePoint retry = now + backoff(entry.failures);
      if (retry < next) next = retry;
      spdlog::error("policy '{}': pass {} ({} in a row); retrying at {}", name, status_name(outcome.status),
                    entry.failures, local_time(next));
    }
    arm(*policy, next);
  }
  if (stop_) {
    io_.stop();
    return;
  }
  update_status();
  publish_metrics();
  run_next();
}

void Scheduler::publish_metrics() {
  if (!metrics_file_.empty()) write_metrics_file(metrics_, metrics_file_);
}

void Scheduler::stop() {
  stop_ = true;
  for (auto& [name, entry] : entries_)
    if (entry.timer) entry.timer->cancel();
  if (!busy_) io_.stop();
}

void Scheduler::update_status() {
  std::string next_policy;
  TimePoint next{};
  for (const auto& [name, entry] : entries_)
    if (next_policy.empty() || entry.next < next) {
      next_policy = name;
      next = entry.next;
    }
  long long ok = 0, failed = 0, rows = 0;
  for (const auto& [name, o] : last_) {
    if (o.status == PassStatus::Ok) ++ok;
    else ++failed;
    rows += o.affected;
  }
  std::string text = next_policy.empty() ? "no scheduled policy" : "next: " + next_policy + " at " + local_time(next);
  if (!last_.empty())
    text += ", last: " + std::to_string(ok) + (ok == 1 ? " policy ok" : " policies ok") +
            (failed ? ", " + std::to_string(failed) + " failed" : "") + ", " + policies::with_thousands(rows) + " rows";
  notifier_.status(text);
}

}  // namespace retentiond::daemon
