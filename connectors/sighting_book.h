// The sighting book: what a store cannot read from its own data, kept for it in retentiond's state
// file. The daemon lends it to a store when it builds it (ConnectorServices, registry.h); only
// Sympa's users without any subscription need one today.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "policies/timestamp.h"

namespace retentiond::connectors {

// Dates a store cannot read from its own data, kept for it in retentiond's state file: when a
// record was first seen in some condition (a Sympa user left without any subscription). Entries
// are keyed by a keyed hash (see PassContext::anonymisation_key), never by the record's key.
class SightingBook {
 public:
  virtual ~SightingBook() = default;
  // When each tracked record of `policy` was first seen, by hash.
  virtual std::map<std::string, policies::TimePoint> load(const std::string& policy) = 0;
  // When the policy's first recorded pass looked; nullopt before any.
  virtual std::optional<policies::TimePoint> tracking_since(const std::string& policy) = 0;
  // Whether save() records anything (enforce and serve; plan only reads).
  virtual bool writable() const = 0;
  // Replaces the policy's entries with `seen`: records no longer in that condition are forgotten,
  // so a record that leaves it and comes back starts over. Marks the policy as tracked since `now`
  // if it was not.
  virtual void save(const std::string& policy,
                    const std::map<std::string, policies::TimePoint>& seen,
                    policies::TimePoint now) = 0;
};

}  // namespace retentiond::connectors
