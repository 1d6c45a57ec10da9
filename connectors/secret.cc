#include "connectors/secret.h"

#include "lib/secrets/secret_file.h"

namespace retentiond::connectors {

Result<std::optional<std::string>> store_password(const policies::StoreConfig& store) {
  // Set only by code, never from YAML (the loader refuses the key): the sympa store passes on
  // the db_passwd it read from Sympa's own configuration file.
  if (const auto* given = store.option("password")) return std::optional<std::string>{given->value};
  std::string path = store.path("password_file");
  if (path.empty()) {
    auto credential = lib::credential_path(store.name);
    if (!credential) return std::optional<std::string>{};
    path = *credential;
  }
  std::string why;
  auto secret = lib::read_secret_file(path, why);
  if (!secret)
    return Error{ErrorKind::Config,
                 error_prefix(store.name) + "cannot read the password file '" + path + "': " + why};
  if (secret->empty())
    return Error{ErrorKind::Config, error_prefix(store.name) + "the password file '" + path +
                                        "' is empty (a store without a password: leave "
                                        "'password_file' out)"};
  return secret;
}

}  // namespace retentiond::connectors
