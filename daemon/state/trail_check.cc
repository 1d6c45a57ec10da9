#include "daemon/state/trail_check.h"

#include "daemon/state/pass_lock.h"

namespace retentiond::daemon {
namespace {

using policies::counted;
using policies::format_timestamp;
using policies::with_thousands;

std::string unfinished_line(const UnfinishedPass& u) {
  const auto& r = u.record;
  std::string line =
      "policy '" + r.policy + "', pass started " + format_timestamp(r.started) + ": ";
  if (u.alive)
    return line + "still running (pid " + std::to_string(r.pid) +
           (u.host.empty() ? "" : " on " + u.host) + "), " + counted(r.affected, "records") +
           " so far";
  line +=
      "it ended without its end being recorded (its process stopped, or could not write "
      "the state file); " +
      counted(r.affected, "records") + (r.affected == 1 ? " was recorded" : " were recorded");
  if (r.intent)
    line += ", and whether its last batch of " + with_thousands(r.intent->expected) +
            " committed is not known yet";
  return line + "; the policy's next pass asks the store and records it";
}

}  // namespace

bool TrailCheck::complete() const { return chain.intact && dead() == 0; }

long long TrailCheck::dead() const {
  long long n = 0;
  for (const auto& u : unfinished) n += u.alive ? 0 : 1;
  return n;
}

TrailCheck check_trail(StateFile& state, const AuditTrail::ExpectedHead& expected) {
  TrailCheck check;
  check.chain = AuditTrail(state.db(), state.audit_key()).verify(expected);
  if (!state.has_table("pass_in_progress")) return check;
  for (auto& record : PassJournal(state).list()) {
    // A lock file that cannot be read is no proof of life: the pass counts as ended.
    const bool alive = PassLock::held(state, record.policy).value_or(false);
    std::string host = state.shared() ? owner_host(record.owner) : "";
    check.unfinished.push_back({std::move(record), alive, std::move(host)});
  }
  return check;
}

std::string describe(const TrailCheck& check, bool markdown) {
  const auto& v = check.chain;
  std::string out;
  if (!v.intact) {
    out += markdown ? "**Audit chain BROKEN at entry " + std::to_string(v.first_bad_id) +
                          "**: " + v.problem + ".\n"
                    : "AUDIT CHAIN BROKEN at entry " + std::to_string(v.first_bad_id) + ": " +
                          v.problem + ".\n";
  } else {
    out +=
        "Audit chain intact: " + counted(v.rows, "entries") + " verified, head " + v.head + ".\n";
    if (v.keyed_from)
      out += "Keyed with the audit key from entry " + std::to_string(v.keyed_from) + " on" +
             (v.unchecked ? " (" + std::to_string(v.unchecked) +
                                " keyed entries checked for their links only: give the audit key "
                                "to check their "
                                "content)"
                          : "") +
             ".\n";
  }
  if (check.dead() > 0)
    out += markdown ? "**Audit trail INCOMPLETE**: " : "AUDIT TRAIL INCOMPLETE: ";
  if (check.dead() > 0)
    out += std::to_string(check.dead()) + (check.dead() == 1 ? " pass" : " passes") +
           " did not finish and " + (check.dead() == 1 ? "is" : "are") + " not recorded yet.\n";
  for (const auto& u : check.unfinished)
    out += (markdown ? "- " : "  ") + unfinished_line(u) + ".\n";
  return out;
}

nlohmann::json to_json(const TrailCheck& check) {
  const auto& v = check.chain;
  nlohmann::json unfinished = nlohmann::json::array();
  for (const auto& u : check.unfinished) {
    const auto& r = u.record;
    unfinished.push_back(
        {{"policy", r.policy},
         {"store", r.store},
         {"started", format_timestamp(r.started)},
         {"affected", r.affected},
         {"alive", u.alive},
         {"pid", r.pid},
         {"host", u.host.empty() ? nlohmann::json(nullptr) : nlohmann::json(u.host)},
         {"unconfirmed_batch",
          r.intent ? nlohmann::json(r.intent->expected) : nlohmann::json(nullptr)}});
  }
  return {{"intact", v.intact},
          {"complete", check.complete()},
          {"rows", v.rows},
          {"head", v.head},
          {"keyed_from", v.keyed_from ? nlohmann::json(v.keyed_from) : nlohmann::json(nullptr)},
          {"unchecked", v.unchecked},
          {"first_bad_id", v.intact ? nlohmann::json(nullptr) : nlohmann::json(v.first_bad_id)},
          {"problem", v.problem},
          {"unfinished", unfinished}};
}

}  // namespace retentiond::daemon
