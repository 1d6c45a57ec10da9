// What the files store declares: a root directory under which policies select files by glob.
// Its connector lands with issue 6; until then the configuration is validated and online
// operations answer "not supported yet".
#include "connectors/store_types.h"
#include "connectors/unsupported.h"

namespace retentiond::connectors {

StoreType files_store_type() {
  using K = policies::OptionSpec::Kind;
  policies::StoreSpec spec{
      "files",
      "regular files under a root directory (logs, backups, archives)",
      policies::TargetKind::Files,
      {
          {"root", true, K::Path, "directory under which every selected file lies"},
      },
      {},
      /*hash_comments=*/true,
  };
  return StoreType{spec, [](const policies::StoreConfig& s) {
                     return make_unsupported_connector("files", s.name);
                   }};
}

}  // namespace retentiond::connectors
