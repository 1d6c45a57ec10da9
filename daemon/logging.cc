#include "daemon/logging.h"

#include <cstdlib>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace retentiond::daemon {

void setup_logging() {
  auto logger = spdlog::stderr_logger_st("retentiond");
  const char* journal = std::getenv("JOURNAL_STREAM");
  if (journal && *journal) {
    logger->set_pattern("%v");  // priorities are added by the journald sink of `serve`
  } else {
    logger->set_pattern("retentiond: %l: %v");
  }
  const char* level = std::getenv("RETENTIOND_LOG_LEVEL");
  logger->set_level(level ? spdlog::level::from_str(level) : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace retentiond::daemon
