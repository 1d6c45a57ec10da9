// libFuzzer target: bytes as a configuration file, through the real loader (load_config) with the
// real store specs. The loader must never throw, crash, hang or leak, must return a configuration
// exactly when it reports no error, and every diagnostic must name the file, line and column.
//
// The loader also reads the files a configuration names (`include:` globs, a notice's
// `template:`); inputs that name any are skipped, so that the fuzzer stays inside its own
// directory instead of reading /proc or /dev.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <yaml-cpp/yaml.h>

#include "connectors/specs.h"
#include "policies/config_loader.h"

namespace {

std::string file_path;  // the configuration file every input is written to

// Whether the loader would read another file for `text`: a top-level `include`, or a `template`
// anywhere (aliases are followed once: a node shared by several is visited once).
bool names_other_files(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return false;  // the loader stops at the same syntax error
  }
  std::set<int> seen;
  bool found = false;
  auto visit = [&](auto&& self, const YAML::Node& node, bool top) -> void {
    if (found || !seen.insert(node.Mark().pos).second) return;
    if (node.IsSequence())
      for (const auto& item : node) self(self, item, false);
    if (!node.IsMap()) return;
    for (const auto& entry : node) {
      if (entry.first.IsScalar() &&
          (entry.first.Scalar() == "template" || (top && entry.first.Scalar() == "include")))
        found = true;
      self(self, entry.first, false);
      self(self, entry.second, false);
    }
  };
  visit(visit, root, true);
  return found;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "property violated: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char dir[] = "/tmp/retentiond-fuzz.XXXXXX";
  if (!mkdtemp(dir)) std::abort();
  file_path = std::string(dir) + "/retentiond.yaml";
  // The directory goes when the process ends normally; a crash leaves it for inspection.
  std::atexit([] { std::filesystem::remove_all(std::filesystem::path(file_path).parent_path()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (names_other_files(text)) return -1;  // not kept in the corpus either
  {
    std::ofstream out(file_path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  const auto result =
      retentiond::policies::load_config(file_path, retentiond::connectors::store_specs());
  if (result.config.has_value() == result.diagnostics.has_errors())
    fail("a configuration is returned exactly when there is no error");
  for (const auto& d : result.diagnostics.all()) {
    if (d.location.file != file_path) fail("diagnostic without the file's name: " + d.str());
    if (!d.location.known()) fail("diagnostic without line and column: " + d.str());
  }
  return 0;
}
