// The age histogram's edges (fractions of the promise, in one unit where an exact one exists) and
// how bins and the forecast come out of cumulative counts.
#include "daemon/engine/age_profile.h"

#include <catch2/catch.hpp>

using retentiond::daemon::age_edges;
using retentiond::daemon::bins_from_counts;
using retentiond::daemon::forecast_from_counts;
using retentiond::policies::Duration;
using U = retentiond::policies::DurationUnit;

namespace {

std::vector<long long> amounts(const std::vector<Duration>& edges, U unit) {
  std::vector<long long> out;
  for (const auto& e : edges) out.push_back(e.unit == unit ? e.amount : -1);
  return out;
}

}  // namespace

TEST_CASE("age edges: fractions of the promise in one unit", "[age_profile]") {
  struct Case {
    Duration promise;
    U unit;
    std::vector<long long> edges;
  };
  const std::vector<Case> cases = {
      {{1, U::Year}, U::Month, {0, 3, 6, 9, 12, 18, 24, 36}},
      {{4, U::Year}, U::Year, {0, 1, 2, 3, 4, 6, 8, 12}},
      {{14, U::Month}, U::Month, {0, 4, 7, 11, 14, 21, 28, 42}},  // 3.5 and 10.5 rounded
      {{52, U::Day}, U::Day, {0, 13, 26, 39, 52, 78, 104, 156}},
      {{365, U::Day}, U::Day, {0, 91, 183, 274, 365, 548, 730, 1095}},
      {{2, U::Week}, U::Day, {0, 4, 7, 11, 14, 21, 28, 42}},
      {{2, U::Day}, U::Hour, {0, 12, 24, 36, 48, 72, 96, 144}},
      {{36, U::Hour}, U::Hour, {0, 9, 18, 27, 36, 54, 72, 108}},
  };
  for (const auto& c : cases) {
    INFO(c.promise.str());
    const auto e = age_edges(c.promise);
    CHECK(amounts(e.edges, c.unit) == c.edges);
    CHECK(e.promise == 4);
  }
}

TEST_CASE("age edges: a short month in days, the promise itself exact", "[age_profile]") {
  const auto e = age_edges({1, U::Month});
  REQUIRE(e.edges.size() == 8);
  CHECK(e.edges[1] == Duration{8, U::Day});  // 7.6 days
  CHECK(e.edges[2] == Duration{15, U::Day});
  CHECK(e.edges[4] == Duration{1, U::Month});
  CHECK(e.edges[5] == Duration{46, U::Day});
  CHECK(e.promise == 4);
}

TEST_CASE("age edges: a few hours rounded together are merged", "[age_profile]") {
  const auto e = age_edges({1, U::Hour});
  // 0, 0.25 → 0, 0.5 → 1, 0.75 → 1, 1, 1.5 → 2, 2, 3.
  CHECK(amounts(e.edges, U::Hour) == std::vector<long long>{0, 1, 2, 3});
  CHECK(e.edges[e.promise] == Duration{1, U::Hour});
}

TEST_CASE("bins are differences of the counts older than each edge", "[age_profile]") {
  const auto e = age_edges({1, U::Year});
  // 15 records dated; 12 older than 3 months, ..., 2 older than 3 years.
  const auto bins = bins_from_counts(e.edges, {15, 13, 12, 9, 7, 3, 2, 2}, e.promise);
  REQUIRE(bins.size() == 8);
  std::vector<long long> counts;
  std::vector<bool> past;
  for (const auto& b : bins) {
    counts.push_back(b.count);
    past.push_back(b.past_promise);
  }
  CHECK(counts == std::vector<long long>{2, 1, 3, 2, 4, 1, 0, 2});
  CHECK(past == std::vector<bool>{false, false, false, false, true, true, true, true});
  CHECK(bins[4].from == Duration{12, U::Month});
  CHECK(bins[4].to == Duration{18, U::Month});
  CHECK_FALSE(bins[7].to.has_value());
  // Records removed between two counts never make a bin negative.
  CHECK(bins_from_counts(e.edges, {1, 2, 0, 0, 0, 0, 0, 0}, e.promise)[0].count == 0);
}

TEST_CASE("the forecast is the difference of what is due at each month's end", "[age_profile]") {
  using retentiond::policies::TimePoint;
  const TimePoint t0{};
  const std::vector<TimePoint> ends = {t0, t0 + std::chrono::hours(744),
                                       t0 + std::chrono::hours(1416)};
  const auto months = forecast_from_counts(ends, {7, 8, 8});
  REQUIRE(months.size() == 2);
  CHECK(months[0].count == 1);
  CHECK(months[0].until == ends[1]);
  CHECK(months[1].count == 0);
}
