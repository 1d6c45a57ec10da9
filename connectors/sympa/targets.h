// What each `sympa:` target means: a table of Sympa's database dated by one of its epoch columns,
// a tree of files on disk (archives, stored bounces, stuck spool messages), or the users left
// without any subscription (orphans.h). The descriptions here are the documentation's too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sympa/sympa_conf.h"
#include "policies/policy.h"

namespace retentiond::connectors::sympa {

// A table target: the rows of `table` whose epoch column `date_column` is before the cut-off.
// `key` batches the deletion (keyset); for the tables without a primary key it is the date
// column itself, so that each batch takes whole seconds.
struct TableTarget {
  std::string_view name;
  std::string_view table;
  std::string_view key;
  std::string_view date_column;
};
const TableTarget* table_target(std::string_view name);

// A files target: regular files under `root` matching `globs`; dated by modification time, or
// (archives) by the YYYY-MM directory Sympa files each message under.
struct FilesTarget {
  std::string root;
  std::vector<std::string> globs;
  bool month_in_path = false;
  std::vector<std::string> notes;  // spool directories left out, for plan's warnings
};
std::optional<FilesTarget> files_target(std::string_view name, const SympaConf& conf);

// The policy the sqlite, postgresql or mysql store runs for a table target, or the files store
// for a files target: the user's policy with its table (or files) and basis filled in.
policies::Policy table_policy(const policies::Policy& policy, const TableTarget& target);
policies::Policy files_policy(const policies::Policy& policy, const FilesTarget& target);

}  // namespace retentiond::connectors::sympa
