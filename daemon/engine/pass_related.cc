#include "daemon/engine/pass_related.h"

#include <spdlog/spdlog.h>

namespace retentiond::daemon {

using connectors::Error;
using connectors::ErrorKind;

std::optional<Error> RelatedOfPass::open(const policies::Policy& policy, const PassOptions& options,
                                         PassOutcome& o) {
  policy_ = &policy;
  removed_ = &o.also_removed;
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
  auto removed = stores_.at(rule)->remove_related(*policy_, policy_->also_stores.at(rule), values);
  if (!removed) {
    Error e = removed.error();
    e.message += "; the batch was rolled back, its records are kept for the next pass";
    throw connectors::RelatedStoreFailed(std::move(e));
  }
  removed_->at(rule) += removed.value();
}

void RelatedOfPass::log(bool batches_ran) const {
  if (!policy_) return;
  for (size_t i = 0; i < stores_.size(); ++i) {
    const auto& rule = policy_->also_stores[i];
    if (!batches_ran && removed_->at(i) == 0) continue;
    spdlog::info("policy '{}': store '{}' removed {} (also)", policy_->name, rule.store,
                 policies::counted(removed_->at(i), policies::also_store_unit(rule)));
  }
}

}  // namespace retentiond::daemon
