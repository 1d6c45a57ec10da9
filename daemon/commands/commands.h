// The subcommands. Each takes the arguments after its name and returns the process exit code
// (0 ok, 1 failure or invalid configuration, 2 usage error).
#pragma once

#include <string>
#include <vector>

namespace retentiond::daemon {

using Args = std::vector<std::string>;

int check_command(const Args& args);
int plan_command(const Args& args);
int enforce_command(const Args& args);
int history_command(const Args& args);
int serve_command(const Args& args);
int hold_command(const Args& args);
int register_command(const Args& args);
int status_command(const Args& args);
int state_command(const Args& args);

}  // namespace retentiond::daemon
