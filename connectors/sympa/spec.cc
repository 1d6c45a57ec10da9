// What the sympa store declares: Sympa's own configuration file, and the targets its policies
// name instead of a table (see targets.h and orphans.h).
#include "connectors/specs.h"

namespace retentiond::connectors {

policies::StoreSpec sympa_spec() {
  using K = policies::OptionSpec::Kind;
  return policies::StoreSpec{
      "sympa",
      "Sympa's database and spools, found through sympa.conf",
      policies::TargetKind::Sympa,
      {
          {"config", true, K::Path, "Sympa's sympa.conf"},
      },
      {"unsubscribed_users", "logs", "stats", "sessions", "one_time_tickets", "notifications",
       "bounces", "spools", "archives"},
      std::nullopt,  // no SQL: Sympa targets are fixed
  };
}

}  // namespace retentiond::connectors
