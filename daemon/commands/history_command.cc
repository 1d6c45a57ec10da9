// `retentiond history`: the audit trail, optionally checked for tampering (--verify).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "daemon/commands/cli.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/prologue.h"
#include "daemon/reports/html_page.h"
#include "daemon/state/audit.h"
#include "daemon/state/state.h"
#include "daemon/state/trail_check.h"
#include "policies/planner.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

using policies::format_timestamp;
using policies::with_thousands;

constexpr const char* kUsage =
    R"(Usage: retentiond history [-c FILE] [--state FILE] [--policy NAME]... [--since DATE] [--format text|json|markdown|html] [--language en|fr] [--verify [--entries N] [--head HASH] [--audit-key FILE]]

Prints the audit trail kept in the state (its file, or its PostgreSQL database): one
entry per policy per enforcement pass (policy, store, action, cut-off, records matched,
held and affected, start and end, outcome, error class, the host that ran it, the
partitions it dropped or detached whole, what other stores removed for it (`also:`,
such as Sympa subscriptions, in counts) and the notices it sent (`notify:`, in counts).
It never contains keys, addresses or names.

--format html prints it as a self-contained page in the style of the other reports, in
the language --language says (default: the configuration's first language, else English).

--verify recomputes the chain linking every entry to the one before it (SHA-256, or
HMAC-SHA256 under the audit key) and reports the first entry that was changed or
removed. It also reports passes that ended without recording their outcome (a killed
process): the trail is incomplete until the policy's next pass records them.

What the chain alone cannot show (its newest entries removed, or the whole chain
recomputed) shows against a head kept elsewhere: after every pass retentiond logs
"audit trail: N entries, head HASH" to the journal. --entries N checks that the trail
still holds at least N entries; --head HASH that it still holds the entry with that
hash (entry N, with both). With an audit key (audit_key_file: or the systemd credential
audit-key), recomputing the chain also needs the key; --audit-key FILE gives it when
--state is used without the configuration.

Exit status: 0 (and, with --verify, the chain is intact and complete), 1 on a broken or
incomplete chain or an unreadable state file (or, with --entries or --head, a state file
that is not there), 2 usage error.

Options)";

std::string pad(std::string s, size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

// "interrupted (throttled)": the outcome, with its error class when that says more.
std::string outcome_of(const AuditEntry& e) {
  if (e.error_class.empty() || e.error_class == e.outcome) return e.outcome;
  return e.outcome + " (" + e.error_class + ")";
}

// The time the pass waited for its store's throttle ("12 s"), "-" when none.
std::string waited_of(const AuditEntry& e) {
  return e.waited > 0 ? with_thousands(e.waited) + " s" : "-";
}

// The partitions a pass dropped or detached whole, as stored (a JSON array); empty when none or
// unreadable.
nlohmann::json partitions_of(const AuditEntry& e) {
  if (e.partitions.empty()) return nlohmann::json::array();
  auto j = nlohmann::json::parse(e.partitions, nullptr, /*allow_exceptions=*/false);
  return j.is_array() ? j : nlohmann::json::array();
}

// Whether the entry's affected count includes a whole partition's estimated rows.
bool affected_estimated(const AuditEntry& e) {
  for (const auto& part : partitions_of(e)) {
    const std::string action = part.value("action", "");
    if (part.value("rows_estimated", false) && (action == "drop" || action == "detach"))
      return true;
  }
  return false;
}

// The affected count, "about 80,340" when it includes an estimate ("~80,340" in `short` form).
std::string affected_of(const AuditEntry& e, bool short_form = false) {
  if (!affected_estimated(e)) return with_thousands(e.affected);
  return (short_form ? "~" : "about ") + with_thousands(e.affected);
}

// "drop `p2027_01` ('2027-02-01'): 720 rows": one partition of a pass, for text, markdown and
// HTML (a table detached by an earlier pass says its rows were counted then). Printable.
std::string partition_line(const nlohmann::json& part) {
  const std::string action = part.value("action", "");
  const std::string bounds = part.value("bounds", "");
  std::string out = action + " " + policies::printable(part.value("name", "")) +
                    (bounds.empty() ? "" : " " + policies::printable(bounds)) + ": ";
  if (action == "drop-detached") return out + "its rows were counted when it was detached";
  const bool estimated = part.value("rows_estimated", false);
  const long long rows = part.value("rows", 0LL);
  const std::string as = part.value("detached_as", "");
  return out + (estimated ? "about " : "") + with_thousands(rows) + (rows == 1 ? " row" : " rows") +
         (estimated ? " (estimate)" : "") +
         (as.empty() ? "" : ", now table " + policies::printable(as));
}

// What other stores removed for a pass (`also:` with `store:`), as stored; empty when nothing.
nlohmann::json also_stores_of(const AuditEntry& e) {
  if (e.also_stores.empty()) return nlohmann::json::array();
  auto j = nlohmann::json::parse(e.also_stores, nullptr, /*allow_exceptions=*/false);
  return j.is_array() ? j : nlohmann::json::array();
}

// "store 'lists' (sympa subscribers): 3 subscriptions removed from list pic-adherents": one
// other store's removals for a pass. Printable.
std::string removal_line(const nlohmann::json& r) {
  std::string lists;
  size_t n = 0;
  if (r.contains("lists") && r["lists"].is_array())
    for (const auto& l : r["lists"])
      if (l.is_string()) lists += (n++ ? ", " : "") + l.get<std::string>();
  const std::string kind = r.value("sympa", "");
  const long long removed = r.value("removed", 0LL);
  const std::string robot = r.value("robot", "");
  const std::string unit = kind == "subscribers" ? "subscription" : "record";
  // Removals the store was committing when the pass ended, unconfirmed either way.
  const long long unconfirmed = r.value("unconfirmed", 0LL);
  return policies::printable(
      "store '" + r.value("store", "") + "'" + (kind.empty() ? "" : " (sympa " + kind + ")") +
      ": " + with_thousands(removed) + " " + unit + (removed == 1 ? "" : "s") + " removed from " +
      (n == 1 ? "list " : "lists ") + lists + (robot.empty() ? "" : " (robot " + robot + ")") +
      (unconfirmed > 0 ? ", and up to " + with_thousands(unconfirmed) +
                             " more not confirmed (the pass ended while the store committed them)"
                       : ""));
}

// The notices a pass sent (`notify:`), as stored; null when it had none.
nlohmann::json notices_of(const AuditEntry& e) {
  if (e.notices.empty()) return nullptr;
  auto j = nlohmann::json::parse(e.notices, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return nullptr;
  nlohmann::json out = nlohmann::json::object();
  for (const char* field : {"sent", "failed", "no_address"}) {
    const auto it = j.find(field);
    out[field] = it != j.end() && it->is_number_integer() ? it->get<long long>() : 0LL;
  }
  return out;
}

// "2 notices sent, 1 could not be sent (its record kept)": one pass's notices.
std::string notices_line(const nlohmann::json& n, policies::Language l) {
  const long long sent = n.value("sent", 0LL), failed = n.value("failed", 0LL),
                  no_address = n.value("no_address", 0LL);
  // "N " and the words for one or for several, in the page's language.
  auto part = [&](long long n, std::string_view one_en, std::string_view many_en,
                  std::string_view one_fr, std::string_view many_fr) {
    return with_thousands(n) + " " +
           (n == 1 ? words(l, one_en, one_fr) : words(l, many_en, many_fr));
  };
  std::string out = part(sent, "notice sent", "notices sent", "avis envoyé", "avis envoyés");
  if (failed > 0)
    out += ", " + part(failed, "could not be sent (its record kept)",
                       "could not be sent (their records kept)",
                       "n'a pu être envoyé (son enregistrement est gardé)",
                       "n'ont pu être envoyés (leurs enregistrements sont gardés)");
  if (no_address > 0)
    out += ", " + part(no_address, "record due without a usable address (kept)",
                       "records due without a usable address (kept)",
                       "enregistrement échu sans adresse utilisable (gardé)",
                       "enregistrements échus sans adresse utilisable (gardés)");
  return out;
}

nlohmann::json to_json(const AuditEntry& e) {
  nlohmann::json out = {{"id", e.id},
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
                        {"error_class", e.error_class.empty() ? nlohmann::json(nullptr)
                                                              : nlohmann::json(e.error_class)},
                        {"throttle_waited_seconds", e.waited},
                        {"host", e.host.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.host)},
                        {"hash", e.hash}};
  // Passes of `partitions: drop` or `detach` that acted on whole partitions only.
  if (!e.partitions.empty()) out["partitions"] = partitions_of(e);
  // Passes whose `also:` had another store remove records related to theirs.
  if (!e.also_stores.empty()) out["also_stores"] = also_stores_of(e);
  // Passes of a policy with `notify:` that sent notices (or could not).
  if (auto n = notices_of(e); !n.is_null()) out["notices"] = n;
  if (affected_estimated(e)) out["affected_estimated"] = true;
  return out;
}

// A table a DPO can paste into a register of processing activities.
void print_markdown(const std::vector<AuditEntry>& entries,
                    const std::optional<TrailCheck>& verification) {
  std::cout << "# retentiond audit trail\n\n";
  if (entries.empty())
    std::cout << "No pass recorded.\n";
  else {
    std::cout << "| # | finished (UTC) | policy | store | action | cut-off | matched | held | "
                 "affected | waited | outcome | host |\n"
              << "|---:|---|---|---|---|---|---:|---:|---:|---:|---|---|\n";
    for (const auto& e : entries)
      std::cout << "| " << e.id << " | " << format_timestamp(e.finished) << " | " << e.policy
                << " | " << e.store << " | " << e.action << " | " << format_timestamp(e.cutoff)
                << " | " << with_thousands(e.matched) << " | " << with_thousands(e.held) << " | "
                << affected_of(e) << " | " << waited_of(e) << " | " << outcome_of(e) << " | "
                << e.host << " |\n";
    // The partitions dropped or detached whole, under the table (a row per pass there).
    bool titled = false;
    for (const auto& e : entries)
      for (const auto& part : partitions_of(e)) {
        if (!titled) std::cout << "\nPartitions acted on whole:\n\n";
        titled = true;
        std::cout << "- pass " << e.id << " (" << e.policy << "): partition "
                  << partition_line(part) << "\n";
      }
    titled = false;
    for (const auto& e : entries)
      for (const auto& removal : also_stores_of(e)) {
        if (!titled) std::cout << "\nRemoved in other stores (`also:`):\n\n";
        titled = true;
        std::cout << "- pass " << e.id << " (" << e.policy << "): " << removal_line(removal)
                  << "\n";
      }
    titled = false;
    for (const auto& e : entries)
      if (auto n = notices_of(e); !n.is_null()) {
        if (!titled) std::cout << "\nNotices (`notify:`):\n\n";
        titled = true;
        std::cout << "- pass " << e.id << " (" << e.policy
                  << "): " << notices_line(n, policies::Language::English) << "\n";
      }
  }
  if (verification) std::cout << "\n" << describe(*verification, /*markdown=*/true);
}

// The same table in the shared page style (daemon/reports/html_page.h).
std::string html_history(const std::vector<AuditEntry>& entries,
                         const std::optional<TrailCheck>& verification, policies::Language l) {
  std::string body;
  if (entries.empty()) {
    body = "<p>" + words(l, "No pass recorded.", "Aucune exécution enregistrée.") + "</p>\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : entries)
      rows.push_back({std::to_string(e.id), format_timestamp(e.finished), e.policy, e.store,
                      e.action, format_timestamp(e.cutoff), with_thousands(e.matched),
                      with_thousands(e.held), affected_of(e), waited_of(e), outcome_of(e), e.host});
    body = html_table(words(l, "Passes, oldest first", "Exécutions, la plus ancienne d'abord"),
                      {"#", words(l, "Finished (UTC)", "Fin (UTC)"), words(l, "Policy", "Règle"),
                       words(l, "Store", "Source"), words(l, "Action", "Action"),
                       words(l, "Cut-off", "Date limite"), words(l, "Matched", "Échus"),
                       words(l, "Held", "Gelés"), words(l, "Affected", "Traités"),
                       words(l, "Throttled", "Ralenti"), words(l, "Outcome", "Résultat"),
                       words(l, "Host", "Machine")},
                      rows, {0, 6, 7, 8, 9});
    std::vector<std::vector<std::string>> parts;
    for (const auto& e : entries)
      for (const auto& part : partitions_of(e))
        parts.push_back({std::to_string(e.id), e.policy, partition_line(part)});
    if (!parts.empty())
      body += html_table(words(l, "Partitions acted on whole", "Partitions traitées entières"),
                         {"#", words(l, "Policy", "Règle"), words(l, "Partition", "Partition")},
                         parts, {0});
    std::vector<std::vector<std::string>> removals;
    for (const auto& e : entries)
      for (const auto& removal : also_stores_of(e))
        removals.push_back({std::to_string(e.id), e.policy, removal_line(removal)});
    if (!removals.empty())
      body += html_table(
          words(l, "Removed in other stores (also:)", "Retiré dans d'autres sources (also:)"),
          {"#", words(l, "Policy", "Règle"), words(l, "Removed", "Retiré")}, removals, {0});
    std::vector<std::vector<std::string>> notices;
    for (const auto& e : entries)
      if (auto n = notices_of(e); !n.is_null())
        notices.push_back({std::to_string(e.id), e.policy, notices_line(n, l)});
    if (!notices.empty())
      body +=
          html_table(words(l, "Notices (notify:)", "Avis (notify:)"),
                     {"#", words(l, "Policy", "Règle"), words(l, "Notices", "Avis")}, notices, {0});
  }
  if (verification)
    body += "<pre>" + html_escape(describe(*verification, /*markdown=*/false)) + "</pre>\n";
  body += "<p class=\"meta\">" +
          words(l, "Counts only: the audit trail holds no personal data.",
                "Des comptes seulement : le journal d'audit ne contient aucune donnée "
                "personnelle.") +
          "</p>\n";
  return policies::printable_lines(
      html_page(words(l, "retentiond audit trail", "Journal d'audit de retentiond"), l, body));
}

}  // namespace

int history_command(const Args& args) {
  std::string config_path, state_path, since_text, format, language;
  std::vector<std::string> names;
  po::options_description opts(kUsage);
  opts.add_options()("help,h", "show this help");
  add_config_option(opts, config_path, "configuration file (for the state file's path)");
  opts.add_options()("state", po::value(&state_path),
                     "read this state file instead of the configured one");
  add_policy_option(opts, names, "only this policy (repeatable)");
  opts.add_options()("since", po::value(&since_text),
                     "only passes finished at or after this date (ISO-8601)")(
      "format", po::value(&format)->default_value("text"), "text, json, markdown or html")(
      "language", po::value(&language),
      "en or fr, for --format html (default: the configuration's first language)")(
      "verify", "check the hash chain of the whole trail")(
      "entries", po::value<long long>(), "with --verify: the trail must hold at least N entries")(
      "head", po::value<std::string>(),
      "with --verify: the trail must hold the entry with this hash")(
      "audit-key", po::value<std::string>(),
      "with --verify: the audit key file (when --state is used)");
  po::variables_map vm;
  if (auto stop = parse_command_line("history", args, opts, vm)) return *stop;
  if (auto stop = check_choice("history", "--format", format, {"text", "json", "markdown", "html"}))
    return *stop;
  if (!language.empty())
    if (auto stop = check_choice("history", "--language", language, {"en", "fr"})) return *stop;
  policies::Language page_language = policies::Language::English;
  if (!language.empty()) page_language = *policies::parse_language(language);
  std::optional<policies::TimePoint> since;
  if (!since_text.empty()) {
    since = policies::parse_timestamp(since_text);
    if (!since)
      return usage_failure("history", "--since '" + since_text + "' is not an ISO-8601 date");
  }
  AuditTrail::ExpectedHead expected;
  if (vm.count("entries")) {
    expected.entries = vm["entries"].as<long long>();
    if (*expected.entries < 1) return usage_failure("history", "--entries must be 1 or more");
  }
  if (vm.count("head")) {
    expected.hash = vm["head"].as<std::string>();
    if (expected.hash->size() != 64 ||
        expected.hash->find_first_not_of("0123456789abcdef") != std::string::npos)
      return usage_failure("history",
                           "--head must be an entry's hash: 64 lower-case hexadecimal digits");
  }
  if ((expected.entries || expected.hash || vm.count("audit-key")) && !vm.count("verify"))
    return usage_failure("history", "--entries, --head and --audit-key go with --verify");
  std::string audit_key;
  std::optional<policies::StoreConfig> state_store;  // a PostgreSQL state
  try {
    if (vm.count("audit-key")) audit_key = read_audit_key(vm["audit-key"].as<std::string>());
    if (state_path.empty()) {
      auto config = load_and_report(config_path);
      if (!config) return kExitFailure;
      state_path = config->state_path;
      state_store = config->state_store;
      if (language.empty()) page_language = config->languages.front();
      if (audit_key.empty() && vm.count("verify")) audit_key = audit_key_for(*config);
    }
  } catch (const StateError& e) {
    std::cerr << "retentiond history: " << e.what() << "\n";
    return kExitFailure;
  }
  const bool json = format == "json";
  try {
    std::unique_ptr<StateFile> state;
    if (state_store) {
      state = std::make_unique<StateFile>(*state_store, /*writable=*/false);
      if (!state->has_table("audit")) state.reset();
    } else {
      state = open_state_for_reading(state_path);
    }
    // A trail that must hold entries (--entries, --head) and is not there at all fails like an
    // emptied one: deleting the state file must not pass for an intact trail.
    if (!state && vm.count("verify") && (expected.entries || expected.hash)) {
      std::cerr << "retentiond history: the audit trail is not there ("
                << (state_store
                        ? std::string("the PostgreSQL state has no tables")
                        : "the state file " + policies::printable(state_path) + " does not exist")
                << "): it holds 0 entries, where "
                << (expected.entries ? "at least " + std::to_string(*expected.entries) + " were"
                                     : std::string("the entry with the given head was"))
                << " expected\n";
      return kExitFailure;
    }
    if (!state) {
      if (json)
        std::cout << json_text(nlohmann::json{{"entries", nlohmann::json::array()}}) << "\n";
      else if (format == "html")
        std::cout << html_history({}, std::nullopt, page_language);
      else
        std::cout << "No pass recorded yet (" +
                         (state_store ? std::string("the PostgreSQL state has no tables yet")
                                      : "the state file " + policies::printable(state_path) +
                                            " does not exist")
                  << ").\n";
      return kExitOk;
    }
    state->set_audit_key(audit_key);
    auto entries = AuditTrail(state->db()).list(names, since);
    if (!json)
      // Rows of the state file may hold any byte (a damaged or edited file); JSON replaces them.
      for (auto& e : entries)
        for (std::string* field :
             {&e.policy, &e.store, &e.action, &e.outcome, &e.error_class, &e.host})
          *field = policies::printable(*field);
    std::optional<TrailCheck> verification;
    if (vm.count("verify")) verification = check_trail(*state, expected);

    if (format == "markdown") {
      print_markdown(entries, verification);
    } else if (format == "html") {
      std::cout << html_history(entries, verification, page_language);
    } else if (json) {
      nlohmann::json out = {{"entries", nlohmann::json::array()}};
      for (const auto& e : entries) out["entries"].push_back(to_json(e));
      if (verification) out["verification"] = to_json(*verification);
      std::cout << json_text(out) << "\n";
    } else {
      if (entries.empty()) {
        std::cout << "No pass recorded" << (names.empty() && !since ? "" : " that matches")
                  << ".\n";
      } else {
        // Columns as wide as their longest entry ("interrupted (store-unreachable)").
        size_t policy_width = 28, outcome_width = 13;
        for (const auto& e : entries) {
          policy_width = std::max(policy_width, e.policy.size() + 2);
          outcome_width = std::max(outcome_width, outcome_of(e).size() + 2);
        }
        std::cout << pad("ID", 6, true) << "  " << pad("FINISHED", 21)
                  << pad("POLICY", policy_width) << pad("ACTION", 10)
                  << pad("OUTCOME", outcome_width) << pad("MATCHED", 10, true)
                  << pad("AFFECTED", 10, true) << pad("WAITED", 8, true) << "  "
                  << pad("CUT-OFF", 22) << "HOST\n";
        for (const auto& e : entries) {
          std::cout << pad(std::to_string(e.id), 6, true) << "  "
                    << pad(format_timestamp(e.finished), 21) << pad(e.policy, policy_width)
                    << pad(e.action, 10) << pad(outcome_of(e), outcome_width)
                    << pad(with_thousands(e.matched), 10, true)
                    << pad(affected_of(e, /*short_form=*/true), 10, true)
                    << pad(waited_of(e), 8, true) << "  " << pad(format_timestamp(e.cutoff), 22)
                    << e.host << "\n";
          for (const auto& part : partitions_of(e))
            std::cout << "        partition " << partition_line(part) << "\n";
          for (const auto& removal : also_stores_of(e))
            std::cout << "        also: " << removal_line(removal) << "\n";
          if (auto n = notices_of(e); !n.is_null())
            std::cout << "        notices: " << notices_line(n, policies::Language::English)
                      << "\n";
        }
      }
      if (verification) std::cout << describe(*verification, /*markdown=*/false);
    }
    return verification && !verification->complete() ? kExitFailure : kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "retentiond history: " << policies::printable(e.what()) << "\n";
    return kExitFailure;
  }
}

}  // namespace retentiond::daemon
