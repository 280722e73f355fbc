// Small blocking file helpers, for the places where blocking I/O is right
// (snapshot children, manifest switches, tests).
#pragma once

#include <cstdint>
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

// The size of the file at `path` (0 when it cannot be read).
uint64_t FileSize(const std::string& path);

// A read-only mapping of a whole file, as it is when opened (the log
// reader, replication's RDB sender, the RDB reader).
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // (Again: the mapping is replaced, with the file as it is now.) A
  // missing file is kNotFound.
  Status Open(const std::string& path);
  std::string_view view() const { return {data_ != nullptr ? data_ : "", size_}; }
  // Drops the pages before `pos` from this process (they stay in the page
  // cache), so that a reader streaming through a file of any size keeps
  // its resident memory flat.
  void Release(size_t pos);

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t released_ = 0;
};

}  // namespace cairn::base
