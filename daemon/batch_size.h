// How big the next batch of a pass is: sized from how long the last one took, so that each batch
// stays within the policy's time budget (`batch_budget`, 200 ms by default) whatever the store,
// the table and the server's load.
#pragma once

#include <chrono>

namespace retentiond::daemon {

// The next batch's size, after a batch of `size` records took `took`. It aims at half the
// budget, grows by 4x at most and never beyond `max_batch`, and shrinks at once (to one record
// at the least) when a batch ran long.
long long next_batch_size(long long size, std::chrono::steady_clock::duration took,
                          std::chrono::milliseconds budget, long long max_batch);

}  // namespace retentiond::daemon
