#include "policies/duration.h"

#include <catch2/catch.hpp>

#include "policies/timestamp.h"

using namespace retentiond::policies;

namespace {

Duration parse(const std::string& text) {
  std::string error;
  auto d = parse_duration(text, error);
  INFO(text << ": " << error);
  REQUIRE(d);
  return *d;
}

std::string before(const std::string& duration, const std::string& at) {
  auto t = parse_timestamp(at);
  REQUIRE(t);
  return format_timestamp(parse(duration).before(*t));
}

std::string parse_error(const std::string& text) {
  std::string error;
  auto d = parse_duration(text, error);
  CHECK_FALSE(d);
  return error;
}

}  // namespace

TEST_CASE("durations parse in every unit and spelling", "[duration]") {
  CHECK(parse("52d") == Duration{52, DurationUnit::Day});
  CHECK(parse("14mo") == Duration{14, DurationUnit::Month});
  CHECK(parse("1y") == Duration{1, DurationUnit::Year});
  CHECK(parse("36h") == Duration{36, DurationUnit::Hour});
  CHECK(parse("2w") == Duration{2, DurationUnit::Week});
  CHECK(parse("14 months") == Duration{14, DurationUnit::Month});
  CHECK(parse("1 year") == Duration{1, DurationUnit::Year});
  CHECK(parse("5 years") == Duration{5, DurationUnit::Year});
  CHECK(parse("3 days") == Duration{3, DurationUnit::Day});
  CHECK(parse("14mo").str() == "14mo");
  CHECK(parse("14mo").words() == "14 months");
  CHECK(parse("1y").words() == "1 year");
  CHECK(parse("52 d").words() == "52 days");
}

TEST_CASE("bad durations are refused with a reason", "[duration]") {
  CHECK(parse_error("14 moons") ==
        "unknown unit 'moons' in duration '14 moons' (use h, d, w, mo or y)");
  CHECK_FALSE(parse_error("").empty());
  CHECK_FALSE(parse_error("d").empty());
  CHECK_FALSE(parse_error("-3d").empty());
  CHECK_FALSE(parse_error("0d").empty());
  CHECK(parse_error("1.5y") ==
        "duration '1.5y' must be a whole number of its unit: write '18mo' for 1.5y, '36h' for "
        "1.5d");
  CHECK_FALSE(parse_error("52").empty());
  CHECK_FALSE(parse_error("99999999999999999999d").empty());
  CHECK_FALSE(parse_error("1m").empty());  // minutes or months? ambiguous: refused
}

TEST_CASE("months and years are calendar months and years", "[duration]") {
  CHECK(before("1y", "2028-03-01T00:00:00Z") == "2027-03-01T00:00:00Z");
  CHECK(before("14mo", "2028-03-01T00:00:00Z") == "2027-01-01T00:00:00Z");
  CHECK(before("1y", "2028-02-29T12:00:00Z") == "2027-02-28T12:00:00Z");  // clamped
  CHECK(before("4y", "2028-02-29T00:00:00Z") == "2024-02-29T00:00:00Z");  // leap to leap
  CHECK(before("1mo", "2027-03-31T08:30:00Z") == "2027-02-28T08:30:00Z");
  CHECK(before("1mo", "2028-03-31T00:00:00Z") == "2028-02-29T00:00:00Z");
  CHECK(before("3mo", "2027-05-31T00:00:00Z") == "2027-02-28T00:00:00Z");
  CHECK(before("12mo", "2027-01-15T00:00:00Z") == "2026-01-15T00:00:00Z");
  CHECK(before("13mo", "2027-01-15T00:00:00Z") == "2025-12-15T00:00:00Z");
  CHECK(before("5y", "2027-06-30T23:59:59Z") == "2022-06-30T23:59:59Z");
}

TEST_CASE("hours, days and weeks are fixed lengths", "[duration]") {
  CHECK(before("52d", "2027-03-01T00:00:00Z") == "2027-01-08T00:00:00Z");
  CHECK(before("1d", "2028-03-01T00:00:00Z") == "2028-02-29T00:00:00Z");
  CHECK(before("365d", "2028-03-01T00:00:00Z") == "2027-03-02T00:00:00Z");  // not 1y
  CHECK(before("2w", "2027-01-10T00:00:00Z") == "2026-12-27T00:00:00Z");
  CHECK(before("36h", "2027-01-02T12:00:00Z") == "2027-01-01T00:00:00Z");
}

TEST_CASE("after mirrors before", "[duration]") {
  auto t = parse_timestamp("2027-01-31T00:00:00Z");
  REQUIRE(t);
  CHECK(format_timestamp(parse("1mo").after(*t)) == "2027-02-28T00:00:00Z");
  CHECK(format_timestamp(parse("30d").after(*t)) == "2027-03-02T00:00:00Z");
}
