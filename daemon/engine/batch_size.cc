#include "daemon/engine/batch_size.h"

#include <algorithm>

namespace retentiond::daemon {

long long next_batch_size(long long size, std::chrono::steady_clock::duration took,
                          std::chrono::milliseconds budget, long long max_batch) {
  double ms = std::max(1.0, std::chrono::duration<double, std::milli>(took).count());
  // Aim at half the budget: batches of the same size vary by a third or more on a busy server
  // (locks, its own background work), and every one of them should stay under the budget.
  double target = static_cast<double>(size) * 0.5 * static_cast<double>(budget.count()) / ms;
  // Growing is bounded (x4) since time is not quite linear in size; shrinking is not: a batch
  // that ran over says so at once, down to the floor.
  const double most = static_cast<double>(std::max(1LL, std::min(max_batch, kMaxBatch)));
  const double least = std::min(static_cast<double>(kMinBatch), most);
  const double grown = std::min(static_cast<double>(size) * 4.0, most);
  return static_cast<long long>(std::clamp(target, least, std::max(least, grown)));
}

long long BatchSizer::next(long long size, std::chrono::steady_clock::duration took) {
  const double ms = std::max(1.0, std::chrono::duration<double, std::milli>(took).count());
  const long long proportional = next_batch_size(size, took, budget_, max_batch_);
  const double half = 0.5 * static_cast<double>(budget_.count());
  long long out = proportional;
  if (last_size_ > 0 && last_size_ != size && ms <= half) {
    const double per_record = (ms - last_ms_) / static_cast<double>(size - last_size_);
    const double fixed = ms - per_record * static_cast<double>(size);
    if (per_record > 0 && fixed > 0 && fixed < half) {
      const double most =
          static_cast<double>(std::min({max_batch_, kMaxBatch, std::max(1LL, size) * 4}));
      const double target = std::min((half - fixed) / per_record, most);
      out = std::max(proportional, static_cast<long long>(target));
    }
  }
  last_size_ = size;
  last_ms_ = ms;
  return out;
}

}  // namespace retentiond::daemon
