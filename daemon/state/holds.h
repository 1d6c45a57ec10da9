// Legal holds placed by an operator (`retentiond hold`): a record of a policy, named by its key,
// that no pass may delete or anonymise while the hold lasts. Kept in the state file; adding and
// removing one is recorded in the audit trail (without the key or the reason).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/state/state.h"
#include "policies/timestamp.h"

namespace retentiond::daemon {

struct Hold {
  std::string policy;
  std::string key;
  std::string reason;
  policies::TimePoint created;
  std::optional<policies::TimePoint> until;  // none: until removed
};

class Holds {
 public:
  explicit Holds(StateFile& state) : state_(state) {}

  // Adds or replaces the hold on (policy, key). Returns true when it replaced one.
  bool add(const Hold& hold, const std::string& store);
  // Removes it; false when there was none.
  bool remove(const std::string& policy, const std::string& key, const std::string& store);
  // Holds of these policies (all when empty), expired ones included, ordered by policy and key.
  std::vector<Hold> list(const std::vector<std::string>& policies);
  // Keys of `policy` held at `at` (holds whose `until` is after `at`, or open-ended), all valid
  // UTF-8: throws std::runtime_error when a hold's key is not (the policy must not run).
  std::vector<std::string> keys_held(const std::string& policy, policies::TimePoint at);
  // Holds in force at `at` that may no longer protect their records: those of a policy the
  // configuration does not have (renamed or removed), and those placed on another store than
  // the one the configuration now gives their policy (moved, or its name taken by another). Each
  // concerns the store the audit trail last recorded a hold of the policy on, or every store when
  // it recorded none (a policy that is gone) or that store is gone. `policy_store` gives the store
  // of a configured policy (nullopt: no such policy), `configured_store` whether a store exists.
  // Those that concern `store`, ordered by policy name.
  struct Stray {
    std::string policy;
    size_t holds = 0;
    std::string held_on;                   // the store recorded, or ""
    std::optional<std::string> policy_on;  // the store the configuration gives the policy now
  };
  std::vector<Stray> stray_holds(
      const std::function<std::optional<std::string>(const std::string&)>& policy_store,
      const std::function<bool(const std::string&)>& configured_store, const std::string& store,
      policies::TimePoint at);

 private:
  void audit(const std::string& policy, const std::string& store, const std::string& outcome);

  StateFile& state_;
};

}  // namespace retentiond::daemon
