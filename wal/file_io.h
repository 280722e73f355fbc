// AsyncFileIo: the seam between the log writer and the disk. The real
// implementation drives io_uring (a write and an fdatasync submitted as
// linked SQEs, completions signalled on an eventfd the engine's io_context
// watches); tests substitute one that injects short writes, EIO, ENOSPC and
// failed syncs.
//
// Engine thread only. At most a few operations are in flight; each Submit
// call yields exactly one IoCompletion from a later Reap().
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"

namespace cairn::wal {

struct IoCompletion {
  uint64_t tag = 0;
  // Bytes written (SubmitWrite); may be less than asked (a short write).
  uint64_t written = 0;
  int write_error = 0;  // errno of a failed write; then nothing was synced
  int sync_error = 0;   // errno of a failed fdatasync (fatal for the log)
};

class AsyncFileIo {
 public:
  virtual ~AsyncFileIo() = default;

  // Writes data[0, len) at `offset` of `fd`, then fdatasync()s it when
  // `sync` (only after the whole write succeeded). REQUIRES: data stays
  // valid until the completion is reaped.
  virtual base::Status SubmitWrite(int fd, const char* data, size_t len, uint64_t offset,
                                   bool sync, uint64_t tag) = 0;
  // fdatasync(fd) alone (appendfsync everysec).
  virtual base::Status SubmitSync(int fd, uint64_t tag) = 0;
  // Becomes readable when completions are ready; Reap() clears it.
  virtual int event_fd() const = 0;
  virtual std::vector<IoCompletion> Reap() = 0;
  // Blocks until at least one completion is ready (shutdown only).
  virtual void Wait() = 0;
};

// The io_uring implementation. Fails when the kernel refuses io_uring.
base::Result<std::unique_ptr<AsyncFileIo>> NewUringIo();

}  // namespace cairn::wal
