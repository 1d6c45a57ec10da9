#include "support/decidim_schema.h"

#include "support/run.h"
#include "support/temp_dir.h"

namespace retentiond::testing {

void load_decidim_schema(const PgDatabase& db) {
  db.exec(read_file(shared_dir() + "/schemas/decidim_pg.sql"));
  db.exec(
      "INSERT INTO decidim_organizations (id, host, default_locale, created_at, updated_at, "
      "reference_prefix) VALUES (1, 'participer.example', 'fr', now(), now(), 'GN')");
}

}  // namespace retentiond::testing
