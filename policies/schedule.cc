#include "policies/schedule.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <sstream>
#include <vector>

namespace retentiond::policies {
namespace {

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool parse_time_of_day(const std::string& s, int& hour, int& minute) {
  if (s.size() != 5 || s[2] != ':') return false;
  for (int i : {0, 1, 3, 4})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  hour = (s[0] - '0') * 10 + (s[1] - '0');
  minute = (s[3] - '0') * 10 + (s[4] - '0');
  return hour <= 23 && minute <= 59;
}

constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

bool parse_weekday(const std::string& s, std::chrono::weekday& out) {
  std::string l = lower(s);
  for (unsigned i = 0; i < 7; ++i) {
    if (l == kDayNames[i] || l == kLongDayNames[i]) {
      out = std::chrono::weekday{i};
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::chrono::seconds> parse_interval(std::string_view text, std::string& error) {
  std::string t(text);
  size_t pos = 0;
  long long n = 0;
  bool huge = false;  // more than any interval, however many digits follow: read them all
  while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
    if (!huge) n = n * 10 + (t[pos] - '0');
    if (n > 1'000'000'000) huge = true;
    ++pos;
  }
  std::string unit = lower(t.substr(pos));
  if (!t.empty() && t[0] == '-') {
    error = "interval '" + t +
            "' is negative: it must be a positive whole number with a unit, as "
            "in '6h' or '30m'";
    return std::nullopt;
  }
  if (pos == 0 || unit.empty()) {
    error = "interval '" + t + "' must be a whole number with a unit, as in '6h' or '30m'";
    return std::nullopt;
  }
  // 'M' reads as minutes once lower-cased, but is a month in most notations: 'every 1M' meant
  // monthly would run every minute.
  if (t.substr(pos) == "M") {
    error = "unit 'M' in interval '" + t +
            "' is ambiguous: write minutes as 'm' (a month is no interval here; 'every 30d' "
            "or 'weekly sun 04:00' run less often)";
    return std::nullopt;
  }
  long long factor = 0;
  if (unit == "s")
    factor = 1;
  else if (unit == "m" || unit == "min")
    factor = 60;
  else if (unit == "h")
    factor = 3600;
  else if (unit == "d")
    factor = 86400;
  if (factor == 0) {
    error = "unknown unit '" + t.substr(pos) + "' in interval '" + t + "' (use s, m, h or d)";
    return std::nullopt;
  }
  if (n <= 0) {
    error = "interval '" + t + "' must be greater than zero";
    return std::nullopt;
  }
  if (huge || n * factor > 366LL * 86400) {
    error = "interval '" + t + "' is longer than a year";
    return std::nullopt;
  }
  return std::chrono::seconds{n * factor};
}

std::optional<std::chrono::milliseconds> parse_batch_budget(std::string_view text,
                                                            std::string& error) {
  const std::string t(text);
  const std::string usage =
      "batch budget '" + t +
      "' must be a whole number of ms or s between 10ms and 60s, as in '200ms' or '2s'";
  size_t pos = 0;
  long long n = 0;
  while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
    if (n <= 1'000'000) n = n * 10 + (t[pos] - '0');  // past it, too long whatever follows
    ++pos;
  }
  std::string unit = lower(t.substr(pos));
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  long long factor = unit == "ms" ? 1 : unit == "s" ? 1000 : 0;
  if (pos == 0 || factor == 0 || n * factor < 10 || n * factor > 60'000) {
    error = usage;
    return std::nullopt;
  }
  return std::chrono::milliseconds{n * factor};
}

std::optional<Schedule> parse_schedule(std::string_view text, std::string& error) {
  const std::string quoted = "'" + std::string(text) + "'";
  auto words = words_of(text);
  const std::string usage =
      " (expected 'daily HH:MM', 'weekly DAY HH:MM' or 'every N' with a unit s, m, h or d)";
  if (words.empty()) {
    error = "empty schedule" + usage;
    return std::nullopt;
  }
  Schedule s;
  s.text = std::string(text);
  std::string kind = lower(words[0]);
  if (kind == "daily") {
    s.kind = Schedule::Kind::Daily;
    if (words.size() != 2 || !parse_time_of_day(words[1], s.hour, s.minute)) {
      error = "schedule " + quoted + ": 'daily' takes a time of day HH:MM, as in 'daily 03:15'";
      return std::nullopt;
    }
    return s;
  }
  if (kind == "weekly") {
    s.kind = Schedule::Kind::Weekly;
    if (words.size() != 3) {
      error = "schedule " + quoted + ": 'weekly' takes a day and a time, as in 'weekly sun 04:00'";
      return std::nullopt;
    }
    if (!parse_weekday(words[1], s.weekday)) {
      error = "schedule " + quoted + ": unknown day '" + words[1] + "' (use mon, tue, ..., sun)";
      return std::nullopt;
    }
    if (!parse_time_of_day(words[2], s.hour, s.minute)) {
      error =
          "schedule " + quoted + ": bad time of day '" + words[2] + "' (use HH:MM, 00:00-23:59)";
      return std::nullopt;
    }
    return s;
  }
  if (kind == "every") {
    s.kind = Schedule::Kind::Every;
    if (words.size() != 2) {
      error =
          "schedule " + quoted + ": 'every' takes one interval, as in 'every 6h' or 'every 30m'";
      return std::nullopt;
    }
    std::string sub;
    auto interval = parse_interval(words[1], sub);
    if (!interval) {
      error = "schedule " + quoted + ": " + sub;
      return std::nullopt;
    }
    if (*interval < std::chrono::minutes{1}) {
      error = "schedule " + quoted + ": the interval must be at least one minute";
      return std::nullopt;
    }
    s.interval = *interval;
    return s;
  }
  error = "unknown schedule " + quoted + usage;
  return std::nullopt;
}

}  // namespace retentiond::policies

namespace retentiond::policies {
namespace {

// The local day of `t`, at hour:minute, as an instant. A time that happens twice (the autumn
// change: 02:30 in Europe/Paris on the last Sunday of October) is its first occurrence, whatever
// side of the change `t` is on: mktime left to choose (tm_isdst -1) picks either, and a daily
// run would then happen at both. A time that does not exist (spring) is mktime's: as far after
// midnight in the new offset.
TimePoint local_at(TimePoint t, int day_offset, int hour, int minute) {
  time_t secs = static_cast<time_t>(epoch_seconds(t));
  struct tm day {};
  localtime_r(&secs, &day);
  day.tm_mday += day_offset;
  day.tm_hour = hour;
  day.tm_min = minute;
  day.tm_sec = 0;
  std::optional<time_t> first;
  for (int dst : {1, 0}) {
    struct tm tm = day;
    tm.tm_isdst = dst;
    const time_t at = mktime(&tm);
    if (at == static_cast<time_t>(-1)) continue;
    struct tm back {};
    localtime_r(&at, &back);
    // Only an instant that reads back as hour:minute with that DST flag is this time.
    if (back.tm_hour == hour && back.tm_min == minute && back.tm_isdst == dst)
      first = first ? std::min(*first, at) : at;
  }
  if (first) return from_epoch_seconds(static_cast<long long>(*first));
  day.tm_isdst = -1;
  return from_epoch_seconds(static_cast<long long>(mktime(&day)));
}

int local_weekday(TimePoint t) {
  time_t secs = static_cast<time_t>(epoch_seconds(t));
  struct tm tm {};
  localtime_r(&secs, &tm);
  return tm.tm_wday;  // 0 = Sunday
}

}  // namespace

TimePoint next_run(const Schedule& s, TimePoint after) {
  if (s.kind == Schedule::Kind::Every) return after + s.interval;
  for (int day = 0; day <= 8; ++day) {
    TimePoint candidate = local_at(after, day, s.hour, s.minute);
    if (candidate <= after) continue;
    if (s.kind == Schedule::Kind::Weekly &&
        local_weekday(candidate) != static_cast<int>(s.weekday.c_encoding()))
      continue;
    return candidate;
  }
  return after + std::chrono::hours(24 * 7);  // not reached: a week always holds the day
}

TimePoint previous_run(const Schedule& s, TimePoint t) {
  if (s.kind == Schedule::Kind::Every) return t - s.interval;
  for (int day = 0; day >= -8; --day) {
    TimePoint candidate = local_at(t, day, s.hour, s.minute);
    if (candidate > t) continue;
    if (s.kind == Schedule::Kind::Weekly &&
        local_weekday(candidate) != static_cast<int>(s.weekday.c_encoding()))
      continue;
    return candidate;
  }
  return t - std::chrono::hours(24 * 7);
}

std::chrono::seconds random_delay_offset(std::chrono::seconds max, std::mt19937_64& rng) {
  if (max.count() <= 0) return std::chrono::seconds(0);
  std::uniform_int_distribution<long long> pick(0, max.count() - 1);
  return std::chrono::seconds(pick(rng));
}

}  // namespace retentiond::policies
