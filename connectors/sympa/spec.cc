// What the sympa store declares: Sympa's own configuration file, and the targets its policies
// name with `sympa:` instead of a table (see targets.h and orphans.h). Its policies take no SQL:
// Sympa's targets are fixed.
#include "connectors/specs.h"

namespace retentiond::connectors {

policies::StoreSpec sympa_spec() {
  using K = policies::OptionSpec::Kind;
  return {
      .type = "sympa",
      .summary = "Sympa's database and spools, found through sympa.conf",
      .target = policies::sympa_target(),
      .options = {{"config", true, K::Path, "Sympa's sympa.conf"}},
      .targets = {"unsubscribed_users", "logs", "stats", "sessions", "one_time_tickets",
                  "notifications", "bounces", "spools", "archives"},
      .also_target = policies::sympa_also_target(),
  };
}

}  // namespace retentiond::connectors
