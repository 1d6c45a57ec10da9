// The notice step of a pass with `notify:`: sends the notices that are due (unless dry) and
// narrows the pass to the records whose notice went out long enough ago.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "daemon/engine/pass.h"
#include "daemon/state/state.h"

namespace retentiond::daemon {

// Fills ctx.noticed_keys and `counts`; warnings the report should show go to `warnings`. An
// Error when the candidates could not be read or no notice could be sent at all (then nothing
// was sent and nothing may change). `state` may be null (plan before any enforce).
std::optional<connectors::Error> prepare_notices(StateFile* state, const policies::Policy& policy,
                                                 connectors::Connector& connector,
                                                 connectors::PassContext& ctx, bool dry,
                                                 const PassOptions& options, NoticeCounts& counts,
                                                 std::vector<std::string>& warnings);

}  // namespace retentiond::daemon
