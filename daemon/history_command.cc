// `retentiond history`: the audit trail, optionally checked for tampering (--verify).
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "daemon/audit.h"
#include "daemon/cli.h"
#include "daemon/commands.h"
#include "daemon/state.h"
#include "policies/planner.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

namespace po = boost::program_options;
using policies::format_timestamp;
using policies::with_thousands;

constexpr const char* kUsage = R"(Usage: retentiond history [-c FILE] [--state FILE] [--policy NAME]... [--since DATE] [--format text|json|markdown] [--verify]

Prints the audit trail kept in the state file: one entry per policy per enforcement
pass (policy, store, action, cut-off, records matched, held and affected, start and
end, outcome, error class). It never contains keys, addresses or names.

--verify recomputes the SHA-256 chain linking every entry to the one before it and
reports the first entry that was changed or removed.

Exit status: 0 (and, with --verify, the chain is intact), 1 on a broken chain or an
unreadable state file, 2 usage error.

Options)";

std::string pad(std::string s, size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

nlohmann::json to_json(const AuditEntry& e) {
  return {{"id", e.id},
          {"policy", e.policy},
          {"store", e.store},
          {"action", e.action},
          {"cutoff", format_timestamp(e.cutoff)},
          {"matched", e.matched},
          {"held", e.held},
          {"affected", e.affected},
          {"started", format_timestamp(e.started)},
          {"finished", format_timestamp(e.finished)},
          {"outcome", e.outcome},
          {"error_class", e.error_class.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.error_class)},
          {"hash", e.hash}};
}

// A table a DPO can paste into a register of processing activities.
void print_markdown(const std::vector<AuditEntry>& entries,
                    const std::optional<AuditTrail::Verification>& verification) {
  std::cout << "# retentiond audit trail\n\n";
  if (entries.empty()) std::cout << "No pass recorded.\n";
  else {
    std::cout << "| # | finished (UTC) | policy | store | action | cut-off | matched | held | affected | outcome |\n"
              << "|---:|---|---|---|---|---|---:|---:|---:|---|\n";
    for (const auto& e : entries) {
      std::string outcome = e.outcome;
      if (!e.error_class.empty() && e.error_class != e.outcome) outcome += " (" + e.error_class + ")";
      std::cout << "| " << e.id << " | " << format_timestamp(e.finished) << " | " << e.policy << " | "
                << e.store << " | " << e.action << " | " << format_timestamp(e.cutoff) << " | "
                << with_thousands(e.matched) << " | " << with_thousands(e.held) << " | "
                << with_thousands(e.affected) << " | " << outcome << " |\n";
    }
  }
  if (verification) {
    std::cout << "\n";
    if (verification->intact)
      std::cout << "Hash chain verified: " << verification->rows << " entries, intact.\n";
    else
      std::cout << "**Hash chain BROKEN at entry " << verification->first_bad_id << "**: "
                << verification->problem << ".\n";
  }
}

// trail.verify(), which hashes each row as JSON: a row holding bytes that are not UTF-8 makes it
// throw. retentiond never writes such a row (names are ASCII, the rest its own words), so the
// first one was changed after it was written, and verify() had found every row before it intact.
AuditTrail::Verification verify(const AuditTrail& trail) {
  try {
    return trail.verify();
  } catch (const nlohmann::json::type_error&) {
    AuditTrail::Verification v;
    v.intact = false;
    v.problem = "a row holds bytes that are not UTF-8: it was changed after it was written";
    for (const auto& e : trail.list({}, std::nullopt)) {
      ++v.rows;
      bool valid = true;
      for (const std::string* field : {&e.policy, &e.store, &e.action, &e.outcome, &e.error_class,
                                       &e.prev_hash, &e.hash})
        valid = valid && policies::is_valid_utf8(*field);
      if (valid) continue;
      v.first_bad_id = e.id;
      v.problem = "row " + std::to_string(e.id) + " was changed after it was written (it holds "
                  "bytes that are not UTF-8)";
      break;
    }
    return v;
  }
}

}  // namespace

int history_command(const Args& args) {
  std::string config_path, state_path, since_text, format;
  std::vector<std::string> names;
  po::options_description opts(kUsage);
  opts.add_options()("help,h", "show this help")(
      "config,c", po::value(&config_path)->default_value(policies::kDefaultConfigPath),
      "configuration file (for the state file's path)")(
      "state", po::value(&state_path), "read this state file instead of the configured one")(
      "policy", po::value(&names)->composing(), "only this policy (repeatable)")(
      "since", po::value(&since_text), "only passes finished at or after this date (ISO-8601)")(
      "format", po::value(&format)->default_value("text"), "text, json or markdown")(
      "verify", "check the hash chain of the whole trail");
  po::variables_map vm;
  if (auto stop = parse_command_line("history", args, opts, vm)) return *stop;
  if (format != "text" && format != "json" && format != "markdown")
    return usage_failure("history", "--format must be text, json or markdown, not '" + format + "'");
  std::optional<policies::TimePoint> since;
  if (!since_text.empty()) {
    since = policies::parse_timestamp(since_text);
    if (!since) return usage_failure("history", "--since '" + since_text + "' is not an ISO-8601 date");
  }
  if (state_path.empty()) {
    auto config = load_and_report(config_path);
    if (!config) return kExitFailure;
    state_path = config->state_path;
  }
  const bool json = format == "json";
  if (!StateFile::exists(state_path)) {
    if (json) std::cout << json_text(nlohmann::json{{"entries", nlohmann::json::array()}}) << "\n";
    else std::cout << "No pass recorded yet (the state file " << policies::printable(state_path)
                   << " does not exist).\n";
    return kExitOk;
  }
  try {
    StateFile state(state_path, /*writable=*/false);
    AuditTrail trail(state.db());
    auto entries = trail.list(names, since);
    if (!json)
      // Rows of the state file may hold any byte (a damaged or edited file); JSON replaces them.
      for (auto& e : entries)
        for (std::string* field : {&e.policy, &e.store, &e.action, &e.outcome, &e.error_class})
          *field = policies::printable(*field);
    std::optional<AuditTrail::Verification> verification;
    if (vm.count("verify")) verification = verify(trail);

    if (format == "markdown") {
      print_markdown(entries, verification);
    } else if (json) {
      nlohmann::json out = {{"entries", nlohmann::json::array()}};
      for (const auto& e : entries) out["entries"].push_back(to_json(e));
      if (verification)
        out["verification"] = {{"intact", verification->intact},
                               {"rows", verification->rows},
                               {"first_bad_id", verification->intact ? nlohmann::json(nullptr)
                                                                     : nlohmann::json(verification->first_bad_id)},
                               {"problem", verification->problem}};
      std::cout << json_text(out) << "\n";
    } else {
      if (entries.empty()) {
        std::cout << "No pass recorded" << (names.empty() && !since ? "" : " that matches") << ".\n";
      } else {
        std::cout << pad("ID", 6, true) << "  " << pad("FINISHED", 21) << pad("POLICY", 28)
                  << pad("ACTION", 10) << pad("OUTCOME", 13) << pad("MATCHED", 10, true)
                  << pad("AFFECTED", 10, true) << "  CUT-OFF\n";
        for (const auto& e : entries) {
          std::string outcome = e.outcome;
          if (!e.error_class.empty() && e.error_class != e.outcome) outcome += " (" + e.error_class + ")";
          std::cout << pad(std::to_string(e.id), 6, true) << "  "
                    << pad(format_timestamp(e.finished), 21) << pad(e.policy, 28) << pad(e.action, 10)
                    << pad(outcome, 13) << pad(with_thousands(e.matched), 10, true)
                    << pad(with_thousands(e.affected), 10, true) << "  "
                    << format_timestamp(e.cutoff) << "\n";
        }
      }
      if (verification) {
        if (verification->intact)
          std::cout << "Audit chain intact: " << verification->rows << " entries verified.\n";
        else
          std::cout << "AUDIT CHAIN BROKEN at entry " << verification->first_bad_id << ": "
                    << verification->problem << ".\n";
      }
    }
    return verification && !verification->intact ? kExitFailure : kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "retentiond history: " << policies::printable(e.what()) << "\n";
    return kExitFailure;
  }
}

}  // namespace retentiond::daemon
