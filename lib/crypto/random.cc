#include "lib/crypto/random.h"

#include <stdexcept>
#include <vector>

#include <openssl/rand.h>

namespace retentiond::lib {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("cannot draw random bytes from OpenSSL");
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : raw) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

}  // namespace retentiond::lib
