// BatchFile: writes a whole log file synchronously in annotated batches of
// about 1 MiB (the same framing as the live log, wal/format.h), then
// fsyncs and closes it. Used where blocking I/O is right: the rewrite child
// writing a base file, and tests building fixtures.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"

namespace cairn::wal {

class BatchFile {
 public:
  BatchFile() = default;
  ~BatchFile();
  BatchFile(const BatchFile&) = delete;
  BatchFile& operator=(const BatchFile&) = delete;

  base::Status Open(const std::string& path);  // creates or truncates
  base::Status Append(int db, std::span<const std::string> argv);
  // Writes what is buffered, fsyncs, closes. REQUIRES: Open succeeded.
  base::Status Finish();
  uint64_t bytes_written() const { return written_; }

 private:
  base::Status WriteBatch();

  std::string path_;
  int fd_ = -1;
  std::string pending_;
  int pending_db_ = -1;
  uint64_t written_ = 0;
};

}  // namespace cairn::wal
