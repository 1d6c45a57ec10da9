// The real Decidim schema (shared/schemas/decidim_pg.sql), loaded as is into a test database, with
// one organisation (id 1, Grand Nancy's) for the test's users to belong to.
#pragma once

#include "support/pg_server.h"

namespace retentiond::testing {

void load_decidim_schema(const PgDatabase& db);

}  // namespace retentiond::testing
