// SHA-256 of a byte string, as lowercase hex (OpenSSL's EVP interface).
#pragma once

#include <string>
#include <string_view>

namespace retentiond::lib {

std::string sha256_hex(std::string_view data);

}  // namespace retentiond::lib
