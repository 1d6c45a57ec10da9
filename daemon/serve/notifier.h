// The systemd notification protocol (sd_notify from libsystemd): READY, STATUS, WATCHDOG,
// RELOADING, STOPPING. Without NOTIFY_SOCKET every call does nothing, so `serve` behaves the same
// in a terminal.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace retentiond::daemon {

class Notifier {
 public:
  void ready() const;
  void status(const std::string& text) const;
  void watchdog() const;
  void reloading() const;  // with MONOTONIC_USEC, as Type=notify-reload expects
  void stopping() const;
  // The watchdog interval systemd asks for (WATCHDOG_USEC), when it asks.
  std::optional<std::chrono::microseconds> watchdog_interval() const;

 private:
  void send(const std::string& state) const;
};

}  // namespace retentiond::daemon
