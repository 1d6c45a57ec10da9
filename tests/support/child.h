// retentiond (or any program) started in the background, for tests that signal it mid-way
// (SIGSTOP, SIGKILL, SIGTERM) or run several at once. Its output goes to a file; a child still
// running when the Child goes away is killed.
#pragma once

#include <sys/types.h>
#include <sys/wait.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace retentiond::testing {

class Child {
 public:
  // Starts RETENTIOND_BINARY with `args` in `cwd`, stdout and stderr to `log`. Throws when it
  // cannot fork.
  Child(const std::vector<std::string>& args, const std::string& cwd, const std::string& log,
        const std::map<std::string, std::string>& env = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  bool alive();
  // Waits for the end; the exit code, or -1 on timeout or death by a signal.
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(120));
  bool killed_by_signal() const { return exited_ && WIFSIGNALED(status_); }
  std::string output() const;

 private:
  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

// Polls `condition` every `every` until it holds (true) or `timeout` passes (false). An
// exception from it (a state file being created, a busy database) counts as "not yet".
template <typename F>
bool wait_until(F&& condition, std::chrono::milliseconds timeout = std::chrono::seconds(60),
                std::chrono::milliseconds every = std::chrono::milliseconds(1));

}  // namespace retentiond::testing

#include "support/child_inl.h"
