#include "connectors/sql/walk.h"

#include <algorithm>
#include <cmath>

namespace retentiond::connectors::sql {

long long Walk::batch_end(long long from, long long limit, long long most) const {
  const long double left = static_cast<long double>(last) - static_cast<long double>(from) + 1;
  const long double expected = static_cast<long double>(matched - done);
  // With nothing more expected (rows moved or were deleted by someone else) the rest is
  // walked `most` positions at a time.
  long double span = expected > 0
                         ? std::ceil(0.75L * static_cast<long double>(limit) * left / expected)
                         : static_cast<long double>(most);
  span = std::clamp<long double>(span, 1, std::max<long double>(1, static_cast<long double>(most)));
  if (span >= left) return last;
  return from + static_cast<long long>(span) - 1;
}

}  // namespace retentiond::connectors::sql
