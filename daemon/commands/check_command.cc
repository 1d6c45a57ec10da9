// `retentiond check [--offline]`: validates the configuration; unless --offline, also asks each
// store whether the tables, columns and SQL the policies name exist and compile.
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "connectors/registry.h"
#include "connectors/throttle.h"
#include "daemon/commands/cli.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/offline_checks.h"
#include "daemon/commands/prologue.h"
#include "daemon/state/holds.h"
#include "daemon/state/state.h"
#include "lib/files/regular_file.h"
#include "policies/clock.h"
#include "policies/config_loader.h"
#include "policies/printable.h"
#include "policies/timestamp.h"

namespace retentiond::daemon {
namespace {

using policies::Diagnostic;

constexpr const char* kUsage =
    R"(Usage: retentiond check [-c FILE] [--offline] [--policy NAME]... [--format text|json|markdown]

Validates the configuration file and the policy files it includes. Every error is
reported as FILE:LINE:COLUMN: error: MESSAGE. Unless --offline, connects to each
store the selected policies use (read-only) and checks that their tables, columns
and keys exist and that their SQL conditions compile (nothing is executed).
Without --policy, a store no policy uses is contacted too. The state is read as well:
a PostgreSQL state must be reached with its schema and grants, and a state file that
exists must be a readable database (as the user running check). Each active legal hold
of a table or files policy is looked up in its store: a hold whose key no record has (no
file the policy selects, for files), or that names it written another way than the store
writes it, protects nothing and is warned.

Exit status: 0 valid, 1 invalid or a store check failed, 2 usage error.

Options)";

nlohmann::json to_json(const Diagnostic& d) {
  return {{"file", d.location.file},
          {"line", d.location.line},
          {"column", d.location.column},
          {"severity", d.severity == policies::Severity::Error ? "error" : "warning"},
          {"message", d.message}};
}

// A legal hold in the state puts the partition holding the record in rows mode while it lasts (a
// held record must stay, so its partition may not go whole): warned at the policy's
// `partitions:`; plan names the partitions. Nothing to say without a state yet (`state` null).
void warn_held_partitions(StateFile* state, const std::vector<const policies::Policy*>& selected,
                          std::vector<Diagnostic>& diagnostics) {
  if (!state || !state->has_table("holds")) return;
  Holds holds(*state);
  const auto now = policies::system_clock().now();
  for (const policies::Policy* p : selected) {
    if (p->partitions == policies::PartitionMode::Rows || policies::partitions_forced_to_rows(*p) ||
        policies::partition_basis_problem(*p))
      continue;
    const size_t held = holds.keys_held(p->name, now).size();
    if (held == 0) continue;
    const std::string mode(policies::partition_mode_name(p->partitions));
    diagnostics.push_back({policies::Severity::Warning, p->partitions_location,
                           "policy '" + p->name + "': " + std::to_string(held) +
                               (held == 1 ? " record is" : " records are") +
                               " under a legal hold (retentiond hold list --policy " + p->name +
                               "): while held, the partitions holding them go row by row "
                               "instead of 'partitions: " +
                               mode +
                               "' ('retentiond plan' names them); the others still go whole"});
  }
}

// A hold made before `hold add` asked the store (or kept after its record went) may name a key
// the store writes another way ('05' for 5, an upper-case UUID): passes compare held keys as
// text, so such a hold protects nothing. Each active hold of a table policy is looked up; the
// key itself is not printed (it may name a person), the hold is named by when it was added.
void warn_stale_holds(StateFile* state, const std::vector<const policies::Policy*>& selected,
                      const std::function<connectors::Connector*(const std::string&)>& store_named,
                      std::vector<Diagnostic>& diagnostics) {
  if (!state || !state->has_table("holds")) return;
  Holds holds(*state);
  const auto now = policies::system_clock().now();
  for (const policies::Policy* p : selected) {
    for (const Hold& hold : holds.list({p->name})) {
      if (hold.until && *hold.until <= now) continue;
      connectors::Connector* store = store_named(p->store);
      if (!store) break;
      auto found = store->find_key(*p, hold.key);
      if (!found) {
        if (found.error().kind == connectors::ErrorKind::Unsupported) break;
        diagnostics.push_back({policies::Severity::Warning, p->location,
                               "policy '" + p->name + "': cannot look up the hold added " +
                                   policies::format_timestamp(hold.created) + ": " +
                                   found.error().message});
        continue;
      }
      std::string problem;
      if (!found.value() && !p->table)  // a files policy: the key is a path under the root
        problem =
            "names a file the policy does not select under its store's root (the file is gone, "
            "or the root or the globs changed): it holds nothing";
      else if (!found.value())
        problem = "names a key no record of table '" + policies::printable(p->table->str()) +
                  "' has (the record is gone, or its key is written another way): it holds "
                  "nothing";
      else if (*found.value() != hold.key)
        problem =
            "names its record's key written another way than the store writes it, so it "
            "protects nothing: remove it and add it again ('retentiond hold add' stores the "
            "store's form)";
      if (problem.empty()) continue;
      diagnostics.push_back({policies::Severity::Warning, p->location,
                             "policy '" + p->name + "': the hold added " +
                                 policies::format_timestamp(hold.created) + " " + problem +
                                 " (retentiond hold list --policy " + p->name + ")"});
    }
  }
}

// Holds in force that name a policy the configuration does not have (renamed or removed): they
// protect nothing, and a renamed policy's records are no longer held.
void warn_holds_of_gone_policies(StateFile* state, const policies::Config& config,
                                 std::vector<Diagnostic>& diagnostics) {
  if (!state || !state->has_table("holds")) return;
  const auto now = policies::system_clock().now();
  std::map<std::string, int> gone;
  for (const Hold& hold : Holds(*state).list({}))
    if (!config.policy(hold.policy) && (!hold.until || *hold.until > now)) ++gone[hold.policy];
  for (const auto& [policy, count] : gone)
    diagnostics.push_back(
        {policies::Severity::Warning, config.state_location,
         std::to_string(count) + (count == 1 ? " hold in force names" : " holds in force name") +
             " policy '" + policies::printable(policy) +
             "', which this configuration does not have: " +
             (count == 1 ? "it protects" : "they protect") +
             " nothing (if the policy was renamed, hold its records again under its new name), "
             "and the passes of the policies on its store fail until " +
             (count == 1 ? "it is" : "they are") +
             " released; "
             "see 'retentiond hold list --policy " +
             policies::printable(policy) + "', release with 'retentiond hold remove --policy " +
             policies::printable(policy) + " KEY'"});
}

// The state, opened once for reading: a PostgreSQL state must be reached, with its schema and
// grants; a state file that exists must be readable (a damaged file, or one this user may not
// read, would fail every pass). Null when there is none yet, or on a problem (then reported).
std::unique_ptr<StateFile> checked_state(const policies::Config& config,
                                         std::vector<Diagnostic>& diagnostics) {
  try {
    if (config.state_store) {
      auto state = std::make_unique<StateFile>(*config.state_store, /*writable=*/false);
      if (auto problem = state->schema_problem()) {
        diagnostics.push_back({policies::Severity::Error, config.state_location, *problem});
        return nullptr;
      }
      return state;
    }
    auto state = open_state_for_reading(config);
    // Reading a table proves the file is a readable database, not only a file that opens.
    if (state) state->has_table("holds");
    return state;
  } catch (const std::exception& e) {
    diagnostics.push_back(
        {policies::Severity::Error, config.state_location, policies::printable(e.what())});
    return nullptr;
  }
}

}  // namespace

int check_command(const Args& args) {
  std::string config_path, format = "text";
  std::vector<std::string> names;
  po::options_description opts(kUsage);
  opts.add_options()("help,h", "show this help");
  add_config_option(opts, config_path);
  opts.add_options()("offline", "do not connect to the stores");
  add_policy_option(opts, names, "check only this policy (repeatable)");
  opts.add_options()("format", po::value(&format)->default_value("text"), "text, json or markdown");
  po::variables_map vm;
  if (auto stop = parse_command_line("check", args, opts, vm)) return *stop;
  if (auto stop = check_choice("check", "--format", format, {"text", "json", "markdown"}))
    return *stop;
  const bool json = format == "json";

  auto loaded = policies::load_config(config_path, connectors::store_specs());
  std::vector<Diagnostic> diagnostics = loaded.diagnostics.all();
  if (loaded.config) {
    std::vector<const policies::Policy*> selected;
    if (auto stop = select_policies("check", *loaded.config, names, selected)) return *stop;
    offline_checks(*loaded.config, selected, diagnostics, vm.count("offline") > 0);
    if (!vm.count("offline")) {
      std::map<std::string, std::unique_ptr<connectors::Connector>> open;
      // The store named `name`, opened once (null when it cannot be: said once, at the store).
      auto store_named = [&](const std::string& name) -> connectors::Connector* {
        auto it = open.find(name);
        if (it == open.end()) {
          const policies::StoreConfig* sc = loaded.config->store(name);
          auto connector = connectors::make_connector(*sc);
          auto opened = connector->open(connectors::AccessMode::ReadOnly);
          if (!opened) {
            diagnostics.push_back(
                {policies::Severity::Error, sc->location, opened.error().message});
            connector.reset();
          }
          it = open.emplace(name, std::move(connector)).first;
        }
        return it->second.get();
      };
      auto add = [&](connectors::Result<std::vector<Diagnostic>> problems,
                     const policies::Location& at) {
        if (!problems) {
          diagnostics.push_back({policies::Severity::Error, at, problems.error().message});
          return;
        }
        for (auto& d : problems.value()) diagnostics.push_back(std::move(d));
      };
      for (const policies::Policy* p : selected) {
        if (connectors::Connector* store = store_named(p->store))
          add(store->check(*p), p->location);
        // The other stores its `also:` names can do their part (their tables, the lists).
        for (const auto& rule : p->also_stores)
          if (connectors::Connector* other = store_named(rule.store))
            add(other->check_related(*p, rule), rule.location);
      }
      // Each throttle the selected policies' stores declare can be read (connections, grants).
      std::set<std::string> throttled;
      for (const policies::Policy* p : selected) throttled.insert(p->store);
      for (const auto& name : throttled) {
        const policies::StoreConfig* sc = loaded.config->store(name);
        if (auto probe = connectors::make_throttle_probe(*sc))
          for (auto& problem : probe->check())  // a replica's problem at its entry
            diagnostics.push_back(
                {problem.warning ? policies::Severity::Warning : policies::Severity::Error,
                 problem.at.value_or(sc->throttle->location),
                 "store '" + sc->name + "': " + problem.message});
      }
      try {
        auto state = checked_state(*loaded.config, diagnostics);
        warn_held_partitions(state.get(), selected, diagnostics);
        warn_stale_holds(state.get(), selected, store_named, diagnostics);
        if (names.empty()) warn_holds_of_gone_policies(state.get(), *loaded.config, diagnostics);
      } catch (const std::exception& e) {
        diagnostics.push_back(
            {policies::Severity::Error, loaded.config->state_location,
             "cannot read the legal holds in the state: " + policies::printable(e.what())});
      }
      // A store no policy uses yet is still contacted when the whole configuration is checked:
      // "stores checked" should hold for the store a sysadmin has just declared.
      if (names.empty())
        for (const auto& sc : loaded.config->stores) {
          if (open.count(sc.name)) continue;
          auto connector = connectors::make_connector(sc);
          if (auto opened = connector->open(connectors::AccessMode::ReadOnly); !opened)
            diagnostics.push_back({policies::Severity::Error, sc.location, opened.error().message});
        }
    }
  }
  size_t errors = 0, warnings = 0;
  for (const auto& d : diagnostics) (d.severity == policies::Severity::Error ? errors : warnings)++;
  const bool valid = errors == 0;

  if (format == "markdown") {
    using policies::printable;
    std::cout << "# retentiond check: " << printable(config_path) << "\n\n"
              << (valid ? "The configuration is **valid**" : "The configuration is **invalid**")
              << (vm.count("offline") ? " (stores not contacted).\n" : ".\n");
    if (!diagnostics.empty()) std::cout << "\n";
    for (const auto& d : diagnostics)
      std::cout << "- `" << printable(d.location.str()) << "` "
                << (d.severity == policies::Severity::Error ? "error" : "warning") << ": "
                << printable(d.message) << "\n";
  } else if (json) {
    nlohmann::json out = {{"valid", valid},
                          {"errors", nlohmann::json::array()},
                          {"warnings", nlohmann::json::array()}};
    for (const auto& d : diagnostics)
      out[d.severity == policies::Severity::Error ? "errors" : "warnings"].push_back(to_json(d));
    std::cout << json_text(out) << "\n";
  } else {
    for (const auto& d : diagnostics) std::cerr << d.str() << "\n";
    if (valid) {
      const auto& c = *loaded.config;
      std::cout << policies::printable(config_path) << ": configuration is valid ("
                << c.stores.size() << (c.stores.size() == 1 ? " store, " : " stores, ")
                << c.policies.size() << (c.policies.size() == 1 ? " policy" : " policies")
                << (vm.count("offline") ? "; stores not contacted (--offline)" : "; stores checked")
                << (warnings ? ", " + std::to_string(warnings) + " warning(s)" : "") << ")\n";
    } else {
      std::cerr << policies::printable(config_path) << ": " << errors
                << (errors == 1 ? " error" : " errors") << "\n";
    }
  }
  return valid ? kExitOk : kExitFailure;
}

}  // namespace retentiond::daemon
