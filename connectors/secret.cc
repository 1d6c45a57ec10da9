#include "connectors/secret.h"

#include <cstdlib>
#include <filesystem>

#include "policies/regular_file.h"

namespace retentiond::connectors {

Result<std::optional<std::string>> store_password(const policies::StoreConfig& store) {
  // Set only by code, never from YAML (the loader refuses the key): the sympa store passes on
  // the db_passwd it read from Sympa's own configuration file.
  if (const auto* given = store.option("password")) return std::optional<std::string>{given->value};
  std::string path = store.path("password_file");
  if (path.empty()) {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (!dir || !*dir) return std::optional<std::string>{};
    std::string candidate = std::string(dir) + "/" + store.name;
    std::error_code ec;
    if (!std::filesystem::exists(candidate, ec)) return std::optional<std::string>{};
    path = candidate;
  }
  std::string why;
  auto read = policies::read_regular_file(path, policies::kMaxSecretBytes, why);
  if (!read)
    return Error{ErrorKind::Config,
                 "store '" + store.name + "': cannot read the password file '" + path + "': " + why};
  std::string text = std::move(*read);
  // A trailing newline (echo secret > file) is not part of the password.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return std::optional<std::string>{text};
}

}  // namespace retentiond::connectors
