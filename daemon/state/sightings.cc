#include "daemon/state/sightings.h"

namespace retentiond::daemon {

std::map<std::string, policies::TimePoint> StateSightingBook::load(const std::string& policy) {
  std::map<std::string, policies::TimePoint> out;
  if (!state_.has_table("sightings")) return out;
  auto st = state_.db().prepare("SELECT key_hash, first_seen FROM sightings WHERE policy = ?1");
  st.bind(1, policy);
  while (st.step()) out.emplace(st.text(0), policies::from_epoch_seconds(st.integer(1)));
  return out;
}

std::optional<policies::TimePoint> StateSightingBook::tracking_since(const std::string& policy) {
  if (!state_.has_table("sighting_policies")) return std::nullopt;
  auto st = state_.db().prepare("SELECT since FROM sighting_policies WHERE policy = ?1");
  st.bind(1, policy);
  if (!st.step()) return std::nullopt;
  return policies::from_epoch_seconds(st.integer(0));
}

void StateSightingBook::save(const std::string& policy,
                             const std::map<std::string, policies::TimePoint>& seen,
                             policies::TimePoint now) {
  if (!record_) return;
  auto& db = state_.db();
  in_transaction(db, [&] {
    auto clear = db.prepare("DELETE FROM sightings WHERE policy = ?1");
    clear.bind(1, policy);
    clear.step();
    auto insert =
        db.prepare("INSERT INTO sightings (policy, key_hash, first_seen) VALUES (?1, ?2, ?3)");
    for (const auto& [hash, first] : seen) {
      insert.reset();
      insert.bind(1, policy).bind(2, hash).bind(3, policies::epoch_seconds(first));
      insert.step();
    }
    auto mark = db.prepare(
        "INSERT INTO sighting_policies (policy, since) VALUES (?1, ?2) ON CONFLICT DO "
        "NOTHING");
    mark.bind(1, policy).bind(2, policies::epoch_seconds(now));
    mark.step();
  });
}

}  // namespace retentiond::daemon
