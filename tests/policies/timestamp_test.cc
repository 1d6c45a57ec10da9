#include "policies/timestamp.h"

#include <catch2/catch.hpp>

using namespace retentiond::policies;

namespace {
std::string norm(const std::string& text) {
  auto t = parse_timestamp(text);
  INFO(text);
  REQUIRE(t);
  return format_timestamp(*t);
}
}  // namespace

TEST_CASE("ISO-8601 forms parse to UTC", "[timestamp]") {
  CHECK(norm("2027-03-01") == "2027-03-01T00:00:00Z");
  CHECK(norm("2027-03-01T00:00") == "2027-03-01T00:00:00Z");
  CHECK(norm("2027-03-01T00:00:00Z") == "2027-03-01T00:00:00Z");
  CHECK(norm("2027-03-01 00:00:00") == "2027-03-01T00:00:00Z");
  CHECK(norm("2027-03-01T02:00:00+02:00") == "2027-03-01T00:00:00Z");
  CHECK(norm("2027-02-28T23:30:00-01:00") == "2027-03-01T00:30:00Z");
  CHECK(norm("2027-03-01 00:00:00.999") == "2027-03-01T00:00:00Z");  // floored
  CHECK(norm("2028-02-29T12:00:00Z") == "2028-02-29T12:00:00Z");
}

TEST_CASE("impossible or malformed timestamps are refused", "[timestamp]") {
  for (const char* bad : {"2027-02-30", "2027-02-29", "2027-13-01", "2027-00-10",
                          "2027-03-01T24:00:00", "2027-03-01T12:60:00", "yesterday", "", "2027-3-1",
                          "2027-03-01T00:00:00+25:00", "2027-03-01T00:00:00Zjunk"}) {
    INFO(bad);
    CHECK_FALSE(parse_timestamp(bad));
  }
}

TEST_CASE("epoch conversions round-trip", "[timestamp]") {
  CHECK(epoch_seconds(*parse_timestamp("1970-01-01T00:00:00Z")) == 0);
  CHECK(epoch_seconds(*parse_timestamp("2027-03-01T00:00:00Z")) == 1803859200);
  CHECK(format_timestamp(from_epoch_seconds(1803859200)) == "2027-03-01T00:00:00Z");
}

TEST_CASE("issue 17: years outside 0000-9999 print as ISO-8601 expanded years", "[timestamp]") {
  using namespace std::chrono;
  auto at = [](int y, unsigned m, unsigned d) {
    return TimePoint{sys_days{year{y} / month{m} / day{d}}};
  };
  CHECK(format_timestamp(at(0, 1, 1)) == "0000-01-01T00:00:00Z");
  CHECK(format_timestamp(at(9999, 12, 31)) == "9999-12-31T00:00:00Z");
  CHECK(format_timestamp(at(-1, 1, 1)) == "-0001-01-01T00:00:00Z");  // was "-001-01-01..."
  CHECK(format_timestamp(at(-999, 6, 15)) == "-0999-06-15T00:00:00Z");
  CHECK(format_timestamp(at(10000, 1, 1)) == "+10000-01-01T00:00:00Z");
  CHECK(format_sql_datetime(at(2027, 3, 1)) == "2027-03-01 00:00:00");
  CHECK(format_sql_datetime(at(-1, 1, 1)) == "-0001-01-01 00:00:00");
  CHECK(norm("0000-01-01") == "0000-01-01T00:00:00Z");
  CHECK_FALSE(parse_timestamp("-0001-01-01T00:00:00Z"));  // never read from a store
}
