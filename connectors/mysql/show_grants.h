// What SHOW GRANTS says an account may do on one table: the only place MariaDB shows a session
// the privileges of its roles (information_schema lists the account's own grants alone).
#pragma once

#include <string>
#include <vector>

namespace retentiond::connectors::mysql {

struct ShownGrants {
  std::vector<std::string> on_database;  // granted on *.* or on the database (as a pattern too)
  std::vector<std::string> on_table;     // granted on the table itself
};

// Reads the lines of SHOW GRANTS (the account's and its current role's, as MariaDB prints them:
// "GRANT DROP, ALTER ON `db`.`t` TO `role`") for privileges reaching `table` of `database`.
// "ALL PRIVILEGES" stands for every privilege; column privileges ("SELECT (`c`)") and lines it
// cannot read are left out, so that nothing is taken as granted that was not.
ShownGrants grants_on_table(const std::vector<std::string>& lines, const std::string& database,
                            const std::string& table);

}  // namespace retentiond::connectors::mysql
