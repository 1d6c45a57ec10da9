// The state file's side of connectors::SightingBook: first sightings of records a store tracks
// through retentiond (Sympa's users without any subscription), one row per record keyed by a
// keyed hash, never the key or the address.
#pragma once

#include "connectors/sighting_book.h"
#include "daemon/state/state.h"

namespace retentiond::daemon {

class StateSightingBook : public connectors::SightingBook {
 public:
  // `state` may be read-only (plan): then save() is never called and writable() is false.
  StateSightingBook(StateFile& state, bool record)
      : state_(state), record_(record && state.writable()) {}

  std::map<std::string, policies::TimePoint> load(const std::string& policy) override;
  std::optional<policies::TimePoint> tracking_since(const std::string& policy) override;
  bool writable() const override { return record_; }
  void save(const std::string& policy, const std::map<std::string, policies::TimePoint>& seen,
            policies::TimePoint now) override;

 private:
  StateFile& state_;
  bool record_;
};

}  // namespace retentiond::daemon
