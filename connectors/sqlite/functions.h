// SQL functions retentiond registers on its own SQLite connections, so that the statements
// `plan` prints stay readable and every store compares dates the same exact way:
//   rd_epoch(value [, format])  the value as epoch seconds, or NULL when it is not a date.
//                               format: 'auto' (default), 'epoch', 'epoch_ms', 'iso', 'date',
//                               'timestamp'. Integers are epoch seconds; text is ISO-8601 read
//                               like --at (no offset means UTC; impossible dates are NULL).
//                               Dates outside years 1 to 9999 (policies/timestamp.h), NaN and
//                               infinities are NULL too.
//   rd_hmac(opad, ipad, value)  hex HMAC-SHA256 of value's text, from the key's pads (hex).
//   rd_generalise(value, unit)  a date truncated to its year, month or day, in its own form.
#pragma once

#include <sqlite3.h>

namespace retentiond::connectors::sqlite {

// Throws SqliteError if registration fails.
void register_functions(sqlite3* db);

}  // namespace retentiond::connectors::sqlite
