// Sends e-mail notices through the configured SMTP server (`smtp:`), with libcurl's SMTP client:
// STARTTLS when asked (required, not opportunistic), AUTH with a password read from a file or a
// systemd credential, one connection reused for all the messages of a pass.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "policies/policy.h"

namespace retentiond::daemon {

struct MailMessage {
  std::string from;     // "Name <address>" or "address"
  std::string to;       // one address
  std::string subject;  // UTF-8; encoded for the header as needed
  std::string body;     // UTF-8 text, '\n' line ends
};

class SmtpSender {
 public:
  // Throws std::runtime_error when the password file cannot be read.
  explicit SmtpSender(const policies::SmtpConfig& config);
  ~SmtpSender();
  SmtpSender(const SmtpSender&) = delete;
  SmtpSender& operator=(const SmtpSender&) = delete;

  // Sends one message. On failure returns false and sets `error` to a sentence naming the server
  // (never the recipient's address). With `stop`, a wait on the server ends within a second once
  // it is set (a stop signal), as a failure.
  bool send(const MailMessage& message, std::string& error,
            const std::atomic<bool>* stop = nullptr);
  // After a failed send: whether the server answered (and refused that message), rather than
  // could not be reached or did not answer in time, in which case the next message would fail
  // the same way.
  bool server_answered() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The address part of "Name <address>" (or the text itself).
std::string address_of(const std::string& mailbox);

// The whole RFC 5322 message: headers (Date, From, To, Subject, Message-ID, MIME) and the body
// with CRLF line ends.
std::string format_message(const MailMessage& message, const std::string& message_id_domain);

}  // namespace retentiond::daemon
