// The time retentiond acts on, as a seam: the system's clock in production, a fixed or stepped
// one in tests of what depends on it (the scheduler's catch-up and backoff, a pass's stamps).
#pragma once

#include "policies/timestamp.h"

namespace retentiond::policies {

class Clock {
 public:
  virtual ~Clock() = default;
  // Now, in UTC, floored to the second.
  virtual TimePoint now() const = 0;
};

// The system's clock (now_utc()). Lives for the whole program.
const Clock& system_clock();

}  // namespace retentiond::policies
