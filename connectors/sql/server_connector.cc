#include "connectors/sql/server_connector.h"

#include "connectors/reconnect.h"

namespace retentiond::connectors::sql {

Result<void> ServerConnector::open(AccessMode mode) {
  mode_ = mode;
  auto connected = connect(mode);
  if (!connected) return connected;
  forget();
  return success();
}

bool ServerConnector::reconnect() {
  return reconnect_with_backoff([&] { return static_cast<bool>(connect(mode_)); }, stop_) ==
         Reconnected::Yes;
}

Error ServerConnector::gave_up(const Policy& policy, Error error) const {
  if (stop_ && stop_->load())
    return Error{ErrorKind::Interrupted,
                 error_prefix(store_.name, policy.name) +
                     "stopped by a signal while reconnecting; the next pass finishes the work"};
  return error;
}

}  // namespace retentiond::connectors::sql
