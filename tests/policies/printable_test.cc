// Escaping what came from outside before it is printed (issue 17, items 9 and 11).
#include "policies/printable.h"

#include <catch2/catch.hpp>

using namespace retentiond::policies;

TEST_CASE("printable keeps valid UTF-8 and escapes controls and stray bytes", "[printable]") {
  struct Case {
    std::string in, one_line, lines;
  };
  const std::vector<Case> cases = {
      {"plain words", "plain words", "plain words"},
      {"Durées de conservation €", "Durées de conservation €", "Durées de conservation €"},
      {"\x1b[31mred", "\\x1b[31mred", "\\x1b[31mred"},
      {"a\nb\tc\rd", "a\\nb\\tc\\rd", "a\nb\tc\\rd"},
      {std::string("nul\0byte", 8), "nul\\x00byte", "nul\\x00byte"},
      {"del\x7f", "del\\x7f", "del\\x7f"},
      {"csi\xc2\x9b"
       "2J",
       "csi\\u009b2J", "csi\\u009b2J"},                        // a C1 control, well encoded
      {"bad\xff", "bad\\xff", "bad\\xff"},                     // never valid in UTF-8
      {"\xc3\x28", "\\xc3(", "\\xc3("},                        // a lead byte without its tail
      {"\x80\xbf", "\\x80\\xbf", "\\x80\\xbf"},                // lone continuation bytes
      {"\xc0\xaf", "\\xc0\\xaf", "\\xc0\\xaf"},                // overlong '/'
      {"\xed\xa0\x80", "\\xed\\xa0\\x80", "\\xed\\xa0\\x80"},  // a UTF-16 surrogate
      {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "\\xf4\\x90\\x80\\x80"},  // past U+10FFFF
      {"cut\xe2\x82", "cut\\xe2\\x82", "cut\\xe2\\x82"},                     // truncated at the end
      {"back\\slash", "back\\slash", "back\\slash"},
  };
  for (const auto& c : cases) {
    INFO(c.one_line);
    CHECK(printable(c.in) == c.one_line);
    CHECK(printable_lines(c.in) == c.lines);
    CHECK(is_valid_utf8(printable(c.in)));
  }
}

TEST_CASE("is_valid_utf8 follows RFC 3629", "[printable]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("ascii"));
  CHECK(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  CHECK(is_valid_utf8("\xf4\x8f\xbf\xbf"));                      // U+10FFFF
  for (const char* bad : {"\xff", "\xc3\x28", "\x80", "\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xe2\x82"}) {
    INFO(printable(bad));
    CHECK_FALSE(is_valid_utf8(bad));
  }
}

TEST_CASE("one_line joins a server's message of several lines", "[printable]") {
  CHECK(one_line("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs "
                 "the server running on that host?\n") ==
        "connection to server at \"127.0.0.1\", port 1 failed: Connection refused; Is the server "
        "running on that host?");
  CHECK(one_line("one line") == "one line");
  CHECK(one_line("\n\tleading") == "leading");
  CHECK(one_line("a \r\n\r\n b") == "a; b");
  CHECK(one_line("") == "");
}
