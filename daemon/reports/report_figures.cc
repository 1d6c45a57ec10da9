#include "daemon/reports/report_figures.h"

#include <algorithm>

#include "daemon/state/state.h"

namespace retentiond::daemon {

std::vector<PolicyFigures> gather_figures(const policies::Config& config,
                                          const std::vector<const policies::Policy*>& selected,
                                          policies::TimePoint now, StateFile* state) {
  std::vector<PolicyFigures> out;
  PassRunner runner(state, /*record=*/false);
  for (const auto* p : selected) {
    PolicyFigures f;
    f.policy = p;
    f.status = promise_status(config, *p, now, runner, state);
    // A store that could not be read for the status is not asked again.
    if (f.status.error)
      f.ages.error = f.status.error;
    else
      f.ages = age_profile(config, *p, now, runner);
    if (state) {
      for (const auto& e : AuditTrail(state->db()).list({p->name}, std::nullopt))
        // Passes only: holds are in the trail too, and dry runs acted on nothing.
        if (e.action != "hold" && e.outcome != "dry-run") f.last_passes.push_back(e);
      std::reverse(f.last_passes.begin(), f.last_passes.end());
      if (f.last_passes.size() > kLastPasses) f.last_passes.resize(kLastPasses);
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace retentiond::daemon
