// The Sympa kind of target: one of the targets the sympa store's spec names. Exact texts.
#include <catch2/catch.hpp>

#include "support/config_text.h"

using namespace retentiond::policies;
using namespace retentiond::testing;

namespace {

// The policy without its target, lines 7 to 9; cases add from line 10.
const std::string kStart = without_key(kSympaPolicy, "sympa");

}  // namespace

TEST_CASE("Sympa targets", "[config][sympa_target]") {
  TempDir dir;
  CHECK(errors_of(kStart) ==
        std::vector<std::string>{"DIR/r.yaml:7:5: error: policy 's' has no 'sympa'"});
  CHECK(errors_of(kStart + "    sympa: subscribers\n") ==
        std::vector<std::string>{
            "DIR/r.yaml:10:12: error: unknown Sympa target 'subscribers' (use one of: "
            "unsubscribed_users, logs, stats, sessions, one_time_tickets, notifications, bounces, "
            "spools, archives)"});
  auto loaded = load_text(dir, kThreeStores + kStart + "    sympa: bounces\n");
  REQUIRE(loaded.config);
  const Policy& p = loaded.config->policies.at(0);
  CHECK(p.sympa_target == "bounces");
  CHECK(p.sympa_target_location.line == 10);
  CHECK(p.sympa_target_location.column == 12);
  CHECK(p.since.kind == Basis::Kind::Target);  // each target has its own date
  CHECK_FALSE(p.table);
}
