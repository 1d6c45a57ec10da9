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

}  // namespace retentiond::daemon
