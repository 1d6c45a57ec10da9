// Reading the files the configuration names (itself, included files, notice templates, password
// and key files): only regular files, opened so that a FIFO cannot block, and only up to a size
// limit, so that a mistyped path (/dev/zero, a pipe, a directory) is an error naming the file,
// never a hang or a process that grows until it is killed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace retentiond::lib {

// A configuration or included file: 1 MiB holds thousands of policies.
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{1} << 20;
// A notice template is the body of one e-mail: 64 KiB is far more than any needs.
inline constexpr std::size_t kMaxTemplateBytes = std::size_t{64} << 10;
// A password or key file holds one secret.
inline constexpr std::size_t kMaxSecretBytes = std::size_t{64} << 10;

// The whole of `path`, or nullopt with `error` set to why not, as words that follow
// "cannot read ... '<path>': ": "no such file", "it is not a regular file (a FIFO)",
// "it is larger than 64 KiB", "Permission denied".
std::optional<std::string> read_regular_file(const std::string& path, std::size_t max_bytes,
                                             std::string& error);

// "64 KiB", "1 MiB", "100 bytes".
std::string size_words(std::size_t bytes);

}  // namespace retentiond::lib
