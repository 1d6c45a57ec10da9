// sql::Walk::batch_end: how far the next batch of a physical walk reaches.
#include "connectors/sql/walk.h"

#include <limits>

#include <catch2/catch.hpp>

using retentiond::connectors::sql::Walk;

TEST_CASE("a walk's batch covers about 3/4 of its limit at the density still ahead",
          "[walk][unit]") {
  Walk walk{0, 999, 10'000, 0};                   // 10 expired rows per position
  CHECK(walk.batch_end(0, 400, 1'000) == 29);     // 30 positions: 300 rows
  walk.done = 9'000;                              // 1,000 left over 900 positions
  CHECK(walk.batch_end(100, 400, 1'000) == 369);  // 270 positions
}

TEST_CASE("a walk's batch stays within its bounds", "[walk][unit]") {
  Walk walk{10, 19, 10, 0};
  CHECK(walk.batch_end(10, 1'000, 1'000) == 19);  // never past the last position
  CHECK(walk.batch_end(19, 1, 1'000) == 19);      // at least one position
  CHECK(walk.batch_end(10, 1'000, 3) == 12);      // at most `most` positions
  walk.done = 10;                                 // nothing expected ahead: `most` at a time
  CHECK(walk.batch_end(12, 100, 4) == 15);
  walk.done = 20;  // more done than planned (rows that expired meanwhile)
  CHECK(walk.batch_end(12, 100, 4) == 15);
}

TEST_CASE("a walk over the whole 64-bit range does not overflow", "[walk][unit]") {
  const long long min = std::numeric_limits<long long>::min() + 1,
                  max = std::numeric_limits<long long>::max();
  Walk walk{min, max, 2, 0};
  const long long end = walk.batch_end(min, 1'000, 1'000 * 64);
  CHECK(end == min + 64'000 - 1);
  CHECK(walk.batch_end(max - 5, 1'000, 64'000) == max);
}
