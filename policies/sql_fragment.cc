#include "policies/sql_fragment.h"

#include <cctype>

namespace retentiond::policies {
namespace {

constexpr size_t kNone = std::string_view::npos;

// What sets the dialects apart, lexically (see the header).
struct Rules {
  bool backslash_escapes = false;  // in '...' and "..." (MySQL)
  bool backtick_identifiers = false;
  bool bracket_identifiers = false;  // [...] (SQLite)
  bool hash_comments = false;
  bool postgresql = false;  // E'...', U&'...', $tag$...$tag$, $1
  std::string_view sigils;  // characters that start a bind parameter
};

Rules rules_of(SqlDialect d) {
  Rules r;
  switch (d) {
    case SqlDialect::Sqlite:
      r.backtick_identifiers = r.bracket_identifiers = true;
      r.sigils = "?:@$#";
      break;
    case SqlDialect::Postgresql:
      r.postgresql = true;  // '?' and '#' are operators there (jsonb)
      break;
    case SqlDialect::Mysql:
      r.backslash_escapes = r.backtick_identifiers = r.hash_comments = true;
      r.sigils = "?";
      break;
  }
  return r;
}

bool ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
// Every dialect lets '$' continue an identifier (a$b), never start one.
bool ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

// Where the quoted text opened at `open` ends (one past its closing quote), or kNone. A doubled
// quote stays inside; with `backslash`, a backslash takes the next byte with it.
size_t quoted_end(std::string_view s, size_t open, bool backslash) {
  const char quote = s[open];
  for (size_t i = open + 1; i < s.size(); ++i) {
    if (backslash && s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] != quote) continue;
    if (i + 1 < s.size() && s[i + 1] == quote) {
      ++i;
      continue;
    }
    return i + 1;
  }
  return kNone;
}

// PostgreSQL's E'...' from its opening quote: backslash escapes, doubled quotes, and a string
// that continues after whitespace holding a newline ('a'<newline>'b' is one string, still read
// with escapes).
size_t escape_string_end(std::string_view s, size_t open) {
  size_t end = quoted_end(s, open, /*backslash=*/true);
  while (end != kNone) {
    size_t i = end;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f')) ++i;
    if (i == s.size() || (s[i] != '\n' && s[i] != '\r')) return end;
    while (i < s.size() && std::string_view(" \t\n\r\f").find(s[i]) != kNone) ++i;
    if (i == s.size() || s[i] != '\'') return end;
    end = quoted_end(s, i, /*backslash=*/true);
  }
  return kNone;
}

// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xbf)) return false;
    }
    i += extra + 1;
  }
  return true;
}

// Where the number starting at `i` ends: digits, a fraction, an exponent, as PostgreSQL reads
// them. What follows (1E'...' has an E) is read as the next token, as PostgreSQL 14 does; 15 and
// later refuse the whole statement.
size_t number_end(std::string_view s, size_t i) {
  auto digit = [&](size_t k) {
    return k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]));
  };
  while (digit(i)) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (digit(i)) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t k = i + 1;
    if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    if (digit(k)) {
      i = k;
      while (digit(i)) ++i;
    }
  }
  return i;
}

std::string parameter(std::string_view sigil) {
  return "bind parameters ('" + std::string(sigil) +
         "') are not allowed in a SQL condition; write the value itself";
}

std::string unterminated(std::string_view what) {
  return "unterminated " + std::string(what) + " quote in SQL condition";
}

}  // namespace

std::string_view dialect_name(SqlDialect d) {
  switch (d) {
    case SqlDialect::Sqlite:
      return "SQLite";
    case SqlDialect::Postgresql:
      return "PostgreSQL";
    case SqlDialect::Mysql:
      return "MySQL";
  }
  return "";
}

std::optional<std::string> sql_fragment_problem(std::string_view sql, SqlDialect dialect) {
  bool blank = true;
  for (char c : sql) {
    if (c == '\0') return std::string("a NUL byte is not allowed in a SQL condition");
    if (!std::isspace(static_cast<unsigned char>(c))) blank = false;
  }
  if (blank) return std::string("empty SQL condition");
  if (!valid_utf8(sql)) return std::string("SQL condition is not valid UTF-8");

  const Rules r = rules_of(dialect);
  const size_t n = sql.size();
  int depth = 0;
  for (size_t i = 0; i < n;) {
    const char c = sql[i];
    const auto u = static_cast<unsigned char>(c);
    const char next = i + 1 < n ? sql[i + 1] : '\0';
    if (c == '\'' || c == '"' || (c == '`' && r.backtick_identifiers)) {
      // MySQL reads backslash escapes in both kinds of string, never in `identifiers`.
      size_t end = quoted_end(sql, i, r.backslash_escapes && c != '`');
      if (end == kNone) return unterminated(std::string(1, c));
      i = end;
      continue;
    }
    if (c == '[' && r.bracket_identifiers) {
      size_t end = sql.find(']', i + 1);  // SQLite: no escape inside [...]
      if (end == kNone) return unterminated("[");
      i = end + 1;
      continue;
    }
    if (ident_start(u)) {
      size_t end = i;
      while (end < n && ident_char(static_cast<unsigned char>(sql[end]))) ++end;
      const std::string_view word = sql.substr(i, end - i);
      const char after = end < n ? sql[end] : '\0';
      if (r.postgresql && (word == "E" || word == "e") && after == '\'') {
        size_t close = escape_string_end(sql, end);
        if (close == kNone) return unterminated("E'");
        i = close;
        continue;
      }
      if (r.postgresql && (word == "U" || word == "u") && after == '&' && end + 1 < n &&
          (sql[end + 1] == '\'' || sql[end + 1] == '"'))
        return std::string(
            "Unicode escapes (U&'...') are not allowed in a SQL condition; write the characters "
            "themselves");
      i = end;
      continue;
    }
    if (std::isdigit(u) || (c == '.' && std::isdigit(static_cast<unsigned char>(next)))) {
      i = number_end(sql, i);
      continue;
    }
    if (c == '$' && r.postgresql) {
      if (std::isdigit(static_cast<unsigned char>(next))) {
        size_t end = i + 1;
        while (end < n && std::isdigit(static_cast<unsigned char>(sql[end]))) ++end;
        return parameter(sql.substr(i, end - i));
      }
      // $tag$...$tag$: the tag is an identifier without '$', or empty.
      size_t tag_end = i + 1;
      if (tag_end < n && ident_start(static_cast<unsigned char>(sql[tag_end])))
        while (tag_end < n && ident_char(static_cast<unsigned char>(sql[tag_end])) &&
               sql[tag_end] != '$')
          ++tag_end;
      if (tag_end < n && sql[tag_end] == '$') {
        const std::string_view delimiter = sql.substr(i, tag_end + 1 - i);
        size_t close = sql.find(delimiter, tag_end + 1);
        if (close == kNone) return unterminated(delimiter);
        i = close + delimiter.size();
        continue;
      }
      ++i;  // a lone '$': a syntax error for the server, not a quote
      continue;
    }
    if (r.sigils.find(c) != kNone) return parameter(sql.substr(i, 1));
    if (c == ';') return std::string("';' is not allowed in a SQL condition (one expression only)");
    if (c == '-' && next == '-')
      return std::string("'--' comments are not allowed in a SQL condition");
    if (c == '/' && next == '*')
      return std::string("'/*' comments are not allowed in a SQL condition");
    if (c == '#' && r.hash_comments)
      return std::string("'#' comments are not allowed in a SQL condition");
    if (c == '(') ++depth;
    if (c == ')' && --depth < 0) return std::string("unbalanced ')' in SQL condition");
    ++i;
  }
  if (depth != 0) return std::string("unbalanced '(' in SQL condition");
  return std::nullopt;
}

std::optional<std::string> sql_fragment_problem(std::string_view sql,
                                                std::optional<SqlDialect> dialect) {
  if (dialect) return sql_fragment_problem(sql, *dialect);
  for (SqlDialect d : {SqlDialect::Sqlite, SqlDialect::Postgresql, SqlDialect::Mysql})
    if (auto problem = sql_fragment_problem(sql, d)) return problem;
  return std::nullopt;
}

}  // namespace retentiond::policies
