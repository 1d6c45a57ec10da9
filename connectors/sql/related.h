// How the SQL stores hand each batch's records to the other stores their policy's `also:` names
// (connector.h RelatedStores): inside the batch's transaction, after its SELECT and before its
// `also:` rules and its action.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "connectors/connector.h"

namespace retentiond::connectors::sql {

// For each of policy.also_stores in order, the values `read(rule)` finds in the batch's records
// (read before its `also:` rules and its action). Throws RelatedStoreFailed, before anything
// ran, when the pass has no RelatedStores to hand them to (a policy's records never go without
// their other stores' part). `store` names the policy's own store.
std::vector<std::vector<std::string>> read_related(
    const Policy& policy, const PassContext& ctx, const std::string& store,
    const std::function<std::vector<std::string>(size_t rule)>& read);

// Hands each rule's values to ctx.related, once the batch's action ran (inside its transaction),
// leaving out, for a policy that deletes, those `still_held(rule, json)` returns: values other rows
// of the table still hold
// (`json`: the rule's values as a JSON array, for the statement related_kept). Throws
// RelatedStoreFailed when another store failed its part; the caller rolls the batch back.
void hand_to_other_stores(
    const Policy& policy, const PassContext& ctx,
    const std::vector<std::vector<std::string>>& values,
    const std::function<std::vector<std::string>(size_t rule, const std::string& json)>&
        still_held);

}  // namespace retentiond::connectors::sql
