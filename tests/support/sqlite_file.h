// Builds and inspects SQLite files for tests, through SQLite's C API (no retentiond code).
#pragma once

#include <string>
#include <vector>

namespace retentiond::testing {

// Runs `sql` (several statements allowed) on the database at `path`, creating it if needed.
void sqlite_exec(const std::string& path, const std::string& sql);

// Runs one query and returns the first column of every row as text ("NULL" for NULL).
std::vector<std::string> sqlite_column(const std::string& path, const std::string& sql);

// Runs one query and returns the first column of its first row as an integer.
long long sqlite_int(const std::string& path, const std::string& sql);

}  // namespace retentiond::testing
