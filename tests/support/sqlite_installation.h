// An installation on SQLite for command-line tests: a temporary directory holding the database
// app.db, built from SQL, and a configuration file; run() runs a retentiond subcommand on that
// configuration, in that directory.
#pragma once

#include <string>
#include <vector>

#include "support/run.h"
#include "support/temp_dir.h"

namespace retentiond::testing {

struct SqliteInstallation {
  // Runs `sql` on app.db and writes `config_text` to `config_name`.
  SqliteInstallation(const std::string& sql, const std::string& config_text,
                     const std::string& config_name = "r.yaml");
  // `retentiond args[0] -c config args[1...]`, in dir.
  RunResult run(std::vector<std::string> args) const;

  TempDir dir;
  const std::string db = dir.file("app.db");
  const std::string state = dir.file("state.db");  // once retentiond has written it
  const std::string config;
};

}  // namespace retentiond::testing
