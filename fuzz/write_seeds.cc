// Writes the fragment corpus of the tests (tests/support/fragment_corpus.h), every dialect's, as
// seed files for fuzz_sql_fragment: one file per fragment in the directory given.
#include <cstdio>
#include <fstream>
#include <string>

#include "support/fragment_corpus.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  using retentiond::policies::SqlDialect;
  int n = 0;
  for (SqlDialect d : {SqlDialect::Sqlite, SqlDialect::Postgresql, SqlDialect::Mysql})
    for (const auto& c : retentiond::testing::fragment_corpus(d)) {
      std::ofstream out(std::string(argv[1]) + "/seed-" + std::to_string(n++), std::ios::binary);
      out << c.sql;
      if (!out) return 1;
    }
  return 0;
}
