// Text that came from outside (YAML values and keys, names, paths, file names, store messages,
// rows of the state file) made safe to print: a terminal or the journal never receives a raw
// control character (an escape sequence, a forged line) or a byte that is not UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace retentiond::policies {

// `text` as one line: valid UTF-8 is kept as is (backslashes too); '\n', '\r' and '\t' become
// "\n", "\r" and "\t"; other control characters (C0 and DEL) become "\x1b"; C1 controls
// (U+0080-U+009F) become "\u009b"; every byte that is not part of valid UTF-8 becomes "\xff".
std::string printable(std::string_view text);

// The same for text of several lines (a report, a register): '\n' and '\t' are kept.
std::string printable_lines(std::string_view text);

// A server's message of several lines (libpq: "... failed: Connection refused\n\tIs the server
// running ...?") as one: each run of line breaks and tabs becomes "; ", trailing ones go. Nothing
// else changes (printable() still applies where it is printed).
std::string one_line(std::string_view text);

// Whether `text` is valid UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace retentiond::policies
