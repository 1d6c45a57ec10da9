#include "daemon/commands/progress.h"

#include <algorithm>
#include <cstdio>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "policies/planner.h"

namespace retentiond::daemon {
namespace {

// A sink that writes nothing: it runs `before` ahead of the sinks after it.
class BeforeEachLine : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit BeforeEachLine(std::function<void()> before) : before_(std::move(before)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg&) override { before_(); }
  void flush_() override {}

 private:
  std::function<void()> before_;
};

}  // namespace

ProgressReporter::ProgressReporter(bool interactive, std::chrono::steady_clock::duration interval)
    : interactive_(interactive), interval_(interval) {
  if (!interactive_) return;
  line_ender_ = std::make_shared<BeforeEachLine>([this] { end_line(); });
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.insert(sinks.begin(), line_ender_);
}

ProgressReporter::~ProgressReporter() {
  if (line_ender_) {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), line_ender_), sinks.end());
  }
  end_line();
}

std::function<void(const Progress&)> ProgressReporter::callback() {
  return [this](const Progress& p) { report(p); };
}

std::function<void(const std::string&, const std::string&)> ProgressReporter::throttle_callback() {
  return [this](const std::string& policy, const std::string& why) { paused(policy, why); };
}

std::string ProgressReporter::describe(const Progress& p) {
  using policies::with_thousands;
  const double seconds = std::chrono::duration<double>(p.elapsed).count();
  const std::string unit(p.unit);
  std::string text = with_thousands(p.affected) + " of " + with_thousands(p.matched) + " " + unit;
  if (p.matched > 0) {
    char percent[16];
    std::snprintf(percent, sizeof percent, " (%.1f%%)",
                  100.0 * static_cast<double>(p.affected) / static_cast<double>(p.matched));
    text += percent;
  }
  if (seconds > 0.05 && p.affected > 0) {
    const double rate = static_cast<double>(p.affected) / seconds;
    text += ", " + with_thousands(static_cast<long long>(rate)) + " " + unit + "/s";
    if (p.matched > p.affected) {
      const long long left =
          static_cast<long long>(static_cast<double>(p.matched - p.affected) / rate + 0.5);
      text += ", about " +
              (left >= 120 ? std::to_string(left / 60) + " min" : std::to_string(left) + " s") +
              " left";
    }
  }
  return text;
}

std::string ProgressReporter::describe_pause(const std::string& figures, const std::string& why) {
  const std::string lead = figures.empty() ? figures : figures + ", ";
  return lead + (why.empty() ? std::string("resuming") : "paused: " + why);
}

void ProgressReporter::report(const Progress& p) {
  const bool done = p.affected >= p.matched;
  if (interactive_) {
    last_policy_ = p.policy;
    last_figures_ = describe(p);
    std::fprintf(stderr, "\r\033[K%s: %s", p.policy.c_str(), last_figures_.c_str());
    std::fflush(stderr);
    line_open_ = true;
    if (done) end_line();
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (done || now - last_log_ < interval_) return;
  last_log_ = now;
  spdlog::info("policy '{}': {}", p.policy, describe(p));
}

void ProgressReporter::paused(const std::string& policy, const std::string& why) {
  if (!interactive_) return;
  const std::string figures = policy == last_policy_ ? last_figures_ : std::string();
  std::fprintf(stderr, "\r\033[K%s: %s", policy.c_str(), describe_pause(figures, why).c_str());
  std::fflush(stderr);
  line_open_ = true;
}

void ProgressReporter::end_line() {
  if (!line_open_) return;
  std::fprintf(stderr, "\n");
  line_open_ = false;
}

}  // namespace retentiond::daemon
