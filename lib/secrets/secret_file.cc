#include "lib/secrets/secret_file.h"

#include <cstdlib>
#include <filesystem>

#include "lib/files/regular_file.h"

namespace retentiond::lib {

std::optional<std::string> credential_path(const std::string& name) {
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (!dir || !*dir) return std::nullopt;
  std::string candidate = std::string(dir) + "/" + name;
  std::error_code ec;
  if (!std::filesystem::exists(candidate, ec)) return std::nullopt;
  return candidate;
}

std::optional<std::string> read_secret_file(const std::string& path, std::string& error) {
  auto text = read_regular_file(path, kMaxSecretBytes, error);
  if (!text) return std::nullopt;
  // A trailing newline (echo secret > file) is not part of the secret.
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
  return text;
}

}  // namespace retentiond::lib
