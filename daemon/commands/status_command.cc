// `retentiond status`: are the promises kept right now? For every policy, read-only: the records
// due (past their expiry: what the next pass removes), those overdue (past their expiry plus the
// lateness the policy's deadline allows), the oldest overdue, when the promise was last known
// kept (its last successful pass) and whether passes still happen. Built for people and for
// monitoring (exit statuses; a Nagios/Icinga wrapper maps them, see docs/deployment.md).
#include <iostream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/commands/cli.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/prologue.h"
#include "daemon/engine/promise_status.h"
#include "daemon/reports/report_figures.h"
#include "daemon/reports/report_page.h"
#include "daemon/state/state.h"
#include "policies/planner.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

using policies::format_timestamp;
using policies::TimePoint;

constexpr int kExitOverdue = 3;  // a promise is not kept, or passes stopped happening

constexpr const char* kUsage =
    R"(Usage: retentiond status [-c FILE] [--policy NAME]... [--at TIME] [--format text|json|html] [--language en|fr]

Says, for every policy, whether its promise is kept right now. Read-only: the stores are
opened read-only and nothing is written, not even the state file.

  due              records past their expiry: what the next pass removes
  overdue          records past their expiry plus the lateness the policy's deadline allows
                   (its schedule's longest gap for a maximum or exact deadline, none for
                   deadline: strict); an overdue record means the promise is broken now
  oldest overdue   the earliest date among the overdue records
  promise kept at  the end of the last pass that ended well and left nothing overdue
  last pass        the outcome of the last pass recorded
  next pass        the next scheduled pass
  held             expired records kept by a legal hold (never overdue)
  notices open     notify: policies: notices sent whose period still runs; their
                   records are neither due nor overdue until it ends, while a record
                   past its expiry whose notice never went out is overdue

--at TIME evaluates everything as of that moment (ISO-8601).

--format html prints one self-contained page for a data-protection officer: the same
figures, each policy's records by age against its promise, the records expiring in each
of the next 12 months, its last passes and its register text, in the language --language
says (default: the configuration's first language). Counts only, no personal data.

Exit status: 0 when every promise is kept, 3 when a record is overdue or a scheduled
policy has had no pass for twice its schedule's longest gap, 1 when the configuration is
invalid or a store or the state cannot be read, 2 usage error. (Nagios and Icinga read exit
statuses otherwise, 3 being UNKNOWN there: docs/deployment.md gives a wrapper that maps them.)

Options)";

nlohmann::json when(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(format_timestamp(*t)) : nlohmann::json(nullptr);
}

std::string render_json(const std::vector<PolicyStatus>& all, TimePoint now) {
  nlohmann::json out = {{"generated_at", format_timestamp(now)},
                        {"policies", nlohmann::json::array()}};
  // A store that could not be read has its counts unknown (null), not 0.
  auto count = [](const PolicyStatus& s, long long n) {
    return s.error ? nlohmann::json(nullptr) : nlohmann::json(n);
  };
  for (const auto& s : all)
    out["policies"].push_back({
        {"name", s.policy->name},
        {"store", s.policy->store},
        {"due", count(s, s.due)},
        {"overdue", count(s, s.overdue)},
        {"oldest_overdue", when(s.oldest_overdue)},
        {"promise_kept_at", when(s.promise_kept_at)},
        {"last_outcome",
         s.last_outcome.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_outcome)},
        {"last_pass", when(s.last_pass)},
        {"next_pass", when(s.next_pass)},
        {"held", count(s, s.held)},
        {"notices_open", count(s, s.notices_open)},
        {"stale", s.passes_unknown ? nlohmann::json(nullptr) : nlohmann::json(s.stale)},
        {"error", s.error ? nlohmann::json(*s.error) : nlohmann::json(nullptr)},
    });
  return json_text(out) + "\n";
}

std::string render_text(const std::vector<PolicyStatus>& all, TimePoint now) {
  // The summary the HTML page gives: kept, overdue, without a recent pass, unknown.
  std::string out = "Status at " + format_timestamp(now) + ": " +
                    promise_summary(all, policies::Language::English) + "\n";
  auto or_never = [](const std::optional<TimePoint>& t, const char* none) {
    return t ? format_timestamp(*t) : std::string(none);
  };
  for (const auto& s : all) {
    const std::string state = s.error         ? "UNKNOWN"
                              : s.overdue > 0 ? "OVERDUE"
                              : s.stale       ? "STALE"
                                              : "kept";
    out += "\n" + s.policy->name + " (store " + s.policy->store + "): " + state + "\n";
    if (s.error) out += "  error:           " + policies::printable(*s.error) + "\n";
    auto count = [&](long long n) {
      return s.error ? std::string("unknown") : policies::with_thousands(n);
    };
    out += "  overdue:         " + count(s.overdue);
    if (s.oldest_overdue) out += " (oldest " + format_timestamp(*s.oldest_overdue) + ")";
    out += "\n  due:             " + count(s.due) + "\n";
    out += "  held:            " + count(s.held) + "\n";
    if (s.policy->notify) out += "  notices open:    " + count(s.notices_open) + "\n";
    if (s.passes_unknown) {
      out += "  promise kept at: unknown\n  last pass:       unknown\n";
      out += "  next pass:       " +
             std::string(s.policy->schedule ? "unknown" : "when enforce is run (no schedule)") +
             "\n";
      continue;
    }
    out += "  promise kept at: " + or_never(s.promise_kept_at, "never recorded") + "\n";
    out += "  last pass:       " +
           (s.last_pass ? s.last_outcome + " at " + format_timestamp(*s.last_pass)
                        : std::string("none recorded")) +
           (s.stale ? " (no pass within twice the schedule's longest gap)" : "") + "\n";
    out +=
        "  next pass:       " + or_never(s.next_pass, "when enforce is run (no schedule)") + "\n";
  }
  return out;
}

// Every policy's status when the state cannot be read: counts and passes unknown, with why.
std::vector<PolicyStatus> unknown_statuses(const std::vector<const policies::Policy*>& policies,
                                           const std::string& why) {
  std::vector<PolicyStatus> out;
  for (const auto* p : policies) {
    PolicyStatus s;
    s.policy = p;
    s.passes_unknown = true;
    s.error = "the state could not be read, so its passes and notices are not known: " + why;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

int status_command(const Args& args) {
  const std::string command = "status";
  std::string config_path, at, format, language;
  std::vector<std::string> names;
  po::options_description opts(kUsage);
  opts.add_options()("help,h", "show this help");
  add_config_option(opts, config_path);
  add_policy_option(opts, names, "only this policy (repeatable)");
  opts.add_options()("at", po::value(&at), "evaluate as of this ISO-8601 time")(
      "format", po::value(&format)->default_value("text"), "text, json or html")(
      "language", po::value(&language),
      "en or fr, for --format html (default: the configuration's first language)");
  po::variables_map vm;
  if (auto stop = parse_command_line(command, args, opts, vm)) return *stop;
  if (format != "text" && format != "json" && format != "html")
    return usage_failure(command, "--format must be text, json or html, not '" + format + "'");
  if (!language.empty())
    if (auto stop = check_choice(command, "--language", language, {"en", "fr"})) return *stop;
  TimePoint now;
  if (auto stop = parse_at_option(command, vm, at, now)) return *stop;
  Selection selection;
  if (auto stop = load_selection(command, config_path, names, selection)) return *stop;

  std::vector<PolicyStatus> all;
  std::string page;
  std::unique_ptr<StateFile> state;
  bool state_read = true;
  try {
    state = open_state_for_reading(selection.config);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    if (format == "html") return kExitFailure;
    // Monitoring still gets one answer per policy: unknown, and why (exit status 1).
    all = unknown_statuses(selection.policies, e.what());
    state_read = false;
  }
  if (state_read) try {
      if (format == "html") {
        // The same statuses, with each policy's ages, forecast and last passes.
        const auto figures = gather_figures(selection.config, selection.policies, now, state.get());
        for (const auto& f : figures) all.push_back(f.status);
        PageInput in;
        in.kind = PageKind::Status;
        in.generated_at = now;
        in.language = language.empty() ? selection.config.languages.front()
                                       : *policies::parse_language(language);
        in.figures = &figures;
        page = policies::printable_lines(render_report_page(in, selection.config));
      } else {
        PassRunner runner(state.get(), /*record=*/false);
        for (const auto* p : selection.policies)
          all.push_back(promise_status(selection.config, *p, now, runner, state.get()));
      }
    } catch (const std::exception& e) {
      spdlog::critical("{}", e.what());
      return kExitFailure;
    }
  std::cout << (format == "html"   ? page
                : format == "json" ? render_json(all, now)
                                   : render_text(all, now));
  bool failed = false, broken = false;
  for (const auto& s : all) {
    if (s.error) failed = true;
    if (s.overdue > 0 || s.stale) broken = true;
  }
  return failed ? kExitFailure : broken ? kExitOverdue : kExitOk;
}

}  // namespace retentiond::daemon
