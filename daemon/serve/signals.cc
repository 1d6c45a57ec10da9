#include "daemon/serve/signals.h"

#include <signal.h>

namespace retentiond::daemon {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int signo) {
  g_stop.store(true);
  ::signal(signo, SIG_DFL);  // a second signal is not ignored
}

}  // namespace

const std::atomic<bool>& install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);  // a closed terminal: stop cleanly too
  ::signal(SIGPIPE, SIG_IGN);         // a closed pipe on stdout: an error, not a silent death
  return g_stop;
}

}  // namespace retentiond::daemon
