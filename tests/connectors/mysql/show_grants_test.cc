// grants_on_table: the privileges SHOW GRANTS lines give on one table, roles' lines included.
#include "connectors/mysql/show_grants.h"

#include <algorithm>

#include <catch2/catch.hpp>

using retentiond::connectors::mysql::grants_on_table;
using Names = std::vector<std::string>;

TEST_CASE("show grants: a role's table and database grants count", "[mysql][privileges]") {
  const Names lines = {"GRANT `app_role` TO `purger`@`%`",
                       "GRANT USAGE ON *.* TO `purger`@`%` IDENTIFIED BY PASSWORD '*ABC'",
                       "GRANT USAGE ON *.* TO `app_role`",
                       "GRANT SELECT ON `app`.* TO `app_role`",
                       "GRANT DROP, ALTER ON `app`.`access_log` TO `app_role`",
                       "GRANT DELETE ON `app`.`other` TO `app_role`",
                       "SET DEFAULT ROLE `app_role` FOR `purger`@`%`"};
  const auto g = grants_on_table(lines, "app", "access_log");
  CHECK(g.on_database == Names{"USAGE", "USAGE", "SELECT"});
  CHECK(g.on_table == Names{"DROP", "ALTER"});
  CHECK(grants_on_table(lines, "app", "other").on_table == Names{"DELETE"});
  CHECK(grants_on_table(lines, "appx", "access_log").on_table.empty());
}

TEST_CASE("show grants: ALL PRIVILEGES, patterns, quoting and column grants",
          "[mysql][privileges]") {
  const auto all = grants_on_table({"GRANT ALL PRIVILEGES ON `app`.* TO `r`"}, "app", "t");
  CHECK(std::find(all.on_database.begin(), all.on_database.end(), "DROP") != all.on_database.end());
  // A database pattern: `_` is any one character unless escaped.
  CHECK(grants_on_table({"GRANT ALTER ON `app_%`.* TO `r`"}, "app_prod", "t").on_database ==
        Names{"ALTER"});
  CHECK(grants_on_table({"GRANT ALTER ON `app\\_x`.* TO `r`"}, "appyx", "t").on_database.empty());
  CHECK(grants_on_table({"GRANT ALTER ON `app\\_x`.* TO `r`"}, "app_x", "t").on_database ==
        Names{"ALTER"});
  // Backquotes doubled inside a name; a privilege on columns is not one on the table.
  CHECK(grants_on_table({"GRANT SELECT (`a`, `b`), DROP ON `d`.`we``ird` TO `r`"}, "d", "we`ird")
            .on_table == Names{"DROP"});
  CHECK(grants_on_table({"GRANT PROXY ON ''@'%' TO `r`", "garbage", "GRANT DROP ON"}, "d", "t")
            .on_table.empty());
}
