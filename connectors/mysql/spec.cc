// What the mysql store (MySQL and MariaDB) declares. Its connector lands with issue 4; until
// then the configuration is validated and online operations answer "not supported yet".
#include "connectors/store_types.h"
#include "connectors/unsupported.h"

namespace retentiond::connectors {

StoreType mysql_store_type() {
  using K = policies::OptionSpec::Kind;
  policies::StoreSpec spec{
      "mysql",
      "a MySQL or MariaDB database (MariaDB Connector/C)",
      policies::TargetKind::Table,
      {
          {"host", false, K::Text, "server host name or address (default localhost)"},
          {"port", false, K::Port, "server port (default 3306)"},
          {"socket", false, K::Path, "Unix socket, instead of host and port"},
          {"database", true, K::Text, "database (schema) name"},
          {"user", false, K::Text, "account name"},
          {"password_file", false, K::Path, "file holding the password"},
      },
      {},
      /*hash_comments=*/true,
  };
  return StoreType{spec, [](const policies::StoreConfig& s) {
                     return make_unsupported_connector("mysql", s.name);
                   }};
}

}  // namespace retentiond::connectors
