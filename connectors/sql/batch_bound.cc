#include "connectors/sql/batch_bound.h"

#include <string>

namespace retentiond::connectors::sql {

void check_batch_bound(long long affected, long long allowed, std::string_view statement,
                       Bound bound) {
  if (affected <= allowed) return;
  const std::string limit = bound == Bound::Selected
                                ? "the batch selected " + std::to_string(allowed)
                                : "a batch may touch at most " + std::to_string(allowed);
  throw BatchOverrun("the batch's " + std::string(statement) + " affected " +
                     std::to_string(affected) + " rows but " + limit +
                     ": rolled back, nothing of this batch changed");
}

}  // namespace retentiond::connectors::sql
