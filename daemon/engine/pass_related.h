// The other stores a policy's `also:` names (Policy::also_stores), for one pass: opened before
// the pass changes anything, shown in its plan with the statement each runs, then handed each
// batch's records inside the batch's transaction (connectors::RelatedStores). A failure there
// rolls the batch back: its records stay for the next pass, and nothing is reported done that
// was not.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "daemon/engine/pass.h"

namespace retentiond::daemon {

class RelatedOfPass : public connectors::RelatedStores {
 public:
  // Opens each rule's store through options.other_store and adds the statement it runs to
  // o.plan.statements; sizes o.also_removed, where hand() counts what the stores removed (and
  // keeps o.also_stores_record up to date). An Error, naming the store, when one cannot serve its
  // rule; nothing was changed then.
  std::optional<connectors::Error> open(const policies::Policy& policy, const PassOptions& options,
                                        PassOutcome& o);

  void hand(size_t rule, const std::vector<std::string>& values) override;

  // Told o.also_stores_record each time another store has removed something (that store has
  // committed already): the pass's record in the state keeps it at once, so that a process that
  // dies before its batch commits is still audited with those removals. A throw fails the batch
  // (rolled back, its records kept), since the removals could not be recorded.
  void on_removed(std::function<void(const std::string& record)> f) { on_removed_ = std::move(f); }
  // Told, just before another store commits a removal, what it is about to commit (the same
  // JSON form, that count alone): the record keeps it as pending until on_removed() has the
  // total, so that a process dying in between leaves "unconfirmed", never a silent gap. A throw
  // rolls the removal back.
  void on_pending(std::function<void(const std::string& pending)> f) { on_pending_ = std::move(f); }

  // Logs what each store removed in this pass (counts only), if anything, or if `batches_ran`.
  void log(bool batches_ran) const;

 private:
  const policies::Policy* policy_ = nullptr;
  std::vector<connectors::Connector*> stores_;
  PassOutcome* outcome_ = nullptr;
  std::function<void(const std::string&)> on_removed_;
  std::function<void(const std::string&)> on_pending_;
};

// What the other stores removed (`removed`, in the order of policy.also_stores), as the audit
// trail keeps it: a JSON array of {"store", "sympa", "lists", "robot" (when set), "removed"}
// for each rule that removed something; "" when none did. Names and counts, never a value.
// `unconfirmed` (same order, may be empty) adds "unconfirmed": N where a store's commit of N more
// was not confirmed.
std::string also_stores_json(const policies::Policy& policy, const std::vector<long long>& removed,
                             const std::vector<long long>& unconfirmed = {});

// The entry of a pass whose process died: `recorded` (its also_stores) with `pending` (what a
// store was about to commit then, also_stores_json's form) added as "unconfirmed" to the matching
// rule (same store, lists and robot). Either may be "".
std::string with_unconfirmed(const std::string& recorded, const std::string& pending);

}  // namespace retentiond::daemon
