// The files store through the real binary: mtime and name dates, globs, min_keep, symlinks
// (never followed, never removed), no file names in reports, and the guard.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/config_text.h"
#include "support/report.h"
#include "support/run.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kAt = "2027-03-01T00:00:00Z";  // with 52d, the cut-off is 2027-01-08T00:00:00Z

// Writes a file with the given modification time (ISO date, UTC midnight).
void file_at(const TempDir& dir, const std::string& rel, const std::string& day) {
  std::string path = dir.write(rel, "x");
  std::string cmd_day = day;
  struct tm tm {};
  strptime(cmd_day.c_str(), "%Y-%m-%d", &tm);
  time_t t = timegm(&tm);
  struct timespec times[2] = {{t, 0}, {t, 0}};
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

// r.yaml in `dir`: state.db, the files store `store` rooted at `root`, then `policies`.
std::string files_config(const TempDir& dir, const std::string& store, const std::string& root,
                         const std::string& policies) {
  return dir.write("r.yaml",
                   one_store_config(store, "{type: files, root: " + root + "}", policies));
}

std::vector<std::string> tree(const std::string& root) {
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it)
    if (!it->is_directory() || it->is_symlink())
      out.push_back(it->path().lexically_relative(root).string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("files: expired logs go, fresh ones, symlinks and what lies outside stay",
          "[files][cli]") {
  TempDir dir;
  file_at(dir, "logs/alice-asso/access.log-1", "2026-12-01");
  file_at(dir, "logs/alice-asso/access.log-2", "2027-01-07");  // a day before the cut-off
  file_at(dir, "logs/alice-asso/access.log-3", "2027-01-08");  // exactly the cut-off: kept
  file_at(dir, "logs/alice-asso/access.log-4", "2027-02-20");
  file_at(dir, "logs/bob-club/access.log-1", "2025-05-05");
  file_at(dir, "logs/bob-club/other.txt", "2020-01-01");            // no glob match
  file_at(dir, "logs/bob-club/future/access.log-9", "2020-01-01");  // too deep for '*/'
  file_at(dir, "outside/access.log-0", "2020-01-01");
  fs::create_directory_symlink(dir.file("outside"), dir.file("logs/evil"));
  fs::create_symlink(dir.file("outside/access.log-0"), dir.file("logs/bob-club/access.log-link"));
  std::string config =
      files_config(dir, "logs", "logs",
                   "  - name: access\n    store: logs\n    files: \"*/access.log-*\"\n"
                   "    expire_after: 52d\n    since: mtime\n    max_affected: 100%\n");
  auto plan =
      run_retentiond_ok({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  auto p = policy_in(json::parse(plan.out), "access");
  CHECK(p.at("matched") == 3);
  CHECK(p.at("cutoff") == "2027-01-08T00:00:00Z");
  CHECK(p.at("oldest") == "2025-05-05T00:00:00Z");
  CHECK(plan.out.find("alice") == std::string::npos);  // no file names in reports
  CHECK(plan.out.find("bob") == std::string::npos);

  auto r =
      run_retentiond_ok({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  CHECK(policy_in(json::parse(r.out), "access").at("affected") == 3);
  CHECK((r.out + r.err).find("alice") == std::string::npos);
  CHECK(tree(dir.file("logs")) ==
        std::vector<std::string>{"alice-asso/access.log-3", "alice-asso/access.log-4",
                                 "bob-club/access.log-link", "bob-club/future/access.log-9",
                                 "bob-club/other.txt", "evil"});
  CHECK(fs::exists(dir.file("outside/access.log-0")));
}

TEST_CASE("files: the date in the name wins over a lying mtime, and min_keep keeps the newest",
          "[files][cli]") {
  TempDir dir;
  // Backups copied yesterday: every mtime is recent, the names tell the truth.
  for (const char* day : {"20261201", "20261215", "20270101", "20270105", "20270220", "20270227"})
    file_at(dir, std::string("backups/site-") + day + ".tar.gz", "2027-02-28");
  file_at(dir, "backups/site-undated.tar.gz", "2020-01-01");
  const std::string policy =
      "  - name: backups\n    store: b\n    files: \"*.tar.gz\"\n    expire_after: 10d\n"
      "    since: {name_date: \"%Y%m%d\"}\n    max_affected: 100%\n";
  SECTION("by name date") {
    auto report =
        json_report("enforce", files_config(dir, "b", "backups", policy), kAt, dir.path());
    CHECK(policy_in(report, "backups").at("affected") == 4);
    CHECK(tree(dir.file("backups")) == std::vector<std::string>{"site-20270220.tar.gz",
                                                                "site-20270227.tar.gz",
                                                                "site-undated.tar.gz"});
  }
  SECTION("min_keep protects the newest even when they expired") {
    json_report("enforce", files_config(dir, "b", "backups", policy + "    min_keep: 5\n"), kAt,
                dir.path());
    CHECK(tree(dir.file("backups")) ==
          std::vector<std::string>{"site-20261215.tar.gz", "site-20270101.tar.gz",
                                   "site-20270105.tar.gz", "site-20270220.tar.gz",
                                   "site-20270227.tar.gz", "site-undated.tar.gz"});
  }
  SECTION("a broken backup job: nothing new for months, min_keep still keeps the last ones") {
    std::string config = files_config(dir, "b", "backups", policy + "    min_keep: 3\n");
    auto r = run_retentiond({"enforce", "-c", config, "--at", "2028-01-01T00:00:00Z"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(tree(dir.file("backups")) ==
          std::vector<std::string>{"site-20270105.tar.gz", "site-20270220.tar.gz",
                                   "site-20270227.tar.gz", "site-undated.tar.gz"});
  }
  SECTION("a file dated in the future takes none of min_keep's places") {
    file_at(dir, "backups/site-20990101.tar.gz", "2027-02-28");
    std::string config = files_config(dir, "b", "backups", policy + "    min_keep: 2\n");
    auto r = run_retentiond({"enforce", "-c", config, "--at", "2028-01-01T00:00:00Z"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(tree(dir.file("backups")) ==
          std::vector<std::string>{"site-20270220.tar.gz", "site-20270227.tar.gz",
                                   "site-20990101.tar.gz", "site-undated.tar.gz"});
  }
}

TEST_CASE("files: min_keep_per: directory keeps a stopped job's last backups beside a live one's",
          "[files][cli]") {
  TempDir dir;
  // The site's job runs daily; the database's stopped three weeks before kAt.
  for (int day = 1; day <= 15; ++day) {
    const std::string d = (day < 10 ? "0" : "") + std::to_string(day);
    file_at(dir, "backups/web/site-202702" + d + ".tar.gz", "2027-02-28");
  }
  for (const char* day : {"20270205", "20270206", "20270207", "20270208"})
    file_at(dir, std::string("backups/db/db-") + day + ".tar.zst", "2027-02-28");
  const std::string policy =
      "  - name: backups\n    store: b\n    files: \"**/*-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]"
      ".tar.*\"\n    expire_after: 10d\n    since: {name_date: \"%Y%m%d\"}\n"
      "    max_affected: 100%\n    min_keep: 3\n";
  const std::string at = "2027-03-01T00:00:00Z";  // cut-off 2027-02-19: every file expired
  SECTION("counted over the tree, the stopped job loses all of its backups") {
    json_report("enforce", files_config(dir, "b", "backups", policy), at, dir.path());
    CHECK(tree(dir.file("backups")) == std::vector<std::string>{"web/site-20270213.tar.gz",
                                                                "web/site-20270214.tar.gz",
                                                                "web/site-20270215.tar.gz"});
  }
  SECTION("counted per directory, each job keeps its newest") {
    const std::string config =
        files_config(dir, "b", "backups", policy + "    min_keep_per: directory\n");
    const auto plan = run_retentiond_ok({"plan", "-c", config, "--at", at}, dir.path());
    CHECK(plan.out.find("the newest 3 of each directory are always kept") != std::string::npos);
    CHECK(plan.out.find("6 expired files are kept as the newest 3 of their directory") !=
          std::string::npos);
    json_report("enforce", config, at, dir.path());
    CHECK(tree(dir.file("backups")) ==
          std::vector<std::string>{"db/db-20270206.tar.zst", "db/db-20270207.tar.zst",
                                   "db/db-20270208.tar.zst", "web/site-20270213.tar.gz",
                                   "web/site-20270214.tar.gz", "web/site-20270215.tar.gz"});
  }
}

TEST_CASE("files: many files go in several batches and the guard counts files", "[files][cli]") {
  TempDir dir;
  for (int i = 0; i < 1500; ++i)
    file_at(dir, "spool/d" + std::to_string(i % 7) + "/m" + std::to_string(i),
            i % 3 ? "2020-01-01" : "2027-02-27");
  const std::string policy =
      "  - name: spool\n    store: s\n    files: \"**/m*\"\n    expire_after: 1y\n    since: "
      "mtime\n";
  auto first = run_retentiond(
      {"enforce", "-c", files_config(dir, "s", "spool", policy + "    max_affected: 1000\n"),
       "--at", kAt, "--format", "json"},
      dir.path());
  INFO(first.err);
  CHECK(policy_in(json::parse(first.out), "spool").at("affected") == 1000);
  // A pass the guard's limit ends still logs its end, as every pass does.
  CHECK(first.err.find("policy 'spool': deleted 1,000 files in ") != std::string::npos);
  CHECK(tree(dir.file("spool")).size() == 500);  // files only
  // Now every remaining file is fresh: nothing matches, nothing goes.
  auto again = run_retentiond(
      {"enforce", "-c", files_config(dir, "s", "spool", policy), "--at", kAt, "--format", "json"},
      dir.path());
  CHECK(again.exit_code == 0);
  CHECK(policy_in(json::parse(again.out), "spool").at("affected") == 0);
}

TEST_CASE("files: a missing root is named by check and fails the pass", "[files][cli]") {
  TempDir dir;
  std::string config =
      files_config(dir, "s", "nowhere",
                   "  - {name: x, store: s, files: \"*\", expire_after: 1y, since: mtime}\n");
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("nowhere") != std::string::npos);
  CHECK(run_retentiond({"enforce", "-c", config}, dir.path()).exit_code == 1);
}

TEST_CASE("files: an mtime outside the years 1 to 9999 is kept as undated", "[files][cli][dates]") {
  // tmpfs keeps 64-bit times (ext4 would clamp them): the store's root lives in /dev/shm.
  char root_template[] = "/dev/shm/retentiond-test.XXXXXX";
  REQUIRE(mkdtemp(root_template) != nullptr);
  struct Remove {
    std::string path;
    ~Remove() { fs::remove_all(path); }
  } remove{root_template};
  auto file_at_epoch = [&](const std::string& name, time_t t) {
    const std::string path = remove.path + "/" + name;
    std::ofstream(path) << "x";
    struct timespec times[2] = {{t, 0}, {t, 0}};
    REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    REQUIRE(st.st_mtim.tv_sec == t);
  };
  file_at_epoch("old.log", 1577836800);  // 2020-01-01: expired
  file_at_epoch("year-minus-1199.log", -100000000000);
  file_at_epoch("year-11476.log", 300000000000);
  file_at_epoch("fresh.log", 1803081600);  // 2027-02-20
  TempDir dir;
  std::string config =
      files_config(dir, "logs", remove.path,
                   "  - name: logs\n    store: logs\n    files: \"*.log\"\n"
                   "    expire_after: 52d\n    since: mtime\n    max_affected: 100%\n");
  auto p = policy_in(json_report("plan", config, kAt, dir.path()), "logs");
  CHECK(p.at("matched") == 1);
  CHECK(p.at("oldest") == "2020-01-01T00:00:00Z");
  CHECK(p.at("warnings")
            .dump()
            .find("2 selected files have no usable date (NULL or unreadable); kept") !=
        std::string::npos);
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(tree(remove.path) ==
        std::vector<std::string>{"fresh.log", "year-11476.log", "year-minus-1199.log"});
}

TEST_CASE("files: a directory the service may not write is left and said, the others still go",
          "[files][cli]") {
  // As root, the pass runs as the test servers' unprivileged user, for whom a root-owned
  // directory is read-only; as another user, that directory is made read-only (0555).
  TempDir dir;
  // Several batches (500 first, then at most 4 times the last): b's files are in the first two,
  // the last meets none of them.
  for (const auto& [site, files] :
       std::vector<std::pair<std::string, int>>{{"a", 400}, {"b", 400}, {"c", 2200}})
    for (int i = 1; i <= files; ++i)
      file_at(dir, "logs/" + site + "/access.log-" + std::to_string(i), "2026-12-01");
  const std::string config = files_config(
      dir, "logs", "logs",
      "  - {name: web, store: logs, files: '*/access.log-*', expire_after: 52d, since: mtime, "
      "max_affected: 100%}\n");
  const bool root = geteuid() == 0;
  std::vector<std::string> prefix;
  // A copy the other user can run whatever the build directory's permissions (/root is 0700).
  const std::string binary = dir.file("retentiond");
  fs::copy_file(RETENTIOND_BINARY, binary);
  if (root) {
    const std::string user = server_env("RETENTIOND_TEST_SERVER_USER");
    REQUIRE(run_program({"/bin/chown", "-R", user, dir.path()}).exit_code == 0);
    REQUIRE(run_program({"/bin/chown", "root:root", dir.file("logs/b")}).exit_code == 0);
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    prefix = {"/usr/sbin/runuser", "-u", user, "--"};
  }
  REQUIRE(::chmod(dir.file("logs/b").c_str(), 0555) == 0);
  auto argv = prefix;
  for (const char* a :
       {binary.c_str(), "enforce", "-c", "r.yaml", "--at", kAt.c_str(), "--format", "json"})
    argv.emplace_back(a);
  auto r = run_program(argv, dir.path());
  ::chmod(dir.file("logs/b").c_str(), 0755);  // so that the directory can be cleaned up
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);  // not silent: the pass failed
  auto p = policy_in(json::parse(r.out), "web");
  CHECK(p.at("affected") == 2600);  // a and c, before and after b in the walk
  // Said with its reason, even when the pass's last batch met no such file.
  CHECK(p.at("warnings")
            .dump()
            .find("cannot remove 400 expired files under '" + dir.file("logs") +
                  "' (Permission denied)") != std::string::npos);
  const auto left = tree(dir.file("logs"));
  CHECK(left.size() == 400);
  CHECK(std::all_of(left.begin(), left.end(), [](const std::string& f) { return f[0] == 'b'; }));
  CHECK(r.err.find("access.log") == std::string::npos);  // no file name in the log
}

TEST_CASE(
    "files: a directory the service may not read fails the pass and leaves the promise "
    "unknown",
    "[files][cli]") {
  // Its expired files (if any) are neither counted nor removed: the others go, then the pass
  // fails, and `status` does not call the promise kept. As root, run as the test servers'
  // unprivileged user (root reads any directory).
  TempDir dir;
  for (const char* site : {"a", "c", "d/e"})
    for (int i = 1; i <= 3; ++i)
      file_at(dir, std::string("logs/") + site + "/access.log-" + std::to_string(i), "2026-12-01");
  const std::string config = files_config(
      dir, "logs", "logs",
      "  - {name: web, store: logs, files: '**/access.log-*', expire_after: 52d, since: mtime, "
      "max_affected: 100%}\n");
  std::vector<std::string> prefix;
  const std::string binary = dir.file("retentiond");
  fs::copy_file(RETENTIOND_BINARY, binary);
  if (geteuid() == 0) {
    const std::string user = server_env("RETENTIOND_TEST_SERVER_USER");
    REQUIRE(run_program({"/bin/chown", "-R", user, dir.path()}).exit_code == 0);
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    prefix = {"/usr/sbin/runuser", "-u", user, "--"};
  }
  REQUIRE(::chmod(dir.file("logs/d").c_str(), 0) == 0);
  auto as_service = [&](const std::vector<std::string>& args) {
    auto argv = prefix;
    argv.push_back(binary);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, dir.path());
  };
  auto r = as_service({"enforce", "-c", "r.yaml", "--at", kAt, "--format", "json"});
  auto status = as_service({"status", "-c", "r.yaml", "--at", kAt, "--format", "json"});
  ::chmod(dir.file("logs/d").c_str(), 0755);  // so that the directory can be cleaned up
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  auto p = policy_in(json::parse(r.out), "web");
  CHECK(p.at("affected") == 6);  // a and c
  CHECK(p.at("warnings")
            .dump()
            .find("could not read 1 directory under '" + dir.file("logs") + "' (permissions?)") !=
        std::string::npos);
  CHECK(tree(dir.file("logs")).size() == 3);  // d/e's, unread
  INFO(status.out << status.err);
  CHECK(status.exit_code == 1);
  const json s = json::parse(status.out).at("policies").at(0);
  CHECK(s.at("overdue").is_null());
  CHECK(s.at("error").get<std::string>().find("could not read 1 directory") == 0);
}

TEST_CASE("files: a root that holds retentiond's state and configuration never selects them",
          "[files][cli]") {
  // `**` under the directory of the state: its lock files, the lost-state mark, the state file
  // and the configuration all look like expired files (one with --at far ahead).
  TempDir dir;
  file_at(dir, "old.log", "2020-01-01");
  file_at(dir, "sub/old.log", "2020-01-01");
  file_at(dir, "keys/audit.key", "2020-01-01");  // and a key a pass reads
  dir.write("keys/audit.key", "0123456789abcdef0123456789abcdef\n");
  const std::string config = dir.write(
      "r.yaml", "audit_key_file: keys/audit.key\n" +
                    one_store_config("here", "{type: files, root: .}",
                                     "  - {name: all, store: here, files: \"**\", expire_after: "
                                     "1d, max_affected: 100%}\n"));
  run_retentiond_ok({"enforce", "-c", config, "--at", "2027-03-01T00:00:00Z"}, dir.path());
  // A pass far ahead sees every file as expired: still not its own.
  auto r = run_retentiond_ok(
      {"enforce", "-c", config, "--at", "2040-01-01T00:00:00Z", "--format", "json"}, dir.path());
  INFO(r.out << r.err);
  CHECK(fs::exists(dir.file("r.yaml")));
  CHECK(fs::exists(dir.file("keys/audit.key")));
  CHECK(fs::exists(dir.file("state.db")));
  CHECK(fs::exists(dir.file("state.db.locks")));
  CHECK(!fs::is_empty(dir.file("state.db.locks")));
  CHECK(!fs::exists(dir.file("old.log")));
  CHECK(!fs::exists(dir.file("sub/old.log")));
  auto history = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  REQUIRE(history.exit_code == 0);
  CHECK(json::parse(history.out).at("entries").size() == 2);
}

TEST_CASE("an SQLite store whose database is the state file is a configuration error",
          "[files][cli][sqlite]") {
  TempDir dir;
  const std::string config =
      dir.write("r.yaml",
                "state: app.db\nstores:\n  app: {type: sqlite, path: ./app.db}\npolicies:\n"
                "  - {name: p, store: app, table: t, expire_after: 1y, since: ts}\n");
  auto r = run_retentiond({"check", "-c", config, "--offline"}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("r.yaml:3:29: error: store 'app': its database is retentiond's state file") !=
        std::string::npos);
}
