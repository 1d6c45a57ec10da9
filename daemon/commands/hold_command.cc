// `retentiond hold add|remove|list`: legal holds an operator places on single records.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <iostream>
#include <thread>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "connectors/registry.h"
#include "daemon/commands/cli.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/prologue.h"
#include "daemon/state/holds.h"
#include "daemon/state/pass_journal.h"
#include "daemon/state/pass_lock.h"
#include "daemon/state/state.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

using policies::format_timestamp;
using policies::printable;

constexpr const char* kUsage =
    R"(Usage: retentiond hold add    [-c FILE] --policy NAME KEY --reason TEXT [--until DATE]
       retentiond hold remove [-c FILE] --policy NAME KEY [--exact]
       retentiond hold list   [-c FILE] [--policy NAME]... [--format text|json]

Legal holds: a record under hold is never deleted or anonymised by its policy, whatever
its age, and is counted as "held" in plans, reports and the audit trail. KEY is the
value of the policy's key column (or the file path relative to the root, for files). For
a table, `hold add` asks the store for the record whose key equals KEY in the key
column's type and holds it as the store writes it ('05' holds 5, an upper-case UUID its
lower-case form); no such record, or a store that cannot be asked, holds nothing. For
files, KEY must name a regular file the policy selects under the root. A KEY that starts
with '-' goes after '--', which ends the options: hold add --policy p --reason r -- -5
A hold lasts until it is removed, or until --until DATE (ISO-8601) has passed. A pass
under way (here or on another host sharing the state) keeps the record from its next
batch on: `hold add` then waits for the batch in flight and says whether the record is
still there (exit 1 if that batch removed it).

`hold remove` takes KEY as `hold list` printed it (a line break shown as \n) or as it
was given to `hold add`; when those name two different holds it refuses, and --exact
releases the one whose key is KEY exactly as typed. Holds belong to a policy by its
name: `list` and `remove` also take a policy the configuration no longer has (renamed
or removed), as long as the state holds holds of it (`check` warns of them).

Holds are kept in the state file. Adding, changing and removing one is recorded in the
audit trail, without the key or the reason (they may name a person); `hold list`
shows them to the operator.

Exit status: 0 done, 1 invalid configuration, unwritable state file, (add) no record
with that key or a store that cannot be asked, (remove) no such hold, 2 usage error (unknown policy, missing --reason, bad --until).

Options)";

// The key as the policy's table writes it. Holds are compared as text when a pass runs, so a
// key written another way ('05' for 5, an upper-case UUID) would hold nothing and its record
// would go: the store is asked for the record whose key equals KEY in the key column's type.
// Files and Sympa compare keys as written: theirs is kept as given. nullopt, with `why`, when
// the hold must not be added (no such record, or the store cannot be asked).
std::optional<std::string> key_as_stored(const policies::Config& config,
                                         const policies::Policy& policy, const std::string& key,
                                         std::string& why) {
  if (!policy.table && policy.files.empty()) return key;  // Sympa: kept as given
  auto connector = connectors::make_connector(*config.store(policy.store));
  auto opened = connector->open(connectors::AccessMode::ReadOnly);
  if (!opened) {
    why = "cannot look the key up: " + opened.error().message +
          "; nothing held (a hold names a record the store has; retry when it is reachable)";
    return std::nullopt;
  }
  auto found = connector->find_key(policy, key);
  if (!found) {
    if (found.error().kind == connectors::ErrorKind::Unsupported && policy.table) {
      // A table without a key column: a hold, naming a record by its key, would stop every
      // pass of the policy (they refuse holds they cannot apply).
      why = "table '" + printable(policy.table->str()) + "' of policy '" + policy.name +
            "' has no key column a record can be named by (no single-column primary key, no "
            "'key:'); a hold would stop every pass of the policy; nothing held";
      return std::nullopt;
    }
    if (found.error().kind == connectors::ErrorKind::Unsupported) return key;
    why = "cannot look the key up: " + found.error().message + "; nothing held";
    return std::nullopt;
  }
  if (!found.value() && !policy.table) {
    why = "no file " + printable(key) + " that policy '" + policy.name +
          "' selects under the root of store '" + policy.store +
          "' (a path relative to the root, to a regular file, not through a symlink); nothing "
          "held";
    return std::nullopt;
  }
  if (!found.value()) {
    why = "no record of table '" + printable(policy.table->str()) + "' (store '" + policy.store +
          "', policy '" + policy.name + "') has the key " + printable(key) +
          " (compared in the key column's type); nothing held; 'retentiond plan --samples N' "
          "shows keys as the store writes them";
    return std::nullopt;
  }
  return *found.value();
}

// A pass of the policy under way (on this host or another sharing the state) reads the holds
// again before each batch, but the batch in flight may still act on the record: wait until the
// pass has recorded two batches more (the second began after the hold) or ended, at most a
// minute, then ask the store again. Says what it found; false when the hold cannot be confirmed
// (the record is gone, or the batch in flight has not ended within the minute).
bool survives_pass_under_way(const policies::Config& config, const policies::Policy& policy,
                             StateFile& state, const std::string& key) {
  if (!PassLock::held(state, policy.name).value_or(false)) return true;
  std::cout << "A pass of policy '" << policy.name
            << "' is under way: it keeps the record from its next batch on; checking that the "
               "batch in flight left it...\n"
            << std::flush;
  const auto first = PassJournal(state).find(policy.name);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  int batches = 0;
  bool ended = !first;
  // The time of the last batch recorded (the loop runs only with a pass under way).
  auto seen = first ? first->updated : decltype(first->updated){};
  while (!ended && batches < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto now = PassJournal(state).find(policy.name);
    if (!now || now->owner != first->owner) {
      ended = true;
      break;
    }
    if (now->updated != seen) {
      seen = now->updated;
      ++batches;
    }
  }
  if (!ended && batches < 2) {
    std::cerr << "retentiond hold: the pass under way has not finished its batch in flight "
                 "within a minute: that batch may still act on the record (the hold stays; "
                 "look at the record once the pass has ended)\n";
    return false;
  }
  if (policy.table || !policy.files.empty()) {
    std::string why;
    if (!key_as_stored(config, policy, key, why)) {
      std::cerr << "retentiond hold: the pass under way removed the record before the hold "
                   "reached it (the hold stays, and holds nothing: 'retentiond hold remove')\n";
      return false;
    }
  }
  if (policy.action == policies::Action::Anonymise) {
    std::cerr << "retentiond hold: warning: the batch in flight may have anonymised the record "
                 "before the hold reached it (an anonymised record is still there); look at it\n";
    return true;
  }
  std::cout << "The record is still there; the pass keeps it.\n";
  return true;
}

// Keys in the order a reader looks for them: 2 before 10 (keys made of digits by their value),
// others as text; by policy first.
// Keys made of digits first, by value; then the others as text (one order for any mix of keys).
bool listed_before(const Hold& a, const Hold& b) {
  if (a.policy != b.policy) return a.policy < b.policy;
  auto digits = [](const std::string& k) {
    return !k.empty() && k.find_first_not_of("0123456789") == std::string::npos;
  };
  const bool x_digits = digits(a.key), y_digits = digits(b.key);
  if (x_digits != y_digits) return x_digits;
  if (x_digits) {
    const auto skip = [](const std::string& k) {
      return std::min(k.find_first_not_of('0'), k.size() - 1);
    };
    const std::string_view x = std::string_view(a.key).substr(skip(a.key)),
                           y = std::string_view(b.key).substr(skip(b.key));
    if (x.size() != y.size()) return x.size() < y.size();
    if (x != y) return x < y;
  }
  return a.key < b.key;
}

// Columns on a terminal: characters, not bytes ('é' is two bytes, one column).
size_t columns(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Whether the state holds holds of `policy` (read only; false when there is no state yet).
bool has_holds_of(const policies::Config& config, const std::string& policy) {
  try {
    auto state = open_state_for_reading(config);
    return state && state->has_table("holds") && !Holds(*state).list({policy}).empty();
  } catch (const std::exception&) {
    return false;  // the command says what is wrong with the state when it opens it
  }
}

}  // namespace

int hold_command(const Args& all_args) {
  const std::string command = "hold";
  if (all_args.empty() || all_args.front() == "--help" || all_args.front() == "-h") {
    po::options_description opts(kUsage);
    std::cout << opts << "  see 'retentiond hold add --help'\n";
    return all_args.empty() ? kExitUsage : kExitOk;
  }
  const std::string verb = all_args.front();
  if (verb != "add" && verb != "remove" && verb != "list")
    return usage_failure(command, "unknown action '" + verb + "' (use add, remove or list)");
  Args args(all_args.begin() + 1, all_args.end());
  // A key such as -5 before '--' would be taken for an option: said, with the way to write it.
  for (const auto& a : args) {
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-' && std::isdigit(static_cast<unsigned char>(a[1])))
      return usage_failure(command, "'" + a +
                                        "' is read as an option; a KEY that starts with '-' "
                                        "goes after '--', which ends the options: hold " +
                                        verb + " --policy NAME ... -- " + a);
  }

  std::string config_path, reason, until_text, format;
  bool exact = false;
  std::vector<std::string> names, keys;
  po::options_description opts(kUsage);
  opts.add_options()("help,h", "show this help");
  add_config_option(opts, config_path);
  add_policy_option(opts, names, "the policy (list: repeatable)");
  opts.add_options()("reason", po::value(&reason), "add: why the record is held (required)")(
      "until", po::value(&until_text), "add: the hold ends at this ISO-8601 time")(
      "format", po::value(&format)->default_value("text"), "list: text or json")(
      "exact", po::bool_switch(&exact), "remove: KEY exactly as typed, never as listed");
  po::options_description hidden;
  hidden.add_options()("key", po::value(&keys)->composing(), "record key");
  po::positional_options_description positional;
  positional.add("key", -1);
  po::variables_map vm;
  if (auto stop = parse_command_line(command, args, opts, vm, &hidden, &positional)) return *stop;
  // An option of another action is a mistake, never ignored: 'remove --until 2027-06-01'
  // would release the hold at once while the operator meant "on 1 June".
  for (const auto& [option, verbs] : std::vector<std::pair<std::string, std::string>>{
           {"reason", "add"}, {"until", "add"}, {"exact", "remove"}, {"format", "list"}})
    if (verbs != verb && vm.count(option) && !vm[option].defaulted() &&
        !(option == "exact" && !exact))
      return usage_failure(command,
                           "--" + option + " is for 'hold " + verbs + "', not 'hold " + verb + "'");
  if (verb != "list") {
    if (names.size() != 1) return usage_failure(command, verb + " needs exactly one --policy NAME");
    if (keys.size() != 1) return usage_failure(command, verb + " needs exactly one KEY");
    if (keys[0].empty()) return usage_failure(command, "the KEY is empty");
  } else if (!keys.empty()) {
    return usage_failure(command, "list takes no KEY");
  }
  if (verb == "add" && reason.empty()) return usage_failure(command, "add needs --reason TEXT");
  // Stores are asked to spare held keys as JSON text, which holds only UTF-8 (remove still
  // takes any key, to clear a hold made before this check).
  if (verb == "add" && !policies::is_valid_utf8(keys[0]))
    return usage_failure(command, "the KEY is not valid UTF-8 text; a hold names a key as text");
  std::optional<policies::TimePoint> until;
  if (!until_text.empty()) {
    until = policies::parse_timestamp(until_text);
    if (!until)
      return usage_failure(command, "--until '" + until_text + "' is not an ISO-8601 time");
    // A hold that has already ended protects nothing: most likely a mistyped year.
    if (*until <= policies::now_utc())
      return usage_failure(command, "--until " + format_timestamp(*until) +
                                        " has already passed: such a hold would protect nothing");
  }
  if (auto stop = check_choice(command, "--format", format, {"text", "json"})) return *stop;

  Selection selection;
  auto loaded = load_and_report(config_path);
  if (!loaded) return kExitFailure;
  selection.config = std::move(*loaded);
  const policies::Config& config = selection.config;
  // `list` and `remove` also reach the holds of a policy the configuration no longer has (it was
  // renamed or removed): they stay in the state under its name, holding nothing, until released.
  const bool gone = verb != "add" && names.size() == 1 && !config.policy(names[0]) &&
                    has_holds_of(config, names[0]);
  if (!gone)
    if (auto stop = select_policies(command, config, names, selection.policies)) return *stop;

  try {
    if (gone && verb == "remove") {
      StateFile state(config, /*writable=*/true);
      Holds holds(state);
      std::optional<std::string> key;
      for (const auto& h : holds.list(names))
        if (h.key == keys[0] || (!exact && !key && printable(h.key) == keys[0])) key = h.key;
      if (!key || !holds.remove(names[0], *key, "")) {
        std::cerr << "retentiond hold: no hold on key " << printable(keys[0]) << " of policy '"
                  << printable(names[0]) << "'\n";
        return kExitFailure;
      }
      std::cout << "Released the hold on key " << printable(*key) << " of policy '"
                << printable(names[0]) << "' (a policy this configuration no longer has).\n";
      return kExitOk;
    }
    if (verb == "list") {
      auto state = open_state_for_reading(config);
      if (!state) {
        if (format == "json")
          std::cout << "[]\n";
        else if (config.state_store)
          std::cout << "No hold (the PostgreSQL state has no tables yet).\n";
        else
          std::cout << "No hold (no state file yet at " << config.state_path << ").\n";
        return kExitOk;
      }
      auto holds = Holds(*state).list(names);
      std::stable_sort(holds.begin(), holds.end(), listed_before);
      const auto now = policies::now_utc();
      if (format == "json") {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& h : holds)
          out.push_back({{"policy", h.policy},
                         {"key", h.key},
                         {"reason", h.reason},
                         {"created", format_timestamp(h.created)},
                         {"until", h.until ? nlohmann::json(format_timestamp(*h.until))
                                           : nlohmann::json(nullptr)},
                         {"active", !h.until || *h.until > now}});
        std::cout << json_text(out) << "\n";
      } else if (holds.empty()) {
        std::cout << "No hold.\n";
      } else {
        // Aligned columns: the policy and the key are as wide as the widest listed.
        size_t policy_width = 0, key_width = 0;
        for (const auto& h : holds) {
          policy_width = std::max(policy_width, columns(printable(h.policy)));
          key_width = std::max(key_width, columns(printable(h.key)));
        }
        auto padded = [](std::string text, size_t width) {
          const size_t used = columns(text);
          if (used < width) text.append(width - used, ' ');
          return text;
        };
        for (const auto& h : holds)
          std::cout << padded(printable(h.policy), policy_width) << "  key "
                    << padded(printable(h.key), key_width) << "  since "
                    << format_timestamp(h.created)
                    << (h.until ? (*h.until > now ? "  until " : "  ENDED ") +
                                      format_timestamp(*h.until)
                                : "")
                    << "  reason: " << printable(h.reason) << "\n";
      }
      return kExitOk;
    }
    const policies::Policy& policy = *selection.policies.front();
    StateFile state(config, /*writable=*/true);
    Holds holds(state);
    if (verb == "add") {
      std::string why;
      const auto key = key_as_stored(config, policy, keys[0], why);
      if (!key) {
        std::cerr << "retentiond hold: " << why << "\n";
        return kExitFailure;
      }
      Hold h{policy.name, *key, reason, policies::now_utc(), until};
      bool replaced = holds.add(h, policy.store);
      std::cout << (replaced ? "Changed the hold" : "Held") << " on key " << printable(*key)
                << (*key != keys[0] ? " (given as " + printable(keys[0]) + ")" : "")
                << " of policy '" << policy.name << "'"
                << (until ? " until " + format_timestamp(*until) : "") << ".\n";
      if (!survives_pass_under_way(config, policy, state, *key)) return kExitFailure;
      return kExitOk;
    }
    // As written in `hold list`, else in the form `hold add` stored for it ('05' for 5), else as
    // the text `hold list` printed for it (a key with a newline is listed as "a\nb").
    std::string why;
    std::optional<std::string> stored;
    auto as_listed = [&]() -> std::optional<std::string> {
      std::optional<std::string> found;
      for (const auto& h : holds.list({policy.name}))
        if (h.key != keys[0] && printable(h.key) == keys[0]) {
          if (found) return std::nullopt;  // two keys print alike: the exact key is needed
          found = h.key;
        }
      return found;
    };
    // The text `hold list` printed for one key can be another key as written ('a\nb' typed
    // is also how a key holding a line break is listed): refused rather than guessed.
    if (!exact) {
      bool typed = false, listed = false;
      for (const auto& h : holds.list({policy.name})) {
        typed = typed || h.key == keys[0];
        listed = listed || (h.key != keys[0] && printable(h.key) == keys[0]);
      }
      if (typed && listed) {
        std::cerr << "retentiond hold: two holds of policy '" << policy.name << "' answer to key "
                  << printable(keys[0])
                  << ": one has that key as typed, the other is listed so (its key holds a "
                     "line break or another control character); give --exact to release the "
                     "first, or type the other's key with its control characters\n";
        return kExitFailure;
      }
    }
    auto released = [&] {
      if (holds.remove(policy.name, keys[0], policy.store)) return true;
      if (exact) return false;
      if ((stored = key_as_stored(config, policy, keys[0], why)) && *stored != keys[0] &&
          holds.remove(policy.name, *stored, policy.store))
        return true;
      return (stored = as_listed()) && holds.remove(policy.name, *stored, policy.store);
    };
    if (!released()) {
      std::cerr << "retentiond hold: no hold on key " << printable(keys[0]) << " of policy '"
                << policy.name << "'\n";
      return kExitFailure;
    }
    std::cout << "Released the hold on key " << printable(stored ? *stored : keys[0])
              << " of policy '" << policy.name << "'.\n";
    return kExitOk;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return kExitFailure;
  }
}

}  // namespace retentiond::daemon
