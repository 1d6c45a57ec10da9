// A store's password: read from `password_file`, or from $CREDENTIALS_DIRECTORY/<store name>
// (systemd's LoadCredential=) when no file is named. Passwords never come from the YAML and are
// never logged.
#pragma once

#include <optional>
#include <string>

#include "connectors/result.h"
#include "policies/policy.h"

namespace retentiond::connectors {

// nullopt when the store names no password file and systemd passed no credential for it.
// Error kind Config, naming the file, when it cannot be read.
Result<std::optional<std::string>> store_password(const policies::StoreConfig& store);

}  // namespace retentiond::connectors
