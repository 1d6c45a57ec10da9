// The files kind of target: globs under the store's root, since (mtime or a date in the name)
// and min_keep. Exact texts; the files store's spec chooses this kind.
#include <catch2/catch.hpp>

#include "support/config_text.h"

using namespace retentiond::policies;
using namespace retentiond::testing;

namespace {

// The policy without its files, lines 7 to 9; cases add from line 10.
const std::string kStart = without_key(kFilesPolicy, "files");

}  // namespace

TEST_CASE("files targets: exact errors", "[config][files_target]") {
  check_error_cases({
      {"no files", kStart, {"DIR/r.yaml:7:5: error: policy 'f' has no 'files'"}},
      {"an absolute pattern",
       kStart + "    files: /etc/*\n",
       {"DIR/r.yaml:10:12: error: pattern '/etc/*' in policy 'f' must be relative to the "
        "store's root"}},
      {"a pattern leaving the root",
       kStart + "    files: [\"a/*\", \"a/../../b\"]\n",
       {"DIR/r.yaml:10:20: error: pattern 'a/../../b' in policy 'f' must not leave the store's "
        "root ('..')"}},
      {"every bad pattern of a list, each at its entry",
       kStart + "    files: [\"./*.log\", \"../x\", \"/var/log/*\", \"x/\", \"a//b\"]\n",
       {"DIR/r.yaml:10:13: error: pattern './*.log' in policy 'f' has a '.' segment, which no "
        "file's path has: leave it out ('./*.log' is '*.log')",
        "DIR/r.yaml:10:24: error: pattern '../x' in policy 'f' must not leave the store's root "
        "('..')",
        "DIR/r.yaml:10:32: error: pattern '/var/log/*' in policy 'f' must be relative to the "
        "store's root",
        "DIR/r.yaml:10:46: error: pattern 'x/' in policy 'f' ends with '/': each '/' separates "
        "two names, and a pattern names files",
        "DIR/r.yaml:10:52: error: pattern 'a//b' in policy 'f' has '//': each '/' separates two "
        "names, and a pattern names files"}},
      {"an empty list",
       kStart + "    files: []\n",
       {"DIR/r.yaml:10:12: error: 'files' in policy 'f' is empty"}},
      {"an empty pattern",
       kStart + "    files: [\"\"]\n",
       {"DIR/r.yaml:10:13: error: empty pattern in 'files' of policy 'f'"}},
      {"a map in the list",
       kStart + "    files: [{a: 1}]\n",
       {"DIR/r.yaml:10:13: error: 'files' entries must be glob patterns"}},
      {"a date column",
       kFilesPolicy + "    since: created_at\n",
       {"DIR/r.yaml:11:12: error: 'since' of policy 'f' must be 'mtime' or {name_date: "
        "\"%Y%m%d\"} for a files store"}},
      {"a pattern without the day",
       kFilesPolicy + "    since: {name_date: \"%Y-%m\"}\n",
       {"DIR/r.yaml:11:24: error: name_date: pattern '%Y-%m' needs %Y, %m and %d"}},
      {"a conversion it does not read",
       kFilesPolicy + "    since: {name_date: \"%Y%m%d-%j\"}\n",
       {"DIR/r.yaml:11:24: error: name_date: unsupported conversion '%j' (use %Y %m %d %H %M "
        "%S)"}},
      {"a lone %",
       kFilesPolicy + "    since: {name_date: \"%Y%m%d%\"}\n",
       {"DIR/r.yaml:11:24: error: name_date: pattern ends with '%'"}},
      {"a typo in since",
       kFilesPolicy + "    since: {name_dat: \"%Y%m%d\"}\n",
       {"DIR/r.yaml:11:13: error: unknown key 'name_dat' in 'since' of policy 'f' (did you mean "
        "'name_date'?)",
        "DIR/r.yaml:11:12: error: 'since' of policy 'f' has no 'name_date'"}},
      {"min_keep out of range",
       kFilesPolicy + "    min_keep: -1\n",
       {"DIR/r.yaml:11:15: error: 'min_keep' in policy 'f' must be between 0 and 1000000"}},
      {"min_keep_per of another kind",
       kFilesPolicy + "    min_keep: 3\n    min_keep_per: job\n",
       {"DIR/r.yaml:12:19: error: 'min_keep_per' of policy 'f' must be tree or directory, not "
        "'job'"}},
      {"min_keep_per without min_keep",
       kFilesPolicy + "    min_keep_per: directory\n",
       {"DIR/r.yaml:11:5: error: 'min_keep_per' needs 'min_keep' in policy 'f': it says where "
        "the newest files are counted"}},
  });
}

TEST_CASE("files targets are read into the policy", "[config][files_target]") {
  TempDir dir;
  auto loaded = load_text(dir, kThreeStores + kFilesPolicy +                               // 7-10
                                   "  - name: g\n    store: logs\n    expire_after: 1y\n"  // 11-13
                                   "    files: [\"backups/*.tar.gz\", \"dumps/*.sql\"]\n"  // 14
                                   "    since: {name_date: \"%Y%m%d\"}\n"                  // 15
                                   "    min_keep: 3\n");                                   // 16
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  const Policy& f = loaded.config->policies.at(0);
  CHECK(f.files == std::vector<std::string>{"*.log"});
  CHECK(f.since.kind == Basis::Kind::Mtime);  // the natural date of a file
  CHECK(f.since.location.line == 7);          // the policy's map
  CHECK(f.since.location.column == 5);
  CHECK_FALSE(f.min_keep);
  CHECK_FALSE(f.table);
  const Policy& g = loaded.config->policies.at(1);
  CHECK(g.files == std::vector<std::string>{"backups/*.tar.gz", "dumps/*.sql"});
  CHECK(g.files_location.line == 14);
  CHECK(g.since.kind == Basis::Kind::NameDate);
  CHECK(g.since.name_date_format == "%Y%m%d");
  CHECK(g.min_keep == 3);
  CHECK(g.min_keep_location.line == 16);
  CHECK_FALSE(g.min_keep_per_directory);
}
