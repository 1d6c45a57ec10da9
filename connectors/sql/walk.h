// A physical walk of a delete-only policy (PostgreSQL's blocks, MySQL's integer key): the plan
// finds the stretch of positions [first, last] that holds the `matched` expired rows, and each
// batch covers the next run of positions expected to hold about 3/4 of the rows it may touch,
// from the density of expired rows still ahead (the statement then caps it exactly).
#pragma once

namespace retentiond::connectors::sql {

struct Walk {
  long long first = 0, last = -1;  // positions holding matched rows; empty when first > last
  long long matched = 0;           // expired rows the plan counted
  long long done = 0;              // rows the walk's batches have deleted since
  // The expired keys ahead lie far apart (a span came back short and the walk jumped a gap):
  // each batch then bounds its span by the keys themselves (MySQL's walk_bound) instead of by
  // the density, so that it covers `limit` expired rows however sparse they are.
  bool sparse = false;

  // The last position of the next batch, which starts at `from` (first <= from <= last): about
  // 3/4 of `limit` rows ahead, at least one position and at most `most` of them, never past
  // `last`. Computed without overflow for any 64-bit positions.
  long long batch_end(long long from, long long limit, long long most) const;
};

}  // namespace retentiond::connectors::sql
