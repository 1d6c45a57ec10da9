#include "support/fragment_corpus.h"

namespace retentiond::testing {
namespace {

using policies::SqlDialect;

const std::string kEmpty = "empty SQL condition";
const std::string kNul = "a NUL byte is not allowed in a SQL condition";
const std::string kUtf8 = "SQL condition is not valid UTF-8";
const std::string kSemicolon = "';' is not allowed in a SQL condition (one expression only)";
const std::string kDashes = "'--' comments are not allowed in a SQL condition";
const std::string kSlashStar = "'/*' comments are not allowed in a SQL condition";
const std::string kHash = "'#' comments are not allowed in a SQL condition";
const std::string kClose = "unbalanced ')' in SQL condition";
const std::string kOpen = "unbalanced '(' in SQL condition";
const std::string kUnicode =
    "Unicode escapes (U&'...') are not allowed in a SQL condition; write the characters themselves";
const std::string kOk;  // accepted

std::string unterminated(const std::string& quote) {
  return "unterminated " + quote + " quote in SQL condition";
}
std::string parameter(const std::string& sigil) {
  return "bind parameters ('" + sigil +
         "') are not allowed in a SQL condition; write the value itself";
}

// The issue's two `where:`s (#17), as YAML read them.
const std::string kIssueBrackets = "CAST(1 AS [a'b]) ) OR 1=1 OR ( CAST(1 AS [c'd])";
const std::string kIssueBackslash = R"(name = '\' ) OR 1=1 OR ( 1=1 --')";
// MySQL reads "\"" as one quote inside a string: the ')' the other dialects see in a string is
// code there, and the ')' they see as code is in a string.
const std::string kDoubleQuoteBackslash = R"(x = "\" ( " ) OR 1=1 OR ( y = " ) \" ")";

// Every dialect reads these the same way.
std::vector<FragmentCase> common() {
  return {
      {"", kEmpty},
      {" \n\t ", kEmpty},
      {"1=1) OR (1=1", kClose},
      {"1=1; DELETE FROM t", kSemicolon},
      {"1=1 ;", kSemicolon},
      {"name = 'a'';' ; 1=1", kSemicolon},
      {"1=1 -- and the expiry condition", kDashes},
      {"1=1 --/* */", kDashes},
      {"1=1 /* x */", kSlashStar},
      {"1=1 /*/ ) OR 1=1 OR ( /*/", kSlashStar},
      {"name = 'x'/**/", kSlashStar},
      {"(1=1", kOpen},
      {"name = ')' OR (1=1", kOpen},
      {"1=1) OR 1=1 --", kClose},
      {"1=1)--", kClose},
      {"1=1 ) UNION SELECT 1 FROM t WHERE (1=1", kClose},
      {"((1=1)) OR 1=1)) OR ((1=1", kClose},
      {"1=1\n) OR (\n1=1", kClose},
      {"name = 'a' || ')' AND 1) OR (1", kClose},
      {"name = 'x", unterminated("'")},
      {"\"name = 1", unterminated("\"")},
      {std::string("1=1\0) OR (1=1", 13), kNul},
      {"name = '\xff'", kUtf8},
      {"name = '\xc0\xa7'", kUtf8},      // an overlong quote
      {"name = '\xed\xa0\x80'", kUtf8},  // a surrogate
      // Accepted: the parentheses, quotes and comment marks are inside strings or identifiers.
      {"deleted_at IS NULL", kOk},
      {"name = 'it''s -- fine; /* really */ )'", kOk},
      {"name = 'a'') OR (''b'", kOk},
      {"name IN ('(', ')', ';', '--')", kOk},
      {"name <> ')) OR 1=1 OR (('", kOk},
      {"(a = 1) OR (b = 2)", kOk},
      {"\"a\"\") OR (\"\"b\" = 1", kOk},
      {"CASE WHEN a = 1 THEN ')' ELSE '(' END = ')'", kOk},
      {"name = '\n) OR 1=1 OR (\n'", kOk},
      {"name = 'caf\xc3\xa9 \xe2\x82\xac'", kOk},
  };
}

std::vector<FragmentCase> sqlite() {
  return {
      {kIssueBrackets, kClose},
      {kIssueBackslash, kClose},
      {kIssueBackslash + "\n", kClose},
      {R"(name = '\')", kOk},  // the string is one backslash
      {R"(name = "\" ) OR 1=1 OR ( ")", kClose},
      {R"(E'\' ) OR 1=1 OR ( ')", kClose},
      {R"(1E'\' ) OR 1=1 OR ( ')", kClose},
      {kDoubleQuoteBackslash, kOk},
      {"[a) OR (1=1] = 1", kOk},
      {"[a'b] = 1", kOk},
      {"[a]]) OR (1=1", kClose},
      {"[unterminated = 1", unterminated("[")},
      {"1=1 OR [", unterminated("[")},
      {"`a') OR ('1` = 1", kOk},
      {"`a`` ) OR ( ``b` = 1", kOk},
      {R"(`a\` ) OR 1=1 OR ( `b`)", kClose},
      {"`a = 1", unterminated("`")},
      {"x = ?1", parameter("?")},
      {"x = ?", parameter("?")},
      {"x = :name", parameter(":")},
      {"x = @name", parameter("@")},
      {"x = $name", parameter("$")},
      {"$a(') OR 1=1 OR (')", parameter("$")},
      {"$$ ) OR 1=1 OR ( $$", parameter("$")},
      {"1=1 # ) OR (", parameter("#")},
      {"a$b = 1", kOk},
      {"x'41' = x'41'", kOk},
      {"a = 1 AND [x] IN ('[', ']')", kOk},
      {"data ->> '$.a' = 'x'", kOk},
  };
}

std::vector<FragmentCase> postgresql() {
  return {
      // '[' is no quote here: the ')'s are inside 'b]) ... [c' (the server then refuses '[').
      {kIssueBrackets, kOk},
      {kIssueBackslash, kClose},
      {kIssueBackslash + "\n", kClose},
      {R"(name = '\')", kOk},
      {R"(N'\' ) OR 1=1 OR ( ')", kClose},
      {R"(E'\' ) OR 1=1 OR ( ')", kOk},
      {R"(E'\\' ) OR 1=1 OR ( ')", kClose},
      {R"(e'\\\' ) OR ( ')", kOk},
      {"E'a'\n'\\' ) OR 1=1 OR ( '", kOk},    // one escape string, continued after a newline
      {"E'a' '\\' ) OR 1=1 OR ( '", kClose},  // no newline: a second, standard string
      {"'a'\n'\\' ) OR 1=1 OR ( 1=1 --'\n", kClose},
      {R"(E'\)", unterminated("E'")},
      {R"(E'\'' = '''')", kOk},
      {R"(1E'\' ) OR 1=1 OR ( ')", kOk},  // 1 then an escape string (PostgreSQL 14)
      {R"(1.e'\' ) OR ( ')", kOk},
      {"$$ ) OR 1=1 OR ( $$ = 'x'", kOk},
      {"$a$ ) OR 1=1 OR ( $a$ = 'x'", kOk},
      {"$a$ ) $b$ ) OR 1=1 OR ( $a$ = 'x'", kOk},
      {"$q$ $q $q$ = 'x'", kOk},
      {"$_$ ) OR ( $_$ = 'x'", kOk},
      {"$a$ ) OR 1=1 OR ( $A$ = 'x'", unterminated("$a$")},
      {"$$", unterminated("$$")},
      {"'a' || $q$'$q$ ) OR 1=1 OR ( $q$'$q$", kClose},
      {"x$a$ ) OR 1=1 OR ( $a$", kClose},
      {"1$a$ ) OR 1=1 OR ( $a$ = 1", kOk},
      {"a$$b = 1", kOk},
      {"x = $1", parameter("$1")},
      {"x = $12 OR 1=1", parameter("$12")},
      {"U&'\\0029' = 'x'", kUnicode},
      {"u&\"a\" = 1", kUnicode},
      {"`) OR 1=1 OR (`", kClose},  // a backtick is an operator character here
      {"[a) OR (1=1]", kClose},
      {"1=1 /* /* */ ) OR 1=1 OR ( */", kSlashStar},
      {"a <-- 1", kDashes},
      {kDoubleQuoteBackslash, kOk},
      {"data #>> '{a}' = 'x'", kOk},
      {"data ? 'key'", kOk},
      {"B'101' = B'101' AND X'1F' = X'1F'", kOk},
      {R"(E'a\'b' = $$a'b$$)", kOk},
  };
}

std::vector<FragmentCase> mysql() {
  return {
      // Both of the issue's escapes are inside strings for MySQL (the server refuses '[').
      {kIssueBrackets, kOk},
      {kIssueBackslash, kOk},
      {kIssueBackslash + "\n", kOk},
      {R"(name = '\\' ) OR 1=1 OR ( ')", kClose},
      {R"(name = "\" ) OR 1=1 OR ( ")", kOk},
      {R"(name = "\\" ) OR ( ")", kClose},
      {kDoubleQuoteBackslash, kClose},
      {R"(name = '\'' ) OR 1=1 OR ( ')", kClose},
      {R"(name = '''\'' ) OR ( ')", kClose},
      {R"('\''' ) OR ( ')", kOk},
      {R"('\\\' ) OR ( ')", kOk},
      {R"(`a\` ) OR 1=1 OR ( `b`)", kClose},
      {"`a`` ) OR ( ``b` = 1", kOk},
      {"`a", unterminated("`")},
      {R"('\)", unterminated("'")},
      {R"("\)", unterminated("\"")},
      {"1=1 # ) OR (", kHash},
      {"name = 'x' #'", kHash},
      {"1=1 /*! ) OR 1=1 OR ( */", kSlashStar},
      {"1=1 /*M!100000 ) OR 1=1 OR ( */", kSlashStar},
      {"1=1 --x", kDashes},
      {"a = ?", parameter("?")},
      {"[a) OR (1=1]", kClose},
      {"$$ ) OR 1=1 OR ( $$", kClose},
      {R"(E'\' ) OR 1=1 OR ( ')", kOk},
      {R"(_utf8mb4'\' ) OR 1=1 OR ( ')", kOk},
      {R"(N'\' ) OR 1=1 OR ( ')", kOk},
      {R"('a' '\'' = 'a''')", kOk},
      {R"(name LIKE 'a\_%')", kOk},
      {"X'41' = 'A'", kOk},
      {"data ->> '$.a' = 'x'", kOk},
  };
}

std::vector<FragmentCase> make(std::vector<FragmentCase> specific) {
  auto all = common();
  all.insert(all.end(), specific.begin(), specific.end());
  return all;
}

}  // namespace

const std::vector<FragmentCase>& fragment_corpus(SqlDialect dialect) {
  static const std::vector<FragmentCase> sqlite_cases = make(sqlite());
  static const std::vector<FragmentCase> postgresql_cases = make(postgresql());
  static const std::vector<FragmentCase> mysql_cases = make(mysql());
  switch (dialect) {
    case SqlDialect::Sqlite:
      return sqlite_cases;
    case SqlDialect::Postgresql:
      return postgresql_cases;
    case SqlDialect::Mysql:
      return mysql_cases;
  }
  return sqlite_cases;
}

}  // namespace retentiond::testing
