#include "daemon/serve/scheduler.h"

#include <algorithm>
#include <ctime>

#include <spdlog/spdlog.h>

#include "daemon/engine/policy_runs.h"
#include "daemon/serve/run_timing.h"
#include "daemon/state/audit.h"
#include "daemon/state/pass_journal.h"
#include "daemon/state/state.h"
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

}  // namespace

Scheduler::Scheduler(boost::asio::io_context& io, std::shared_ptr<const policies::Config> config,
                     Notifier& notifier, Metrics& metrics, std::string metrics_file,
                     const policies::Clock& clock, std::chrono::seconds status_every)
    : io_(io),
      config_(std::move(config)),
      notifier_(notifier),
      metrics_(metrics),
      metrics_file_(std::move(metrics_file)),
      clock_(clock),
      status_every_(status_every) {}

Scheduler::~Scheduler() {
  stop_ = true;
  worker_.join();
}

Scheduler::LastPasses Scheduler::last_passes(const std::string& policy) {
  LastPasses last;
  try {
    auto state = open_state_for_reading(*config_);
    if (!state) return last;
    const policies::Policy* p = config_->policy(policy);
    const auto now = clock_.now();
    bool future_said = false;
    for (const auto& e : AuditTrail(state->db()).list({policy}, std::nullopt)) {
      // A pass of this name on another store is not this policy's (another host's configuration
      // disagreeing on it: its run is then refused loudly, engine/pass_claim.cc).
      if (p && e.store != p->store) continue;
      // A pass that ended after this host's now (a host whose clock runs ahead, an `enforce
      // --at` in the future) would put every run off until then, on every host: it is not
      // taken as the last pass, as `status` does not (a few minutes of skew are tolerated).
      if (e.finished > now + std::chrono::minutes(5)) {
        if (!future_said)
          spdlog::warn(
              "policy '{}': the audit trail has a pass that ended {}, after this host's clock "
              "({}): a clock running ahead or an 'enforce --at' in the future; the schedule "
              "does not count from it",
              policy, policies::format_timestamp(e.finished), policies::format_timestamp(now));
        future_said = true;
        continue;
      }
      if (e.outcome == "ok") last.success = e.finished;
      if (e.outcome == "ok" || e.outcome == "refused") last.settled = e.finished;
      if (e.outcome == "ok") last.failures_in_row = 0;
      if (e.outcome == "failed") ++last.failures_in_row;
      if (e.outcome == "ok" || e.outcome == "refused") last.retry = false;
      if (e.outcome == "failed" || e.outcome == "interrupted") last.retry = true;
      last.refused = e.outcome == "refused";
    }
    // A pass killed mid-batch (kill -9, a crash, the machine lost) left its record and is in no
    // entry yet (its next pass asks the store about the batch in flight, then records it): it
    // did not complete either. In a shared state only this host's: another's may be running.
    if (auto left = PassJournal(*state).find(policy))
      if (!state->shared() || owned_by_this_host(left->owner)) last.retry = true;
  } catch (const std::exception& e) {
    spdlog::warn("cannot read the audit trail for policy '{}': {}", policy, e.what());
  }
  return last;
}

bool Scheduler::start() {
  // A state no pass could be recorded in is no reason to run: every pass would fail unaudited.
  try {
    StateFile state(*config_, /*writable=*/true);
    state.check_writable();
    PassRunner(&state).recover_interrupted();
  } catch (const std::exception& e) {
    spdlog::critical("{}; not starting: no pass could be recorded", e.what());
    return false;
  }
  arm_all(/*catch_up=*/true);
  // The gauges are known from the start, not only after the first pass.
  if (status_every_.count() > 0) arm_status_refresh(std::chrono::seconds(0));
  return true;
}

void Scheduler::arm_status_refresh(std::chrono::seconds delay) {
  if (!status_timer_) status_timer_ = std::make_unique<boost::asio::system_timer>(io_);
  status_timer_->expires_after(delay);
  status_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) refresh_status();
  });
}

void Scheduler::refresh_status() {
  if (stop_) return;
  auto config = config_;
  boost::asio::post(worker_, [this, config] {
    std::vector<std::pair<std::string, PolicyStatus>> statuses;
    try {
      auto state = open_state_for_reading(*config);
      PassRunner planner(state.get(), /*record=*/false, clock_);
      for (const auto& policy : config->policies) {
        if (stop_) break;
        // Every policy: one run only by `enforce` (cron, an operator) breaks its promise as
        // surely, and its gauges are what alerts on it.
        statuses.emplace_back(policy.name,
                              promise_status(*config, policy, clock_.now(), planner, state.get()));
      }
    } catch (const std::exception& e) {
      spdlog::warn("cannot refresh the promise status: {}", e.what());
      // The state cannot be read (gone, damaged): every promise is unknown, as `status` says,
      // not kept by the figures of the last refresh.
      statuses.clear();
      for (const auto& policy : config->policies) {
        PolicyStatus unknown;
        unknown.error = e.what();
        unknown.passes_unknown = true;
        statuses.emplace_back(policy.name, unknown);
      }
    }
    boost::asio::post(io_, [this, config, statuses] {
      for (const auto& [name, status] : statuses) {
        if (status.error)
          spdlog::warn("policy '{}': the promise status could not be read: {}", name,
                       *status.error);
        // Only for policies the configuration in force still has (a reload may have come).
        if (config_->policy(name)) apply_status(name, nullptr, status);
      }
      publish_metrics();
      if (!stop_) arm_status_refresh(status_every_);
    });
  });
}

void Scheduler::apply_status(const std::string& name, const PassOutcome* outcome,
                             const std::optional<PolicyStatus>& status) {
  auto m = metrics_.get(name);
  if (status && status->error) {
    // The store could not be read: its counts keep their last figures (none after a start),
    // and say so; staleness comes from the trail, which was read.
    m.unknown = true;
    if (!status->passes_unknown) m.stale = status->stale;
  } else if (status) {
    m.checked = clock_.now();
    m.unknown = false;
    m.overdue = status->overdue;
    m.oldest_overdue = status->oldest_overdue;
    m.held = status->held;
    m.promise_kept = status->promise_kept_at;
    m.stale = status->stale;
  } else if (outcome && outcome->status == PassStatus::Ok) {
    m.unknown = false;
    m.checked = clock_.now();
    m.overdue = 0;
    m.oldest_overdue.reset();
    m.held = outcome->plan.held;
    m.promise_kept = outcome->finished;
    m.stale = false;
  } else {
    return;
  }
  metrics_.update(name, m);
}

void Scheduler::reload(std::shared_ptr<const policies::Config> config) {
  const auto before = config_;
  config_ = std::move(config);
  // A policy whose schedule the reload left as it was keeps the run it was waiting for, a
  // failed pass's retry included: reloading every half hour must not push an `every 6h` policy
  // back for ever, nor turn a retry in five minutes into tomorrow's run.
  std::map<std::string, TimePoint> kept;
  const TimePoint now = clock_.now();
  for (const auto& [name, entry] : entries_) {
    const policies::Policy* was = before->policy(name);
    const policies::Policy* is = config_->policy(name);
    if (was && is && was->schedule && is->schedule && *was->schedule == *is->schedule &&
        was->random_delay == is->random_delay && (entry.next > now || queue_.contains(name)))
      kept.emplace(name, entry.next);  // queued or running: its pass's end arms the next run
  }
  // Timers go; what is queued or running, and the failures in a row, stay: a policy in the run
  // queue must not be queued a second time.
  for (auto& [name, entry] : entries_) {
    entry.timer->cancel();
    entry.timer.reset();
  }
  for (auto it = entries_.begin(); it != entries_.end();)
    it = config_->policy(it->first) && config_->policy(it->first)->schedule ? std::next(it)
                                                                            : entries_.erase(it);
  // A policy the reload removed leaves the STATUS line's summary of last passes too.
  for (auto it = last_.begin(); it != last_.end();)
    it = config_->policy(it->first) ? std::next(it) : last_.erase(it);
  arm_all(/*catch_up=*/false, kept);
}

void Scheduler::arm_all(bool catch_up, const std::map<std::string, TimePoint>& kept) {
  const TimePoint now = clock_.now();
  size_t scheduled = 0, unscheduled = 0;
  std::map<std::string, std::string> stores;
  // Every policy has its series: the promise gauges of one without a schedule (run by
  // `enforce`) alert like the others; its pass counters stay at 0.
  for (const auto& policy : config_->policies) stores[policy.name] = policy.store;
  metrics_.forget_others(stores);
  // The wait counters of each throttled store exist from the start, at 0 (a counter that
  // appears only at the first wait defeats rate() and alerts on it).
  for (const auto& store : config_->stores)
    if (store.throttle) {
      if (store.throttle->max_replica_lag) metrics_.add_throttle_wait(store.name, "replica-lag", 0);
      if (store.throttle->max_threads_running)
        metrics_.add_throttle_wait(store.name, "threads-running", 0);
    }
  for (const auto& policy : config_->policies) {
    if (!policy.schedule) {
      ++unscheduled;
      continue;
    }
    ++scheduled;
    if (auto it = kept.find(policy.name); it != kept.end()) {
      arm(policy, it->second, /*drawn=*/true);
      continue;
    }
    const LastPasses last = last_passes(policy.name);
    if (last.success && !metrics_.get(policy.name).last_success) {
      auto m = metrics_.get(policy.name);
      m.last_success = last.success;
      metrics_.update(policy.name, m);
    }
    // A calendar run is missed when no pass succeeded or was refused since it was due (a refused
    // one waits for its next run: that one is the run missed); `every` goes on from the last
    // success. A failed or interrupted pass is no reason to wait: the missed run retries it.
    const bool every = policy.schedule->kind == policies::Schedule::Kind::Every;
    const auto since = every ? last.success : last.settled;
    // A policy a reload added, or whose schedule it changed: an `every` one still counts from
    // its last success (a reload is no reason to wait a whole interval again).
    const bool from_last = catch_up || every;
    TimePoint when = first_run(policy, since, now, from_last);
    // At start, a last pass that failed or was interrupted (a restart mid-pass, a crash) is
    // retried at once: its run is not made, whatever the schedule says of the next one.
    if (catch_up && last.retry && when > now) {
      spdlog::info("policy '{}': its last pass did not complete; running it now", policy.name);
      when = now;
    } else if (from_last && when == now && since) {
      // `every` counts from the last success: the run missed is one interval after it.
      const TimePoint missed = every ? *since + policy.schedule->interval
                                     : policies::previous_run(*policy.schedule, now);
      spdlog::info("policy '{}': the run of {} was missed (last {} {}); running it now",
                   policy.name, local_time(missed), every ? "successful pass" : "pass",
                   local_time(*since));
    }
    arm(policy, when);
    // A refusal waits for an operator across restarts too (retentiond_last_pass_refused).
    if (catch_up && last.refused) {
      auto m = metrics_.get(policy.name);
      m.last_refused = true;
      metrics_.update(policy.name, m);
    }
    // Failures in a row go on across restarts (an alert on them must not be reset by one).
    if (catch_up && last.failures_in_row > 0) {
      entries_[policy.name].failures =
          static_cast<int>(std::min<long long>(last.failures_in_row, 1000));
      auto m = metrics_.get(policy.name);
      if (m.consecutive_failures == 0) {
        m.consecutive_failures = last.failures_in_row;
        metrics_.update(policy.name, m);
      }
    }
  }
  spdlog::info("{} scheduled {}; {} without a schedule (run them with 'retentiond enforce')",
               scheduled, scheduled == 1 ? "policy" : "policies", unscheduled);
  update_status();
  publish_metrics();
}

void Scheduler::arm(const policies::Policy& policy, TimePoint when, bool drawn) {
  auto& entry = entries_[policy.name];
  if (!entry.timer) entry.timer = std::make_unique<boost::asio::system_timer>(io_);
  TimePoint fire_at = when;
  if (!drawn && policy.random_delay && policy.random_delay->count() > 0 && when > clock_.now())
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
  queue_.push(policy);  // at most one pass per policy at a time: a second push is ignored
  run_next();
}

void Scheduler::run_next() {
  if (busy_ || stop_) return;
  auto next = queue_.pop();
  if (!next) return;
  busy_ = true;
  const std::string name = *next;
  auto config = config_;  // the pass keeps the configuration it started with, across reloads
  const policies::Policy* policy = config->policy(name);
  if (!policy) {  // removed by a reload meanwhile
    busy_ = false;
    queue_.done(name);
    run_next();
    return;
  }
  set_running_status("running " + name);
  boost::asio::post(worker_, [this, config, policy, name] {
    PassOutcome outcome;
    std::optional<PolicyStatus> status;
    try {
      StateFile state(*config, /*writable=*/true);
      PassRunner runner(&state, /*record=*/true, clock_);
      PassOptions options;
      options.dry_run = false;
      options.now = clock_.now();
      options.stop = &stop_;
      // Other hosts run the same schedule on the same state: the first to take the lease makes
      // the run, the others find it made.
      if (state.shared() && policy->schedule)
        options.done_since = run_made_since(*policy->schedule, clock_.now());
      options.on_throttle = [this](const std::string& policy, const std::string& why) {
        set_running_status(why.empty() ? "running " + policy
                                       : "running " + policy + ", paused: " + why);
      };
      // The wait's metric moves while the pass waits: an hour's wait shows as it happens.
      options.on_throttle_waited = [this, store = policy->store](const std::string& reason,
                                                                 double seconds) {
        metrics_.add_throttle_wait(store, reason, seconds);
      };
      if (config->smtp) options.smtp = &*config->smtp;
      auto outcomes = run_policies(*config, {policy}, runner, options);
      if (!outcomes.empty()) outcome = outcomes.front();
      // Is the promise kept now? Read-only plans, for the overdue gauges; a pass that succeeded
      // left nothing expired (finished() says so without planning again), unless it waits for
      // notices: records whose notice has not gone out stay, and may be overdue.
      if (!stop_ && (outcome.status != PassStatus::Ok || policy->notify)) {
        PassRunner planner(&state, /*record=*/false, clock_);
        status = promise_status(*config, *policy, clock_.now(), planner, &state);
      }
    } catch (const std::exception& e) {
      spdlog::error("policy '{}': {}", name, e.what());
      outcome.policy = name;
      outcome.status = PassStatus::Failed;
    }
    boost::asio::post(io_, [this, name, outcome, status] { finished(name, outcome, status); });
  });
}

void Scheduler::finished(const std::string& name, const PassOutcome& outcome,
                         const std::optional<PolicyStatus>& status) {
  busy_ = false;
  set_running_status("");
  queue_.done(name);
  if (outcome.elsewhere) {
    // Another host has this run: nothing to count here; the next scheduled one may be ours.
    const policies::Policy* policy = config_->policy(name);
    if (policy && policy->schedule && !stop_ && entries_.count(name))
      arm(*policy, policies::next_run(*policy->schedule, clock_.now()));
    if (stop_) {
      io_.stop();
      return;
    }
    update_status();
    run_next();
    return;
  }
  if (config_->policy(name)) last_[name] = outcome;  // not one a reload removed meanwhile
  const AfterPass verdict = judge(outcome);
  {
    auto m = metrics_.get(name);
    m.last_duration_seconds = static_cast<double>((outcome.finished - outcome.started).count());
    m.last_matched = outcome.plan.matched;
    m.last_affected = outcome.affected;
    for (const auto& part : outcome.partitions_done)
      ++m.partitions_total[std::string(connectors::partition_step_name(part.kind))];
    m.last_refused = verdict == AfterPass::Waiting;
    if (verdict == AfterPass::Done && outcome.status == PassStatus::Ok)
      m.last_success = outcome.finished;
    if (verdict == AfterPass::Done) m.consecutive_failures = 0;
    if (verdict == AfterPass::Waiting) ++m.refused_total;
    if (verdict == AfterPass::Failed) {
      ++m.failures_total;
      ++m.consecutive_failures;
    }
    metrics_.update(name, m);
  }
  apply_status(name, &outcome, status);
  auto it = entries_.find(name);
  const policies::Policy* policy = config_->policy(name);
  if (it != entries_.end() && policy && policy->schedule && !stop_) {
    Entry& entry = it->second;
    if (verdict == AfterPass::Done) entry.failures = 0;
    if (verdict == AfterPass::Failed) ++entry.failures;
    const TimePoint next = next_after(*policy, verdict, entry.failures, clock_.now());
    if (verdict == AfterPass::Failed)
      spdlog::error("policy '{}': pass {} ({} in a row); retrying at {}", name,
                    status_name(outcome.status), entry.failures, local_time(next));
    if (verdict == AfterPass::Waiting)
      spdlog::warn("policy '{}': pass refused; it waits for its next scheduled run at {}", name,
                   local_time(next));
    if (verdict == AfterPass::Throttled)
      spdlog::warn(
          "policy '{}': pass interrupted after waiting max_wait for the throttle of store '{}'; "
          "the "
          "next scheduled run goes on at {}",
          name, policy->store, local_time(next));
    arm(*policy, next);
  }
  if (stop_) {
    publish_metrics();  // the pass a stop interrupted is counted in the file too
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
  if (status_timer_) status_timer_->cancel();
  if (!busy_) io_.stop();
}

std::string Scheduler::last_passes_summary() const {
  long long ok = 0, refused = 0, failed = 0, interrupted = 0, dry = 0;
  std::map<std::string, long long> affected;  // by unit: rows, files, users
  for (const auto& [name, o] : last_) {
    switch (o.status) {
      case PassStatus::Ok:
        ++ok;
        break;
      case PassStatus::Planned:
        ++dry;
        break;
      case PassStatus::Refused:
        ++refused;
        break;
      case PassStatus::Failed:
        ++failed;
        break;
      case PassStatus::Interrupted:
        ++interrupted;
        break;
    }
    if (o.affected > 0) affected[o.plan.unit] += o.affected;
  }
  auto count = [](long long n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::string text = count(ok, "policy ok", "policies ok");
  if (dry) text += ", " + std::to_string(dry) + " dry-run";
  if (refused) text += ", " + std::to_string(refused) + " refused";
  if (failed) text += ", " + std::to_string(failed) + " failed";
  if (interrupted) text += ", " + std::to_string(interrupted) + " interrupted";
  std::string changed;
  for (const auto& [unit, n] : affected)
    changed += (changed.empty() ? "" : " and ") + policies::with_thousands(n) + " " + unit;
  return text + ", " + (changed.empty() ? std::string("nothing changed") : changed);
}

void Scheduler::set_running_status(const std::string& text) {
  {
    std::lock_guard<std::mutex> lock(running_status_mutex_);
    running_status_ = text;
  }
  if (!text.empty()) notifier_.status(text);
}

void Scheduler::update_status() {
  // While a pass runs, STATUS says so (and why it waits), whatever else refreshes it: a reload,
  // the periodic refresh.
  {
    std::lock_guard<std::mutex> lock(running_status_mutex_);
    if (!running_status_.empty()) {
      notifier_.status(running_status_);
      return;
    }
  }
  std::string next_policy;
  TimePoint next{};
  for (const auto& [name, entry] : entries_)
    if (next_policy.empty() || entry.next < next) {
      next_policy = name;
      next = entry.next;
    }
  std::string text = next_policy.empty() ? "no scheduled policy"
                                         : "next: " + next_policy + " at " + local_time(next);
  if (!last_.empty()) text += ", last: " + last_passes_summary();
  notifier_.status(text);
}

}  // namespace retentiond::daemon
