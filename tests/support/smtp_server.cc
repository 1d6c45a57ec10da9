#include "support/smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace retentiond::testing {
namespace {

bool send_line(int fd, const std::string& line) {
  std::string out = line + "\r\n";
  return ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
}

// Reads one CRLF-terminated line (without it) from fd, buffering the rest; false at EOF.
bool read_line(int fd, std::string& buffer, std::string& line) {
  while (true) {
    auto pos = buffer.find("\r\n");
    if (pos != std::string::npos) {
      line = buffer.substr(0, pos);
      buffer.erase(0, pos + 2);
      return true;
    }
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string angle_address(const std::string& argument) {
  auto lt = argument.find('<');
  auto gt = argument.find('>', lt == std::string::npos ? 0 : lt);
  if (lt == std::string::npos || gt == std::string::npos) return argument;
  return argument.substr(lt + 1, gt - lt - 1);
}

}  // namespace

SmtpServer::SmtpServer() {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error("smtp test server: socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 16) != 0)
    throw std::runtime_error("smtp test server: cannot listen on loopback");
  socklen_t len = sizeof addr;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

SmtpServer::~SmtpServer() { stop(); }

void SmtpServer::stop() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  ::close(listener_);
}

std::vector<ReceivedMail> SmtpServer::messages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return messages_;
}

void SmtpServer::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  messages_.clear();
}

void SmtpServer::reject(const std::string& address) {
  std::lock_guard<std::mutex> lock(mutex_);
  rejected_.insert(address);
}

void SmtpServer::serve() {
  while (!stopping_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    session(fd);  // one client at a time is all retentiond needs
    ::close(fd);
  }
}

void SmtpServer::session(int fd) {
  std::string buffer, line;
  ReceivedMail current;
  if (!send_line(fd, "220 localhost ESMTP retentiond-test")) return;
  while (read_line(fd, buffer, line)) {
    const std::string verb = upper(line.substr(0, 4));
    if (verb == "EHLO") {
      send_line(fd, "250-localhost");
      send_line(fd, "250 8BITMIME");
    } else if (verb == "HELO") {
      send_line(fd, "250 localhost");
    } else if (verb == "MAIL") {
      current = ReceivedMail{};
      current.from = angle_address(line.substr(5));
      send_line(fd, "250 OK");
    } else if (verb == "RCPT") {
      std::string to = angle_address(line.substr(5));
      bool refused;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        refused = rejected_.count(to) > 0;
      }
      if (refused) {
        send_line(fd, "550 5.1.1 mailbox unavailable");
      } else {
        current.to.push_back(to);
        send_line(fd, "250 OK");
      }
    } else if (verb == "DATA") {
      if (current.to.empty()) {
        send_line(fd, "554 no valid recipients");
        continue;
      }
      send_line(fd, "354 end with <CRLF>.<CRLF>");
      std::string data;
      while (read_line(fd, buffer, line) && line != ".") {
        if (!line.empty() && line[0] == '.') line.erase(0, 1);
        data += line + "\r\n";
      }
      current.data = data;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        messages_.push_back(current);
      }
      send_line(fd, "250 OK queued");
    } else if (verb == "RSET" || verb == "NOOP") {
      send_line(fd, "250 OK");
    } else if (verb == "QUIT") {
      send_line(fd, "221 bye");
      return;
    } else {
      send_line(fd, "502 command not implemented");
    }
  }
}

}  // namespace retentiond::testing
