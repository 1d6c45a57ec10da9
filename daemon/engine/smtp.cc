#include "daemon/engine/smtp.h"

#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <curl/curl.h>

#include "lib/crypto/random.h"
#include "lib/secrets/secret_file.h"

namespace retentiond::daemon {
namespace {

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// An RFC 2047 encoded word when the text is not plain ASCII.
std::string header_text(const std::string& text) {
  bool ascii = true;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\r' || c == '\n') ascii = false;
  if (ascii) return text;
  std::string clean;
  for (char c : text)
    if (c != '\r' && c != '\n') clean += c;
  return "=?UTF-8?B?" + base64(clean) + "?=";
}

// "Name <address>" with a non-ASCII name encoded.
std::string mailbox_header(const std::string& mailbox) {
  auto lt = mailbox.find('<');
  if (lt == std::string::npos || lt == 0) return mailbox;
  std::string name = mailbox.substr(0, lt);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return header_text(name) + " " + mailbox.substr(lt);
}

struct Payload {
  std::string data;
  size_t offset = 0;
};

size_t read_payload(char* buffer, size_t size, size_t count, void* user) {
  auto* p = static_cast<Payload*>(user);
  size_t room = size * count;
  size_t n = std::min(room, p->data.size() - p->offset);
  std::memcpy(buffer, p->data.data() + p->offset, n);
  p->offset += n;
  return n;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string address_of(const std::string& mailbox) {
  auto lt = mailbox.find('<');
  auto gt = mailbox.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos)
    return mailbox.substr(lt + 1, gt - lt - 1);
  return mailbox;
}

std::string format_message(const MailMessage& m, const std::string& domain) {
  char date[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  const std::string id = lib::random_hex(12);
  std::string out = "Date: " + std::string(date) + "\r\n";
  out += "From: " + mailbox_header(m.from) + "\r\n";
  out += "To: " + m.to + "\r\n";
  out += "Subject: " + header_text(m.subject) + "\r\n";
  out += "Message-ID: <" + id + "@" + domain + ">\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out +=
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: "
      "8bit\r\n\r\n";
  for (size_t i = 0; i < m.body.size(); ++i) {
    if (m.body[i] == '\n' && (i == 0 || m.body[i - 1] != '\r'))
      out += "\r\n";
    else
      out += m.body[i];
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

struct SmtpSender::Impl {
  policies::SmtpConfig config;
  std::string password;
  CURL* curl = nullptr;
  bool answered = true;  // the last failed send's server replied
};

namespace {

// libcurl's progress callback: a non-zero return aborts the transfer (a stop signal).
int stop_requested(void* stop, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(stop)->load() ? 1 : 0;
}

}  // namespace

bool SmtpSender::server_answered() const { return impl_->answered; }

SmtpSender::SmtpSender(const policies::SmtpConfig& config) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->config = config;
  if (!config.user.empty()) {
    // The same rules as a store's password: `password_file`, else the systemd credential "smtp".
    std::string path = config.password_file;
    if (path.empty()) path = lib::credential_path("smtp").value_or("");
    if (path.empty())
      throw std::runtime_error(
          "smtp: 'user' is set but there is no password_file and no systemd credential 'smtp'");
    std::string why;
    auto secret = lib::read_secret_file(path, why);
    if (!secret)
      throw std::runtime_error("smtp: cannot read the password file '" + path + "': " + why);
    impl_->password = *secret;
  }
  impl_->curl = curl_easy_init();
  if (!impl_->curl) throw std::runtime_error("smtp: cannot initialise libcurl");
}

SmtpSender::~SmtpSender() {
  if (impl_ && impl_->curl) curl_easy_cleanup(impl_->curl);
}

bool SmtpSender::send(const MailMessage& message, std::string& error,
                      const std::atomic<bool>* stop) {
  const auto& c = impl_->config;
  CURL* curl = impl_->curl;
  curl_easy_reset(curl);
  const std::string url = "smtp://" + c.host + ":" + std::to_string(c.port);
  const std::string from = "<" + address_of(message.from) + ">";
  const std::string to = "<" + message.to + ">";
  std::string domain = address_of(message.from);
  domain = domain.substr(domain.find('@') == std::string::npos ? 0 : domain.find('@') + 1);
  Payload payload{format_message(message, domain.empty() ? "retentiond" : domain)};
  struct curl_slist* recipients = curl_slist_append(nullptr, to.c_str());
  char curl_error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_payload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &payload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (stop) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, stop_requested);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(stop));
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  if (c.starttls) curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!c.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, c.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, impl_->password.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(recipients);
  if (rc == CURLE_OK) return true;
  // libcurl's messages can quote the server's reply, which may echo the recipient: keep the code
  // and the generic description only.
  error = "SMTP server " + c.host + ":" + std::to_string(c.port) + ": ";
  long reply = 0;  // the reply's code alone ("550"), never its text
  const bool replied =
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply) == CURLE_OK && reply >= 400;
  impl_->answered = replied;
  if (replied)
    // The server answered, and said no (libcurl's own words, "Failed sending data to the peer",
    // would point at the network).
    error += std::string(reply >= 500 ? "refused the message" : "could not take the message now") +
             " (reply " + std::to_string(reply) + ")";
  else
    error += curl_easy_strerror(rc);
  return false;
}

}  // namespace retentiond::daemon
