#include "daemon/serve/notifier.h"

#include <systemd/sd-daemon.h>
#include <time.h>

namespace retentiond::daemon {

void Notifier::send(const std::string& state) const { sd_notify(0, state.c_str()); }

void Notifier::ready() const { send("READY=1"); }

void Notifier::status(const std::string& text) const { send("STATUS=" + text); }

void Notifier::watchdog() const { send("WATCHDOG=1"); }

void Notifier::reloading() const {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long long usec = static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void Notifier::stopping() const { send("STOPPING=1"); }

std::optional<std::chrono::microseconds> Notifier::watchdog_interval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

}  // namespace retentiond::daemon
