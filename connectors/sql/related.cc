#include "connectors/sql/related.h"

#include <nlohmann/json.hpp>

namespace retentiond::connectors::sql {

std::vector<std::vector<std::string>> read_related(
    const Policy& policy, const PassContext& ctx, const std::string& store,
    const std::function<std::vector<std::string>(size_t rule)>& read) {
  std::vector<std::vector<std::string>> out;
  if (policy.also_stores.empty()) return out;
  if (!ctx.related)
    throw RelatedStoreFailed(
        Error{ErrorKind::Config, error_prefix(store, policy.name) + "its 'also:' names store '" +
                                     policy.also_stores.front().store +
                                     "', which this pass has not opened; nothing was changed"});
  for (size_t rule = 0; rule < policy.also_stores.size(); ++rule) out.push_back(read(rule));
  return out;
}

void hand_to_other_stores(
    const Policy& policy, const PassContext& ctx,
    const std::vector<std::vector<std::string>>& values,
    const std::function<std::vector<std::string>(size_t rule, const std::string& json)>&
        still_held) {
  for (size_t rule = 0; rule < values.size() && rule < policy.also_stores.size(); ++rule) {
    std::vector<std::string> gone = values[rule];
    // Anonymised records still exist and hold their addresses: theirs are handed on as read.
    if (!gone.empty() && policy.action == policies::Action::Delete) {
      // A key that is not UTF-8 becomes U+FFFD and matches no row: its value is handed on.
      const std::string json =
          nlohmann::json(gone).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      const auto held = still_held(rule, json);
      const std::set<std::string> kept(held.begin(), held.end());
      std::erase_if(gone, [&](const std::string& v) { return kept.count(v) > 0; });
    }
    ctx.related->hand(rule, gone);
  }
}

}  // namespace retentiond::connectors::sql
