// The keyed hash retentiond remembers records by without keeping them (notices, Sympa's orphans):
// HMAC-SHA256 under the installation's secret from the state file, as lower-case hex.
#pragma once

#include <string>
#include <string_view>

namespace retentiond::lib {

std::string hmac_sha256_hex(std::string_view key, std::string_view message);

}  // namespace retentiond::lib
