#include "connectors/files/name_date.h"

#include <cstdio>

namespace retentiond::connectors::files {

NameDate::NameDate(const std::string& pattern) {
  std::string re;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '%' && i + 1 < pattern.size()) {
      char f = pattern[++i];
      if (f == 'Y')
        re += "([0-9]{4})";
      else if (f == 'm' || f == 'd' || f == 'H' || f == 'M' || f == 'S')
        re += "([0-9]{2})";
      else
        re += "%";
      if (f != '%') fields_ += f;
      continue;
    }
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) re += '\\';
    re += c;
  }
  regex_ = std::regex(re);
}

std::optional<policies::TimePoint> NameDate::find(const std::string& name) const {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::smatch m;
  std::string rest = name;
  size_t offset = 0;  // of `rest` in `name`
  while (std::regex_search(rest, m, regex_)) {
    const size_t from = offset + static_cast<size_t>(m.position(0));
    const size_t to = from + static_cast<size_t>(m.length(0));
    // The next try starts one character on, not after the whole match: in "x-9920270301" the
    // rejected "99202703" hides nothing, but a real date may start inside a failed match.
    auto next = [&] {
      rest = rest.substr(static_cast<size_t>(m.position(0)) + 1);
      offset = from + 1;
    };
    // A date stands on its own: digits inside a longer run of digits ("1700010821", an epoch
    // number, holds "17000108") are no date, whatever they spell.
    if ((from > 0 && digit(name[from - 1]) && digit(name[from])) ||
        (to < name.size() && digit(name[to]) && digit(name[to - 1]))) {
      next();
      continue;
    }
    int Y = 0, mo = 0, d = 0, H = 0, M = 0, S = 0;
    for (size_t g = 0; g < fields_.size(); ++g) {
      int v = std::stoi(m[g + 1].str());
      switch (fields_[g]) {
        case 'Y':
          Y = v;
          break;
        case 'm':
          mo = v;
          break;
        case 'd':
          d = v;
          break;
        case 'H':
          H = v;
          break;
        case 'M':
          M = v;
          break;
        case 'S':
          S = v;
          break;
      }
    }
    // A name without a day ("2027-03") stands for its whole month: it counts from the month's
    // end, the last moment something filed under it may date from.
    if (fields_.find('d') == std::string::npos && mo >= 1 && mo <= 12) {
      d = 1;
      if (++mo == 13) {
        mo = 1;
        ++Y;
      }
    }
    char iso[32];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", Y, mo, d, H, M, S);
    if (auto t = policies::parse_timestamp(iso)) return t;  // rejects 2027-13-45 and 25:00
    next();
  }
  return std::nullopt;
}

}  // namespace retentiond::connectors::files
