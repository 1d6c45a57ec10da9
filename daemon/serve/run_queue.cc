#include "daemon/serve/run_queue.h"

namespace retentiond::daemon {

bool RunQueue::push(const std::string& policy) {
  if (!queued_or_running_.insert(policy).second) return false;
  order_.push_back(policy);
  return true;
}

std::optional<std::string> RunQueue::pop() {
  if (order_.empty()) return std::nullopt;
  std::string next = order_.front();
  order_.pop_front();
  return next;
}

void RunQueue::done(const std::string& policy) { queued_or_running_.erase(policy); }

}  // namespace retentiond::daemon
