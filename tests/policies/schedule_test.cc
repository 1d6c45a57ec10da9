#include "policies/schedule.h"

#include <cstdlib>
#include <ctime>
#include <random>
#include <set>

#include <catch2/catch.hpp>

#include "policies/timestamp.h"
#include "support/time_zone.h"

using namespace retentiond::policies;
using retentiond::testing::in_zone;
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
  for (const char* bad :
       {"", "daily", "daily 25:00", "daily 03:61", "daily 3", "weekly 04:00", "weekly funday 04:00",
        "every", "every 0h", "every 6", "every 6 parsecs", "hourly", "every 30s"}) {
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
  CHECK_FALSE(parse_interval("-5s", error));
  CHECK(error ==
        "interval '-5s' is negative: it must be a positive whole number with a unit, as "
        "in '6h' or '30m'");
  // 'M' is a month in most notations: never read as minutes.
  CHECK_FALSE(parse_interval("1M", error));
  CHECK(error ==
        "unit 'M' in interval '1M' is ambiguous: write minutes as 'm' (a month is no interval "
        "here; 'every 30d' or 'weekly sun 04:00' run less often)");
  CHECK(parse_interval("1H", error) == 1h);
}

TEST_CASE("batch budgets parse from 10 ms to 60 s", "[schedule]") {
  std::string error;
  CHECK(parse_batch_budget("200ms", error) == 200ms);
  CHECK(parse_batch_budget("2s", error) == 2000ms);
  CHECK(parse_batch_budget("10ms", error) == 10ms);
  CHECK(parse_batch_budget("60s", error) == 60000ms);
  CHECK(parse_batch_budget("500 MS", error) == 500ms);
  for (const char* bad :
       {"", "ms", "200", "9ms", "61s", "0s", "1m", "2.5s", "-1s", "99999999999999s"}) {
    INFO(bad);
    error.clear();
    CHECK_FALSE(parse_batch_budget(bad, error));
    CHECK(error.find("between 10ms and 60s") != std::string::npos);
  }
}

TEST_CASE("issue 17: numbers too big for an interval say so, not 'unknown unit'", "[schedule]") {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"every 2147483648m",
       "schedule 'every 2147483648m': interval '2147483648m' is longer than a year"},
      {"every 99999999999999999999999h",
       "schedule 'every 99999999999999999999999h': interval '99999999999999999999999h' is longer "
       "than a year"},
      {"every 367d", "schedule 'every 367d': interval '367d' is longer than a year"},
  };
  for (const auto& c : cases) {
    std::string error;
    INFO(c.text);
    CHECK_FALSE(parse_schedule(c.text, error));
    CHECK(error == c.error);
  }
  std::string error;
  CHECK_FALSE(parse_batch_budget("100000000000000000000ms", error));
  CHECK(error ==
        "batch budget '100000000000000000000ms' must be a whole number of ms or s between "
        "10ms and 60s, as in '200ms' or '2s'");
}

namespace {
std::string next_of(const std::string& schedule, const std::string& after) {
  return format_timestamp(next_run(parse(schedule), *parse_timestamp(after)));
}
std::string previous_of(const std::string& schedule, const std::string& at) {
  return format_timestamp(previous_run(parse(schedule), *parse_timestamp(at)));
}
}  // namespace

TEST_CASE("next runs in local time, across month ends and DST", "[schedule]") {
  in_zone("Europe/Paris", [] {
    // Winter: Paris is UTC+1. 03:15 local is 02:15Z.
    CHECK(next_of("daily 03:15", "2027-01-31T12:00:00Z") == "2027-02-01T02:15:00Z");
    CHECK(next_of("daily 03:15", "2027-01-31T02:14:59Z") == "2027-01-31T02:15:00Z");
    CHECK(next_of("daily 03:15", "2027-01-31T02:15:00Z") ==
          "2027-02-01T02:15:00Z");  // strictly after
    // Summer: UTC+2.
    CHECK(next_of("daily 03:15", "2027-07-01T00:00:00Z") == "2027-07-01T01:15:00Z");
    // Spring forward (2027-03-28, 02:00 -> 03:00): 02:30 does not exist; it runs at 03:30 CEST.
    CHECK(next_of("daily 02:30", "2027-03-28T00:00:00Z") == "2027-03-28T01:30:00Z");
    // The day after, 02:30 CEST again.
    CHECK(next_of("daily 02:30", "2027-03-28T12:00:00Z") == "2027-03-29T00:30:00Z");
    // Fall back (2027-10-31, 03:00 -> 02:00): 02:30 happens twice, retentiond runs once.
    CHECK(next_of("daily 02:30", "2027-10-30T12:00:00Z") == "2027-10-31T00:30:00Z");
    CHECK(next_of("daily 02:30", "2027-10-31T00:30:00Z") == "2027-11-01T01:30:00Z");
    // The same from any moment of that night: from local midnight (summer time still), and
    // from between the two 02:30s (not the second one: it would run twice).
    CHECK(next_of("daily 02:30", "2027-10-30T22:00:00Z") == "2027-10-31T00:30:00Z");
    CHECK(next_of("daily 02:30", "2027-10-31T00:10:00Z") == "2027-10-31T00:30:00Z");
    CHECK(next_of("daily 02:30", "2027-10-31T00:31:00Z") == "2027-11-01T01:30:00Z");
    CHECK(next_of("daily 02:30", "2027-10-31T01:10:00Z") == "2027-11-01T01:30:00Z");
    CHECK(previous_of("daily 02:30", "2027-10-31T01:45:00Z") == "2027-10-31T00:30:00Z");
    // Times that exist once that day are untouched by it.
    CHECK(next_of("daily 01:30", "2027-10-30T22:00:00Z") == "2027-10-30T23:30:00Z");
    CHECK(next_of("daily 04:00", "2027-10-31T00:31:00Z") == "2027-10-31T03:00:00Z");
    // Weekly: Sunday 04:00.
    CHECK(next_of("weekly sun 04:00", "2027-03-03T12:00:00Z") == "2027-03-07T03:00:00Z");
    CHECK(previous_of("weekly sun 04:00", "2027-03-03T12:00:00Z") == "2027-02-28T03:00:00Z");
    CHECK(previous_of("daily 03:15", "2027-03-01T02:15:00Z") == "2027-03-01T02:15:00Z");
    CHECK(previous_of("daily 03:15", "2027-03-01T02:14:59Z") == "2027-02-28T02:15:00Z");
  });
  CHECK(next_of("every 6h", "2027-01-01T00:00:00Z") == "2027-01-01T06:00:00Z");
  CHECK(previous_of("every 30m", "2027-01-01T00:00:00Z") == "2026-12-31T23:30:00Z");
}

TEST_CASE("random delays stay within their bound and vary", "[schedule]") {
  std::mt19937_64 rng(42);
  std::set<long long> seen;
  for (int i = 0; i < 2000; ++i) {
    auto d = random_delay_offset(std::chrono::seconds(900), rng);
    REQUIRE(d.count() >= 0);
    REQUIRE(d.count() < 900);
    seen.insert(d.count());
  }
  CHECK(seen.size() > 500);  // spread over the interval, not one fixed delay
  CHECK(*seen.begin() < 100);
  CHECK(*seen.rbegin() > 800);
  CHECK(random_delay_offset(std::chrono::seconds(0), rng).count() == 0);
  CHECK(random_delay_offset(std::chrono::seconds(1), rng).count() == 0);
}
