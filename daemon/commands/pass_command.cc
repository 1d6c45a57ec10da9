// `retentiond plan` and `retentiond enforce`: the same passes, with mutations off for plan.
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <boost/program_options.hpp>
#include <spdlog/spdlog.h>

#include "daemon/commands/cli.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/progress.h"
#include "daemon/commands/prologue.h"
#include "daemon/engine/policy_runs.h"
#include "daemon/reports/report.h"
#include "daemon/reports/report_figures.h"
#include "daemon/serve/signals.h"
#include "daemon/state/state.h"
#include "policies/clock.h"

namespace retentiond::daemon {
namespace {

constexpr const char* kPlanUsage =
    R"(Usage: retentiond plan [-c FILE] [--policy NAME]... [--at TIME] [--samples N] [--format text|json|markdown|html] [--language en|fr] [-o FILE]

Dry run. For each policy, shows the cut-off, how many records have expired (and how
many are held), the oldest expired date, and the exact statements `enforce` would
run. Changes nothing in any store; stores are opened read-only.

--at TIME evaluates every cut-off as if it were that moment (ISO-8601, UTC unless an
offset is given): "what will this policy remove on 1 March?".

--samples N lists, for each policy, the keys (file paths for files, addresses for Sympa's
users) of up to N expired records it would act on, so that you can look at them. These
are personal data: reports never contain them otherwise, and logs and the audit trail
never do.

--format html prints one self-contained page for a data-protection officer: whether each
promise is kept, each policy's records by age against its promise, the records expiring
in each of the next 12 months, its last passes and its register text; in the language
--language says (default: the configuration's first language).

Exit status: 0 when every policy could be planned (a policy the max_affected guard
would refuse is reported, not an error), 1 when the configuration is invalid or a
store could not be read, 2 usage error.

Options)";

constexpr const char* kEnforceUsage =
    R"(Usage: retentiond enforce [-c FILE] [--policy NAME]... [--at TIME] [--format text|json|markdown|html] [--language en|fr] [-o FILE]

Runs one enforcement pass now: for each policy, plans, checks the max_affected guard
(a pass that would touch more than allowed is refused before anything changes), then
deletes or anonymises the expired records in short batches, each of which re-checks
the expiry condition. Every pass is recorded in the audit trail (see `history`).
SIGINT or SIGTERM stops the current pass at the next batch boundary; it is recorded
as interrupted and the next pass finishes the work.

--at TIME acts as of that moment (ISO-8601).

--format html prints the page `plan --format html` describes, after the passes.

-o FILE writes the report there; when it cannot be written, the report goes to standard
output instead and the exit status is 1 (the passes are in the audit trail regardless).

Exit status: 0 when every policy succeeded, 1 when any policy failed, was refused or
was interrupted (or the configuration is invalid), 2 usage error.

Options)";

int run(const std::string& command, bool dry_run, const Args& args) {
  std::string config_path, at, format, language, output;
  long long samples = 0;
  std::vector<std::string> names;
  po::options_description opts(dry_run ? kPlanUsage : kEnforceUsage);
  opts.add_options()("help,h", "show this help");
  add_config_option(opts, config_path);
  add_policy_option(opts, names, "only this policy (repeatable)");
  opts.add_options()("at", po::value(&at), "evaluate cut-offs as of this ISO-8601 time")(
      "format", po::value(&format)->default_value("text"), "text, json, markdown or html")(
      "language", po::value(&language),
      "en or fr, for --format html (default: the configuration's first language)")(
      "output,o", po::value(&output), "write the report to this file instead of stdout");
  if (dry_run)
    opts.add_options()("samples", po::value(&samples),
                       "list up to N expired records' keys per policy");
  po::variables_map vm;
  if (auto stop = parse_command_line(command, args, opts, vm)) return *stop;
  auto report_format = parse_report_format(format);
  if (!report_format)
    return usage_failure(command,
                         "--format must be text, json, markdown or html, not '" + format + "'");
  if (!language.empty())
    if (auto stop = check_choice(command, "--language", language, {"en", "fr"})) return *stop;
  policies::TimePoint now;
  if (auto stop = parse_at_option(command, vm, at, now)) return *stop;

  Selection selection;
  if (auto stop = load_selection(command, config_path, names, selection)) return *stop;
  if (auto refused = output_refusal(selection.config, output))
    return usage_failure(command, *refused);
  const policies::Config& config = selection.config;

  std::unique_ptr<StateFile> state;
  PassOptions options;
  if (samples < 0 || samples > 10'000)
    return usage_failure(command, "--samples must be between 0 and 10000");
  options.dry_run = dry_run;
  options.samples = samples;
  options.now = now;
  if (config.smtp) options.smtp = &*config.smtp;
  std::vector<PassOutcome> outcomes;
  try {
    std::unique_ptr<ProgressReporter> progress;
    if (dry_run) {
      // Read-only, for holds and the anonymisation key; plan never writes the state file.
      state = open_state_for_reading(config);
    } else {
      state = std::make_unique<StateFile>(config, /*writable=*/true);
      options.stop = &install_stop_signals();
      progress = std::make_unique<ProgressReporter>(::isatty(STDERR_FILENO) == 1);
      options.on_progress = progress->callback();
      options.on_throttle = progress->throttle_callback();
    }
    PassRunner runner(state.get(), /*record=*/!dry_run);
    runner.recover_interrupted();
    outcomes = run_policies(config, selection.policies, runner, options);
  } catch (const std::exception& e) {
    // The state file could not be opened or read: no policy was run.
    spdlog::critical("{}; no policy was run", e.what());
    return kExitFailure;
  }
  bool all_ok = true;
  for (const auto& o : outcomes) {
    if (o.status == PassStatus::Failed || o.status == PassStatus::Interrupted) all_ok = false;
    if (!dry_run && o.status == PassStatus::Refused) all_ok = false;
  }
  Report report;
  report.generated_at = now;
  report.dry_run = dry_run;
  report.passes = std::move(outcomes);
  report.samples = samples;
  if (*report_format == ReportFormat::Html) {
    report.language =
        language.empty() ? config.languages.front() : *policies::parse_language(language);
    try {
      // After the passes: what enforce leaves, with its pass in the trail. Without --at, as of
      // now, after them (a pass that ended a second after it began would otherwise be left out
      // of the promise figures the same page reports it in).
      const policies::TimePoint after =
          vm.count("at") ? now : std::max(now, policies::system_clock().now());
      report.figures = gather_figures(config, selection.policies, after, state.get());
    } catch (const std::exception& e) {
      spdlog::error("{}; the HTML report has no promise or age figures", e.what());
    }
  }
  std::string text;
  try {
    text = render_report(report, config, *report_format);
    write_output(text, output);
  } catch (const std::exception& e) {
    if (dry_run) {
      spdlog::critical("{}", e.what());
      return kExitFailure;
    }
    // The passes have acted and are in the audit trail: the report must not be lost with them.
    if (text.empty() || output.empty() || output == "-") {
      spdlog::critical("{}; the passes are recorded in the audit trail (see 'retentiond history')",
                       e.what());
      return kExitFailure;
    }
    spdlog::critical(
        "{}; the passes are recorded in the audit trail (see 'retentiond history'); "
        "printing the report to standard output instead",
        e.what());
    try {
      write_output(text, "");
    } catch (const std::exception& again) {
      spdlog::critical("{}", again.what());
    }
    return kExitFailure;
  }
  return all_ok ? kExitOk : kExitFailure;
}

}  // namespace

int plan_command(const Args& args) { return run("plan", /*dry_run=*/true, args); }
int enforce_command(const Args& args) { return run("enforce", /*dry_run=*/false, args); }

}  // namespace retentiond::daemon
