#include "connectors/sql/partition_plan.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "policies/planner.h"

namespace retentiond::connectors::sql {

std::string detached_table_name(const std::string& base_name, policies::TimePoint at,
                                size_t max_bytes, int variant) {
  const std::string base = variant > 1 ? base_name + "_" + std::to_string(variant) : base_name;
  const std::string day = policies::format_timestamp(at).substr(0, 10);
  const std::string suffix =
      "_rd_detached_" + day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2);
  if (base.size() + suffix.size() <= max_bytes) return base + suffix;
  std::uint32_t hash = 2166136261u;  // FNV-1a: stable from one version to the next
  for (unsigned char c : base) hash = (hash ^ c) * 16777619u;
  char hex[10];
  std::snprintf(hex, sizeof hex, "_%08x", hash);
  size_t keep = max_bytes - suffix.size() - 9;
  while (keep > 0 && (static_cast<unsigned char>(base[keep]) & 0xC0) == 0x80) --keep;
  return base.substr(0, keep) + hex + suffix;
}

std::string detached_names_taken(const std::string& partition, const std::string& first,
                                 const std::string& last) {
  return "partition " + partition + " cannot be detached: the names " + first + " to " + last +
         " are all taken in its schema; nothing was changed";
}

bool has_detached_name(std::string_view name) {
  constexpr std::string_view kSuffix = "_rd_detached_";
  if (name.size() < kSuffix.size() + 8) return false;
  const auto day = name.substr(name.size() - 8);
  return name.substr(name.size() - 8 - kSuffix.size(), kSuffix.size()) == kSuffix &&
         std::all_of(day.begin(), day.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string unit_done_words(const PartitionStep& step) {
  const std::string head = std::string(partition_step_name(step.kind)) + " " + step.name;
  if (step.kind == PartitionStep::Kind::DropDetached)
    return head + " (its rows were counted when it was detached)";
  return head + " (" + (step.estimated ? "about " : "") + policies::with_thousands(step.rows) +
         (step.rows == 1 ? " row)" : " rows)");
}

std::string partition_mode_words(const policies::Policy& policy) {
  return "'partitions: " + std::string(policies::partition_mode_name(policy.partitions)) + "'";
}

std::optional<std::string> partitions_rows_only(const policies::Policy& policy,
                                                const PassContext& ctx) {
  if (auto why = policies::partitions_forced_to_rows(policy)) return *why;
  if (auto why = policies::partition_basis_problem(policy)) return *why;
  (void)ctx;
  return std::nullopt;
}

HeldLook held_look(const std::string& key_column, const PassContext& ctx) {
  if (key_column.empty() || ctx.held_keys.empty()) return {};
  return {key_column, nlohmann::json(ctx.held_keys).dump()};  // UTF-8 (daemon/holds.h)
}

void keep_held_partitions(const policies::Policy& policy, const PassContext& ctx,
                          std::vector<PartitionStep>& steps,
                          const std::function<bool(const PartitionStep&)>& holds_held,
                          PlanStats& stats) {
  if (ctx.held_keys.empty()) return;
  for (auto& step : steps) {
    if (step.kind != PartitionStep::Kind::Drop && step.kind != PartitionStep::Kind::Detach)
      continue;
    if (!holds_held(step)) continue;
    step.kind = PartitionStep::Kind::Rows;
    step.range = PartitionStep::Range::Unknown;  // read by the plan: its held record is counted
    step.held = true;
    stats.warnings.push_back("partition " + step.name +
                             " holds a record under a legal hold (retentiond hold list --policy " +
                             policy.name +
                             "): it goes through the batches, which keep the held "
                             "record, instead of going whole (" +
                             partition_mode_words(policy) + ")");
  }
}

bool add_unread(const PartitionStep& step, PlanStats& stats) {
  if (step.kind == PartitionStep::Kind::Drop || step.kind == PartitionStep::Kind::Detach) {
    stats.total += step.rows;
    stats.matched += step.rows;
    return true;
  }
  if (step.kind != PartitionStep::Kind::Rows) return true;  // detached: no longer the table's
  if (step.range == PartitionStep::Range::Unknown) return false;
  stats.total += step.rows;
  if (step.range == PartitionStep::Range::Future) stats.future += step.rows;
  return true;
}

void take_oldest_unit(
    const std::vector<PartitionStep>& steps,
    const std::function<std::optional<policies::TimePoint>(const PartitionStep&)>& oldest_in,
    PlanStats& stats) {
  for (const auto& step : steps) {
    if (step.kind != PartitionStep::Kind::Drop && step.kind != PartitionStep::Kind::Detach)
      continue;
    if (step.estimated) {
      stats.oldest.reset();
      return;
    }
    auto oldest = oldest_in(step);
    if (!oldest) continue;  // empty: the next one
    if (!stats.oldest || *oldest < *stats.oldest) stats.oldest = oldest;
    return;
  }
}

void plan_partition_units(
    std::vector<PartitionStep> steps,
    const std::function<std::vector<std::string>(const PartitionStep&)>& statements_of,
    PlanStats& stats) {
  std::vector<PartitionStep> units;
  for (const auto& step : steps) {
    if (!acts_as_unit(step)) continue;
    units.push_back(step);
    for (auto& s : statements_of(step)) stats.statements.push_back(std::move(s));
  }
  stats.start = Cursor::partitions_first(std::move(units), stats.start);
  stats.partitions = std::move(steps);
}

std::optional<policies::TimePoint> upper_bound_time(
    const std::string& literal,
    const std::function<std::optional<policies::TimePoint>(const std::string&)>& parse) {
  auto time = parse(literal);
  if (!time) return time;
  // The fraction: digits after the '.' that follows the seconds ("hh:mm:ss.fff").
  const size_t colon = literal.rfind(':', literal.find('.'));
  const size_t dot = literal.find('.');
  if (dot == std::string::npos || colon == std::string::npos || dot < colon) return time;
  for (size_t i = dot + 1;
       i < literal.size() && std::isdigit(static_cast<unsigned char>(literal[i])); ++i)
    if (literal[i] != '0') return *time + std::chrono::seconds(1);
  return time;
}

}  // namespace retentiond::connectors::sql
