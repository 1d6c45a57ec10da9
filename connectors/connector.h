// The interface every store implements: find expired records, report them, act on them in
// bounded batches. One Connector instance serves one configured store and is used by one thread
// at a time. check() and plan() never change data; apply_batch() changes at most one batch, in
// one short transaction, and its statement re-checks the expiry condition itself.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "connectors/cursor.h"
#include "connectors/result.h"
#include "policies/diagnostics.h"
#include "policies/planner.h"
#include "policies/policy.h"

namespace retentiond::connectors {

using policies::Policy;
using policies::TimePoint;

// What a batch is about to make permanent, written to the state file before the store commits,
// so that after a crash (or a lost COMMIT) the next pass can ask the store whether it did (see
// Connector::reconcile) and the audit trail counts exactly what the store lost.
struct BatchIntent {
  long long expected = 0;  // records the batch changed (files: is about to remove)
  // The store's own way to tell later whether the change committed: a transaction id, or the
  // batch's key range; never a record's personal data beyond what a key is.
  std::string evidence;
  std::vector<std::string> items;  // files: the paths about to be removed (relative to the root)
  // `partitions: drop|detach`: the partitions the batch drops or detaches whole, with the rows it
  // counted in each, so that the audit entry of a pass that dies names them too.
  std::vector<PartitionStep> units = {};
};

// Where a connector announces its batches before committing them. before_commit() is called
// inside the batch's transaction, after its statements ran and before COMMIT (files: before each
// group of unlinks); it throws when the intent could not be recorded, and the connector must
// then roll back (files: remove nothing more). Calls within one batch add up.
class BatchJournal {
 public:
  virtual ~BatchJournal() = default;
  virtual void before_commit(const BatchIntent& intent) = 0;
};

// Where apply_batch() hands a batch's records to the other stores its policy's `also:` names
// (Policy::also_stores), inside the batch's transaction, after its SELECT and before its
// `also:` rules and its action. The other store does its part in a transaction of its own,
// committed before hand() returns: a failure there keeps the batch's records (the main
// transaction rolls back), and a failure of the main action afterwards leaves the other store's
// part done, which the next pass repeats harmlessly (it is idempotent).
class RelatedStores {
 public:
  virtual ~RelatedStores() = default;
  // `values`: rule `rule`'s column (policy.also_stores[rule].column) in the batch's records,
  // NULLs left out. Throws RelatedStoreFailed when the other store could not do its part; the
  // connector must then roll the batch back and return that error.
  virtual void hand(size_t rule, const std::vector<std::string>& values) = 0;
};

// Another store failed its part of a batch (RelatedStores): the error names that store, and says
// that the batch was rolled back.
class RelatedStoreFailed : public std::runtime_error {
 public:
  explicit RelatedStoreFailed(Error error)
      : std::runtime_error(error.message), error_(std::move(error)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

// What a pass knows that the policy does not.
struct PassContext {
  policies::Cutoff cutoff;
  std::vector<std::string> held_keys;  // keys under an operator's legal hold (text form)
  // The installation's secret for keyed hashes ({hash: N}, {hash} in patterns), kept in the
  // state file; never shown. Empty only when no state file exists yet (plan before any enforce).
  std::string anonymisation_key;
  // For policies with `notify:`: the only keys the pass may act on (their notice went out at
  // least `before` ago and their date has not moved since). Empty: nothing may be touched.
  std::vector<std::string> noticed_keys;
  // `plan --samples N`: how many expired records' keys (or file paths, or addresses) plan()
  // returns in PlanStats::samples. 0 (always, outside plan): none, since they are personal data.
  long long samples = 0;
  // Enforcing passes: where apply_batch() announces each batch before it commits. Null in plan.
  BatchJournal* journal = nullptr;
  // Set by a stop signal: a connector waiting to reconnect gives up at once (ErrorKind
  // Interrupted). May be null.
  const std::atomic<bool>* stop = nullptr;
  // Enforcing passes of a policy whose `also:` names other stores: where each batch hands them
  // its records. Null otherwise; apply_batch() then refuses such a policy, changing nothing.
  RelatedStores* related = nullptr;
  // Passes on a throttled store: called between the parts of a long counting scan in plan()
  // (those that count in parts), it rests and waits as between batches. An Error (Interrupted,
  // Throttled) when the pass must end there; plan() then returns it. Empty otherwise.
  std::function<std::optional<Error>()> pace;
  // `status` and the HTML page's charts: plan() need only count the matched and held records
  // and find the oldest (total, undated and future may stay 0; no walk, no statements), so
  // that SQL stores count from an index on the date instead of scanning the table. Dry only.
  bool counts_only = false;
};

// A record due for a notice: its key, its basis date and the address to write to.
struct NoticeCandidate {
  std::string key;
  std::optional<TimePoint> basis;
  std::string email;
  bool held = false;  // under a hold: never noticed while it lasts, its notice is remembered
};

struct PlanStats {
  long long matched = 0;  // expired records the action would touch (holds excluded)
  long long held = 0;     // expired records kept because of a hold
  long long total = 0;    // records the policy selects (table and `where`): the guard's base
  std::optional<TimePoint> oldest;  // earliest basis among matched records
  long long undated = 0;  // selected records kept because no date is known (NULL or unreadable)
  long long future = 0;   // selected records kept because their date is after the pass's moment
  // Parts of the store the count could not read (a files store's directories): what they hold is
  // neither counted nor acted on, so the pass fails and `status` says the promise is unknown.
  long long unread_parts = 0;
  std::string unread_words;  // what they are, for the error: "1 directory under '/var/log'"
  std::vector<std::string> statements;  // the exact statements a pass runs, with their bindings
  std::vector<std::string> warnings;    // undecidable records, unsupported features, ...
  std::string unit = "rows";            // "rows", "files" or "users" (Sympa), for messages
  std::vector<std::string> samples;     // up to PassContext::samples matched keys, in key order
  // Where the pass's first batch starts: Start (batches follow the key), or the first position
  // of a physical walk, which carries the bounds this plan found. A pass that has no plan's
  // bounds starts at Start, and the policy then walks its key.
  Cursor start;
  // Policies with `partitions: drop` or `detach` on a partitioned table: what the pass does with
  // each partition (and with the tables earlier passes detached), in the order it acts. Empty
  // otherwise, and when the policy's partitions all go through row deletion (a warning says why).
  std::vector<PartitionStep> partitions;
};

struct BatchResult {
  long long affected = 0;  // records deleted or anonymised by this batch
  Cursor next;             // where the next batch starts
  bool done = false;       // no expired record is left after `next`
  // The partitions the batch dropped or detached whole (or the detached tables it dropped), with
  // the rows each held (PartitionStep::estimated says whether counted); empty for batches of rows
  // and for units left to them.
  std::vector<PartitionStep> units = {};
  // Records the batch had to leave although expired (a file the service may not remove): its
  // work stands and the pass goes on, but ends as failed with this error (the latest batch's
  // says how many so far), so that nothing is left silently.
  std::optional<Error> left_behind = {};
};

enum class AccessMode { ReadOnly, ReadWrite };

class Connector {
 public:
  virtual ~Connector() = default;

  // The store type, as written in `type:` ("sqlite").
  virtual std::string_view type() const = 0;

  // Connects to (or opens) the store. ReadOnly, used by check and plan, makes the store refuse
  // writes where it can. Error kind StoreUnreachable (or Config) names the store, never secrets.
  virtual Result<void> open(AccessMode mode) = 0;

  // Verifies that what the policy names exists (tables, columns, key) and that its SQL compiles,
  // without running it. Problems come back as diagnostics at the policy's fields; an Error only
  // when the store could not be asked.
  virtual Result<std::vector<policies::Diagnostic>> check(const Policy& policy) = 0;

  // Counts what a pass would do at ctx's cut-off. Never changes data.
  virtual Result<PlanStats> plan(const Policy& policy, const PassContext& ctx) = 0;

  // Acts on at most `limit` expired records from `from` on (the plan's PlanStats::start, then the
  // previous batch's BatchResult::next), in one transaction whose statement re-checks expiry,
  // `where` and holds. On Error nothing of this batch was changed.
  virtual Result<BatchResult> apply_batch(const Policy& policy, const PassContext& ctx,
                                          const Cursor& from, long long limit) = 0;

  // After a crash, or a batch whose COMMIT was lost: how many of `intent.expected` records the
  // store really changed (0 when the batch rolled back). ctx.cutoff is the interrupted pass's.
  // Never changes data. An Error when the store cannot tell or cannot be asked; the intent is
  // then kept and asked again by the next pass.
  virtual Result<long long> reconcile(const Policy& /*policy*/, const PassContext& /*ctx*/,
                                      const BatchIntent& /*intent*/) {
    return Error{ErrorKind::Unsupported,
                 "store type '" + std::string(type()) + "' cannot reconcile a batch"};
  }

  // For a policy of another store whose `also:` names this one (`rule`, one of its
  // also_stores). check_related() verifies that the store can do what the rule asks (its tables,
  // the names it gives), as diagnostics at the rule's fields; related_statement() is what
  // remove_related() runs, for plan. Neither changes data. remove_related() removes what the
  // rule relates to `values` (Sympa: the subscriptions of these addresses to the rule's lists) in
  // one short transaction of its own, committed before it returns, and returns how many records
  // it removed; on Error nothing was removed. `before_commit`, when given, is told how many it is
  // about to commit, just before the COMMIT (the pass records them as pending: a process that
  // dies in between leaves that record); a throw there rolls the removal back (an Error then).
  // Values never appear in messages.
  virtual Result<std::vector<policies::Diagnostic>> check_related(
      const Policy& /*policy*/, const policies::AlsoStoreRule& rule) {
    return Error{ErrorKind::Unsupported,
                 "store '" + rule.store + "' cannot act on related records"};
  }
  virtual Result<std::string> related_statement(const Policy& /*policy*/,
                                                const policies::AlsoStoreRule& rule) {
    return Error{ErrorKind::Unsupported,
                 "store '" + rule.store + "' cannot act on related records"};
  }
  virtual Result<long long> remove_related(
      const Policy& /*policy*/, const policies::AlsoStoreRule& rule,
      const std::vector<std::string>& /*values*/,
      const std::function<void(long long)>& /*before_commit*/ = {}) {
    return Error{ErrorKind::Unsupported,
                 "store '" + rule.store + "' cannot act on related records"};
  }

  // For `hold add`: the key, as the store writes it, of the policy's record whose key equals
  // `key` compared in the key column's type ('05' and 5, an upper-case UUID and its lower-case
  // form), or nullopt when no record has it. Never changes data. Unsupported where keys are
  // compared as written (files, Sympa) or there is no key column.
  virtual Result<std::optional<std::string>> find_key(const Policy& policy,
                                                      const std::string& /*key*/) {
    return Error{ErrorKind::Unsupported, "store type '" + std::string(type()) +
                                             "' compares keys as written (policy '" + policy.name +
                                             "')"};
  }

  // For `notify:`: the records the policy selects (where, holds) whose basis is before
  // `notice_cutoff` (the cut-off `before` from now), in key order. Never changes data.
  virtual Result<std::vector<NoticeCandidate>> notice_candidates(const Policy& /*policy*/,
                                                                 const PassContext& /*ctx*/,
                                                                 TimePoint /*notice_cutoff*/) {
    return Error{ErrorKind::Unsupported,
                 "store type '" + std::string(type()) + "' cannot send notices"};
  }
};

}  // namespace retentiond::connectors
