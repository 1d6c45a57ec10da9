// HMAC-SHA256 against the test vectors of RFC 4231 (section 4): other tests take it as the
// reference for the hashes the stores compute in SQL.
#include "lib/crypto/hmac.h"

#include <string>

#include <catch2/catch.hpp>

using retentiond::lib::hmac_sha256_hex;

TEST_CASE("hmac_sha256_hex gives RFC 4231's results", "[crypto]") {
  // Test case 1: a 20-byte key of 0x0b.
  CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the block.
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block, hashed first.
  CHECK(hmac_sha256_hex(std::string(131, '\xaa'),
                        "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
