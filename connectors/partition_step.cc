#include "connectors/partition_step.h"

#include <algorithm>

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

bool any_unit_estimated(const std::vector<PartitionStep>& steps) {
  using Kind = PartitionStep::Kind;
  return std::any_of(steps.begin(), steps.end(), [](const PartitionStep& s) {
    return s.estimated && (s.kind == Kind::Drop || s.kind == Kind::Detach);
  });
}

}  // namespace retentiond::connectors
