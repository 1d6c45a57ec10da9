#include "connectors/sympa/orphans.h"

#include <algorithm>

namespace retentiond::connectors::sympa {

namespace {

// The orphan condition on user_table's row `u`, the same in the SELECT and the DELETE.
const char* kOrphan =
    "NOT EXISTS (SELECT 1 FROM subscriber_table s WHERE s.user_subscriber = u.email_user) "
    "AND NOT EXISTS (SELECT 1 FROM admin_table a WHERE a.user_admin = u.email_user)";

}  // namespace

std::string orphans_query() {
  // Scalar subqueries only: MariaDB does not let a derived table refer to the outer row.
  return std::string(
             "SELECT u.email_user, "
             "(SELECT max(st.date_stat) FROM stat_table st WHERE st.email_stat = u.email_user AND "
             "st.operation_stat IN ('del', 'signoff', 'auto_del')), "
             "(SELECT max(e.date_exclusion) FROM exclusion_table e WHERE e.user_exclusion = "
             "u.email_user), "
             "(SELECT max(st.date_stat) FROM stat_table st WHERE st.email_stat = u.email_user AND "
             "st.operation_stat = 'add_or_subscribe') "
             "FROM user_table u WHERE ") +
         kOrphan + " ORDER BY u.email_user";
}

std::string delete_orphans_statement(size_t count) {
  std::string in;
  for (size_t i = 0; i < count; ++i) in += i ? ", ?" : "?";
  return "DELETE FROM user_table WHERE email_user IN (" + in + ") AND " +
         // The alias `u` of the SELECT, spelled out: DELETE cannot alias its table everywhere.
         [] {
           std::string c = kOrphan;
           for (size_t at = c.find("u.email_user"); at != std::string::npos;
                at = c.find("u.email_user", at + 1))
             c.replace(at, 12, "user_table.email_user");
           return c;
         }();
}

std::string users_count_query() { return "SELECT count(*) FROM user_table"; }

policies::TimePoint orphan_since(const OrphanRow& row,
                                 std::optional<policies::TimePoint> first_seen,
                                 std::optional<policies::TimePoint> tracking_since,
                                 policies::TimePoint now) {
  const policies::TimePoint seen = first_seen.value_or(now);
  const bool record_holds = row.departed && (!row.subscribed || *row.subscribed <= *row.departed);
  // No departure recorded after the latest subscription: the address left unrecorded (a data
  // source's sync, a closed list), at a moment after both its sighting and that subscription.
  if (!record_holds)
    return row.subscribed ? std::max(seen, policies::from_epoch_seconds(*row.subscribed)) : seen;
  const policies::TimePoint departed = policies::from_epoch_seconds(*row.departed);
  // Already an orphan when retentiond first looked: Sympa's record is all there is.
  const bool backlog = !tracking_since || (first_seen && *first_seen <= *tracking_since);
  if (backlog) return departed;
  return std::max(departed, seen);
}

}  // namespace retentiond::connectors::sympa
