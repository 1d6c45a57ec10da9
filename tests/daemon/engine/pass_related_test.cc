// What a dead pass's entry says of another store's removals: those recorded, and those the
// store was committing when the process died, as "unconfirmed" (never a silent gap).
#include "daemon/engine/pass_related.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using nlohmann::json;
using retentiond::daemon::with_unconfirmed;

TEST_CASE("a removal pending when the pass died is audited as unconfirmed", "[pass][also]") {
  const std::string recorded =
      R"([{"store":"lists","sympa":"subscribers","lists":["a"],"removed":500},)"
      R"({"store":"lists","sympa":"subscribers","lists":["b"],"robot":"r","removed":7}])";
  const std::string pending_a =
      R"([{"store":"lists","sympa":"subscribers","lists":["a"],"removed":426}])";
  // Added to the matching rule.
  CHECK(json::parse(with_unconfirmed(recorded, pending_a)) ==
        json::parse(R"([{"store":"lists","sympa":"subscribers","lists":["a"],"removed":500,
                         "unconfirmed":426},
                        {"store":"lists","sympa":"subscribers","lists":["b"],"robot":"r",
                         "removed":7}])"));
  // A rule that had removed nothing yet gets an element of its own.
  CHECK(json::parse(with_unconfirmed("", pending_a)) ==
        json::parse(R"([{"store":"lists","sympa":"subscribers","lists":["a"],"removed":0,
                         "unconfirmed":426}])"));
  // The robot tells two rules on the same list apart.
  const std::string pending_b_other_robot =
      R"([{"store":"lists","sympa":"subscribers","lists":["b"],"removed":3}])";
  CHECK(json::parse(with_unconfirmed(recorded, pending_b_other_robot)).size() == 3);
  // Nothing pending, or a record that is not JSON (an edited state): as recorded.
  CHECK(with_unconfirmed(recorded, "") == recorded);
  CHECK(with_unconfirmed("not json", pending_a) == "not json");
}
