#include "policies/dsn_secret.h"

#include <cctype>
#include <string>

namespace retentiond::policies {

namespace {

// libpq decodes %XX in a URI, parameter names included (`?pass%77ord=`).
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

bool dsn_has_password(std::string_view dsn) {
  // libpq skips leading blanks before telling a URI from key=value pairs.
  while (!dsn.empty() && std::isspace(static_cast<unsigned char>(dsn.front())))
    dsn.remove_prefix(1);
  std::string lowered;
  for (char c : percent_decoded(dsn))
    lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered.find("password") != std::string::npos) return true;
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (lowered.rfind(scheme, 0) != 0) continue;
    // The authority ends at the path, the parameters or the fragment; its user information,
    // before the last '@', holds "user:password" when a password is given.
    const std::string_view rest = std::string_view(dsn).substr(scheme.size());
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    const size_t at = authority.rfind('@');
    return at != std::string_view::npos &&
           authority.substr(0, at).find(':') != std::string_view::npos;
  }
  return false;
}

}  // namespace retentiond::policies
