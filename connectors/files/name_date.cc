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
  std::smatch m;
  std::string rest = name;
  while (std::regex_search(rest, m, regex_)) {
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
    // The next try starts one character on, not after the whole match: in "x-120270301" the
    // failed "12027030" hides the real 2027-03-01 one character later.
    rest = rest.substr(static_cast<size_t>(m.position(0)) + 1);
  }
  return std::nullopt;
}

}  // namespace retentiond::connectors::files
