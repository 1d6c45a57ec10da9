#include "daemon/commands/logging.h"

#include <cstdlib>
#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

// "<3>" ... "<7>": the syslog priority journald reads at the start of each stderr line
// (sd-daemon(3)), so that `journalctl -p err -u retentiond` shows the errors.
class PriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* p = "<6>";
    switch (msg.level) {
      case spdlog::level::critical:
        p = "<2>";
        break;
      case spdlog::level::err:
        p = "<3>";
        break;
      case spdlog::level::warn:
        p = "<4>";
        break;
      case spdlog::level::info:
        p = "<6>";
        break;
      default:
        p = "<7>";
        break;
    }
    dest.append(p, p + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

// The message, with control characters and bytes that are not UTF-8 escaped: messages quote
// names, paths and store errors, and a raw newline would forge a journal line of its own.
class PrintableMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string text = policies::printable({msg.payload.data(), msg.payload.size()});
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PrintableMessage>();
  }
};

}  // namespace

void setup_logging() {
  auto logger = spdlog::stderr_logger_mt("retentiond");
  const char* journal = std::getenv("JOURNAL_STREAM");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<PrintableMessage>('&');
  if (journal && *journal) {
    // Under systemd: no timestamps (the journal has its own), a priority prefix instead.
    formatter->add_flag<PriorityFlag>('*').set_pattern("%*%&");
  } else {
    formatter->set_pattern("retentiond: %l: %&");
  }
  logger->set_formatter(std::move(formatter));
  const char* level = std::getenv("RETENTIOND_LOG_LEVEL");
  logger->set_level(level ? spdlog::level::from_str(level) : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace retentiond::daemon
