// Reconnecting after a lost connection, the same way for every server store: tries again with
// backoff (0.5 s, doubling, at most 16 s; about a minute in all), and gives up at once when a
// stop was asked (SIGTERM), so that the daemon ends within seconds even while a server is away.
#pragma once

#include <atomic>
#include <functional>

namespace retentiond::connectors {

enum class Reconnected { Yes, GaveUp, Stopped };

// `connect` makes one attempt (true on success). `stop` may be null.
Reconnected reconnect_with_backoff(const std::function<bool()>& connect,
                                   const std::atomic<bool>* stop);

}  // namespace retentiond::connectors
