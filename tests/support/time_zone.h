// Runs a piece of a test with TZ set to a given zone (local-time schedules), restoring it after.
#pragma once

#include <cstdlib>
#include <ctime>
#include <string>

namespace retentiond::testing {

template <typename F>
void in_zone(const char* zone, F body) {
  const char* current = std::getenv("TZ");
  const std::string old = current ? current : "";
  setenv("TZ", zone, 1);
  tzset();
  body();
  if (old.empty())
    unsetenv("TZ");
  else
    setenv("TZ", old.c_str(), 1);
  tzset();
}

}  // namespace retentiond::testing
