#include "daemon/state/pass_journal.h"

#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "lib/crypto/random.h"
#include "lib/sqlite/database.h"

namespace retentiond::daemon {
namespace {

using connectors::BatchIntent;
using lib::sqlite::SqliteError;
using Statement = StateStatement;
using policies::format_timestamp;
using policies::parse_timestamp;

constexpr const char* kColumns =
    "policy, store, action, cutoff, matched, held, affected, started, updated, pid, owner, "
    "partitions, waited, also_stores, also_pending";

PassRecord read_record(const Statement& st) {
  PassRecord r;
  r.policy = st.text(0);
  r.store = st.text(1);
  r.action = st.text(2);
  r.cutoff = parse_timestamp(st.text(3)).value_or(policies::TimePoint{});
  r.matched = st.integer(4);
  r.held = st.integer(5);
  r.affected = st.integer(6);
  r.started = parse_timestamp(st.text(7)).value_or(policies::TimePoint{});
  r.updated = parse_timestamp(st.text(8)).value_or(policies::TimePoint{});
  r.pid = st.integer(9);
  r.owner = st.text(10);
  r.partitions = st.text(11);
  r.waited = st.integer(12);
  r.also_stores = st.text(13);
  r.also_pending = st.text(14);
  return r;
}

// "host:pid": the process, as the owner tokens of its passes begin.
std::string this_process() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + ":" + std::to_string(::getpid());
}

}  // namespace

std::string new_owner_token() { return this_process() + ":" + lib::random_hex(6); }

std::string owner_host(const std::string& token) { return token.substr(0, token.find(':')); }

std::string owner_process(const std::string& token) { return token.substr(0, token.rfind(':')); }

bool owned_by_this_process(const std::string& token) {
  return owner_process(token) == this_process();
}

bool owned_by_this_host(const std::string& token) {
  return owner_host(token) == owner_host(this_process());
}

// Every write names the state file: "disk I/O error" alone does not say which file is full.
template <typename F>
auto guarded(StateFile& state, const char* what, F&& body) {
  try {
    return body();
  } catch (const SqliteError& e) {
    throw StateError("cannot " + std::string(what) + " in the state file '" + state.path() +
                     "': " + e.what());
  } catch (const StateError& e) {
    throw StateError("cannot " + std::string(what) + ": " + e.what());
  }
}

void PassJournal::begin(const PassRecord& r) {
  guarded(state_, "record the start of a pass", [&] {
    auto& db = state_.db();
    in_transaction(db, [&] {
      Statement insert =
          db.prepare(std::string("INSERT INTO pass_in_progress (") + kColumns +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7, ?8, ?9, '', ?10, '', '')");
      insert.bind(1, r.policy)
          .bind(2, r.store)
          .bind(3, r.action)
          .bind(4, format_timestamp(r.cutoff));
      insert.bind(5, r.matched).bind(6, r.held).bind(7, format_timestamp(r.started));
      insert.bind(8, static_cast<long long>(::getpid())).bind(9, r.owner).bind(10, r.waited);
      insert.step();
    });
  });
}

void PassJournal::add_intent(const std::string& policy, const BatchIntent& intent,
                             const RecordUpdate& change) {
  guarded(state_, "record a batch before it commits", [&] {
    auto& db = state_.db();
    in_transaction(db, [&] {
      apply(policy, change);
      Statement upsert = db.prepare(
          "INSERT INTO batch_intent (policy, expected, evidence, recorded) VALUES (?1, ?2, ?3, ?4) "
          "ON CONFLICT (policy) DO UPDATE SET expected = batch_intent.expected + "
          "excluded.expected, "
          "evidence = CASE WHEN excluded.evidence = '' THEN batch_intent.evidence ELSE "
          "excluded.evidence END, "
          "recorded = excluded.recorded");
      upsert.bind(1, policy).bind(2, intent.expected).bind(3, intent.evidence);
      upsert.bind(4, format_timestamp(policies::now_utc()));
      upsert.step();
      for (const auto& item : intent.items) {
        Statement insert =
            db.prepare("INSERT INTO batch_intent_items (policy, item) VALUES (?1, ?2)");
        insert.bind(1, policy).bind(2, item);
        insert.step();
      }
    });
  });
}

// One UPDATE setting the fields `change` gives (their names are this file's constants).
void PassJournal::apply(const std::string& policy, const RecordUpdate& change) {
  std::vector<std::pair<const char*, std::string>> texts;
  std::vector<std::pair<const char*, long long>> numbers;
  if (change.partitions) texts.emplace_back("partitions", *change.partitions);
  if (change.also_stores) texts.emplace_back("also_stores", *change.also_stores);
  if (change.also_pending) texts.emplace_back("also_pending", *change.also_pending);
  if (change.matched) numbers.emplace_back("matched", *change.matched);
  if (change.held) numbers.emplace_back("held", *change.held);
  if (change.waited) numbers.emplace_back("waited", *change.waited);
  if (texts.empty() && numbers.empty()) return;
  std::string set;
  int n = 0;
  const auto assign = [&](const char* column) {
    if (n > 0) set += ", ";
    ++n;
    set += std::string(column) + " = ?" + std::to_string(n);
  };
  for (const auto& [column, value] : texts) assign(column);
  for (const auto& [column, value] : numbers) assign(column);
  Statement st = state_.db().prepare("UPDATE pass_in_progress SET " + set + " WHERE policy = ?" +
                                     std::to_string(n + 1));
  int at = 0;
  for (const auto& [column, value] : texts) st.bind(++at, value);
  for (const auto& [column, value] : numbers) st.bind(++at, value);
  st.bind(++at, policy);
  st.step();
}

void PassJournal::update(const std::string& policy, const std::string& owner,
                         const RecordUpdate& change) {
  guarded(state_, "record the progress of a pass", [&] {
    auto& db = state_.db();
    in_transaction(db, [&] {
      Statement mine =
          db.prepare("SELECT 1 FROM pass_in_progress WHERE policy = ?1 AND owner = ?2");
      mine.bind(1, policy).bind(2, owner);
      if (!mine.step())
        throw StateError("the pass's row of policy '" + policy + "' is not this process's");
      apply(policy, change);
    });
  });
}

void PassJournal::remove(const std::string& policy) {
  auto& db = state_.db();
  db.prepare("DELETE FROM batch_intent_items WHERE policy = ?1").bind(1, policy).step();
  db.prepare("DELETE FROM batch_intent WHERE policy = ?1").bind(1, policy).step();
  db.prepare("DELETE FROM pass_in_progress WHERE policy = ?1").bind(1, policy).step();
}

void PassJournal::batch_done(const std::string& policy, const std::string& owner,
                             long long affected, const RecordUpdate& change) {
  guarded(state_, "record a committed batch", [&] {
    auto& db = state_.db();
    in_transaction(db, [&] {
      apply(policy, change);
      Statement count = db.prepare(
          "UPDATE pass_in_progress SET affected = ?1, updated = ?2 WHERE policy = ?3 AND owner = "
          "?4");
      count.bind(1, affected)
          .bind(2, format_timestamp(policies::now_utc()))
          .bind(3, policy)
          .bind(4, owner);
      count.step();
      if (db.changes() != 1)
        throw StateError("the pass's row of policy '" + policy + "' is not this process's");
      db.prepare("DELETE FROM batch_intent_items WHERE policy = ?1").bind(1, policy).step();
      db.prepare("DELETE FROM batch_intent WHERE policy = ?1").bind(1, policy).step();
    });
  });
}

PassJournal::Finished PassJournal::finish(const std::string& owner, const AuditEntry& entry) {
  return guarded(state_, "record the end of a pass", [&] {
    auto& db = state_.db();
    return in_transaction(db, [&]() -> Finished {
      Finished out;
      AuditEntry e = entry;
      if (!owner.empty()) {
        if (intent_of(entry.policy)) {
          out.pending_intent = true;  // the next pass reconciles it, then writes the entry
          return out;
        }
        Statement mine =
            db.prepare("DELETE FROM pass_in_progress WHERE policy = ?1 AND owner = ?2");
        mine.bind(1, entry.policy).bind(2, owner);
        mine.step();
        // A row that was this pass's is gone: another process (a host sharing the state, once
        // this one's lease was lost) recorded the pass as interrupted with the count it found.
        // The trail must not count those records twice.
        if (db.changes() == 0) {
          if (auto theirs = closed_as_dead(owner, entry)) {
            out.recorded_by_another = theirs->affected;
            e.affected = std::max(0LL, entry.affected - theirs->affected);
            e.partitions.clear();   // recorded with the row
            e.also_stores.clear();  // recorded with the row
            if (e.affected == 0 && e.notices.empty()) return out;
          }
        }
      }
      out.appended = AuditTrail(db, state_.audit_key()).append(e, /*in_transaction=*/true);
      return out;
    });
  });
}

std::optional<AuditEntry> PassJournal::closed_as_dead(const std::string& owner,
                                                      const AuditEntry& entry) {
  const std::string host = owner_host(owner);
  // All of the policy's entries (rare: only when the row was gone): `started` comes from the
  // pass's clock (--at), `finished` of the other's from the real one.
  auto entries = AuditTrail(state_.db()).list({entry.policy}, std::nullopt);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    if (it->outcome == "interrupted" && it->started == entry.started && it->host == host &&
        it->store == entry.store)
      return *it;
  return std::nullopt;
}

AuditEntry PassJournal::close_dead(const PassRecord& dead, const AuditEntry& entry) {
  return guarded(state_, "record an interrupted pass", [&] {
    auto& db = state_.db();
    return in_transaction(db, [&] {
      remove(dead.policy);
      return AuditTrail(db, state_.audit_key()).append(entry, /*in_transaction=*/true);
    });
  });
}

std::string PassJournal::columns() {
  // A state of an older retentiond, opened read-only, may lack the newer columns.
  std::string out = kColumns;
  for (const char* column : {"owner", "partitions", "waited", "also_stores", "also_pending"})
    if (!state_.has_column("pass_in_progress", column)) {
      const std::string name = column;
      const auto at = out.find(", " + name);
      out.replace(at, name.size() + 2,
                  ", " + std::string(name == "waited" ? "0" : "''") + " AS " + name);
    }
  return out;
}

std::optional<BatchIntent> PassJournal::intent_of(const std::string& policy) {
  if (!state_.has_table("batch_intent")) return std::nullopt;
  auto& db = state_.db();
  Statement st = db.prepare("SELECT expected, evidence FROM batch_intent WHERE policy = ?1");
  st.bind(1, policy);
  if (!st.step()) return std::nullopt;
  BatchIntent intent;
  intent.expected = st.integer(0);
  intent.evidence = st.text(1);
  Statement items = db.prepare("SELECT item FROM batch_intent_items WHERE policy = ?1 ORDER BY " +
                               db.insertion_order());
  items.bind(1, policy);
  while (items.step()) intent.items.push_back(items.text(0));
  return intent;
}

std::optional<PassRecord> PassJournal::find(const std::string& policy) {
  return guarded(state_, "read the passes in progress", [&]() -> std::optional<PassRecord> {
    Statement st =
        state_.db().prepare("SELECT " + columns() + " FROM pass_in_progress WHERE policy = ?1");
    st.bind(1, policy);
    if (!st.step()) return std::nullopt;
    PassRecord r = read_record(st);
    r.intent = intent_of(policy);
    return r;
  });
}

std::vector<PassRecord> PassJournal::list() {
  return guarded(state_, "read the passes in progress", [&] {
    std::vector<PassRecord> out;
    Statement st =
        state_.db().prepare("SELECT " + columns() + " FROM pass_in_progress ORDER BY policy");
    while (st.step()) out.push_back(read_record(st));
    for (auto& r : out) r.intent = intent_of(r.policy);
    return out;
  });
}

}  // namespace retentiond::daemon
