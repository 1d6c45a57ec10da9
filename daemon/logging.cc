#include "daemon/logging.h"

#include <cstdlib>
#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace retentiond::daemon {
namespace {

// "<3>" ... "<7>": the syslog priority journald reads at the start of each stderr line
// (sd-daemon(3)), so that `journalctl -p err -u retentiond` shows the errors.
class PriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const char* p = "<6>";
    switch (msg.level) {
      case spdlog::level::critical: p = "<2>"; break;
      case spdlog::level::err: p = "<3>"; break;
      case spdlog::level::warn: p = "<4>"; break;
      case spdlog::level::info: p = "<6>"; break;
      default: p = "<7>"; break;
    }
    dest.append(p, p + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<PriorityFlag>(); }
};

}  // namespace

void setup_logging() {
  auto logger = spdlog::stderr_logger_mt("retentiond");
  const char* journal = std::getenv("JOURNAL_STREAM");
  if (journal && *journal) {
    // Under systemd: no timestamps (the journal has its own), a priority prefix instead.
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<PriorityFlag>('*').set_pattern("%*%v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("retentiond: %l: %v");
  }
  const char* level = std::getenv("RETENTIOND_LOG_LEVEL");
  logger->set_level(level ? spdlog::level::from_str(level) : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace retentiond::daemon
