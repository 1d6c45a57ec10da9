#include "daemon/state/audit.h"

#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "lib/crypto/hmac.h"
#include "lib/crypto/sha256.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

using policies::format_timestamp;
using Statement = StateStatement;

constexpr const char* kColumns =
    "id, policy, store, action, cutoff, matched, held, affected, started, finished, outcome, "
    "error_class, prev_hash, hash, keyed, waited, host";

// The columns to read: a state file of an older retentiond opened read-only has no `keyed`.
std::string read_columns(StateDb& db) {
  std::string c = kColumns;
  if (!db.has_column("audit", "host")) c = c.substr(0, c.rfind(", host")) + ", '' AS host";
  if (!db.has_column("audit", "waited")) c.replace(c.find(", waited"), 8, ", 0 AS waited");
  if (!db.has_column("audit", "keyed")) c.replace(c.find(", keyed"), 7, ", 0 AS keyed");
  // Partitions are kept beside the row (audit_partitions), in state files written since.
  c += db.has_table("audit_partitions")
           ? ", coalesce((SELECT p.partitions FROM audit_partitions p WHERE p.audit_id = "
             "audit.id), '')"
           : ", ''";
  c += db.has_table("audit_also_stores")
           ? ", coalesce((SELECT a.also_stores FROM audit_also_stores a WHERE a.audit_id = "
             "audit.id), '')"
           : ", ''";
  c += db.has_table("audit_notices")
           ? ", coalesce((SELECT n.notices FROM audit_notices n WHERE n.audit_id = audit.id), '')"
           : ", ''";
  return c;
}

std::string this_host() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "";
  return host;
}

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
  e.keyed = st.integer(14) != 0;
  e.waited = st.integer(15);
  e.host = st.text(16);
  e.partitions = st.text(17);
  e.also_stores = st.text(18);
  e.notices = st.text(19);
  return e;
}

// Raw text of the timestamps as stored: the digest must cover exactly what is in the file.
struct RawTimes {
  std::string cutoff, started, finished;
};

std::string digest_of(const AuditEntry& e, const RawTimes& t, const std::string& key) {
  nlohmann::json fields = nlohmann::json::array(
      {e.id, e.policy, e.store, e.action, t.cutoff, e.matched, e.held, e.affected, t.started,
       t.finished, e.outcome, e.error_class, e.prev_hash});
  // Fields added later are hashed only when set, so that older entries keep their digests.
  if (e.waited > 0) fields.push_back({{"waited", e.waited}});
  if (!e.partitions.empty()) fields.push_back({{"partitions", e.partitions}});
  if (!e.host.empty()) fields.push_back({{"host", e.host}});
  if (!e.also_stores.empty()) fields.push_back({{"also_stores", e.also_stores}});
  if (!e.notices.empty()) fields.push_back({{"notices", e.notices}});
  // Invalid UTF-8 (from a configuration's bytes) is replaced, never a reason to lose an entry;
  // valid text digests as it always did.
  const std::string text = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return key.empty() ? lib::sha256_hex(text) : lib::hmac_sha256_hex(key, text);
}

bool valid_text(const AuditEntry& e, const RawTimes& t) {
  for (const std::string* field :
       {&e.policy, &e.store, &e.action, &e.outcome, &e.error_class, &e.prev_hash, &e.hash,
        &t.cutoff, &t.started, &t.finished, &e.partitions, &e.host, &e.also_stores, &e.notices})
    if (!policies::is_valid_utf8(*field)) return false;
  return true;
}

}  // namespace

void log_audit_head(const AuditEntry& appended) {
  // The documented format others parse ("audit trail: N entries, head HASH"), even for 1.
  spdlog::info("audit trail: {} entries, head {}{}", appended.id, appended.hash,
               appended.keyed ? " (keyed)" : "");
}

std::string audit_digest(const AuditEntry& e, const std::string& key) {
  return digest_of(
      e, {format_timestamp(e.cutoff), format_timestamp(e.started), format_timestamp(e.finished)},
      key);
}

// Writes `e` as it is, with the raw timestamps `t`.
static void insert_entry(StateDb& db, const AuditEntry& e, const RawTimes& t) {
  Statement insert = db.prepare(std::string("INSERT INTO audit (") + kColumns +
                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                                "?13, ?14, ?15, ?16, ?17)");
  insert.bind(1, e.id).bind(2, e.policy).bind(3, e.store).bind(4, e.action);
  insert.bind(5, t.cutoff).bind(6, e.matched).bind(7, e.held);
  insert.bind(8, e.affected).bind(9, t.started);
  insert.bind(10, t.finished).bind(11, e.outcome).bind(12, e.error_class);
  insert.bind(13, e.prev_hash).bind(14, e.hash).bind(15, e.keyed ? 1LL : 0LL).bind(16, e.waited);
  insert.bind(17, e.host);
  insert.step();
  if (!e.partitions.empty()) {
    Statement side =
        db.prepare("INSERT INTO audit_partitions (audit_id, partitions) VALUES (?1, ?2)");
    side.bind(1, e.id).bind(2, e.partitions);
    side.step();
  }
  if (!e.also_stores.empty()) {
    Statement side =
        db.prepare("INSERT INTO audit_also_stores (audit_id, also_stores) VALUES (?1, ?2)");
    side.bind(1, e.id).bind(2, e.also_stores);
    side.step();
  }
  if (!e.notices.empty()) {
    Statement side = db.prepare("INSERT INTO audit_notices (audit_id, notices) VALUES (?1, ?2)");
    side.bind(1, e.id).bind(2, e.notices);
    side.step();
  }
}

AuditEntry AuditTrail::append(AuditEntry e, bool in_transaction) {
  auto write = [&] {
    db_.lock_audit_chain();
    Statement last = db_.prepare("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (last.step()) {
      e.id = last.integer(0) + 1;
      e.prev_hash = last.text(1);
    } else {
      e.id = 1;
      e.prev_hash = kGenesisHash;
    }
    e.keyed = !key_.empty();
    if (e.host.empty()) e.host = this_host();
    e.hash = audit_digest(e, key_);
    insert_entry(
        db_, e,
        {format_timestamp(e.cutoff), format_timestamp(e.started), format_timestamp(e.finished)});
  };
  if (in_transaction)
    write();
  else
    daemon::in_transaction(db_, write);
  return e;
}

std::vector<AuditEntry> AuditTrail::list(const std::vector<std::string>& policies,
                                         std::optional<policies::TimePoint> since) const {
  std::vector<AuditEntry> out;
  Statement st = db_.prepare("SELECT " + read_columns(db_) + " FROM audit ORDER BY id");
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

AuditTrail::Verification AuditTrail::verify(const ExpectedHead& expected) const {
  Verification v;
  v.head = kGenesisHash;
  Statement st = db_.prepare("SELECT " + read_columns(db_) + " FROM audit ORDER BY id");
  std::string expected_prev = kGenesisHash;
  long long expected_id = 1;
  std::optional<std::string> hash_at_expected_count;
  bool expected_hash_seen = false;
  bool last_keyed = false;
  auto fail = [&](long long id, std::string problem) {
    v.intact = false;
    v.first_bad_id = id;
    v.problem = std::move(problem);
  };
  while (st.step()) {
    AuditEntry e = read_entry(st);
    RawTimes raw{st.text(4), st.text(8), st.text(9)};
    ++v.rows;
    if (e.id != expected_id) {
      fail(e.id, "row " + std::to_string(expected_id) + " is missing (next row is " +
                     std::to_string(e.id) + ")");
      break;
    }
    if (e.prev_hash != expected_prev) {
      fail(e.id, "row " + std::to_string(e.id) + " does not link to the row before it");
      break;
    }
    if (v.keyed_from && !e.keyed) {
      fail(e.id, "row " + std::to_string(e.id) +
                     " is not keyed although the chain is keyed from row " +
                     std::to_string(v.keyed_from) + " on (rewritten without the key)");
      break;
    }
    if (!valid_text(e, raw)) {
      // retentiond writes only ASCII names and its own words: such bytes came from an edit.
      fail(e.id, "row " + std::to_string(e.id) +
                     " was changed after it was written (it holds bytes that are not "
                     "UTF-8)");
      break;
    }
    if (e.keyed && !v.keyed_from) v.keyed_from = e.id;
    if (e.keyed && key_.empty()) {
      ++v.unchecked;  // the link is checked; the content needs the key
    } else if (digest_of(e, raw, e.keyed ? key_ : "") != e.hash) {
      fail(e.id,
           "row " + std::to_string(e.id) + " was changed after it was written" +
               (e.keyed ? " (or the audit key given is not the one it was written with)" : ""));
      break;
    }
    if (expected.entries && e.id == *expected.entries) hash_at_expected_count = e.hash;
    if (expected.hash && e.hash == *expected.hash) expected_hash_seen = true;
    expected_prev = e.hash;
    last_keyed = e.keyed;
    ++expected_id;
  }
  if (!v.intact) return v;
  v.head = expected_prev;
  if (!key_.empty() && v.rows > 0 && !last_keyed) {
    fail(v.rows,
         "the newest entry is not keyed although an audit key is given: entries were rewritten "
         "without "
         "the key (or no pass has run since the key was configured: run one, then verify again)");
  } else if (expected.entries && v.rows < *expected.entries) {
    fail(v.rows + 1, "the trail holds " + std::to_string(v.rows) + " entries, fewer than the " +
                         std::to_string(*expected.entries) +
                         " expected: its newest entries were removed");
  } else if (expected.hash && expected.entries && hash_at_expected_count != *expected.hash) {
    fail(*expected.entries, "entry " + std::to_string(*expected.entries) +
                                " does not have the expected hash " + *expected.hash +
                                ": the trail was rewritten");
  } else if (expected.hash && !expected_hash_seen) {
    fail(v.rows, "no entry has the expected hash " + *expected.hash +
                     ": the trail was rewritten, or its newest entries were removed");
  }
  return v;
}

}  // namespace retentiond::daemon
