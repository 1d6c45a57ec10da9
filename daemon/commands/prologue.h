// The prologue of the commands that act on policies (check, plan, enforce, hold, register,
// history, serve): their -c and --policy options, the configuration loaded with its diagnostics
// printed, the policies named chosen, and the state file opened for reading.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "policies/policy.h"

namespace retentiond::daemon {

class StateFile;

// Every command reads its options with Boost.Program_options.
namespace po = boost::program_options;

// Adds `-c FILE` (default /etc/retentiond/retentiond.yaml), read into `path`, to `options`.
void add_config_option(boost::program_options::options_description& options, std::string& path,
                       const char* help = "configuration file");
// Adds `--policy NAME` (repeatable), read into `names`, to `options`.
void add_policy_option(boost::program_options::options_description& options,
                       std::vector<std::string>& names, const char* help);

// Loads `path`, printing every diagnostic to stderr ("file:line:column: error: ...").
// Returns nullopt when there are errors.
std::optional<policies::Config> load_and_report(const std::string& path);

// The policies `names` names (all of them when `names` is empty), in configuration order, into
// `selected`. For a name no policy has, prints a usage error of `command` and returns kExitUsage;
// else nullopt.
std::optional<int> select_policies(const std::string& command, const policies::Config& config,
                                   const std::vector<std::string>& names,
                                   std::vector<const policies::Policy*>& selected);

// A valid configuration and the policies a command acts on. Not copyable: `policies` points
// into `config`.
struct Selection {
  policies::Config config;
  std::vector<const policies::Policy*> policies;

  Selection() = default;
  Selection(const Selection&) = delete;
  Selection& operator=(const Selection&) = delete;
};

// Loads `config_path` (see load_and_report) and selects the policies `names` names (see
// select_policies) into `selection`. Returns the exit code when the command stops here:
// kExitFailure for an invalid configuration, kExitUsage for an unknown name; nullopt to go on.
std::optional<int> load_selection(const std::string& command, const std::string& config_path,
                                  const std::vector<std::string>& names, Selection& selection);

}  // namespace retentiond::daemon
