#include "policies/dsn_secret.h"

#include <cctype>
#include <string>

namespace retentiond::policies {

bool dsn_has_password(std::string_view dsn) {
  std::string lowered;
  for (char c : dsn) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
