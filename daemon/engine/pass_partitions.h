// The partitions a pass dropped or detached whole, as its audit entry and its record in progress
// keep them: a JSON array of {"action", "name", "bounds", "rows"} (with "rows_estimated": true
// where the rows are the statistics' estimate). In the record of a pass under way, the batch in
// flight's partitions carry "pending": true until that batch is known to have committed, so that
// the entry of a pass whose process died names every partition it took, and no other.
#pragma once

#include <string>
#include <vector>

#include "connectors/partition_step.h"

namespace retentiond::daemon {

// `done` then `pending` (marked so); "" when both are empty.
std::string partitions_json(const std::vector<connectors::PartitionStep>& done,
                            const std::vector<connectors::PartitionStep>& pending = {});

// A record's partitions once its batch in flight is judged: the pending ones kept (unmarked)
// when it committed, left out when it did not. "" when none is left; `recorded` as it is when
// it is not a JSON array (it is then kept for the operator to read).
std::string settled_partitions(const std::string& recorded, bool committed);

// The pending partitions of a record, as steps (kind, name, bounds, rows).
std::vector<connectors::PartitionStep> pending_partitions(const std::string& recorded);

}  // namespace retentiond::daemon
