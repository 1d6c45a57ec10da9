// What the files store declares: a root directory under which its policies select files by glob,
// dated by their mtime or by a date in their name. Its policies take no SQL.
#include "connectors/specs.h"

namespace retentiond::connectors {

policies::StoreSpec files_spec() {
  using K = policies::OptionSpec::Kind;
  return {
      .type = "files",
      .summary = "regular files under a root directory (logs, backups, archives)",
      .target = policies::files_target(),
      .options = {{"root", true, K::Path, "directory under which every selected file lies"}},
  };
}

}  // namespace retentiond::connectors
