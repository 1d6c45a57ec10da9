// How connectors write the evidence of a batch (BatchIntent::evidence) and read it back when
// they reconcile: a key range for stores that count what is left in it (SQLite, MySQL), a
// transaction id for PostgreSQL, which can tell whether a transaction committed.
#pragma once

#include <optional>
#include <string>

#include "connectors/connector.h"

namespace retentiond::connectors {

// A key range holding every record the batch changed: keys in (after, last], no bound where one
// is missing (a table without a key: the whole table). `remaining`: the expired records (holds
// and notices aside) still in the range just before the batch committed; after a crash, as many
// remain if it committed, `expected` more if it did not.
struct KeyRange {
  std::optional<KeyValue> after;
  std::optional<KeyValue> last;
  long long remaining = 0;
};
std::string range_evidence(const KeyRange& range);
std::optional<KeyRange> parse_range_evidence(const std::string& evidence);

// A transaction id, as the store prints it.
std::string transaction_evidence(const std::string& id);
std::optional<std::string> parse_transaction_evidence(const std::string& evidence);

// A partition dropped or detached by a statement that commits on its own (MySQL's ALTER TABLE):
// whether it did shows in the catalog afterwards. `detached_as`: the table a detach makes, empty
// for a drop.
struct PartitionChange {
  std::string table;  // the partitioned table
  std::string partition;
  std::string detached_as;
  std::vector<std::string> more = {};  // further partitions the same statement dropped
};
std::string partition_evidence(const PartitionChange& change);
std::optional<PartitionChange> parse_partition_evidence(const std::string& evidence);

// How many of `expected` records a batch changed, from the expired records its range holds now:
// all of them when `range.remaining` are left, none when `expected` more are. In between (the
// application changed the range meanwhile) the difference is the best estimate.
long long changed_from_remaining(const KeyRange& range, long long expected,
                                 long long now_remaining);

}  // namespace retentiond::connectors
