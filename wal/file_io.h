// AsyncFileIo: the seam between the log writer and the disk. The real
// implementation drives io_uring (a write and an fdatasync submitted as
// linked SQEs, completions signalled on an eventfd the engine's io_context
// watches); tests substitute one that injects short writes, EIO, ENOSPC and
// failed syncs.
//
// Engine thread only. A few operations may be in flight. SubmitWrite yields
// a kWrite completion, and with `sync` also a kSync one after it; SubmitSync
// yields a kSync completion.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"

namespace cairn::wal {

enum class IoKind { kWrite, kSync };

struct IoCompletion {
  uint64_t tag = 0;
  IoKind kind = IoKind::kWrite;
  uint64_t written = 0;   // kWrite: bytes written; may be less than asked
  int error = 0;          // errno of a failed write or fdatasync
  bool canceled = false;  // kSync: not run, because its write fell short
};

class AsyncFileIo {
 public:
  virtual ~AsyncFileIo() = default;

  // Writes data[0, len) at `offset` of `fd`, then fdatasync()s it when
  // `sync` (linked: only after the whole write succeeded, else the sync
  // completes as canceled). REQUIRES: data stays valid until the write's
  // completion is reaped.
  virtual base::Status SubmitWrite(int fd, const char* data, size_t len, uint64_t offset,
                                   bool sync, uint64_t tag) = 0;
  // fdatasync(fd) alone (appendfsync everysec).
  virtual base::Status SubmitSync(int fd, uint64_t tag) = 0;
  // The same pair as SubmitWrite(..., sync = true), run on the calling
  // thread and returned at once: the write's completion, then the sync's
  // (canceled when the write fell short). Blocks for the disk.
  virtual std::vector<IoCompletion> WriteAndSyncNow(int fd, const char* data, size_t len,
                                                    uint64_t offset, uint64_t tag) = 0;
  // Becomes readable when completions are ready; Reap() clears it.
  virtual int event_fd() const = 0;
  virtual std::vector<IoCompletion> Reap() = 0;
  // Blocks until at least one completion is ready (shutdown only).
  virtual void Wait() = 0;
};

// The io_uring implementation. Fails when the kernel refuses io_uring.
base::Result<std::unique_ptr<AsyncFileIo>> NewUringIo();

}  // namespace cairn::wal
