// Where a pass has got to in a store, in the store's own terms and saying which kind of position
// it is: nothing yet, the last key handled, or a place in a physical walk whose bounds the plan
// found. The pass only carries it from plan() to the first batch and from batch to batch.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "connectors/partition_step.h"
#include "connectors/sql/walk.h"

namespace retentiond::connectors {

// A record's key: integer keys stay integers; text and UUID keys are text.
using KeyValue = std::variant<long long, std::string>;
std::string key_text(const KeyValue& key);

// A pass starts from its plan's PlanStats::start and hands each batch the previous one's
// BatchResult::next; it never looks inside.
struct Cursor {
  enum class Kind {
    Start,  // nothing handled yet; batches follow the key (files: the path) from its smallest
    Key,    // `key` is the last key (path, address) handled
    Block,  // a block walk (PostgreSQL): the next batch starts at block `position` of `walk`
    Span,   // a key-span walk (MySQL): the next span starts after key `position` of `walk`
    // Partitions handled as units come first: the next batch acts on `units[position]`; after
    // the last one, the rows of the other partitions follow from `then` at `then_position`.
    Partitions,
  };
  Kind kind = Kind::Start;
  KeyValue key;            // Key
  long long position = 0;  // Block, Span
  sql::Walk walk;          // Block, Span: the stretch plan() found, and the rows deleted since
  std::vector<PartitionStep> units;  // Partitions: the steps that act as units, in order
  Kind then = Kind::Start;           // Partitions: the kind of the rows' first position
  long long then_position = 0;       // Partitions: and that position

  // The position after `key` (Kind::Key).
  static Cursor after(KeyValue key);
  // Position `position` of `walk` (kind Block or Span), as plan() hands it out.
  static Cursor walking(Kind kind, long long position, const sql::Walk& walk);
  // The same walk at `position`, after a batch that deleted `rows` of it.
  Cursor advanced(long long position, long long rows) const;
  // The units to act on before the rows of `rows_start` (a Start, Block or Span cursor). When
  // `units` is empty, `rows_start` itself.
  static Cursor partitions_first(std::vector<PartitionStep> units, const Cursor& rows_start);
  // Partitions: the cursor after units[position] (and the `count` - 1 after it) were handled: the
  // next unit, or the rows' start.
  Cursor after_units(long long count = 1) const;
  // Partitions: the cursor after units[position], which was left to the rows (it changed since
  // the plan): the rows then follow the key from its smallest (kind Start), since a key-span
  // walk's bounds cover only the partitions the plan read, not this one's keys.
  Cursor after_unit_left_to_rows() const;
  // The last key handled, for Key cursors; nullopt at the start (and for walks).
  std::optional<KeyValue> last_key() const;
};

}  // namespace retentiond::connectors
