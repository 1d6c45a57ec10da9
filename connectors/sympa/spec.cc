// What the sympa store declares: Sympa's own configuration file, and the targets its policies
// name instead of a table. Its connector lands with issue 6; until then the configuration is
// validated and online operations answer "not supported yet".
#include "connectors/store_types.h"
#include "connectors/unsupported.h"

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
      /*hash_comments=*/true,
  };
  return StoreType{spec, [](const policies::StoreConfig& s) {
                     return make_unsupported_connector("sympa", s.name);
                   }};
}

}  // namespace retentiond::connectors
