// `retentiond state migrate`: moves a SQLite state file into a PostgreSQL state, for hosts that
// come to share one (docs/deployment.md, "Several hosts").
#include <iostream>

#include <boost/program_options.hpp>

#include "daemon/commands/cli.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/prologue.h"
#include "daemon/state/state_migration.h"
#include "policies/dsn_secret.h"
#include "policies/planner.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

constexpr const char* kUsage =
    R"(Usage: retentiond state migrate [-c FILE] [--from FILE] [--to DSN [--password-file FILE]]

Copies a SQLite state file (the audit trail, legal holds, notices sent, sightings, the
anonymisation key, passes in progress) into a PostgreSQL state, which several retentiond
hosts can then share. Audit entries keep their ids, times and hashes: the chain verifies
in PostgreSQL as it did in the file (checked before the copy is committed). The
PostgreSQL state must be empty; its tables are created when missing.

--from defaults to the configured state file, --to to the configured PostgreSQL state
(`state: {type: postgresql, dsn: ...}`): give --from after switching `state:` over, or
--to before. The password comes from --password-file, else from the configuration's
`state:` password_file, else from the systemd credential `state`. Stop the daemons
using the file first: what they record meanwhile would not be copied.

Exit status: 0 copied and verified, 1 nothing copied (see the message), 2 usage error.

Options)";

}  // namespace

int state_command(const Args& all_args) {
  const std::string command = "state";
  if (all_args.empty() || all_args.front() == "--help" || all_args.front() == "-h") {
    po::options_description opts(kUsage);
    std::cout << opts << "  see 'retentiond state migrate --help'\n";
    return all_args.empty() ? kExitUsage : kExitOk;
  }
  if (all_args.front() != "migrate")
    return usage_failure(command, "unknown action '" + all_args.front() + "' (use migrate)");
  Args args(all_args.begin() + 1, all_args.end());
  std::string config_path, from, to, password_file;
  po::options_description opts(kUsage);
  opts.add_options()("help,h", "show this help");
  add_config_option(opts, config_path);
  opts.add_options()("from", po::value(&from), "the SQLite state file to copy")(
      "to", po::value(&to), "the PostgreSQL state's dsn (libpq, without the password)")(
      "password-file", po::value(&password_file), "the file holding its password");
  po::variables_map vm;
  if (auto stop = parse_command_line(command, args, opts, vm)) return *stop;
  if (!password_file.empty() && to.empty())
    return usage_failure(command, "--password-file goes with --to");
  if (policies::dsn_has_password(to))
    return usage_failure(command, "the --to dsn contains a password; use --password-file");
  try {
    std::string audit_key;
    std::optional<policies::StoreConfig> target;
    if (!to.empty()) {
      policies::StoreConfig store;
      store.name = "state";
      store.type = "postgresql";
      store.options.emplace("dsn", policies::StoreOption{to, {}});
      if (!password_file.empty())
        store.options.emplace("password_file", policies::StoreOption{password_file, {}});
      target = store;
    }
    if (from.empty() || to.empty() || !vm["config"].defaulted()) {
      auto config = load_and_report(config_path);
      if (!config) return kExitFailure;
      audit_key = audit_key_for(*config);
      if (from.empty()) from = config->state_path;
      if (!target) target = config->state_store;
    }
    if (from.empty())
      return usage_failure(command, "the configured state is not a file: name it with --from");
    if (!target)
      return usage_failure(command,
                           "the configured state is not in PostgreSQL: name it with --to DSN");
    if (!StateFile::exists(from)) {
      std::cerr << "retentiond state: the state file '" << policies::printable(from)
                << "' does not exist; nothing to migrate\n";
      return kExitFailure;
    }
    StateFile source(from, /*writable=*/false);
    source.set_audit_key(audit_key);
    StateFile destination(*target, /*writable=*/true);
    const MigrationResult r = migrate_state(source, destination);
    std::cout << "Copied " << policies::printable(from) << " into "
              << policies::printable(destination.label()) << ":\n";
    for (const auto& [table, rows] : r.rows)
      if (rows > 0) std::cout << "  " << table << ": " << policies::counted(rows, "rows") << "\n";
    std::cout << "The audit chain verifies there: " << policies::counted(r.entries, "entries")
              << ", head " << r.head << ".\n";
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "retentiond state: " << policies::printable(e.what()) << "\n";
    return kExitFailure;
  }
}

}  // namespace retentiond::daemon
