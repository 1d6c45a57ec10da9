// What every subcommand shares: exit codes, the command line and its usage errors, `--at`, and
// writing the output. (Loading the configuration and choosing policies: prologue.h.)
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json_fwd.hpp>

#include "policies/timestamp.h"

namespace retentiond::policies {
struct Config;
}

namespace retentiond::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // invalid configuration, a failed or refused policy
inline constexpr int kExitUsage = 2;    // bad command line

// A command-line mistake: printed with a hint to --help, exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `--at`: ISO-8601 in years 1000 to 9999 (so that a cut-off, at most 1000 years earlier, keeps a
// four-digit year every store reads), or the current time when not given. Throws UsageError,
// also for an empty value.
policies::TimePoint parse_at(const std::optional<std::string>& text);
// parse_at for a subcommand's `--at` option (`text`, given or not in `vm`) into `now`. Returns
// kExitUsage (the error printed for `command`) when it is not a usable time; nullopt to go on.
std::optional<int> parse_at_option(const std::string& command,
                                   const boost::program_options::variables_map& vm,
                                   const std::string& text, policies::TimePoint& now);

// JSON as printed: indented by two, every byte that is not UTF-8 replaced by U+FFFD (names,
// paths, SQL and rows of the state file may hold any byte). Never throws for the content.
std::string json_text(const nlohmann::json& value);

// Writes to stdout; into `path` when it is a device or FIFO (/dev/stdout); else atomically to
// `path` (a symbolic link's target): a new temporary file renamed into place, with the mode of
// the file it replaces.
// Throws std::runtime_error naming the path (or standard output) when the text is not written.
void write_output(const std::string& text, const std::string& path);
// Why `-o path` must not be written (it names the configuration, the state, a key, a template or
// a SQLite store's database), or nullopt. Said before anything is done.
std::optional<std::string> output_refusal(const policies::Config& config, const std::string& path);

// Prints `message` (escaped: see policies/printable.h) as a usage error for `command` and
// returns kExitUsage.
int usage_failure(const std::string& command, const std::string& message);

// When `value`, given for `option`, is none of `choices`, prints "--format must be text, json or
// markdown, not 'csv'" as a usage error for `command` and returns kExitUsage; else nullopt.
std::optional<int> check_choice(const std::string& command, const std::string& option,
                                const std::string& value, const std::vector<std::string>& choices);

// Parses a subcommand's `args` against `options` (plus `hidden` ones that --help does not show,
// filled by `positional` arguments). Returns the exit code when the command stops here:
// kExitUsage after a usage error, kExitOk after printing --help; nullopt to go on.
std::optional<int> parse_command_line(
    const std::string& command, const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    boost::program_options::variables_map& vm,
    const boost::program_options::options_description* hidden = nullptr,
    const boost::program_options::positional_options_description* positional = nullptr);

}  // namespace retentiond::daemon
