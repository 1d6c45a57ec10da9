// Progress of `enforce` on stderr: on a terminal, one line rewritten after each batch (rows done
// of matched, rate, time left); without a terminal (a pipe, the journal), a log line at most every
// few seconds, so that a long pass shows it is alive without flooding the log.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <spdlog/sinks/sink.h>

#include "daemon/engine/pass.h"

namespace retentiond::daemon {

class ProgressReporter {
 public:
  // `interactive`: stderr is a terminal. `interval`: the least time between two log lines.
  explicit ProgressReporter(bool interactive,
                            std::chrono::steady_clock::duration interval = std::chrono::seconds(5));
  ~ProgressReporter();

  // The callback for PassOptions::on_progress.
  std::function<void(const Progress&)> callback();
  // The callback for PassOptions::on_throttle: on a terminal the line shows "paused: why" until
  // the next batch (why == "" when the pass resumes). The throttle gate logs pauses itself, so
  // without a terminal this adds nothing.
  std::function<void(const std::string& policy, const std::string& why)> throttle_callback();

  // "12,345 of 500,000 rows (2.5%), 41,000 rows/s, about 12 s left"
  static std::string describe(const Progress& p);
  // "12,345 of 500,000 rows (2.5%), ..., paused: replica lag 12 s > 5 s", or "..., resuming".
  static std::string describe_pause(const std::string& figures, const std::string& why);

 private:
  void report(const Progress& p);
  void paused(const std::string& policy, const std::string& why);
  void end_line();

  bool interactive_;
  // On a terminal: the first of the default logger's sinks, which ends the open progress line
  // before any log line is written (a pause's log line once followed the line's figures).
  std::shared_ptr<spdlog::sinks::sink> line_ender_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_log_{};
  bool line_open_ = false;
  std::string last_policy_;  // the policy and figures the line showed last
  std::string last_figures_;
};

}  // namespace retentiond::daemon
