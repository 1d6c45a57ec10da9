// The policies serve has to run, in the order they fell due, each at most once: a policy is in
// the queue or running, never both, never twice. A reload changes the timers, not this queue.
// Used from serve's event-loop thread only.
#pragma once

#include <deque>
#include <optional>
#include <set>
#include <string>

namespace retentiond::daemon {

class RunQueue {
 public:
  // Queues `policy`; false when it is already queued or running.
  bool push(const std::string& policy);
  // The next policy to run, which is then running until done(); nullopt when none waits.
  std::optional<std::string> pop();
  // Its pass has ended: it may be queued again.
  void done(const std::string& policy);
  bool waiting() const { return !order_.empty(); }
  // Whether `policy` is queued or running.
  bool contains(const std::string& policy) const { return queued_or_running_.count(policy) > 0; }

 private:
  std::deque<std::string> order_;
  std::set<std::string> queued_or_running_;
};

}  // namespace retentiond::daemon
