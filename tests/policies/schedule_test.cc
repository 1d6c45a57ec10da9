#include "policies/schedule.h"

#include <catch2/catch.hpp>

using namespace retentiond::policies;
using namespace std::chrono_literals;

namespace {
Schedule parse(const std::string& text) {
  std::string error;
  auto s = parse_schedule(text, error);
  INFO(text << ": " << error);
  REQUIRE(s);
  return *s;
}
}  // namespace

TEST_CASE("schedules parse", "[schedule]") {
  auto daily = parse("daily 03:15");
  CHECK(daily.kind == Schedule::Kind::Daily);
  CHECK(daily.hour == 3);
  CHECK(daily.minute == 15);
  auto weekly = parse("weekly sun 04:00");
  CHECK(weekly.kind == Schedule::Kind::Weekly);
  CHECK(weekly.weekday == std::chrono::Sunday);
  CHECK(weekly.hour == 4);
  auto every = parse("every 6h");
  CHECK(every.kind == Schedule::Kind::Every);
  CHECK(every.interval == 6h);
  CHECK(parse("every 30m").interval == 30min);
}

TEST_CASE("bad schedules are refused", "[schedule]") {
  for (const char* bad : {"", "daily", "daily 25:00", "daily 03:61", "daily 3", "weekly 04:00",
                          "weekly funday 04:00", "every", "every 0h", "every 6", "every 6 parsecs",
                          "hourly", "every 30s"}) {
    std::string error;
    INFO(bad);
    CHECK_FALSE(parse_schedule(bad, error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("intervals parse", "[schedule]") {
  std::string error;
  CHECK(parse_interval("90s", error) == 90s);
  CHECK(parse_interval("15m", error) == 15min);
  CHECK(parse_interval("6h", error) == 6h);
  CHECK_FALSE(parse_interval("6x", error));
}
