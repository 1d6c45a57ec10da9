#include "daemon/audit.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "daemon/sha256.h"

namespace retentiond::daemon {
namespace {

using connectors::sqlite::Statement;
using policies::format_timestamp;

constexpr const char* kColumns =
    "id, policy, store, action, cutoff, matched, held, affected, started, finished, outcome, "
    "error_class, prev_hash, hash";

AuditEntry read_entry(const Statement& st) {
  AuditEntry e;
  e.id = st.integer(0);
  e.policy = st.text(1);
  e.store = st.text(2);
  e.action = st.text(3);
  e.cutoff = policies::parse_timestamp(st.text(4)).value_or(policies::TimePoint{});
  e.matched = st.integer(5);
  e.held = st.integer(6);
  e.affected = st.integer(7);
  e.started = policies::parse_timestamp(st.text(8)).value_or(policies::TimePoint{});
  e.finished = policies::parse_timestamp(st.text(9)).value_or(policies::TimePoint{});
  e.outcome = st.text(10);
  e.error_class = st.text(11);
  e.prev_hash = st.text(12);
  e.hash = st.text(13);
  return e;
}

// Raw text of the timestamps as stored: the digest must cover exactly what is in the file.
struct RawTimes {
  std::string cutoff, started, finished;
};

std::string digest_of(const AuditEntry& e, const RawTimes& t) {
  nlohmann::json fields = nlohmann::json::array(
      {e.id, e.policy, e.store, e.action, t.cutoff, e.matched, e.held, e.affected, t.started,
       t.finished, e.outcome, e.error_class, e.prev_hash});
  return sha256_hex(fields.dump());
}

}  // namespace

std::string audit_digest(const AuditEntry& e) {
  return digest_of(e, {format_timestamp(e.cutoff), format_timestamp(e.started),
                       format_timestamp(e.finished)});
}

AuditEntry AuditTrail::append(AuditEntry e, bool in_transaction) {
  auto write = [&] {
    Statement last = db_.prepare("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (last.step()) {
      e.id = last.integer(0) + 1;
      e.prev_hash = last.text(1);
    } else {
      e.id = 1;
      e.prev_hash = kGenesisHash;
    }
    e.hash = audit_digest(e);
    Statement insert = db_.prepare(std::string("INSERT INTO audit (") + kColumns +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                                   "?13, ?14)");
    insert.bind(1, e.id).bind(2, e.policy).bind(3, e.store).bind(4, e.action);
    insert.bind(5, format_timestamp(e.cutoff)).bind(6, e.matched).bind(7, e.held);
    insert.bind(8, e.affected).bind(9, format_timestamp(e.started));
    insert.bind(10, format_timestamp(e.finished)).bind(11, e.outcome).bind(12, e.error_class);
    insert.bind(13, e.prev_hash).bind(14, e.hash);
    insert.step();
  };
  if (in_transaction) write();
  else connectors::sqlite::in_transaction(db_, write);
  return e;
}

std::vector<AuditEntry> AuditTrail::list(const std::vector<std::string>& policies,
                                         std::optional<policies::TimePoint> since) const {
  std::vector<AuditEntry> out;
  Statement st = db_.prepare(std::string("SELECT ") + kColumns + " FROM audit ORDER BY id");
  while (st.step()) {
    AuditEntry e = read_entry(st);
    if (!policies.empty() &&
        std::find(policies.begin(), policies.end(), e.policy) == policies.end())
      continue;
    if (since && e.finished < *since) continue;
    out.push_back(std::move(e));
  }
  return out;
}

AuditTrail::Verification AuditTrail::verify() const {
  Verification v;
  Statement st = db_.prepare(std::string("SELECT ") + kColumns + " FROM audit ORDER BY id");
  std::string expected_prev = kGenesisHash;
  long long expected_id = 1;
  while (st.step()) {
    AuditEntry e = read_entry(st);
    RawTimes raw{st.text(4), st.text(8), st.text(9)};
    ++v.rows;
    auto fail = [&](std::string problem) {
      v.intact = false;
      v.first_bad_id = e.id;
      v.problem = std::move(problem);
    };
    if (e.id != expected_id) {
      fail("row " + std::to_string(expected_id) + " is missing (next row is " +
           std::to_string(e.id) + ")");
      break;
    }
    if (e.prev_hash != expected_prev) {
      fail("row " + std::to_string(e.id) + " does not link to the row before it");
      break;
    }
    if (digest_of(e, raw) != e.hash) {
      fail("row " + std::to_string(e.id) + " was changed after it was written");
      break;
    }
    expected_prev = e.hash;
    ++expected_id;
  }
  return v;
}

}  // namespace retentiond::daemon
