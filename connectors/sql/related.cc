#include "connectors/sql/related.h"

namespace retentiond::connectors::sql {

void hand_to_other_stores(const Policy& policy, const PassContext& ctx, const std::string& store,
                          const std::function<std::vector<std::string>(size_t rule)>& read) {
  if (policy.also_stores.empty()) return;
  if (!ctx.related)
    throw RelatedStoreFailed(
        Error{ErrorKind::Config, error_prefix(store, policy.name) + "its 'also:' names store '" +
                                     policy.also_stores.front().store +
                                     "', which this pass has not opened; nothing was changed"});
  for (size_t rule = 0; rule < policy.also_stores.size(); ++rule)
    ctx.related->hand(rule, read(rule));
}

}  // namespace retentiond::connectors::sql
