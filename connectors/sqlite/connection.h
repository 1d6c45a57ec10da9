// Opening a store's SQLite database file (the sqlite store, and Sympa's database when it is
// SQLite): read-only or read-write, with a busy timeout, foreign keys as the schema declares
// them, and, for the sqlite store, retentiond's date functions. The handle itself is the ground
// floor's (lib/sqlite/database.h), named here for this folder's code.
#pragma once

#include <memory>
#include <string>

#include "connectors/connector.h"
#include "connectors/result.h"
#include "lib/sqlite/database.h"

namespace retentiond::connectors::sqlite {

using lib::sqlite::Database;
using lib::sqlite::in_transaction;
using lib::sqlite::SqliteError;
using lib::sqlite::Statement;

struct OpenOptions {
  AccessMode mode = AccessMode::ReadOnly;
  int busy_timeout_ms = 5000;
  bool date_functions = true;  // rd_epoch(), rd_hmac(), rd_generalise() (functions.h)
  // How messages name the database: "SQLite database", "Sympa's SQLite database".
  std::string what = "SQLite database";
};

// Opens `path` for `store`. Error kind StoreUnreachable, naming the store and the file, when it
// does not exist or is no SQLite database.
Result<std::unique_ptr<Database>> open_database(const std::string& store, const std::string& path,
                                                const OpenOptions& options);

}  // namespace retentiond::connectors::sqlite
