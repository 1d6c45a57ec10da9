// The expiry condition, written once for the three SQL stores (sql/statements.h builds every
// statement with it, each dialect giving its terms). A policy's basis is the latest known of one
// or more dates; a record is expired when that date is known and strictly before the cut-off.
// NULL everywhere (or an undecidable value) keeps the record.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace retentiond::connectors::sql {

// One date of the basis, as SQL. `value` is the date (NULL when unknown); `before_cutoff` is
// true exactly when the date is known and before the cut-off (it may use a bound parameter).
// `absent`, when set, is true when the column holds no value at all (NULL, blank text), as
// opposed to one that reads as no date ('yesterday', '20261201'); unset, `value IS NULL`. Only a
// fallback looks at it: a date written but unreadable is no reason to judge by another one.
struct TermSql {
  std::string value;
  std::string before_cutoff;
  std::string absent = {};

  std::string absent_condition() const { return absent.empty() ? value + " IS NULL" : absent; }
};

// "Expired": every known date is before the cut-off and at least one is known. Never true when
// all dates are NULL. For one term this is just its before_cutoff.
std::string expired_condition(const std::vector<TermSql>& terms);

// With fallback terms (`since: [last_login, {fallback: created}]`): the primary terms decide as
// above as soon as one of them holds a value (a date, or something unreadable, which keeps the
// record); when every one is absent, the fallback terms decide the same way. Without fallback
// terms this is expired_condition(primary).
std::string expired_condition(const std::vector<TermSql>& primary,
                              const std::vector<TermSql>& fallback);

// The latest known date of the terms, NULL when none is known, using a dialect's n-ary maximum
// `greatest` (SQLite's scalar "max", "GREATEST" on MySQL and PostgreSQL). Each argument is a
// COALESCE that is non-NULL as soon as one date is known, so a NULL-propagating maximum works.
std::string latest_of(const std::vector<std::string>& values, std::string_view greatest);

// The basis with fallback terms: the latest known primary date; the latest known fallback when
// every primary term is absent (as expired_condition decides); NULL (undated) when a primary term
// holds a value but none reads as a date.
std::string latest_of(const std::vector<TermSql>& primary, const std::vector<TermSql>& fallback,
                      std::string_view greatest);

}  // namespace retentiond::connectors::sql
