// A temporary directory for one test, removed with everything in it when the test ends, plus
// helpers to write files into it.
#pragma once

#include <string>

namespace retentiond::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string file(const std::string& name) const;
  // Writes `text` to `name` (creating parent directories) and returns its full path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

// Reads a whole file; throws if it cannot.
std::string read_file(const std::string& path);

}  // namespace retentiond::testing
