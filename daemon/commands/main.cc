// retentiond: makes published data-retention promises true. Dispatches to the subcommands.
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "daemon/commands/cli.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/logging.h"
#include "policies/printable.h"

namespace {

constexpr const char* kUsage = R"(Usage: retentiond COMMAND [OPTIONS]

Enforces data-retention policies written in YAML: finds expired records in SQLite,
PostgreSQL, MySQL/MariaDB and Sympa databases and in files, reports them (dry run),
deletes or anonymises them in small safe batches, and keeps an audit trail.

Commands:
  check      validate the configuration (and, unless --offline, the stores)
  plan       dry run: what each policy would do now (or --at a given time)
  enforce    run one enforcement pass now, recorded in the audit trail
  serve      run as a daemon, enforcing each policy on its schedule
  status     whether each promise is kept now (overdue records; exit 3 when not)
  history    print (and --verify) the audit trail
  hold       add, remove or list legal holds on single records
  register   print the retention register to publish in a privacy policy
  state      migrate a state file into a PostgreSQL state several hosts share

Common options: -c FILE (default /etc/retentiond/retentiond.yaml), --help.
Run 'retentiond COMMAND --help' for a command's options; see retentiond(8).
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace retentiond::daemon;
  // A file-size limit reached (RLIMIT_FSIZE) is a write error to report, like a full disk, not
  // a death that loses the report.
  ::signal(SIGXFSZ, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  // What was printed and could not be written (a full disk behind `> proof.json`, a closed
  // pipe) is a failure, whichever command it was: never an exit 0 over a cut-short file.
  auto written = [](int status) {
    std::cout.flush();
    if (std::cout) return status;
    std::cerr << "retentiond: critical: cannot write to standard output: what this command "
                 "printed is lost or cut short\n";
    return kExitFailure;
  };
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return written(kExitOk);
  }
  if (command == "--version" || command == "version") {
    std::cout << "retentiond " << RETENTIOND_VERSION << "\n";
    return written(kExitOk);
  }
  setup_logging();
  const std::map<std::string, int (*)(const Args&)> commands{
      {"check", check_command},     {"plan", plan_command},         {"enforce", enforce_command},
      {"history", history_command}, {"status", status_command},     {"serve", serve_command},
      {"hold", hold_command},       {"register", register_command}, {"state", state_command}};
  auto it = commands.find(command);
  if (it == commands.end()) {
    std::cerr << "retentiond: unknown command '" << retentiond::policies::printable(command) << "'"
              << (command.rfind('-', 0) == 0 ? " (options go after the command: retentiond "
                                               "plan -c FILE)"
                                             : "")
              << "\n"
              << kUsage;
    return kExitUsage;
  }
  return written(it->second(args));
}
