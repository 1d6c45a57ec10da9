// What `check` says about the store's role before a pass fails on it: PostgreSQL checks table
// and column privileges only when a statement runs, never when it is prepared, so a role that
// may not delete from (or update) the tables a policy acts on passed check and failed its pass.
#pragma once

#include <vector>

#include <pqxx/pqxx>

#include "policies/diagnostics.h"
#include "policies/policy.h"

namespace retentiond::connectors::postgresql {

// One error per privilege the role of `t`'s connection lacks for the passes of `policy`: SELECT
// on the tables it reads, DELETE on those it deletes from, UPDATE on the columns it anonymises
// (its table and its `also:` tables), each at the policy's line, with the GRANT to run. Tables
// that do not exist are left to check_policy(), which names them.
std::vector<policies::Diagnostic> missing_privileges(pqxx::transaction_base& t,
                                                     const policies::Policy& policy);

}  // namespace retentiond::connectors::postgresql
