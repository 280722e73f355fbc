// Small blocking file helpers, for the places where blocking I/O is right
// (snapshot children, manifest switches, tests).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace cairn::base {

// Writes all of `data` to `fd`, retrying short writes and EINTR. Errors
// name `path`.
Status WriteAll(int fd, std::string_view data, const std::string& path);

// The whole file at `path` (one allocation, read in large pieces).
Result<std::string> ReadFile(const std::string& path);

// `data` as the whole file at `path` (created or truncated; not synced).
Status WriteFile(const std::string& path, std::string_view data);

// fdatasync of the file at `path`.
Status SyncFile(const std::string& path);

}  // namespace cairn::base
