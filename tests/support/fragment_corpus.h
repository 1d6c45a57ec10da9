// Attempts to make a `where`/`on`/`hold_where` fragment escape the parentheses retentiond puts
// around it, per SQL dialect, with the verdict the validator must give: the exact refusal, or
// acceptance when the dialect reads the attempt as harmless (the dangerous part is inside a quote
// or an identifier). Shared by the validator's unit test, the test that runs the accepted ones on
// the real servers, and the fuzzer's seed corpus.
#pragma once

#include <string>
#include <vector>

#include "policies/sql_fragment.h"

namespace retentiond::testing {

struct FragmentCase {
  std::string sql;
  std::string problem;  // the validator's exact sentence; empty when the fragment is accepted
};

// At least 30 escape attempts for `dialect`, plus a few ordinary conditions.
const std::vector<FragmentCase>& fragment_corpus(policies::SqlDialect dialect);

}  // namespace retentiond::testing
