// What the SQL server stores (PostgreSQL, MySQL) share around their session: the store's
// configuration, the access mode it was opened in, and a reconnect with backoff that gives up at
// once when the pass is asked to stop (connectors/reconnect.h).
#pragma once

#include <atomic>

#include "connectors/connector.h"

namespace retentiond::connectors::sql {

class ServerConnector : public Connector {
 public:
  explicit ServerConnector(const policies::StoreConfig& store) : store_(store) {}

  // Opens a session in `mode` (connect()), forgetting what the previous one prepared.
  Result<void> open(AccessMode mode) final;

 protected:
  // Opens a new session in `mode`, in place of the current one. Error kind StoreUnreachable (or
  // Config) names the store, never secrets.
  virtual Result<void> connect(AccessMode mode) = 0;
  // Forgets the statements prepared for the previous session.
  virtual void forget() = 0;

  // Where a pass's stop flag is (PassContext::stop), for reconnect() to heed.
  void watch(const PassContext& ctx) { stop_ = ctx.stop; }
  // Reconnects after a lost connection, in the mode open() was given; false when the server
  // stays away or a stop was asked.
  bool reconnect();
  // The error to report when a retry gave up: Interrupted when a stop was asked meanwhile.
  Error gave_up(const Policy& policy, Error error) const;

  const policies::StoreConfig store_;

 private:
  AccessMode mode_ = AccessMode::ReadOnly;
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace retentiond::connectors::sql
