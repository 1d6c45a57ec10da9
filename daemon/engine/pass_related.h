// The other stores a policy's `also:` names (Policy::also_stores), for one pass: opened before
// the pass changes anything, shown in its plan with the statement each runs, then handed each
// batch's records inside the batch's transaction (connectors::RelatedStores). A failure there
// rolls the batch back: its records stay for the next pass, and nothing is reported done that
// was not.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "daemon/engine/pass.h"

namespace retentiond::daemon {

class RelatedOfPass : public connectors::RelatedStores {
 public:
  // Opens each rule's store through options.other_store and adds the statement it runs to
  // o.plan.statements; sizes o.also_removed, where hand() counts what the stores removed. An
  // Error, naming the store, when one cannot serve its rule; nothing was changed then.
  std::optional<connectors::Error> open(const policies::Policy& policy, const PassOptions& options,
                                        PassOutcome& o);

  void hand(size_t rule, const std::vector<std::string>& values) override;

  // Logs what each store removed in this pass (counts only), if anything, or if `batches_ran`.
  void log(bool batches_ran) const;

 private:
  const policies::Policy* policy_ = nullptr;
  std::vector<connectors::Connector*> stores_;
  std::vector<long long>* removed_ = nullptr;
};

}  // namespace retentiond::daemon
