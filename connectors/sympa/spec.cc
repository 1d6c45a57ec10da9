// What the sympa store declares: Sympa's own configuration file, and the targets its policies
// name instead of a table (see targets.h and orphans.h).
#include "connectors/store_types.h"
#include "connectors/sympa/connector.h"

namespace retentiond::connectors {

StoreType sympa_store_type() {
  using K = policies::OptionSpec::Kind;
  policies::StoreSpec spec{
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
  return StoreType{spec, [](const policies::StoreConfig& s) -> std::unique_ptr<Connector> {
                     return std::make_unique<sympa::SympaConnector>(s);
                   }};
}

}  // namespace retentiond::connectors
