// The batch-size controller: sized from the last batch's time against the policy's budget,
// always between 500 and 50,000 records (issue 17, item 12).
#include "daemon/engine/batch_size.h"

#include <catch2/catch.hpp>

using namespace retentiond::daemon;
using namespace std::chrono_literals;

TEST_CASE("batches are sized to half the time budget", "[batch]") {
  // 10,000 rows in 50 ms: 100 ms (half of 200 ms) holds 20,000; half of 20 ms holds 2,000.
  CHECK(next_batch_size(10'000, 50ms, 200ms, 50'000) == 20'000);
  CHECK(next_batch_size(10'000, 50ms, 20ms, 50'000) == 2'000);
}

TEST_CASE("a batch that ran long shrinks the next one at once", "[batch]") {
  CHECK(next_batch_size(40'000, 800ms, 200ms, 50'000) == 5'000);
}

TEST_CASE("batches grow by four at most, up to the cap", "[batch]") {
  CHECK(next_batch_size(500, 0ms, 200ms, 50'000) == 2'000);  // a batch under 1 ms counts as 1 ms
  CHECK(next_batch_size(30'000, 1ms, 200ms, 50'000) == 50'000);
  CHECK(next_batch_size(10'000, 50ms, 2s, 1'000'000) == 40'000);  // 200,000 would fit: x4 at most
}

TEST_CASE("issue 17: batches never go below 500 records", "[batch]") {
  // A slow store or a tiny batch_budget used to drive batches down to one record.
  CHECK(next_batch_size(10, 10s, 10ms, 50'000) == 500);
  CHECK(next_batch_size(40'000, 60s, 10ms, 50'000) == 500);
  // A batch cut short by the max_affected room (the pass passes that smaller limit) does not
  // drag the next one below the floor either.
  CHECK(next_batch_size(3, 1ms, 200ms, 50'000) == 500);
  CHECK(next_batch_size(1, 1ms, 60s, 50'000) == 500);
  // A caller's cap below the floor wins: the floor never exceeds the cap.
  CHECK(next_batch_size(100, 10s, 10ms, 200) == 200);
}

TEST_CASE("issue 17: batches never go above 50,000 records", "[batch]") {
  CHECK(next_batch_size(40'000, 1ms, 60s, 1'000'000) == 50'000);
  CHECK(next_batch_size(50'000, 0ms, 60s, 50'000) == 50'000);
}

TEST_CASE("a pass's batches tell the fixed part of their time from the part per record",
          "[batch]") {
  // 500 records in 30 ms, then 1,500 in 32 ms: 29 ms fixed, 2 us a record. Half the 200 ms
  // budget then holds (100 - 29) / 0.002 = 35,500 records; 4x the last batch is the bound.
  BatchSizer sizer(200ms, 50'000);
  CHECK(sizer.next(500, 30ms) == 1'666);  // one batch: in proportion to its time
  CHECK(sizer.next(1'500, 32ms) == 6'000);
  CHECK(sizer.next(6'000, 41ms) == 24'000);
  // 24,000 in 77 ms: (77 - 41) / 18,000 = 2 us a record, 29 ms fixed: 35,500 fit in 100 ms.
  CHECK(sizer.next(24'000, 77ms) == 35'500);
}

TEST_CASE("a pass's batches: contradicting or long batches leave the proportional size",
          "[batch]") {
  BatchSizer noisy(200ms, 50'000);
  noisy.next(2'000, 40ms);
  // Larger but faster: no per-record cost can be told; the last batch alone decides.
  CHECK(noisy.next(8'000, 20ms) == next_batch_size(8'000, 20ms, 200ms, 50'000));
  BatchSizer slow(200ms, 50'000);
  slow.next(2'000, 40ms);
  // Over half the budget: shrink (or grow) in proportion, at once.
  CHECK(slow.next(8'000, 300ms) == next_batch_size(8'000, 300ms, 200ms, 50'000));
  // The caller's cap and the ceiling hold.
  BatchSizer capped(200ms, 3'000);
  capped.next(500, 30ms);
  CHECK(capped.next(1'000, 31ms) == 3'000);
}
