// The `unsubscribed_users` target: a user of Sympa (a user_table row) is an orphan when the address
// is in no subscriber_table row, no admin_table row (owner or editor) and is no listmaster. Sympa
// stores no unsubscription date, so the store establishes when the orphan state began:
//  - from Sympa's own records where they are trustworthy: the latest departure stat_table keeps
//    ('del', 'signoff', 'auto_del') or exclusion_table's date, unless a later subscription
//    ('add_or_subscribe') shows that this departure was not the last one;
//  - otherwise from the first pass of retentiond that saw the orphan, kept in the state file under
//    a keyed hash of the address (never the address).
// Sympa's record is taken as is for the orphans that were already there when retentiond first
// looked; for later ones, the later of the record and retentiond's first sighting counts, so a
// stale record never makes an orphan look older than retentiond saw it. An address seen
// subscribed again is forgotten, and starts over when it leaves again.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policies/timestamp.h"

namespace retentiond::connectors::sympa {

struct OrphanRow {
  std::string email;                    // as Sympa stores it
  std::optional<long long> departed;    // latest departure Sympa recorded (epoch seconds)
  std::optional<long long> subscribed;  // latest subscription Sympa recorded (epoch seconds)
};

// The SELECT listing orphans (email, latest recorded departure in stat_table, latest exclusion,
// latest recorded subscription), in address order; it takes no values. Listmasters are left out
// by the caller.
std::string orphans_query();
// The DELETE of `count` addresses that re-checks, in the statement itself, that each is still
// an orphan; its values are the addresses.
std::string delete_orphans_statement(size_t count);
// How many user_table rows there are (the guard's base).
std::string users_count_query();

// When the orphan state of `row` began (see above). `first_seen`: retentiond's recorded first
// sighting (nullopt: seen for the first time now); `tracking_since`: when retentiond first
// looked at all (nullopt: this is the first look).
policies::TimePoint orphan_since(const OrphanRow& row,
                                 std::optional<policies::TimePoint> first_seen,
                                 std::optional<policies::TimePoint> tracking_since,
                                 policies::TimePoint now);

}  // namespace retentiond::connectors::sympa
