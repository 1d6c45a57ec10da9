// Retention durations ("52d", "14mo", "1y") and the calendar arithmetic that turns them into
// cut-offs. Months and years are calendar months and years, counted back in UTC with the day
// clamped at the month's end: 1y before 2028-02-29 is 2027-02-28, 1mo before 2027-03-31 is
// 2027-02-28. Hours, days and weeks are fixed lengths (a UTC day has no DST).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policies/timestamp.h"

namespace retentiond::policies {

enum class DurationUnit { Hour, Day, Week, Month, Year };

struct Duration {
  long long amount = 0;
  DurationUnit unit = DurationUnit::Day;

  // The instant `amount` units before `t`.
  TimePoint before(TimePoint t) const;
  // The instant `amount` units after `t` (same clamping rule).
  TimePoint after(TimePoint t) const;
  // Canonical short form: "14mo".
  std::string str() const;
  // Words for people: "14 months", "1 year".
  std::string words() const;

  bool operator==(const Duration&) const = default;
};

// Parses "52d", "14mo", "1y", "36h", "2w", also with a space ("14 mo") and long unit names
// ("14 months", "1 year"). On failure returns nullopt and sets `error` to a sentence naming the
// problem (e.g. "unknown unit 'moons' in duration '14 moons' (use h, d, w, mo or y)").
std::optional<Duration> parse_duration(std::string_view text, std::string& error);

}  // namespace retentiond::policies
