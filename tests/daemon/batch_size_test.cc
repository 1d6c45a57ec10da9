// The batch-size controller: sized from the last batch's time against the policy's budget.
#include "daemon/batch_size.h"

#include <catch2/catch.hpp>

using namespace retentiond::daemon;
using namespace std::chrono_literals;

TEST_CASE("batches are sized to half the time budget", "[batch]") {
  // 10,000 rows in 50 ms: 100 ms (half of 200 ms) holds 20,000; half of 20 ms holds 2,000.
  CHECK(next_batch_size(10'000, 50ms, 200ms, 50'000) == 20'000);
  CHECK(next_batch_size(10'000, 50ms, 20ms, 50'000) == 2'000);
  CHECK(next_batch_size(10'000, 50ms, 2s, 1'000'000) == 40'000);  // 200,000 would fit: x4 at most
}

TEST_CASE("a batch that ran long shrinks the next one at once", "[batch]") {
  CHECK(next_batch_size(40'000, 800ms, 200ms, 50'000) == 5'000);
  CHECK(next_batch_size(10, 10s, 10ms, 50'000) == 1);  // never below one record
}

TEST_CASE("batches grow by four at most, up to the cap", "[batch]") {
  CHECK(next_batch_size(500, 0ms, 200ms, 50'000) == 2'000);  // a batch under 1 ms counts as 1 ms
  CHECK(next_batch_size(30'000, 1ms, 200ms, 50'000) == 50'000);
  CHECK(next_batch_size(1, 1ms, 60s, 50'000) == 4);
}
