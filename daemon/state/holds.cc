#include "daemon/state/holds.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "daemon/state/audit.h"
#include "policies/printable.h"

namespace retentiond::daemon {

using Statement = StateStatement;
using policies::format_timestamp;

void Holds::audit(const std::string& policy, const std::string& store, const std::string& outcome) {
  AuditEntry e;
  e.policy = policy;
  e.store = store;
  e.action = "hold";
  e.started = e.finished = e.cutoff = policies::now_utc();
  e.held = 1;
  e.outcome = outcome;
  log_audit_head(AuditTrail(state_.db(), state_.audit_key()).append(e, /*in_transaction=*/true));
}

bool Holds::add(const Hold& hold, const std::string& store) {
  auto& db = state_.db();
  return in_transaction(db, [&] {
    // Changing a hold in force (its reason, its end) keeps when it began: `hold list` and
    // `check` name a hold by that moment. One that had ended is held anew.
    Statement existing = db.prepare("SELECT until FROM holds WHERE policy = ?1 AND key = ?2");
    existing.bind(1, hold.policy).bind(2, hold.key);
    bool replaced = false;
    if (existing.step()) {
      const auto ended_at =
          existing.is_null(0) ? std::nullopt : policies::parse_timestamp(existing.text(0));
      replaced = existing.is_null(0) || (ended_at && *ended_at > hold.created);
    }
    const std::optional<std::string> until =
        hold.until ? std::optional(format_timestamp(*hold.until)) : std::nullopt;
    if (replaced) {
      Statement update =
          db.prepare("UPDATE holds SET reason = ?3, until = ?4 WHERE policy = ?1 AND key = ?2");
      update.bind(1, hold.policy).bind(2, hold.key).bind(3, hold.reason);
      if (until)
        update.bind(4, *until);
      else
        update.bind_null(4);
      update.step();
    } else {
      Statement insert = db.prepare(
          "INSERT INTO holds (policy, key, reason, created, until) VALUES (?1, ?2, ?3, ?4, ?5) "
          "ON CONFLICT (policy, key) DO UPDATE SET reason = excluded.reason, created = "
          "excluded.created, until = excluded.until");
      insert.bind(1, hold.policy)
          .bind(2, hold.key)
          .bind(3, hold.reason)
          .bind(4, format_timestamp(hold.created));
      if (until)
        insert.bind(5, *until);
      else
        insert.bind_null(5);
      insert.step();
    }
    audit(hold.policy, store, replaced ? "hold-changed" : "hold-added");
    return replaced;
  });
}

bool Holds::remove(const std::string& policy, const std::string& key, const std::string& store) {
  auto& db = state_.db();
  return in_transaction(db, [&] {
    Statement del = db.prepare("DELETE FROM holds WHERE policy = ?1 AND key = ?2");
    del.bind(1, policy).bind(2, key);
    del.step();
    if (db.changes() == 0) return false;
    audit(policy, store, "hold-removed");
    return true;
  });
}

std::vector<Hold> Holds::list(const std::vector<std::string>& policies) {
  std::vector<Hold> out;
  if (!state_.has_table("holds")) return out;
  Statement st = state_.db().prepare(
      "SELECT policy, key, reason, created, until FROM holds ORDER BY policy, key");
  while (st.step()) {
    Hold h;
    h.policy = st.text(0);
    if (!policies.empty() &&
        std::find(policies.begin(), policies.end(), h.policy) == policies.end())
      continue;
    h.key = st.text(1);
    h.reason = st.text(2);
    h.created = policies::parse_timestamp(st.text(3)).value_or(policies::TimePoint{});
    if (!st.is_null(4)) h.until = policies::parse_timestamp(st.text(4));
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<std::string> Holds::keys_held(const std::string& policy, policies::TimePoint at) {
  std::vector<std::string> keys;
  if (!state_.has_table("holds")) return keys;
  Statement st = state_.db().prepare("SELECT key, until FROM holds WHERE policy = ?1 ORDER BY key");
  st.bind(1, policy);
  while (st.step()) {
    if (!st.is_null(1)) {
      auto until = policies::parse_timestamp(st.text(1));
      if (until && *until <= at) continue;
    }
    std::string key = st.text(0);
    // Stores are asked to spare held keys as JSON text; a key that is not UTF-8 cannot be said
    // so, and leaving it out would act on a held record. (hold add refuses such keys.)
    if (!policies::is_valid_utf8(key))
      throw std::runtime_error("a legal hold of policy '" + policy +
                               "' has a key that is not "
                               "valid UTF-8 and cannot be passed to the store; nothing is done "
                               "for this policy until that hold is removed (retentiond hold list)");
    keys.push_back(std::move(key));
  }
  return keys;
}

std::vector<Holds::Stray> Holds::stray_holds(
    const std::function<std::optional<std::string>(const std::string&)>& policy_store,
    const std::function<bool(const std::string&)>& configured_store, const std::string& store,
    policies::TimePoint at) {
  std::vector<Stray> out;
  if (!state_.has_table("holds")) return out;
  std::map<std::string, size_t> in_force;
  {
    Statement st = state_.db().prepare("SELECT policy, until FROM holds ORDER BY policy");
    while (st.step()) {
      if (!st.is_null(1)) {
        auto until = policies::parse_timestamp(st.text(1));
        if (until && *until <= at) continue;
      }
      ++in_force[st.text(0)];
    }
  }
  for (const auto& [policy, count] : in_force) {
    Statement st = state_.db().prepare(
        "SELECT store FROM audit WHERE policy = ?1 AND outcome IN ('hold-added', "
        "'hold-changed') ORDER BY id DESC LIMIT 1");
    st.bind(1, policy);
    Stray stray{policy, count, st.step() ? st.text(0) : "", policy_store(policy)};
    if (stray.policy_on && (stray.held_on.empty() || stray.held_on == *stray.policy_on)) continue;
    const bool anywhere = stray.held_on.empty() || !configured_store(stray.held_on);
    if (anywhere || stray.held_on == store) out.push_back(std::move(stray));
  }
  return out;
}

}  // namespace retentiond::daemon
