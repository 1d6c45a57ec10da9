#include "policies/timestamp.h"

#include <cctype>
#include <cstdio>

namespace retentiond::policies {
namespace {

// Reads exactly `width` digits at `pos`; advances pos.
bool read_digits(std::string_view s, size_t& pos, int width, int& out) {
  if (pos + width > s.size()) return false;
  int v = 0;
  for (int i = 0; i < width; ++i) {
    char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  pos += width;
  out = v;
  return true;
}

bool read_char(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<TimePoint> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  size_t pos = 0;
  int y, mo, d;
  if (!read_digits(s, pos, 4, y) || !read_char(s, pos, '-') || !read_digits(s, pos, 2, mo) ||
      !read_char(s, pos, '-') || !read_digits(s, pos, 2, d))
    return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;

  int h = 0, mi = 0, sec = 0;
  long offset_seconds = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_digits(s, pos, 2, h) || !read_char(s, pos, ':') || !read_digits(s, pos, 2, mi))
      return std::nullopt;
    if (read_char(s, pos, ':')) {
      if (!read_digits(s, pos, 2, sec)) return std::nullopt;
      if (read_char(s, pos, '.') || read_char(s, pos, ',')) {
        size_t start = pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
        if (pos == start) return std::nullopt;  // fraction dropped: cut-offs are whole seconds
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    if (pos < s.size()) {
      char sign = s[pos];
      if (sign == 'Z' || sign == 'z') {
        ++pos;
      } else if (sign == '+' || sign == '-') {
        ++pos;
        int oh = 0, om = 0;
        if (!read_digits(s, pos, 2, oh)) return std::nullopt;
        if (read_char(s, pos, ':')) {
          if (!read_digits(s, pos, 2, om)) return std::nullopt;
        } else if (pos < s.size()) {
          if (!read_digits(s, pos, 2, om)) return std::nullopt;
        }
        if (oh > 23 || om > 59) return std::nullopt;
        offset_seconds = (oh * 3600L + om * 60L) * (sign == '+' ? 1 : -1);
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != s.size()) return std::nullopt;
  TimePoint local = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
  return local - seconds{offset_seconds};
}

std::string format_sql_datetime(TimePoint t) {
  std::string text = format_timestamp(t);
  text[text.find('T')] = ' ';  // after the date, whose year may be longer than four digits
  text.pop_back();             // 'Z'
  return text;
}

std::string format_timestamp(TimePoint t) {
  using namespace std::chrono;
  auto day_point = floor<days>(t);
  year_month_day ymd{day_point};
  hh_mm_ss<seconds> hms{t - day_point};
  char buf[48];
  const int year = static_cast<int>(ymd.year());
  // ISO-8601: four digits for years 0000-9999; outside, the expanded form, signed (year 0 is 1 BC,
  // so -0001 is 2 BC): printing %04d would give "-001".
  const char* form = year >= 0 && year <= 9999 ? "%04d-%02u-%02uT%02ld:%02ld:%02lldZ"
                                               : "%+05d-%02u-%02uT%02ld:%02ld:%02lldZ";
  std::snprintf(buf, sizeof buf, form, year, static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return buf;
}

TimePoint now_utc() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace retentiond::policies
