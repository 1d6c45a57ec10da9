// When a policy runs under `serve`: "daily 03:15", "weekly sun 04:00", "every 6h", "every 30m".
// Times of day are the machine's local time; the daemon's scheduler turns them into instants.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "policies/timestamp.h"

namespace retentiond::policies {

struct Schedule {
  enum class Kind { Daily, Weekly, Every };
  Kind kind = Kind::Daily;
  int hour = 0;                      // Daily, Weekly: 0..23, local time
  int minute = 0;                    // Daily, Weekly: 0..59
  std::chrono::weekday weekday{};    // Weekly
  std::chrono::seconds interval{0};  // Every: > 0
  std::string text;                  // as written, for messages and reports

  bool operator==(const Schedule& o) const { return text == o.text; }
};

// Parses a schedule. On failure returns nullopt with `error` naming the problem.
std::optional<Schedule> parse_schedule(std::string_view text, std::string& error);

// Parses a short interval "90s", "15m", "6h" (used by `every` and `random_delay`).
std::optional<std::chrono::seconds> parse_interval(std::string_view text, std::string& error);

// Parses a batch's time budget: "200ms", "2s", from 10 ms to 60 s (`batch_budget`).
std::optional<std::chrono::milliseconds> parse_batch_budget(std::string_view text,
                                                            std::string& error);

}  // namespace retentiond::policies

namespace retentiond::policies {

// The first scheduled moment strictly after `after`. Daily and weekly times are the machine's
// local time (TZ), through mktime(): on a spring-forward day a time that does not exist (02:30)
// runs at the same distance after midnight in the new offset (03:30); on a fall-back day a time
// that exists twice runs once, at its first occurrence. `every` counts from `after`.
TimePoint next_run(const Schedule& s, TimePoint after);

// The latest scheduled moment at or before `t` (daily and weekly only; for `every`, t - interval).
TimePoint previous_run(const Schedule& s, TimePoint t);

// The extra delay of one run under `random_delay: MAX`, like systemd's RandomizedDelaySec:
// uniform in [0, MAX), drawn anew for every run from `rng`. Zero when MAX is zero.
std::chrono::seconds random_delay_offset(std::chrono::seconds max, std::mt19937_64& rng);

}  // namespace retentiond::policies
