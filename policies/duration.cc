#include "policies/duration.h"

#include <cctype>
#include <limits>
#include <utility>

namespace retentiond::policies {
namespace {

struct UnitName {
  std::string_view name;
  DurationUnit unit;
};

constexpr UnitName kUnitNames[] = {
    {"h", DurationUnit::Hour},   {"hour", DurationUnit::Hour},   {"hours", DurationUnit::Hour},
    {"d", DurationUnit::Day},    {"day", DurationUnit::Day},     {"days", DurationUnit::Day},
    {"w", DurationUnit::Week},   {"week", DurationUnit::Week},   {"weeks", DurationUnit::Week},
    {"mo", DurationUnit::Month}, {"month", DurationUnit::Month}, {"months", DurationUnit::Month},
    {"y", DurationUnit::Year},   {"year", DurationUnit::Year},   {"years", DurationUnit::Year},
};

// Largest amount per unit: keeps every cut-off inside year 0..9999 from any plausible "now".
long long max_amount(DurationUnit u) {
  switch (u) {
    case DurationUnit::Hour:
      return 24LL * 366 * 1000;
    case DurationUnit::Day:
      return 366LL * 1000;
    case DurationUnit::Week:
      return 53LL * 1000;
    case DurationUnit::Month:
      return 12LL * 1000;
    case DurationUnit::Year:
      return 1000;
  }
  return 0;
}

// Moves `t` by `months` calendar months, clamping the day to the target month's length.
TimePoint shift_months(TimePoint t, long long months) {
  using namespace std::chrono;
  auto day_point = floor<days>(t);
  auto time_of_day = t - day_point;
  year_month_day ymd{day_point};
  year_month_day moved = ymd + std::chrono::months{months};
  if (!moved.ok())
    moved = year_month_day{year_month_day_last{moved.year(), month_day_last{moved.month()}}};
  return sys_days{moved} + time_of_day;
}

long long signed_months(const Duration& d, int sign) {
  return sign * (d.unit == DurationUnit::Year ? d.amount * 12 : d.amount);
}

TimePoint shift(const Duration& d, TimePoint t, int sign) {
  using namespace std::chrono;
  switch (d.unit) {
    case DurationUnit::Hour:
      return t + sign * hours{d.amount};
    case DurationUnit::Day:
      return t + sign * days{d.amount};
    case DurationUnit::Week:
      return t + sign * weeks{d.amount};
    case DurationUnit::Month:
    case DurationUnit::Year:
      return shift_months(t, signed_months(d, sign));
  }
  return t;
}

std::string_view short_name(DurationUnit u) {
  switch (u) {
    case DurationUnit::Hour:
      return "h";
    case DurationUnit::Day:
      return "d";
    case DurationUnit::Week:
      return "w";
    case DurationUnit::Month:
      return "mo";
    case DurationUnit::Year:
      return "y";
  }
  return "";
}

std::string_view long_name(DurationUnit u) {
  switch (u) {
    case DurationUnit::Hour:
      return "hour";
    case DurationUnit::Day:
      return "day";
    case DurationUnit::Week:
      return "week";
    case DurationUnit::Month:
      return "month";
    case DurationUnit::Year:
      return "year";
  }
  return "";
}

}  // namespace

TimePoint Duration::before(TimePoint t) const { return shift(*this, t, -1); }
TimePoint Duration::after(TimePoint t) const { return shift(*this, t, +1); }

std::string Duration::str() const { return std::to_string(amount) + std::string(short_name(unit)); }

std::string Duration::words() const {
  std::string out = std::to_string(amount) + " " + std::string(long_name(unit));
  if (amount != 1) out += "s";
  return out;
}

std::optional<Duration> parse_duration(std::string_view text, std::string& error) {
  const std::string quoted = "'" + std::string(text) + "'";
  size_t pos = 0;
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  size_t digits_start = pos;
  long long amount = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    if (amount > std::numeric_limits<long long>::max() / 10 - 10) {
      error = "duration " + quoted + " is too long";
      return std::nullopt;
    }
    amount = amount * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == digits_start) {
    error = "duration " + quoted + " must start with a whole number, as in '52d' or '14mo'";
    return std::nullopt;
  }
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',') && pos + 1 < text.size() &&
      std::isdigit(static_cast<unsigned char>(text[pos + 1]))) {
    error = "duration " + quoted +
            " must be a whole number of its unit: write '18mo' for 1.5y, '36h' for 1.5d";
    return std::nullopt;
  }
  while (pos < text.size() && text[pos] == ' ') ++pos;
  size_t unit_end = text.size();
  while (unit_end > pos && std::isspace(static_cast<unsigned char>(text[unit_end - 1]))) --unit_end;
  std::string unit_text(text.substr(pos, unit_end - pos));
  if (unit_text.empty()) {
    error = "duration " + quoted + " has no unit (use h, d, w, mo or y)";
    return std::nullopt;
  }
  std::string lowered;
  for (char c : unit_text)
    lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& u : kUnitNames) {
    if (lowered != u.name) continue;
    if (amount <= 0) {
      error = "duration " + quoted + " must be greater than zero";
      return std::nullopt;
    }
    if (amount > max_amount(u.unit)) {
      error = "duration " + quoted + " is too long (at most " + std::to_string(max_amount(u.unit)) +
              " " + std::string(u.name) + ": about a thousand years)";
      return std::nullopt;
    }
    return Duration{amount, u.unit};
  }
  if (lowered == "m" || lowered == "min" || lowered == "mins" || lowered == "minutes") {
    error = "unknown unit '" + unit_text + "' in duration " + quoted +
            " (use h, d, w, mo or y; months are 'mo')";
  } else {
    error = "unknown unit '" + unit_text + "' in duration " + quoted + " (use h, d, w, mo or y)";
  }
  return std::nullopt;
}

}  // namespace retentiond::policies
