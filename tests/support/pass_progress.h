// A pass watched from outside, through its progress row in the state file: for tests that signal
// a pass (or the daemon running it) once it is genuinely mid-way.
#pragma once

#include <string>

#include "support/child.h"

namespace retentiond::testing {

// Whether a pass recorded in the state file `state` has committed a batch (its progress row
// counts affected records). False while the state file does not exist; throws while it is being
// created or is busy (wait_until counts that as "not yet").
bool batch_committed(const std::string& state);

// Stops `pass` with SIGSTOP once it has committed a batch, at a moment when it is not writing to
// `state` (else lets it go on a little and stops it again), so that other commands can record
// what they do meanwhile. Fails the test when it cannot.
void stop_between_batches(Child& pass, const std::string& state);

}  // namespace retentiond::testing
