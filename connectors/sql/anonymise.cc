#include "connectors/sql/anonymise.h"

#include <stdexcept>

#include <openssl/sha.h>

#include "connectors/sql/quote.h"
#include "lib/files/regular_file.h"

namespace retentiond::connectors::sql {
namespace {

using Kind = policies::AnonymiseStrategy::Kind;
// How many occurrences of a JSON member written several times in one object json_remove takes
// out on MariaDB and SQLite (PostgreSQL's jsonb keeps only the last); one left over still reads
// as not anonymised, so the record is selected again by the next pass.
constexpr int kDuplicateMembers = 4;
constexpr int kKeyHashLength = 16;  // hex characters of {hash}: 64 bits, unique enough per table

std::string hex(const unsigned char* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

// A pattern's pieces: literal text, or the placeholders "{key}" / "{hash}".
struct Piece {
  bool placeholder = false;
  std::string text;
};

std::vector<Piece> split_pattern(const std::string& pattern) {
  std::vector<Piece> out;
  std::string literal;
  for (size_t i = 0; i < pattern.size(); ++i) {
    size_t close = pattern[i] == '{' ? pattern.find('}', i) : std::string::npos;
    if (close != std::string::npos) {
      std::string name = pattern.substr(i + 1, close - i - 1);
      if (name == "key" || name == "hash") {
        if (!literal.empty()) out.push_back({false, literal});
        literal.clear();
        out.push_back({true, name});
        i = close;
        continue;
      }
    }
    literal += pattern[i];
  }
  if (!literal.empty()) out.push_back({false, literal});
  return out;
}

// Calls `literal(name, text)` for every literal parameter of `columns`, in the order
// assignments() numbers them, and `key_file(name, path)` for every hmac key file.
void walk_literals(const std::vector<policies::ColumnAnonymisation>& columns,
                   const std::string& scope,
                   const std::function<void(const std::string&, const std::string&)>& literal,
                   const std::function<void(const std::string&, const std::string&)>& key_file) {
  int n = 0;
  auto next = [&] { return "an_" + scope + "_" + std::to_string(++n); };
  for (const auto& c : columns) {
    const auto& s = c.strategy;
    switch (s.kind) {
      case Kind::Value:
        literal(next(), s.text);
        break;
      case Kind::Hmac:
        key_file("an_hmac_" + scope + "_" + std::to_string(++n), s.text);
        break;
      case Kind::Template:
      case Kind::UniquePlaceholder:
        for (const auto& piece : split_pattern(s.text))
          if (!piece.placeholder) literal(next(), piece.text);
        break;
      default:
        break;
    }
  }
}

std::string read_key_file(const std::string& path) {
  std::string why;
  auto read = lib::read_regular_file(path, lib::kMaxSecretBytes, why);
  if (!read) throw std::runtime_error("cannot read the hmac key file '" + path + "': " + why);
  std::string key = std::move(*read);
  if (!key.empty() && key.back() == '\n') key.pop_back();
  if (key.empty()) throw std::runtime_error("the hmac key file '" + path + "' is empty");
  return key;
}

}  // namespace

std::pair<std::string, std::string> hmac_pads(const std::string& key) {
  unsigned char block[64] = {0};
  if (key.size() > sizeof block) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
  } else {
    for (size_t i = 0; i < key.size(); ++i) block[i] = static_cast<unsigned char>(key[i]);
  }
  unsigned char ipad[64], opad[64];
  for (int i = 0; i < 64; ++i) {
    ipad[i] = block[i] ^ 0x36;
    opad[i] = block[i] ^ 0x5c;
  }
  return {hex(ipad, 64), hex(opad, 64)};
}

std::map<std::string, std::string> anonymisation_values(const policies::Policy& policy,
                                                        const std::string& anonymisation_key,
                                                        const std::string& now_text) {
  std::map<std::string, std::string> values{{"an_now", now_text}};
  literal_values(policy.anonymise, "main", values);
  int index = 0;
  for (const auto& rule : policy.also)
    literal_values(rule.anonymise, "also" + std::to_string(++index), values);
  auto pads = hmac_pads(anonymisation_key);
  values["an_key_ipad"] = pads.first;
  values["an_key_opad"] = pads.second;
  return values;
}

bool anonymisation_decidable(const std::vector<policies::ColumnAnonymisation>& columns) {
  for (const auto& c : columns)
    if (c.strategy.kind == Kind::Hash || c.strategy.kind == Kind::Hmac ||
        c.strategy.kind == Kind::Now)
      return false;
  return true;
}

namespace {

// The value one strategy writes into `column` (qualified), as SQL; makes its placeholders.
std::string target_value(const policies::ColumnAnonymisation& c, const std::string& column,
                         const std::string& key, const AnonymiseDialect& d, Placeholders& p,
                         const std::string& scope, int& n) {
  const auto& s = c.strategy;
  auto need_key = [&] {
    if (key.empty()) throw std::invalid_argument("{key} and {hash} need the policy's key");
  };
  switch (s.kind) {
    case Kind::Null:
      return "NULL";
    case Kind::Value:
      return d.text_param(p, "an_" + scope + "_" + std::to_string(++n));
    case Kind::Now:
      return d.now_param(p);
    case Kind::Hash:
      return "substr(" + d.hmac_hex(p, "an_key", d.as_text(column)) + ", 1, " +
             std::to_string(s.hash_length) + ")";
    case Kind::Hmac:
      return d.hmac_hex(p, "an_hmac_" + scope + "_" + std::to_string(++n), d.as_text(column));
    case Kind::Template:
    case Kind::UniquePlaceholder: {
      std::vector<std::string> parts;
      for (const auto& piece : split_pattern(s.text)) {
        if (!piece.placeholder) {
          parts.push_back(d.text_piece(p, "an_" + scope + "_" + std::to_string(++n)));
        } else if (piece.text == "key") {
          need_key();
          parts.push_back(d.as_text(key));
        } else {
          need_key();
          parts.push_back("substr(" + d.hmac_hex(p, "an_key", d.as_text(key)) + ", 1, " +
                          std::to_string(kKeyHashLength) + ")");
        }
      }
      return parts.size() == 1 ? parts[0] : d.concat(parts);
    }
    case Kind::Generalise:
      return d.generalise(column, s.text);
    case Kind::JsonRemove:
      return d.json_remove(column, s.json_paths);
  }
  return "NULL";
}

}  // namespace

std::string set_list(const std::vector<policies::ColumnAnonymisation>& columns,
                     const std::string& owner, const std::string& key, const AnonymiseDialect& d,
                     Placeholders& p, const std::string& scope) {
  int n = 0;
  std::string set;
  for (const auto& c : columns) {
    const std::string column = owner + "." + quote_identifier(c.column, d.quote);
    set += (set.empty() ? "" : ", ") + quote_identifier(c.column, d.quote) + " = " +
           target_value(c, column, key, d, p, scope, n);
  }
  return set;
}

std::optional<std::string> already_anonymised(
    const std::vector<policies::ColumnAnonymisation>& columns, const std::string& owner,
    const std::string& key, const AnonymiseDialect& d, Placeholders& p, const std::string& scope) {
  if (!anonymisation_decidable(columns)) return std::nullopt;
  int n = 0;
  std::string all;
  for (const auto& c : columns) {
    const std::string column = owner + "." + quote_identifier(c.column, d.quote);
    const int first = n;
    std::string target = target_value(c, column, key, d, p, scope, n);
    std::string condition;
    if (c.strategy.kind == Kind::Null)
      condition = column + " IS NULL";
    else if (c.strategy.kind == Kind::JsonRemove)
      condition = "NOT " + d.has_json_paths(column, c.strategy.json_paths);
    else if (c.strategy.kind == Kind::Generalise)
      condition = d.same(column, target);
    else
      condition = d.same_text(column, target);
    if (d.same_in_type && c.strategy.kind != Kind::Null && c.strategy.kind != Kind::JsonRemove &&
        c.strategy.kind != Kind::Generalise) {
      // The value once more, with its parameters bound again (positional '?' each time).
      int again = first;
      condition = "(" + condition + " OR " +
                  d.same_in_type(column, target_value(c, column, key, d, p, scope, again)) + ")";
    }
    all += (all.empty() ? "" : " AND ") + condition;
  }
  return "(" + all + ")";
}

void literal_values(const std::vector<policies::ColumnAnonymisation>& columns,
                    const std::string& scope, std::map<std::string, std::string>& out) {
  walk_literals(
      columns, scope, [&](const std::string& name, const std::string& text) { out[name] = text; },
      [&](const std::string& name, const std::string& path) {
        auto pads = hmac_pads(read_key_file(path));
        out[name + "_ipad"] = pads.first;
        out[name + "_opad"] = pads.second;
      });
}

std::string describe_anonymise_param(const std::string& name,
                                     const std::map<std::string, std::string>& literals) {
  if (name.rfind("an_", 0) != 0) return "";
  if (name == "an_now") return "the pass's moment";
  if (name == "an_key_ipad" || name == "an_key_opad")
    return "the anonymisation key's HMAC pad (from the state file, not shown)";
  if (name.rfind("an_hmac_", 0) == 0) return "the hmac key file's HMAC pad (not shown)";
  auto it = literals.find(name);
  return it == literals.end() ? name : quote_literal(it->second);
}

// ---- dialects --------------------------------------------------------------------------------

namespace {

// A JSON path of MySQL and SQLite as an SQL literal: '$."user"."email"'.
std::string dollar_path(const std::vector<std::string>& keys) {
  std::string path = "$";
  for (const auto& k : keys) path += ".\"" + k + "\"";
  return quote_literal(path);
}

// The paths as PostgreSQL's text[] of dotted paths (pg_temp.rd_json_remove splits them).
std::string dotted_paths_array(const AnonymiseDialect::JsonPaths& paths) {
  std::string out = "ARRAY[";
  for (size_t i = 0; i < paths.size(); ++i) {
    std::string dotted;
    for (const auto& k : paths[i]) dotted += (dotted.empty() ? "" : ".") + k;
    out += (i ? ", " : "") + quote_literal(dotted);
  }
  return out + "]::text[]";
}

}  // namespace

const AnonymiseDialect& postgresql_dialect() {
  static const AnonymiseDialect d = [] {
    AnonymiseDialect d;
    d.quote = '"';
    d.concat = [](const std::vector<std::string>& parts) {
      std::string out = "(";
      for (size_t i = 0; i < parts.size(); ++i) out += (i ? " || " : "") + parts[i];
      return out + ")";
    };
    d.as_text = [](const std::string& e) { return "(" + e + ")::text"; };
    d.hmac_hex = [](Placeholders& p, const std::string& pads, const std::string& value) {
      std::string opad = p.ref(pads + "_opad", "text");
      std::string ipad = p.ref(pads + "_ipad", "text");
      return "encode(sha256(decode(" + opad + ", 'hex') || sha256(decode(" + ipad +
             ", 'hex') || convert_to(" + value + ", 'UTF8'))), 'hex')";
    };
    d.generalise = [](const std::string& column, const std::string& unit) {
      return "date_trunc('" + unit + "', " + column + ")";
    };
    d.same = [](const std::string& a, const std::string& b) {
      return a + " IS NOT DISTINCT FROM " + b;
    };
    d.same_text = d.same;
    d.text_param = [](Placeholders& p, const std::string& name) { return p.ref(name); };
    d.text_piece = [](Placeholders& p, const std::string& name) { return p.ref(name, "text"); };
    d.now_param = [](Placeholders& p) { return p.ref("an_now", "timestamptz"); };
    // Functions of the session (postgresql/connection.cc), one per column type: json, jsonb and
    // text (varchar too) each get their own type back.
    d.json_remove = [](const std::string& column, const AnonymiseDialect::JsonPaths& paths) {
      return "pg_temp.rd_json_remove(" + column + ", " + dotted_paths_array(paths) + ")";
    };
    d.has_json_paths = [](const std::string& column, const AnonymiseDialect::JsonPaths& paths) {
      return "pg_temp.rd_json_has(" + column + ", " + dotted_paths_array(paths) + ")";
    };
    return d;
  }();
  return d;
}

const AnonymiseDialect& mysql_dialect() {
  static const AnonymiseDialect d = [] {
    AnonymiseDialect d;
    d.quote = '`';
    d.concat = [](const std::vector<std::string>& parts) {
      std::string out = "CONCAT(";
      for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
      return out + ")";
    };
    d.as_text = [](const std::string& e) { return "CAST(" + e + " AS CHAR)"; };
    d.hmac_hex = [](Placeholders& p, const std::string& pads, const std::string& value) {
      std::string opad = p.ref(pads + "_opad");
      std::string ipad = p.ref(pads + "_ipad");
      return "LOWER(SHA2(CONCAT(UNHEX(" + opad + "), UNHEX(SHA2(CONCAT(UNHEX(" + ipad + "), " +
             value + "), 256))), 256))";
    };
    d.generalise = [](const std::string& column, const std::string& unit) {
      const char* format = unit == "year" ? "%Y-01-01" : unit == "month" ? "%Y-%m-01" : "%Y-%m-%d";
      return "CAST(DATE_FORMAT(" + column + ", '" + format + "') AS DATETIME)";
    };
    d.same = [](const std::string& a, const std::string& b) { return a + " <=> " + b; };
    // A text column in utf8mb4 with a binary collation: bound text arrives as utf8mb4, and a
    // _ci collation would take 'Anonymous' for 'anonymous'. A number, a date or a binary string
    // (collation 'binary') is compared in its own type: the value 'false' stored in a BOOLEAN
    // reads 0, '0.10' in a DOUBLE 0.1, '2000-01-01' in a DATETIME 2000-01-01 00:00:00.
    d.same_text = [](const std::string& a, const std::string& b) {
      return "(CONVERT(" + a + " USING utf8mb4) COLLATE utf8mb4_bin <=> " + b + ")";
    };
    d.same_in_type = [](const std::string& a, const std::string& b) {
      // The value as a binary string: a text column in another character set must still
      // compile (it is not 'binary', so the comparison decides nothing for it).
      return "(COLLATION(" + a + ") = 'binary' AND " + a + " <=> CAST(" + b + " AS BINARY))";
    };
    d.text_param = [](Placeholders& p, const std::string& name) { return p.ref(name); };
    d.text_piece = d.text_param;
    d.now_param = [](Placeholders& p) { return "CAST(" + p.ref("an_now") + " AS DATETIME)"; };
    // MariaDB's JSON_REMOVE returns NULL for text that is not JSON: such a value is kept.
    d.json_remove = [](const std::string& column, const AnonymiseDialect::JsonPaths& paths) {
      // Each path several times: a document with a member written twice ({"email": .., "email":
      // ..}: valid JSON) loses one occurrence per path given.
      std::string out = "IF(JSON_VALID(" + column + "), JSON_REMOVE(" + column;
      for (const auto& keys : paths)
        for (int round = 0; round < kDuplicateMembers; ++round) out += ", " + dollar_path(keys);
      return out + "), " + column + ")";
    };
    d.has_json_paths = [](const std::string& column, const AnonymiseDialect::JsonPaths& paths) {
      std::string out =
          "COALESCE(IF(JSON_VALID(" + column + "), JSON_CONTAINS_PATH(" + column + ", 'one'";
      for (const auto& keys : paths) out += ", " + dollar_path(keys);
      return out + "), 0), 0)";
    };
    return d;
  }();
  return d;
}

const AnonymiseDialect& sqlite_dialect() {
  static const AnonymiseDialect d = [] {
    AnonymiseDialect d;
    d.quote = '"';
    d.concat = postgresql_dialect().concat;
    d.as_text = [](const std::string& e) { return "CAST(" + e + " AS TEXT)"; };
    d.hmac_hex = [](Placeholders& p, const std::string& pads, const std::string& value) {
      std::string opad = p.ref(pads + "_opad");
      std::string ipad = p.ref(pads + "_ipad");
      return "rd_hmac(" + opad + ", " + ipad + ", " + value + ")";
    };
    d.generalise = [](const std::string& column, const std::string& unit) {
      return "rd_generalise(" + column + ", '" + unit + "')";
    };
    d.same = [](const std::string& a, const std::string& b) { return a + " IS " + b; };
    d.same_text = d.same;
    d.text_param = [](Placeholders& p, const std::string& name) { return p.ref(name); };
    d.text_piece = d.text_param;
    d.now_param = [](Placeholders& p) { return p.ref("an_now"); };
    d.json_remove = [](const std::string& column, const AnonymiseDialect::JsonPaths& paths) {
      // Nested: one json_remove takes one occurrence of a member written twice (the same path
      // given twice in one call finds the same one again).
      std::string removed = column;
      for (int round = 0; round < kDuplicateMembers; ++round) {
        std::string call = "json_remove(" + removed;
        for (const auto& keys : paths) call += ", " + dollar_path(keys);
        removed = call + ")";
      }
      return "CASE WHEN json_valid(" + column + ") THEN " + removed + " ELSE " + column + " END";
    };
    // json_type is NULL for a member that is not there (and 'null' for a JSON null).
    d.has_json_paths = [](const std::string& column, const AnonymiseDialect::JsonPaths& paths) {
      std::string out = "COALESCE(CASE WHEN json_valid(" + column + ") THEN (";
      for (size_t i = 0; i < paths.size(); ++i)
        out += std::string(i ? " OR " : "") + "json_type(" + column + ", " + dollar_path(paths[i]) +
               ") IS NOT NULL";
      return out + ") END, 0)";
    };
    return d;
  }();
  return d;
}

}  // namespace retentiond::connectors::sql
