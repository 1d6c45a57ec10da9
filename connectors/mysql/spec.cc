// What the mysql store (MySQL and MariaDB) declares: its options, the rules between them, the
// policy keys its policies take (a table's) and its SQL dialect (the connector: registry.cc).
#include "connectors/specs.h"

namespace retentiond::connectors {
namespace {

// `tls: verify` checks the server's certificate against `tls_ca`; a CA without `verify` would
// look like protection and give none.
std::vector<policies::OptionProblem> tls_settings(const policies::StoreConfig& store) {
  std::vector<policies::OptionProblem> out;
  const policies::StoreOption* tls = store.option("tls");
  const policies::StoreOption* ca = store.option("tls_ca");
  const std::string context = "store '" + store.name + "': ";
  if (tls && tls->value == "verify" && !ca)
    out.push_back({tls->location, context +
                                      "'tls: verify' needs 'tls_ca', the CA certificates (PEM) the "
                                      "server's certificate must chain to"});
  if (ca && (!tls || tls->value == "off"))
    out.push_back({ca->location, context + "'tls_ca' is set but 'tls' is off; say 'tls: verify'"});
  if (ca && tls && tls->value == "required")
    out.push_back(
        {ca->location, context + "'tls_ca' is set but 'tls: required' does not check the server's "
                                 "certificate; say 'tls: verify'"});
  // A client certificate goes with its key, over an encrypted session.
  const policies::StoreOption* cert = store.option("tls_cert");
  const policies::StoreOption* key = store.option("tls_key");
  if (cert && !key)
    out.push_back({cert->location, context + "'tls_cert' needs 'tls_key', its private key"});
  if (key && !cert)
    out.push_back({key->location, context + "'tls_key' needs 'tls_cert', its certificate"});
  if (cert && (!tls || tls->value == "off"))
    out.push_back(
        {cert->location, context + "'tls_cert' is set but 'tls' is off; say 'tls: verify'"});
  return out;
}

}  // namespace

policies::StoreSpec mysql_spec() {
  using K = policies::OptionSpec::Kind;
  return {
      .type = "mysql",
      .summary = "a MySQL or MariaDB database (MariaDB Connector/C)",
      .target = policies::table_target(),
      .options =
          {
              {"host", false, K::Text, "server host name or address (default 127.0.0.1)"},
              {"port", false, K::Port, "server port (default 3306)"},
              {"socket", false, K::Path, "Unix socket, instead of host and port"},
              {"database", true, K::Text, "database (schema) name"},
              {"user", false, K::Text, "account name"},
              {"password_file", false, K::Path, "file holding the password"},
              {"tls",
               false,
               K::Choice,
               "off (default), required (encrypted) or verify (encrypted, certificate checked)",
               {"off", "required", "verify"}},
              {"tls_ca", false, K::Path,
               "CA certificates (PEM) the server's certificate must chain to (tls: verify)"},
              {"tls_cert", false, K::Path,
               "client certificate (PEM), for accounts created REQUIRE X509 or SUBJECT"},
              {"tls_key", false, K::Path, "the client certificate's private key (PEM)"},
          },
      .dialect = policies::SqlDialect::Mysql,
      .throttle = true,
      .cross_check = tls_settings,
  };
}

}  // namespace retentiond::connectors
