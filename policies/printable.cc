#include "policies/printable.h"

namespace retentiond::policies {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// The length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there does not
// start one (RFC 3629, table 3-7 of the Unicode standard).
size_t sequence_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = byte(i);
  if (b < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
  if (b >= 0xc2 && b <= 0xdf)
    length = 2;
  else if (b == 0xe0)
    length = 3, low = 0xa0;
  else if (b == 0xed)
    length = 3, high = 0x9f;  // no UTF-16 surrogates
  else if (b >= 0xe1 && b <= 0xef)
    length = 3;
  else if (b == 0xf0)
    length = 4, low = 0x90;
  else if (b == 0xf4)
    length = 4, high = 0x8f;  // nothing past U+10FFFF
  else if (b >= 0xf1 && b <= 0xf3)
    length = 4;
  else
    return 0;
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  return length;
}

void append_byte_escape(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

std::string escape(std::string_view text, bool keep_lines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t length = sequence_length(text, i);
    if (length == 0) {
      append_byte_escape(out, c);
      ++i;
      continue;
    }
    if (length == 1) {
      if (c >= 0x20 && c != 0x7f)
        out += static_cast<char>(c);
      else if (keep_lines && (c == '\n' || c == '\t'))
        out += static_cast<char>(c);
      else if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\t')
        out += "\\t";
      else
        append_byte_escape(out, c);
    } else if (c == 0xc2 && static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      const auto code = static_cast<unsigned char>(text[i + 1]);  // U+0080-U+009F
      out += "\\u00";
      out += kHex[code >> 4];
      out += kHex[code & 15];
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

}  // namespace

std::string printable(std::string_view text) { return escape(text, /*keep_lines=*/false); }

std::string printable_lines(std::string_view text) { return escape(text, /*keep_lines=*/true); }

std::string one_line(std::string_view text) {
  std::string out;
  bool pending = false;  // a run of breaks waits for the next visible character
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      pending = !out.empty();
      continue;
    }
    if (pending && c == ' ') continue;
    if (pending) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += "; ";
      pending = false;
    }
    out += c;
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t length = sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace retentiond::policies
