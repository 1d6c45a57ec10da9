// Whether a libpq connection string holds a password in clear: secrets come from files.
#pragma once

#include <string_view>

namespace retentiond::policies {

// True for `password=...` (any case, in key=value form or as a URI parameter) and for a URI's
// `user:secret@host` (postgresql:// or postgres://).
bool dsn_has_password(std::string_view dsn);

}  // namespace retentiond::policies
