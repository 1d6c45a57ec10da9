#include "daemon/engine/pass_partitions.h"

#include <nlohmann/json.hpp>

namespace retentiond::daemon {
namespace {

using connectors::PartitionStep;
using nlohmann::json;

json step_json(const PartitionStep& step) {
  json part{{"action", std::string(connectors::partition_step_name(step.kind))},
            {"name", step.name},
            {"bounds", step.bounds},
            {"rows", step.rows}};
  // A large partition goes without being read: its rows are the statistics' estimate.
  if (step.estimated) part["rows_estimated"] = true;
  // A detached partition: the table it became, which an operator can take back in its grace.
  if (!step.detached_as.empty()) part["detached_as"] = step.detached_as;
  return part;
}

std::string dumped(const json& parts) {
  return parts.empty() ? "" : parts.dump(-1, ' ', false, json::error_handler_t::replace);
}

json parsed(const std::string& recorded) {
  json parts = json::parse(recorded, nullptr, /*allow_exceptions=*/false);
  return parts.is_array() ? parts : json();
}

bool pending(const json& part) { return part.is_object() && part.value("pending", false); }

}  // namespace

std::string partitions_json(const std::vector<PartitionStep>& done,
                            const std::vector<PartitionStep>& pending) {
  json parts = json::array();
  for (const auto& step : done) parts.push_back(step_json(step));
  for (const auto& step : pending) {
    json part = step_json(step);
    part["pending"] = true;
    parts.push_back(std::move(part));
  }
  return dumped(parts);
}

std::string settled_partitions(const std::string& recorded, bool committed) {
  if (recorded.empty()) return "";
  json parts = parsed(recorded);
  if (parts.is_null()) return recorded;
  json out = json::array();
  for (auto& part : parts) {
    if (pending(part)) {
      if (!committed) continue;
      part.erase("pending");
    }
    out.push_back(std::move(part));
  }
  return dumped(out);
}

std::vector<PartitionStep> pending_partitions(const std::string& recorded) {
  std::vector<PartitionStep> out;
  json parts = parsed(recorded);
  if (parts.is_null()) return out;
  for (const auto& part : parts) {
    if (!pending(part)) continue;
    PartitionStep step;
    const std::string action = part.value("action", "");
    for (auto kind : {PartitionStep::Kind::Drop, PartitionStep::Kind::Detach,
                      PartitionStep::Kind::DropDetached})
      if (connectors::partition_step_name(kind) == action) step.kind = kind;
    step.name = part.value("name", "");
    step.bounds = part.value("bounds", "");
    step.rows = part.value("rows", 0LL);
    step.estimated = part.value("rows_estimated", false);
    step.detached_as = part.value("detached_as", "");
    out.push_back(std::move(step));
  }
  return out;
}

}  // namespace retentiond::daemon
