// How big the next batch of a pass is: sized from how long the last one took, so that each batch
// stays within the policy's time budget (`batch_budget`, 200 ms by default) whatever the store,
// the table and the server's load.
#pragma once

#include <chrono>

namespace retentiond::daemon {

// The bounds of a batch (docs/policy-reference.md, batch_budget): below 500 records, the cost of
// each statement and commit outweighs the work; above 50,000, one transaction holds its locks
// and its undo for too long. (A batch is smaller still when fewer records remain, or when the
// max_affected guard leaves less room: the pass limits each batch to that room.)
inline constexpr long long kMinBatch = 500;
inline constexpr long long kMaxBatch = 50'000;

// The next batch's size, after a batch of `size` records took `took`. It aims at half the
// budget, grows by 4x at most, never goes beyond `max_batch` nor kMaxBatch, and shrinks at once
// when a batch ran long, but never below kMinBatch (nor below `max_batch` when that is smaller).
long long next_batch_size(long long size, std::chrono::steady_clock::duration took,
                          std::chrono::milliseconds budget, long long max_batch);

// A pass's batch sizes, from its last two batches. A batch's time is a fixed part (round trips,
// the COMMIT and its fsync, the state file's record of it) plus a part per record; where the
// fixed part dominates (small batches on a server with durable commits), sizing in proportion to
// the last batch's time grows far too slowly (500 records in 30 ms, of which 28 fixed, would next
// be 1,600 when 30,000 fit). Two batches of different sizes tell the parts apart, and the next
// size aims at half the budget with both; it is never smaller than next_batch_size() says nor
// more than 4x the last, and a batch that ran long shrinks the next one at once as before. When
// the two figures contradict each other (noise: a larger batch that was faster), the last batch
// alone decides.
class BatchSizer {
 public:
  BatchSizer(std::chrono::milliseconds budget, long long max_batch)
      : budget_(budget), max_batch_(max_batch) {}

  // The size after a batch of `size` records that took `took`.
  long long next(long long size, std::chrono::steady_clock::duration took);

 private:
  std::chrono::milliseconds budget_;
  long long max_batch_;
  long long last_size_ = 0;  // 0: no batch yet
  double last_ms_ = 0;
};

}  // namespace retentiond::daemon
