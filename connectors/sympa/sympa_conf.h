// Sympa's own configuration, as retentiond needs it: where its database is (db_type, db_name,
// db_host, db_port, db_user, db_passwd), who the listmasters are (sympa.conf and every robot.conf),
// and where its archives, bounces and spools live on disk. sympa.conf is "parameter value" lines
// with '#' comments; unknown parameters are ignored, as Sympa itself documents hundreds.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "connectors/result.h"
#include "policies/policy.h"

namespace retentiond::connectors::sympa {

struct SympaConf {
  std::string path;
  std::map<std::string, std::pair<std::string, int>, std::less<>>
      values;                         // parameter -> value, line
  std::set<std::string> listmasters;  // lower-case addresses, from sympa.conf and robot.conf files

  // The parameter's value, or `fallback` (Sympa's compiled-in default) when it is not set.
  std::string value(std::string_view parameter, std::string_view fallback = "") const;
  // "sympa.conf:12" for messages; the file alone when the parameter is not set.
  std::string where(std::string_view parameter) const;
};

// Reads `path` and the robot.conf files next to it (in the `etc` directory, or the configuration
// file's directory and its parent). Error kind StoreUnreachable names the store and the file.
Result<SympaConf> read_sympa_conf(const std::string& path, const std::string& store_name);

// The store configuration of the SQL store that reaches Sympa's database: type sqlite, mysql or
// postgresql, named like the Sympa store, with db_passwd passed as an internal `password` option.
// Error kind Config for a db_type retentiond does not reach (Oracle, ODBC, Sybase).
Result<policies::StoreConfig> database_store(const SympaConf& conf,
                                             const policies::StoreConfig& sympa_store);

// ASCII lower case: Sympa compares addresses (and db_type) without case.
std::string lower_case(std::string text);

// Sympa's compiled-in directories (Debian's build), used when sympa.conf does not set them.
std::string sympa_default(std::string_view parameter);

}  // namespace retentiond::connectors::sympa
