// What the mysql store (MySQL and MariaDB) declares: its options, and the factory of its connector.
#include "connectors/mysql/connector.h"
#include "connectors/store_types.h"

namespace retentiond::connectors {

StoreType mysql_store_type() {
  using K = policies::OptionSpec::Kind;
  policies::StoreSpec spec{
      "mysql",
      "a MySQL or MariaDB database (MariaDB Connector/C)",
      policies::TargetKind::Table,
      {
          {"host", false, K::Text, "server host name or address (default 127.0.0.1)"},
          {"port", false, K::Port, "server port (default 3306)"},
          {"socket", false, K::Path, "Unix socket, instead of host and port"},
          {"database", true, K::Text, "database (schema) name"},
          {"user", false, K::Text, "account name"},
          {"password_file", false, K::Path, "file holding the password"},
          {"tls", false, K::Choice, "off (default), required (encrypted) or verify (encrypted, certificate checked)",
           {"off", "required", "verify"}},
          {"tls_ca", false, K::Path, "CA certificates (PEM) the server's certificate must chain to (tls: verify)"},
      },
      {},
      /*hash_comments=*/true,
  };
  return StoreType{spec, [](const policies::StoreConfig& s) -> std::unique_ptr<Connector> {
                     return std::make_unique<mysql::MysqlConnector>(s);
                   }};
}

}  // namespace retentiond::connectors
