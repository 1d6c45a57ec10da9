// `retentiond serve`: the scheduler daemon. It lands with issue 5; until then this build says so
// plainly instead of pretending to enforce.
#include <iostream>

#include "daemon/cli.h"
#include "daemon/commands.h"

namespace retentiond::daemon {

int serve_command(const Args&) {
  std::cerr << "retentiond serve: the daemon is not supported by this build yet; run "
               "'retentiond enforce' from a timer meanwhile\n";
  return kExitFailure;
}

}  // namespace retentiond::daemon
