// The fault scenario of tests/faults/, written once for every kind of store: expired records
// keep arriving, and `enforce` is killed with SIGKILL at random moments. After each kill, checked
// from outside: no unexpired record is gone, the next pass records the dead one so that the
// audit trail equals what the store lost, and the chain verifies; at the end a pass finishes.
#pragma once

#include <functional>
#include <string>

#include "support/temp_dir.h"

namespace retentiond::testing {

struct FaultStore {
  // The `stores:` entry of the store "app" and the policy lines naming what "p" acts on
  // (table or files, since), indented for a policy map.
  std::string store_yaml;
  std::string target_yaml;
  // Adds `count` records expired at kFaultAt (new keys each time).
  std::function<void(int count)> add_expired;
  std::function<long long()> expired_left;
  std::function<long long()> fresh_left;  // records that never expire: must never change
};

// The moment every pass runs at (`--at`); expired records are dated long before it.
extern const char* const kFaultAt;

// Runs `kills` rounds of: add `per_round` expired records, start enforce, SIGKILL it after a
// random delay within the time a whole pass of one round took here (measured first), check the
// invariants. Then one pass to the end.
void kill_at_random_moments(const TempDir& dir, const FaultStore& store, int kills, int per_round);

// The audit trail's count of records the policy "p" changed (its passes' `affected`).
long long audited(const TempDir& dir);

// The configuration of the scenario, written into `dir` ("c.yaml").
std::string fault_config(const TempDir& dir, const FaultStore& store);

}  // namespace retentiond::testing
