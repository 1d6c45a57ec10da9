// Configurations written in a test, loaded as the loader reads them from disk, with their
// diagnostics as printed ("DIR/r.yaml:7:12: error: ..."), the temporary directory shown as DIR.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policies/policy.h"
#include "policies/store_spec.h"
#include "support/temp_dir.h"

namespace retentiond::testing {

struct LoadedText {
  std::optional<policies::Config> config;  // set when there is no error
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

// Writes `text` to r.yaml in `dir` and loads it against `specs`.
LoadedText load_text(const TempDir& dir, const std::string& text,
                     const std::vector<policies::StoreSpec>& specs);
// The same against every store type of this build.
LoadedText load_text(const TempDir& dir, const std::string& text);
// The errors of kThreeStores + `policies`, loaded in a directory of its own.
std::vector<std::string> errors_of(const std::string& policies);

// Policies after kThreeStores and the errors they give, exactly and in order.
struct ErrorCase {
  std::string what;  // shown when the case fails
  std::string policies;
  std::vector<std::string> errors;  // none: the configuration loads
};
// Checks each case (Catch2 CHECKs), loaded in a directory of its own.
void check_error_cases(const std::vector<ErrorCase>& cases);

// Defined here (inline), so that tests may build their own constants from them: a constant of
// another file may not be built yet when a test file's own are.
// A state file and one sqlite store, `app`, on lines 1 to 3; `policies:` last, line 4.
inline const std::string kSqliteStore =
    "state: state.db\n"
    "stores:\n"
    "  app: {type: sqlite, path: app.db}\n"
    "policies:\n";
// Stores of three kinds, one of each, for policies to name: `app` (sqlite, tables), `logs`
// (files) and `lists` (sympa); lines 1 to 6, `policies:` last.
inline const std::string kThreeStores =
    "state: state.db\n"                                        // 1
    "stores:\n"                                                // 2
    "  app: {type: sqlite, path: app.db}\n"                    // 3
    "  logs: {type: files, root: /var/log}\n"                  // 4
    "  lists: {type: sympa, config: /etc/sympa/sympa.conf}\n"  // 5
    "policies:\n";                                             // 6
// A valid policy of each store of kThreeStores, on lines 7 to 11 after them: `p` (table users,
// since last_login, lines 7-11), `f` (files "*.log", 7-10) and `s` (sympa sessions, 7-10).
inline const std::string kTablePolicy =
    "  - name: p\n"             // 7
    "    store: app\n"          // 8
    "    table: users\n"        // 9
    "    expire_after: 1y\n"    // 10
    "    since: last_login\n";  // 11
inline const std::string kFilesPolicy =
    "  - name: f\n"             // 7
    "    store: logs\n"         // 8
    "    files: \"*.log\"\n"    // 9
    "    expire_after: 30d\n";  // 10
inline const std::string kSympaPolicy =
    "  - name: s\n"            // 7
    "    store: lists\n"       // 8
    "    sympa: sessions\n"    // 9
    "    expire_after: 1y\n";  // 10

// A configuration's text: state.db, the one store `name` with the `stores:` entry `entry`, then
// `policies` from line 5.
std::string one_store_config(const std::string& name, const std::string& entry,
                             const std::string& policies);

// `policy` without the line of `key` (the lines after it move up).
std::string without_key(const std::string& policy, const std::string& key);
// `policy` with the value of `key` replaced by `value`, on the same line.
std::string with_value(const std::string& policy, const std::string& key, const std::string& value);
// `text` with every `$name` replaced by `values.at(name)`: a configuration written once for
// several stores or values.
std::string filled(std::string text, const std::map<std::string, std::string>& values);

}  // namespace retentiond::testing
