#include "connectors/reconnect.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace retentiond::connectors {

Reconnected reconnect_with_backoff(const std::function<bool()>& connect,
                                   const std::atomic<bool>* stop) {
  using namespace std::chrono_literals;
  auto delay = std::chrono::milliseconds(500);
  for (int attempt = 0; attempt < 7; ++attempt) {
    // Sleeps in short steps: a stop must not wait for the end of a 16-second backoff.
    for (auto slept = 0ms; slept < delay; slept += 100ms) {
      if (stop && stop->load()) return Reconnected::Stopped;
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(100ms, delay - slept));
    }
    if (stop && stop->load()) return Reconnected::Stopped;
    if (connect()) return Reconnected::Yes;
    delay = std::min<std::chrono::milliseconds>(delay * 2, 16s);
  }
  return Reconnected::GaveUp;
}

}  // namespace retentiond::connectors
