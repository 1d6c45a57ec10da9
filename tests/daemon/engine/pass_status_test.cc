// Which interrupted passes `serve` retries early: a signal's interruption is an operator's
// choice; a lost connection's is a failure to retry with backoff (and to count in the metrics).
#include <catch2/catch.hpp>

#include "daemon/engine/pass.h"

using namespace retentiond;
using daemon::PassOutcome;
using daemon::PassStatus;

namespace {

PassOutcome outcome(PassStatus status, std::optional<connectors::ErrorKind> kind) {
  PassOutcome o;
  o.status = status;
  if (kind) o.error = connectors::Error{*kind, "x"};
  return o;
}

}  // namespace

TEST_CASE("only a signal's interruption is exempt from the failure backoff", "[pass]") {
  using connectors::ErrorKind;
  CHECK(daemon::stopped_by_signal(outcome(PassStatus::Interrupted, ErrorKind::Interrupted)));
  CHECK(daemon::stopped_by_signal(outcome(PassStatus::Interrupted, std::nullopt)));
  CHECK_FALSE(
      daemon::stopped_by_signal(outcome(PassStatus::Interrupted, ErrorKind::StoreUnreachable)));
  CHECK_FALSE(daemon::stopped_by_signal(outcome(PassStatus::Failed, ErrorKind::StoreUnreachable)));
  CHECK_FALSE(daemon::stopped_by_signal(outcome(PassStatus::Ok, std::nullopt)));
}
