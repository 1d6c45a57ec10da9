// A stop flag set by SIGINT, SIGTERM or SIGHUP, for commands that run passes in the foreground: the
// pass in progress stops at its next batch boundary. A second signal ends the process at once.
#pragma once

#include <atomic>

namespace retentiond::daemon {

// Installs the handlers and returns the flag they set.
const std::atomic<bool>& install_stop_signals();

}  // namespace retentiond::daemon
