// A libpq session for one configured PostgreSQL store: builds the connection string from `dsn`
// and the password file (never logged), connects, and prepares the session retentiond relies on:
// UTC time zone (timestamps without time zone and ISO text without offset are UTC), a lock
// timeout so that a batch never queues behind an application, the pg_temp.rd_ts() date reader,
// and read-only transactions for check and plan.
#pragma once

#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "connectors/connector.h"

namespace retentiond::connectors::postgresql {

// A value in libpq's keyword=value syntax: single-quoted, with \ and ' escaped.
std::string conninfo_value(const std::string& v);

// The libpq connection string: the store's `dsn` plus the password read from `password_file`
// (or from $CREDENTIALS_DIRECTORY/<store name> when that file exists). Error kind Config when
// the password file cannot be read.
Result<std::string> connection_string(const policies::StoreConfig& store);

// Connects and prepares the session. Error kind StoreUnreachable names the store and libpq's
// reason, never the password.
Result<std::unique_ptr<pqxx::connection>> connect(const policies::StoreConfig& store,
                                                  AccessMode mode);

}  // namespace retentiond::connectors::postgresql
