// Files the configuration names are read only when regular and small (issue 17, item 10): a
// FIFO must not hang, /dev/zero must not grow memory until the process is killed.
#include "lib/files/regular_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "support/temp_dir.h"

using namespace retentiond::lib;
using retentiond::testing::TempDir;

TEST_CASE("read_regular_file reads a regular file whole", "[regular_file]") {
  TempDir dir;
  std::string error;
  auto text = read_regular_file(dir.write("t.txt", "Hello {policy}\n"), kMaxTemplateBytes, error);
  REQUIRE(text);
  CHECK(*text == "Hello {policy}\n");
  auto empty = read_regular_file(dir.write("empty.txt", ""), 10, error);
  REQUIRE(empty);
  CHECK(empty->empty());
  auto exactly = read_regular_file(dir.write("ten.txt", "0123456789"), 10, error);
  REQUIRE(exactly);
  CHECK(exactly->size() == 10);
}

TEST_CASE("issue 17: read_regular_file refuses what is not a small regular file",
          "[regular_file]") {
  TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  struct Case {
    std::string path;
    std::size_t limit;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"/dev/zero", kMaxTemplateBytes, "it is not a regular file (a character device)"},
      {dir.file("fifo"), kMaxConfigFileBytes, "it is not a regular file (a FIFO)"},
      {dir.path(), kMaxConfigFileBytes, "it is not a regular file (a directory)"},
      {dir.file("missing.yaml"), kMaxConfigFileBytes, "no such file"},
      {dir.write("big.txt", std::string(65537, 'x')), kMaxTemplateBytes,
       "it is larger than 64 KiB"},
      {dir.write("eleven.txt", "01234567890"), 10, "it is larger than 10 bytes"},
  };
  for (const auto& c : cases) {
    INFO(c.path);
    std::string error;
    CHECK_FALSE(read_regular_file(c.path, c.limit, error));
    CHECK(error == c.error);
  }
}

TEST_CASE("size_words", "[regular_file]") {
  CHECK(size_words(kMaxConfigFileBytes) == "1 MiB");
  CHECK(size_words(kMaxTemplateBytes) == "64 KiB");
  CHECK(size_words(1000) == "1000 bytes");
}
