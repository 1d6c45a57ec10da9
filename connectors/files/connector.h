// The files store: regular files under a root directory (rotated logs, dated backups, mail
// archives), selected by globs, dated by their modification time or by the date in their name.
// Only regular files inside the root are removed; symlinks are neither followed nor removed. A
// file is re-checked (lstat) right before it is unlinked. Reports never name a file.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "connectors/files/name_date.h"
#include "connectors/files/walker.h"

namespace retentiond::connectors::files {

class FilesConnector : public Connector {
 public:
  explicit FilesConnector(const policies::StoreConfig& store);

  std::string_view type() const override { return "files"; }
  Result<void> open(AccessMode mode) override;
  Result<std::vector<policies::Diagnostic>> check(const Policy& policy) override;
  Result<PlanStats> plan(const Policy& policy, const PassContext& ctx) override;
  Result<BatchResult> apply_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                  long long limit) override;
  // Counts the announced files that are gone.
  Result<long long> reconcile(const Policy& policy, const PassContext& ctx,
                              const BatchIntent& intent) override;
  // For `hold add`: KEY as given when it names a regular file under the root (not through a
  // symlink) that the policy's patterns select; nullopt otherwise (a mistyped path holds
  // nothing, and is refused).
  Result<std::optional<std::string>> find_key(const Policy& policy,
                                              const std::string& key) override;

 private:
  // The date a policy measures a file by; nullopt when it has none (no date in its name).
  std::optional<policies::TimePoint> date_of(const Policy& policy, const Found& f) const;
  // With min_keep: the dates from which files are among the newest, and kept.
  struct KeepNewest {
    std::optional<policies::TimePoint> from;  // min_keep_per: tree (or no min_keep: none)
    bool per_directory = false;
    std::map<std::string, policies::TimePoint> from_in;  // min_keep_per: directory
    // The files that make the N newest (relative paths): the bound holds while they are there.
    std::vector<std::string> anchors;
    // Whether the file at `path` (relative to the root), dated `date`, is kept as one of them.
    bool keeps(const std::string& path, policies::TimePoint date) const;
  };
  Result<KeepNewest> keep_from(const Policy& policy, policies::TimePoint now);
  std::string describe(const Policy& policy, const PassContext& ctx) const;

  policies::StoreConfig store_;
  std::string root_;
  std::vector<std::string> own_files_;           // under the root, relative (files/glob.h excluded)
  std::map<std::string, KeepNewest> keep_from_;  // by policy
  mutable std::map<std::string, std::unique_ptr<NameDate>> name_dates_;  // compiled patterns

  // What plan() found expired, by policy: hashes of the relative paths (8 bytes a file, at most
  // 2 MiB), so that the pass lstats only those files again instead of every match. A file
  // missing from the set is left for the next pass, never removed unchecked: the set only
  // narrows the walk.
  struct Expired {
    policies::TimePoint cutoff;
    std::vector<std::uint64_t> hashes;  // sorted
  };
  std::map<std::string, Expired> expired_;
  // Expired files a pass could not remove (permission, immutable, busy), by policy: counted from
  // its first batch on, reported with every batch after (BatchResult::left_behind).
  std::map<std::string, long long> unremovable_;
  std::map<std::string, int> unremovable_errno_;  // the last reason, said with the count
  // The listings of the directories a pass's batches resume in, by policy (walker.h).
  std::map<std::string, ListingCache> listings_;
  // The root directory each policy's pass began on (its plan, or its first batch), by policy: a
  // root moved or replaced mid-pass (a symbolic link repointed) is another tree, never walked.
  std::map<std::string, RootIdentity> roots_;
};

}  // namespace retentiond::connectors::files
