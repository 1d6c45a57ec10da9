// Runs the real retentiond binary (or any program) and captures what it printed and how it exited.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace retentiond::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] a path) in `cwd` (empty: the current directory) with extra environment
// variables, waits for it, and returns its output. Throws std::runtime_error if it cannot start.
RunResult run_program(const std::vector<std::string>& argv, const std::string& cwd = "",
                      const std::map<std::string, std::string>& env = {});

// Runs build/retentiond with `args`.
RunResult run_retentiond(const std::vector<std::string>& args, const std::string& cwd = "",
                         const std::map<std::string, std::string>& env = {});

// run_retentiond, which must succeed (exit code 0): else the test stops there, showing the
// command and what it printed.
RunResult run_retentiond_ok(const std::vector<std::string>& args, const std::string& cwd = "",
                            const std::map<std::string, std::string>& env = {});

// Runs `retentiond args[0] -c config args[1...]` in `cwd`: the subcommand args[0] on the
// configuration `config`.
RunResult run_on_config(const std::string& config, std::vector<std::string> args,
                        const std::string& cwd);

// Where the project's sources are (for policies/examples and scripts).
std::string source_dir();
// The shared material beside the sources (seeds/, schemas/): $RETENTIOND_SHARED_DIR when set (a
// git worktree elsewhere), else source_dir()/../shared.
std::string shared_dir();

// A RETENTIOND_TEST_* variable that scripts/test exports for the servers it starts. Throws,
// naming the variable, when it is unset: a test that needs a server fails, it never skips.
std::string server_env(const char* name);

}  // namespace retentiond::testing
