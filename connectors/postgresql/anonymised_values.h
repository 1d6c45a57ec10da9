// The constant values a policy's `anonymise:` gives (`{value: ...}`), tried against their
// columns' declared types before any pass: one the type cannot hold fails every batch, and one it
// holds otherwise than given (1.234 in a numeric(6,2) is 1.23, 00:00:00.7 in a timestamp(0) is
// 00:00:01, a varchar(8) cut) never reads back as anonymised, so that every pass would change
// and count the record again. MariaDB tells both from the UPDATE's warnings
// (mysql/connector.cc); PostgreSQL says nothing of a rounding, so they are asked here.
#pragma once

#include <vector>

#include <pqxx/pqxx>

#include "policies/diagnostics.h"
#include "policies/policy.h"

namespace retentiond::connectors::postgresql {

// Errors at each such value's location, for the policy's table and its `also:` rules'.
std::vector<policies::Diagnostic> anonymised_value_problems(pqxx::connection& c,
                                                            const policies::Policy& policy);

}  // namespace retentiond::connectors::postgresql
