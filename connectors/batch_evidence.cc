#include "connectors/batch_evidence.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace retentiond::connectors {
namespace {

using nlohmann::json;

json key_json(const KeyValue& key) {
  if (const auto* n = std::get_if<long long>(&key)) return *n;
  return std::get<std::string>(key);
}

std::optional<KeyValue> key_from(const json& j) {
  if (j.is_number_integer()) return KeyValue{j.get<long long>()};
  if (j.is_string()) return KeyValue{j.get<std::string>()};
  return std::nullopt;
}

std::optional<json> parsed(const std::string& evidence) {
  json j = json::parse(evidence, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

std::string range_evidence(const KeyRange& range) {
  json j = {{"remaining", range.remaining}};
  j["after"] = range.after ? key_json(*range.after) : json(nullptr);
  j["last"] = range.last ? key_json(*range.last) : json(nullptr);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<KeyRange> parse_range_evidence(const std::string& evidence) {
  auto j = parsed(evidence);
  if (!j || !j->contains("last") || !j->contains("after") || !j->contains("remaining"))
    return std::nullopt;
  if (!(*j)["remaining"].is_number_integer()) return std::nullopt;
  KeyRange range;
  range.remaining = (*j)["remaining"].get<long long>();
  for (auto [name, bound] : {std::pair{"after", &range.after}, std::pair{"last", &range.last}}) {
    if ((*j)[name].is_null()) continue;
    *bound = key_from((*j)[name]);
    if (!*bound) return std::nullopt;
  }
  return range;
}

std::string transaction_evidence(const std::string& id) { return json{{"transaction", id}}.dump(); }

std::optional<std::string> parse_transaction_evidence(const std::string& evidence) {
  auto j = parsed(evidence);
  if (!j || !j->contains("transaction") || !(*j)["transaction"].is_string()) return std::nullopt;
  return (*j)["transaction"].get<std::string>();
}

std::string partition_evidence(const PartitionChange& change) {
  json j{{"partition", change.partition},
         {"table", change.table},
         {"detached_as", change.detached_as}};
  if (!change.more.empty()) j["more"] = change.more;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<PartitionChange> parse_partition_evidence(const std::string& evidence) {
  auto j = parsed(evidence);
  if (!j) return std::nullopt;
  for (const char* k : {"partition", "table", "detached_as"})
    if (!j->contains(k) || !(*j)[k].is_string()) return std::nullopt;
  PartitionChange change{(*j)["table"].get<std::string>(), (*j)["partition"].get<std::string>(),
                         (*j)["detached_as"].get<std::string>()};
  if (j->contains("more")) {
    if (!(*j)["more"].is_array()) return std::nullopt;
    for (const auto& name : (*j)["more"]) {
      if (!name.is_string()) return std::nullopt;
      change.more.push_back(name.get<std::string>());
    }
  }
  return change;
}

long long changed_from_remaining(const KeyRange& range, long long expected,
                                 long long now_remaining) {
  return std::clamp(range.remaining + expected - now_remaining, 0LL, expected);
}

}  // namespace retentiond::connectors
