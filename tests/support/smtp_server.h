// A small SMTP server for tests, on a free loopback port, in its own thread: it speaks enough of
// RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for a real client (libcurl) and keeps
// every message it accepts. Recipients listed in `reject` get "550", as a mailbox that does not
// exist would; stop() makes the port refuse connections, as a server that is down.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace retentiond::testing {

struct ReceivedMail {
  std::string from;
  std::vector<std::string> to;
  std::string data;  // headers and body as received (CRLF), dot-stuffing undone
};

class SmtpServer {
 public:
  SmtpServer();  // listens on 127.0.0.1 and a free port
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  int port() const { return port_; }
  std::vector<ReceivedMail> messages() const;
  void clear();
  void reject(const std::string& address);
  void stop();

 private:
  void serve();
  void session(int fd);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<ReceivedMail> messages_;
  std::set<std::string> rejected_;
  std::thread thread_;
};

}  // namespace retentiond::testing
