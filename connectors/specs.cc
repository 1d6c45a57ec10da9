#include "connectors/specs.h"

namespace retentiond::connectors {

const std::vector<policies::StoreSpec>& store_specs() {
  static const std::vector<policies::StoreSpec> specs = {sqlite_spec(), postgresql_spec(),
                                                         mysql_spec(), sympa_spec(), files_spec()};
  return specs;
}

}  // namespace retentiond::connectors
