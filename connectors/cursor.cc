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

Cursor Cursor::partitions_first(std::vector<PartitionStep> units, const Cursor& rows_start) {
  if (units.empty()) return rows_start;
  Cursor c = rows_start;
  c.then = rows_start.kind;
  c.then_position = rows_start.position;
  c.kind = Kind::Partitions;
  c.position = 0;
  c.units = std::move(units);
  return c;
}

Cursor Cursor::after_units(long long count) const {
  Cursor c = *this;
  c.position += count;
  if (c.position < static_cast<long long>(c.units.size())) return c;
  c.units.clear();
  c.kind = then;
  c.then = Kind::Start;
  c.position = c.then_position;
  return c;
}

Cursor Cursor::after_unit_left_to_rows() const {
  Cursor c = *this;
  if (c.then == Kind::Span) {
    c.then = Kind::Start;
    c.then_position = 0;
  }
  return c.after_units();
}

std::optional<KeyValue> Cursor::last_key() const {
  if (kind == Kind::Key) return key;
  return std::nullopt;
}

}  // namespace retentiond::connectors
