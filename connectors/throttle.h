// What holds a pass back between its batches: a replica further behind than the store's
// `max_replica_lag` (or whose lag is unknown: unreachable, replication stopped or its replay
// paused), a server busier than `max_threads_running`. Read on connections of its own, so that a
// reading never waits behind the pass's transaction. Used by one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/result.h"
#include "policies/policy.h"

namespace retentiond::connectors {

// One reason to wait. `reason` is a metric label: "replica-lag" or "threads-running";
// `detail` a sentence for the log ("replica 127.0.0.1:3307 is 12 s behind (limit 5 s)").
struct ThrottleHold {
  std::string reason;
  std::string detail;
  // A mistake of the configuration (a replica's password file that cannot be read): no wait
  // can end it, so the pass fails at once, as for the store's own password file.
  bool misconfigured = false;
};

// A reason the throttle cannot be read, for `check`: at the replica's entry in the configuration
// when it concerns one replica, else (no location) at the throttle block.
struct ThrottleProblem {
  std::optional<policies::Location> at;
  std::string message;
  bool warning = false;  // a state of the servers now (a replica stopped), not a mistake
};

class ThrottleProbe {
 public:
  virtual ~ThrottleProbe() = default;
  // What holds the pass back now; empty when it may go on. Never throws: a replica that cannot
  // be asked is itself a hold.
  virtual std::vector<ThrottleHold> holds() = 0;
  // For `check`: whether every reading can be taken (connections, privileges); each problem is
  // a sentence naming the replica or the missing grant.
  virtual std::vector<ThrottleProblem> check() = 0;
  // For `plan`: the throttle that applies, in words.
  virtual std::string describe() const = 0;
};

// The probe of a store with a `throttle:` block (null without one). A store type that cannot be
// throttled is refused by the configuration loader, so never reaches here.
// "rest 1.5 times each batch's time after it" (the store's nice_ratio).
std::string nice_words(double ratio);

std::unique_ptr<ThrottleProbe> make_throttle_probe(const policies::StoreConfig& store);

}  // namespace retentiond::connectors
