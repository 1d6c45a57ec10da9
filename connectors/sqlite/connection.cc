#include "connectors/sqlite/connection.h"

#include <filesystem>

#include "connectors/sqlite/functions.h"

namespace retentiond::connectors::sqlite {

Result<std::unique_ptr<Database>> open_database(const std::string& store, const std::string& path,
                                                const OpenOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return Error{ErrorKind::StoreUnreachable,
                 error_prefix(store) + options.what + " '" + path + "' does not exist"};
  try {
    const bool read_only = options.mode == AccessMode::ReadOnly;
    auto db =
        std::make_unique<Database>(path, read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
    db->busy_timeout(options.busy_timeout_ms);
    if (read_only) db->exec("PRAGMA query_only = 1");
    // Foreign keys as the schema declares them: ON DELETE CASCADE children go with their parent,
    // and a RESTRICT reference makes the batch fail (and roll back) instead of dangling.
    db->exec("PRAGMA foreign_keys = ON");
    db->exec("SELECT count(*) FROM sqlite_master");  // fails early on a file that is no database
    if (options.date_functions) register_functions(db->handle());
    return db;
  } catch (const SqliteError& e) {
    // A writer killed mid-transaction (a crash, kill -9) leaves a hot rollback journal, which
    // only a connection that may write rolls back: read-only commands get "attempt to write a
    // readonly database", which names neither the cause nor the way out.
    const std::string journal = path + "-journal";
    if (options.mode == AccessMode::ReadOnly && (e.code() & 0xff) == SQLITE_READONLY &&
        std::filesystem::file_size(journal, ec) > 0 && !ec)
      return Error{ErrorKind::StoreUnreachable,
                   error_prefix(store) + "cannot read " + options.what + " '" + path +
                       "' yet: a process writing to it stopped in the middle of a transaction (a "
                       "crash, kill -9) and left its rollback journal '" +
                       journal +
                       "', which only a writer can roll back; the application's next write, or "
                       "'retentiond enforce', does it, and read-only commands (plan, status, "
                       "check) work again after that"};
    return Error{ErrorKind::StoreUnreachable, error_prefix(store) + "cannot open " + options.what +
                                                  " '" + path + "': " + e.what()};
  }
}

}  // namespace retentiond::connectors::sqlite
