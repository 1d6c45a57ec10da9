// What the files store declares: a root directory under which policies select files by glob.
#include "connectors/files/connector.h"
#include "connectors/store_types.h"

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
      std::nullopt,  // no SQL
  };
  return StoreType{spec, [](const policies::StoreConfig& s) -> std::unique_ptr<Connector> {
                     return std::make_unique<files::FilesConnector>(s);
                   }};
}

}  // namespace retentiond::connectors
