// What the files store declares: a root directory under which policies select files by glob.
#include "connectors/specs.h"

namespace retentiond::connectors {

policies::StoreSpec files_spec() {
  using K = policies::OptionSpec::Kind;
  return policies::StoreSpec{
      "files",
      "regular files under a root directory (logs, backups, archives)",
      policies::TargetKind::Files,
      {
          {"root", true, K::Path, "directory under which every selected file lies"},
      },
      {},
      std::nullopt,  // no SQL
  };
}

}  // namespace retentiond::connectors
