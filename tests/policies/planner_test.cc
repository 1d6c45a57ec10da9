#include "policies/planner.h"

#include <catch2/catch.hpp>

#include "policies/timestamp.h"

using namespace retentiond::policies;

namespace {
MaxAffected percent(long long millipercent) {
  MaxAffected m;
  m.kind = MaxAffected::Kind::Percent;
  m.millipercent = millipercent;
  m.text = std::to_string(millipercent / 1000) + "%";
  return m;
}
MaxAffected count(long long n) {
  MaxAffected m;
  m.kind = MaxAffected::Kind::Count;
  m.count = n;
  m.text = std::to_string(n);
  return m;
}
}  // namespace

TEST_CASE("the cut-off is the pass's moment minus the duration", "[planner]") {
  Policy p;
  p.expire_after = Duration{14, DurationUnit::Month};
  auto c = cutoff_for(p, *parse_timestamp("2028-03-01T00:00:00Z"));
  CHECK(format_timestamp(c.cutoff) == "2027-01-01T00:00:00Z");
  CHECK(format_timestamp(c.now) == "2028-03-01T00:00:00Z");
}

TEST_CASE("the default guard refuses more than 90% of more than 10 rows", "[planner][guard]") {
  MaxAffected d;
  CHECK(check_guard(d, 10, 10, "rows").allowed);        // 10 rows or fewer: always allowed
  CHECK(check_guard(d, 9, 11, "rows").allowed);         // 81.8%
  CHECK_FALSE(check_guard(d, 10, 11, "rows").allowed);  // 90.9%
  CHECK(check_guard(d, 90, 100, "rows").allowed);       // exactly 90%
  CHECK_FALSE(check_guard(d, 91, 100, "rows").allowed);
  auto refused = check_guard(d, 1000, 1000, "rows");
  CHECK_FALSE(refused.allowed);
  CHECK(refused.reason.find("max_affected") != std::string::npos);
  // Counts with a whole partition's catalog estimate in them say so.
  CHECK(check_guard(d, 1000, 1000, "rows", true)
            .reason.rfind("refused: would touch about 1,000 of about 1,000 selected rows", 0) == 0);
}

TEST_CASE("percent and count guards", "[planner][guard]") {
  CHECK(check_guard(percent(5000), 5, 100, "rows").allowed);
  CHECK_FALSE(check_guard(percent(5000), 6, 100, "rows").allowed);
  CHECK(check_guard(percent(100000), 1000, 1000, "rows").allowed);
  CHECK(check_guard(count(3), 3, 1000, "files").allowed);
  CHECK_FALSE(check_guard(count(3), 4, 1000, "files").allowed);
  CHECK(check_guard(count(3), 0, 0, "files").allowed);
  CHECK(check_guard(count(3), 3, 1000, "files").limit == 3);
}

TEST_CASE("thousands separators", "[planner]") {
  CHECK(with_thousands(0) == "0");
  CHECK(with_thousands(999) == "999");
  CHECK(with_thousands(1204) == "1,204");
  CHECK(with_thousands(1234567) == "1,234,567");
}
