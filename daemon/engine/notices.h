// Notices before action (`notify:`): which records get a notice now, which are waiting out their
// notice period, and which may be acted on. A record is acted on only when it is expired and its
// notice went out at least `before` ago for the same basis date; when its date moves (the person
// signed in), the old notice no longer counts and a later cycle starts over. The state file keeps
// one row per noticed record, keyed by a keyed hash of (policy, key): never the key or address.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "daemon/state/state.h"
#include "policies/policy.h"

namespace retentiond::daemon {

struct NoticeRecord {
  long long basis = 0;  // epoch seconds of the basis date the notice was about
  policies::TimePoint sent;
};

class NoticeBook {
 public:
  // `key` is the installation's anonymisation key (see StateFile::anonymisation_key).
  NoticeBook(StateFile* state, std::string key) : state_(state), key_(std::move(key)) {}

  std::string hash(const std::string& policy, const std::string& record_key) const;
  // The notices of `policy`, by hash. Empty without a state file.
  std::map<std::string, NoticeRecord> load(const std::string& policy) const;
  void record(const std::string& policy, const std::string& hash, const NoticeRecord& notice);
  // Forgets the notices of `policy` not in `hashes` (records no longer due: acted on, or active
  // again), except those sent after `now`: a pass at an earlier moment (`--at` in the past) does
  // not see their records as due yet, and forgetting them would send a second notice.
  void forget_except(const std::string& policy, const std::set<std::string>& hashes,
                     policies::TimePoint now);

 private:
  StateFile* state_;
  std::string key_;
};

struct NoticeDecision {
  std::vector<std::string> actionable;                      // keys that may be acted on now
  std::vector<const connectors::NoticeCandidate*> to_send;  // records needing a (new) notice
  long long waiting = 0;     // noticed, waiting out the notice period
  long long no_address = 0;  // due, but without an address: never acted on
  // Past their expiry while no notice (for this date) has gone out: the promise's date passed
  // with nothing done; `retentiond status` counts them as overdue once past the lateness.
  long long expired_unnoticed = 0;
  std::optional<policies::TimePoint> oldest_unnoticed;
  std::set<std::string> due_hashes;
};

// Sorts the candidates (records whose basis is before the notice cut-off) by what they need.
NoticeDecision decide_notices(const policies::Policy& policy,
                              const std::vector<connectors::NoticeCandidate>& candidates,
                              const std::map<std::string, NoticeRecord>& notices,
                              const NoticeBook& book, const policies::Cutoff& cutoff);

// The notice's text with its placeholders replaced, in the notice's language (notify.language):
// {date} or {deletion_date}, when the record will be acted on in long form ("1er mars 2027",
// "1 March 2027"); {date_iso}, the same as YYYY-MM-DD; {description} (notice_description);
// {policy}; {before}, the notice period in words ("30 jours").
// Dates are UTC days, like every cut-off.
std::string render_notice(const policies::Policy& policy, const std::string& text,
                          policies::TimePoint action_date);
// The promise in the notice's language: the policy's `register:` description in it, else its
// `description` as written.
std::string notice_description(const policies::Policy& policy);
// The policy's template: a regular file of at most 64 KiB (policies/regular_file.h). Throws
// std::runtime_error naming the file when it cannot be read.
std::string read_template(const policies::Policy& policy);

// Whether `email` is one plain address a notice can go to (local@domain, no space, control
// character, bracket or separator). A record without one is counted as having no address.
bool usable_address(const std::string& email);

// When a record noticed now will be acted on: its expiry, but not before `before` from now.
policies::TimePoint action_date(const policies::Policy& policy, policies::TimePoint basis,
                                policies::TimePoint now);

}  // namespace retentiond::daemon
