// Secrets from files: a password or key in a root-only file, or a systemd credential
// ($CREDENTIALS_DIRECTORY/<name>, from LoadCredential=). Secrets never come from the YAML, and
// no message quotes one.
#pragma once

#include <optional>
#include <string>

namespace retentiond::lib {

// The file of systemd's credential `name`, when the service was given one.
std::optional<std::string> credential_path(const std::string& name);

// The secret in `path` (a regular file of at most 64 KiB; a trailing newline is not part of
// it), or nullopt with `error` saying why not ("no such file", "it is not a regular file ...").
std::optional<std::string> read_secret_file(const std::string& path, std::string& error);

}  // namespace retentiond::lib
