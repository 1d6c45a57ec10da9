// wait_until, declared in child.h.
#pragma once

#include <thread>

namespace retentiond::testing {

template <typename F>
bool wait_until(F&& condition, std::chrono::milliseconds timeout, std::chrono::milliseconds every) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (condition()) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(every);
  }
  return false;
}

}  // namespace retentiond::testing
