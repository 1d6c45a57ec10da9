// What every subcommand shares: exit codes, usage errors, loading the configuration with its
// diagnostics printed, choosing policies by name, `--at`, and writing the output.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "policies/config_loader.h"
#include "policies/policy.h"
#include "policies/timestamp.h"

namespace retentiond::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // invalid configuration, a failed or refused policy
inline constexpr int kExitUsage = 2;    // bad command line

// A command-line mistake: printed with a hint to --help, exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Loads `path`, printing every diagnostic to stderr ("file:line:column: error: ...").
// Returns nullopt when there are errors.
std::optional<policies::Config> load_and_report(const std::string& path);

// The policies named (all of them when `names` is empty), in configuration order.
// Throws UsageError for an unknown name.
std::vector<const policies::Policy*> select_policies(const policies::Config& config,
                                                     const std::vector<std::string>& names);

// `--at`: ISO-8601, or the current time when empty. Throws UsageError.
policies::TimePoint parse_at(const std::string& text);

// Writes to stdout, or atomically to `path` (a temporary file renamed into place).
// Throws std::runtime_error naming the path.
void write_output(const std::string& text, const std::string& path);

// Prints `message` as a usage error for `command` and returns kExitUsage.
int usage_failure(const std::string& command, const std::string& message);

// Parses a subcommand's `args` against `options` (plus `hidden` ones that --help does not show,
// filled by `positional` arguments). Returns the exit code when the command stops here:
// kExitUsage after a usage error, kExitOk after printing --help; nullopt to go on.
std::optional<int> parse_command_line(const std::string& command, const std::vector<std::string>& args,
                                      const boost::program_options::options_description& options,
                                      boost::program_options::variables_map& vm,
                                      const boost::program_options::options_description* hidden = nullptr,
                                      const boost::program_options::positional_options_description* positional = nullptr);

}  // namespace retentiond::daemon
