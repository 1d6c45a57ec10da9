// How the SQL stores hand each batch's records to the other stores their policy's `also:` names
// (connector.h RelatedStores): inside the batch's transaction, after its SELECT and before its
// `also:` rules and its action.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "connectors/connector.h"

namespace retentiond::connectors::sql {

// For each of policy.also_stores in order, reads its values with `read(rule)` and hands them to
// ctx.related. Throws RelatedStoreFailed when another store failed its part, or when the pass
// has no RelatedStores to hand them to (a policy's records never go without their other
// stores' part); the caller rolls the batch back. `store` names the policy's own store.
void hand_to_other_stores(const Policy& policy, const PassContext& ctx, const std::string& store,
                          const std::function<std::vector<std::string>(size_t rule)>& read);

}  // namespace retentiond::connectors::sql
