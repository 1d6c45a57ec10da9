#include "support/sqlite_installation.h"

#include "support/sqlite_file.h"

namespace retentiond::testing {

SqliteInstallation::SqliteInstallation(const std::string& sql, const std::string& config_text,
                                       const std::string& config_name)
    : config(dir.write(config_name, config_text)) {
  sqlite_exec(db, sql);
}

RunResult SqliteInstallation::run(std::vector<std::string> args) const {
  return run_on_config(config, std::move(args), dir.path());
}

}  // namespace retentiond::testing
