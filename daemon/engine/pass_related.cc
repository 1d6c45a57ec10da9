#include "daemon/engine/pass_related.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace retentiond::daemon {

using connectors::Error;
using connectors::ErrorKind;

std::optional<Error> RelatedOfPass::open(const policies::Policy& policy, const PassOptions& options,
                                         PassOutcome& o) {
  policy_ = &policy;
  outcome_ = &o;
  o.also_removed.assign(policy.also_stores.size(), 0);
  for (const auto& rule : policy.also_stores) {
    const std::string needed =
        " (the policy's 'also:' names store '" + rule.store + "'); nothing was changed";
    if (!options.other_store)
      return Error{ErrorKind::Config,
                   "store '" + rule.store + "' is not open in this pass" + needed};
    auto store = options.other_store(rule.store);
    if (!store) return Error{store.error().kind, store.error().message + needed};
    auto statement = store.value()->related_statement(policy, rule);
    if (!statement) return Error{statement.error().kind, statement.error().message + needed};
    o.plan.statements.push_back(statement.value());
    stores_.push_back(store.value());
  }
  return std::nullopt;
}

void RelatedOfPass::hand(size_t rule, const std::vector<std::string>& values) {
  long long announced = 0;  // recorded as pending, just before the other store's COMMIT
  auto before_commit = [&](long long n) {
    if (!on_pending_ || n == 0) return;
    std::vector<long long> only(policy_->also_stores.size(), 0);
    only.at(rule) = n;
    on_pending_(also_stores_json(*policy_, only));
    announced = n;
  };
  auto removed = stores_.at(rule)->remove_related(*policy_, policy_->also_stores.at(rule), values,
                                                  before_commit);
  if (!removed) {
    // Announced, then failed: the COMMIT itself failed, and may have happened (its reply lost).
    if (announced > 0) {
      outcome_->also_unconfirmed.resize(policy_->also_stores.size(), 0);
      outcome_->also_unconfirmed.at(rule) += announced;
      outcome_->also_stores_record =
          also_stores_json(*policy_, outcome_->also_removed, outcome_->also_unconfirmed);
    }
    Error e = removed.error();
    e.message += "; the batch was rolled back, its records are kept for the next pass";
    throw connectors::RelatedStoreFailed(std::move(e));
  }
  outcome_->also_removed.at(rule) += removed.value();
  outcome_->also_stores_record =
      also_stores_json(*policy_, outcome_->also_removed, outcome_->also_unconfirmed);
  if (!on_removed_ || removed.value() == 0) return;
  try {
    on_removed_(outcome_->also_stores_record);
  } catch (const std::exception& e) {
    const auto& r = policy_->also_stores.at(rule);
    throw connectors::RelatedStoreFailed(Error{
        ErrorKind::Io, "store '" + r.store + "' removed " +
                           policies::counted(removed.value(), policies::also_store_unit(r)) +
                           ", which cannot be recorded (" + e.what() +
                           "); the batch was rolled back, its records are kept for the next pass"});
  }
}

void RelatedOfPass::log(bool batches_ran) const {
  if (!policy_) return;
  for (size_t i = 0; i < stores_.size(); ++i) {
    const auto& rule = policy_->also_stores[i];
    const long long removed = outcome_->also_removed.at(i);
    if (!batches_ran && removed == 0) continue;
    spdlog::info("policy '{}': store '{}' removed {} (also)", policy_->name, rule.store,
                 policies::counted(removed, policies::also_store_unit(rule)));
  }
}

std::string also_stores_json(const policies::Policy& policy, const std::vector<long long>& removed,
                             const std::vector<long long>& unconfirmed) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < policy.also_stores.size() && i < removed.size(); ++i) {
    const long long maybe = i < unconfirmed.size() ? unconfirmed[i] : 0;
    if (removed[i] == 0 && maybe == 0) continue;
    const auto& rule = policy.also_stores[i];
    nlohmann::json r = {{"store", rule.store}, {"sympa", rule.kind}, {"lists", rule.lists}};
    if (!rule.robot.empty()) r["robot"] = rule.robot;
    r["removed"] = removed[i];
    if (maybe > 0) r["unconfirmed"] = maybe;
    out.push_back(std::move(r));
  }
  // Names come from the configuration and may hold any byte: replaced, never a throw.
  return out.empty() ? "" : out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string with_unconfirmed(const std::string& recorded, const std::string& pending) {
  using nlohmann::json;
  if (pending.empty()) return recorded;
  json out = recorded.empty() ? json::array() : json::parse(recorded, nullptr, false);
  const json maybe = json::parse(pending, nullptr, false);
  // Unreadable (an edited state): kept as it was, for the operator to read.
  if (!out.is_array() || !maybe.is_array()) return recorded;
  auto same_rule = [](const json& a, const json& b) {
    return a.value("store", "") == b.value("store", "") &&
           a.value("lists", json()) == b.value("lists", json()) &&
           a.value("robot", "") == b.value("robot", "");
  };
  for (const auto& p : maybe) {
    if (!p.is_object()) continue;
    const long long n = p.value("removed", 0LL);
    if (n <= 0) continue;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const json& r) { return r.is_object() && same_rule(r, p); });
    if (it == out.end()) {
      json r = p;
      r["removed"] = 0;
      r["unconfirmed"] = n;
      out.push_back(std::move(r));
    } else {
      (*it)["unconfirmed"] = it->value("unconfirmed", 0LL) + n;
    }
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace retentiond::daemon
