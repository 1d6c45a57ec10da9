// Scenarios that read the same on every SQL store (`check`'s diagnostics, ...): the test creates
// the tables in its dialect and names the store (support/sql_store.h), the scenario runs the
// binary and checks what it reports.
#pragma once

#include "support/sql_store.h"
#include "support/temp_dir.h"

namespace retentiond::testing {

// On a database holding users (id, last_login, email) and follows (id, user_id, notes): `check`
// names a missing `also:` table, a missing column it anonymises and a missing notify e-mail
// column at their file:line:column, and, with every name right, an `also:` `on` that does not
// compile.
void check_reports_also_and_notify_names(const TempDir& dir, const SqlStore& store);

// On a database holding users (id, last_login, flag: a type that holds no date) and nokey (a,
// ts) without a key: `check` names a missing table and a misspelt column with a "did you mean", a
// `where` the server cannot compile, a key-less table given `also:`, and a `since` that cannot
// hold a date, at their file:line:column.
void check_reports_what_the_store_lacks(const TempDir& dir, const SqlStore& store);

// Creates nn (id, seen, name NOT NULL, nick) and checks that `check` refuses anonymising name to
// null at its rule's file:line:column (every batch would fail), and accepts nick.
void check_refuses_null_on_not_null(const TempDir& dir, const SqlStore& store);

}  // namespace retentiond::testing
