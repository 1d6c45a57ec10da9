// The optional Prometheus endpoint (`metrics: {listen: 127.0.0.1:9187}`): a small HTTP/1.1 server
// on the daemon's event loop (Boost.Beast) answering GET /metrics. Each request is served without
// blocking the loop for long: the exposition is a few kilobytes.
#pragma once

#include <memory>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>

#include "daemon/serve/metrics.h"

namespace retentiond::daemon {

class MetricsServer {
 public:
  // Throws std::runtime_error naming the address when it cannot listen.
  MetricsServer(boost::asio::io_context& io, const std::string& listen, const Metrics& metrics);
  void stop();

 private:
  void accept();
  boost::asio::ip::tcp::acceptor acceptor_;
  const Metrics& metrics_;
};

}  // namespace retentiond::daemon
