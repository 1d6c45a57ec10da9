#include "support/run.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <catch2/catch.hpp>

namespace retentiond::testing {
namespace {

void drain(int fd, std::string& into, bool& open) {
  char buffer[65536];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n > 0) {
    into.append(buffer, static_cast<size_t>(n));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    open = false;
  }
}

}  // namespace

RunResult run_program(const std::vector<std::string>& argv, const std::string& cwd,
                      const std::map<std::string, std::string>& env) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string(strerror(errno)));
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork: " + std::string(strerror(errno)));
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  RunResult result;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0},
                     {err_open ? err_pipe[0] : -1, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[0].revents) drain(out_pipe[0], result.out, out_open);
    if (fds[1].revents) drain(err_pipe[0], result.err, err_open);
  }
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

RunResult run_retentiond(const std::vector<std::string>& args, const std::string& cwd,
                         const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{RETENTIOND_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, cwd, env);
}

RunResult run_retentiond_ok(const std::vector<std::string>& args, const std::string& cwd,
                            const std::map<std::string, std::string>& env) {
  RunResult r = run_retentiond(args, cwd, env);
  std::string command = "retentiond";
  for (const auto& a : args) command += " " + a;
  INFO(command << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

RunResult run_on_config(const std::string& config, std::vector<std::string> args,
                        const std::string& cwd) {
  args.insert(args.begin() + 1, {"-c", config});
  return run_retentiond(args, cwd);
}

std::string source_dir() { return RETENTIOND_SOURCE_DIR; }

std::string shared_dir() {
  const char* dir = std::getenv("RETENTIOND_SHARED_DIR");
  return dir && *dir ? dir : source_dir() + "/../shared";
}

std::string server_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    throw std::runtime_error(std::string(name) +
                             " is not set: run the tests through scripts/test, which starts "
                             "PostgreSQL and MariaDB");
  return v;
}

}  // namespace retentiond::testing
