#include "connectors/cursor.h"

#include <utility>

namespace retentiond::connectors {

std::string key_text(const KeyValue& key) {
  if (const auto* n = std::get_if<long long>(&key)) return std::to_string(*n);
  return std::get<std::string>(key);
}

Cursor Cursor::after(KeyValue key) {
  Cursor c;
  c.kind = Kind::Key;
  c.key = std::move(key);
  return c;
}

Cursor Cursor::walking(Kind kind, long long position, const sql::Walk& walk) {
  Cursor c;
  c.kind = kind;
  c.position = position;
  c.walk = walk;
  return c;
}

Cursor Cursor::advanced(long long position, long long rows) const {
  Cursor c = *this;
  c.position = position;
  c.walk.done += rows;
  return c;
}

std::optional<KeyValue> Cursor::last_key() const {
  if (kind == Kind::Key) return key;
  return std::nullopt;
}

}  // namespace retentiond::connectors
