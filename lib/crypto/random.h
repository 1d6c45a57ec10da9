// Random bytes from OpenSSL's generator, as lower-case hex: keys, tokens, message ids.
#pragma once

#include <cstddef>
#include <string>

namespace retentiond::lib {

// 2 * `bytes` hex digits. Throws std::runtime_error when the generator fails.
std::string random_hex(std::size_t bytes);

}  // namespace retentiond::lib
