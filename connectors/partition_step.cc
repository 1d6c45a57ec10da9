#include "connectors/partition_step.h"

namespace retentiond::connectors {

std::string_view partition_step_name(PartitionStep::Kind kind) {
  switch (kind) {
    case PartitionStep::Kind::Drop:
      return "drop";
    case PartitionStep::Kind::Detach:
      return "detach";
    case PartitionStep::Kind::DropDetached:
      return "drop-detached";
    case PartitionStep::Kind::KeepDetached:
      return "keep-detached";
    case PartitionStep::Kind::Rows:
      return "rows";
  }
  return "rows";
}

}  // namespace retentiond::connectors
