#include "policies/clock.h"

namespace retentiond::policies {
namespace {

class SystemClock : public Clock {
 public:
  TimePoint now() const override { return now_utc(); }
};

}  // namespace

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace retentiond::policies
