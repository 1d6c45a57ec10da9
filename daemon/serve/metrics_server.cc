#include "daemon/serve/metrics_server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace retentiond::daemon {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// One connection: read a request, answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Metrics& metrics)
      : stream_(std::move(socket)), metrics_(metrics) {}
  void start() {
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(
        stream_, buffer_, request_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->answer(ec); });
  }

 private:
  void answer(beast::error_code ec) {
    if (ec) return;
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(request_.version());
    response->keep_alive(false);
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      response->result(http::status::method_not_allowed);
    } else if (request_.target() != "/metrics") {
      response->result(http::status::not_found);
      response->body() = "retentiond: metrics are at /metrics\n";
    } else {
      response->result(http::status::ok);
      response->set(http::field::content_type, "text/plain; version=0.0.4");
      response->body() = metrics_.render();
    }
    response->prepare_payload();
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code, std::size_t) {
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  const Metrics& metrics_;
};

tcp::endpoint parse_endpoint(const std::string& listen) {
  auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) throw std::runtime_error("metrics: '" + host + "' is not an IP address");
  return tcp::endpoint(address, static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
}

}  // namespace

MetricsServer::MetricsServer(boost::asio::io_context& io, const std::string& listen,
                             const Metrics& metrics)
    : acceptor_(io), metrics_(metrics) {
  auto endpoint = parse_endpoint(listen);
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("metrics: cannot listen on " + listen + ": " + ec.message());
  accept();
}

void MetricsServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void MetricsServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;  // closed
    std::make_shared<Session>(std::move(socket), metrics_)->start();
    accept();
  });
}

}  // namespace retentiond::daemon
