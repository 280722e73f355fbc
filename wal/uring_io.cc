// io_uring implementation of AsyncFileIo.
//
// Two things here are about speed, both measured with bench/durable.sh and
// its floor program (bench/sync_floor.cc):
//  - A write is issued as a linked chain of pieces that never cross a page
//    boundary. The kernel makes a large folio of a large buffered write and
//    then accounts and writes back whole folios: one 1 MiB preallocation
//    write made every later 100-byte batch count as 1 MiB in the process's
//    write_bytes and walk 256 blocks at each fdatasync. Page-sized writes
//    keep the log's pages in single-page folios. (A write of more than
//    kMaxPieces pages goes as one request: batches that large land on pages
//    the preallocation already cached.)
//  - Only failures post a completion for a piece, and a write followed by a
//    linked fdatasync posts none when it succeeds: the sync's completion
//    says the whole write landed (a short or failed piece breaks the link,
//    and the kernel then posts nothing for the rest of it). The engine
//    wakes once per batch, not twice. So batches do not overlap their
//    syncs here (LogWriter allows it when a write reports earlier); on the
//    development VM reporting writes early, which lets them overlap, made no
//    difference at 50 or 200 clients.
// Kernels without IORING_FEAT_CQE_SKIP (before 5.17) get a completion for
// every piece, which Reap folds into one.
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "base/logging.h"
#include "wal/file_io.h"

namespace cairn::wal {
namespace {

constexpr uint64_t kPage = 4096;
// The largest write split into pieces: a 1 MiB preallocation and then some.
constexpr uint64_t kMaxPieces = 512;
constexpr unsigned kRingEntries = 1024;

class UringIo final : public AsyncFileIo {
 public:
  UringIo() = default;
  ~UringIo() override {
    if (ring_ok_) io_uring_queue_exit(&ring_);
    if (efd_ >= 0) close(efd_);
  }
  UringIo(const UringIo&) = delete;
  UringIo& operator=(const UringIo&) = delete;

  base::Status Init() {
    int rc = io_uring_queue_init(kRingEntries, &ring_, 0);
    if (rc < 0) return base::Status::IoErrorFromErrno("io_uring_queue_init", -rc);
    ring_ok_ = true;
    skip_ok_ = (ring_.features & IORING_FEAT_CQE_SKIP) != 0;
    efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd_ < 0) return base::Status::IoErrorFromErrno("eventfd", errno);
    rc = io_uring_register_eventfd(&ring_, efd_);
    if (rc < 0) return base::Status::IoErrorFromErrno("io_uring_register_eventfd", -rc);
    return base::Status::Ok();
  }

  base::Status SubmitWrite(int fd, const char* data, size_t len, uint64_t offset, bool sync,
                           uint64_t tag) override {
    const uint64_t first_page = offset / kPage;
    const uint64_t last_page = (offset + (len > 0 ? len - 1 : 0)) / kPage;
    const bool split = last_page - first_page + 1 <= kMaxPieces;
    const unsigned pieces = split ? static_cast<unsigned>(last_page - first_page + 1) : 1;
    if (io_uring_sq_space_left(&ring_) < pieces + (sync ? 1u : 0u)) {
      return base::Status::IoError("io_uring submission queue full");
    }
    const uint32_t id = next_id_++;
    chains_[id] = Chain{.tag = tag, .offset = offset, .len = len, .pieces = pieces, .sync = sync};
    const unsigned skip = skip_ok_ ? IOSQE_CQE_SKIP_SUCCESS : 0;
    size_t done = 0;
    for (unsigned i = 0; i < pieces; i++) {
      const bool last = i + 1 == pieces;
      const size_t n = last ? len - done : PieceEnd(offset, i) - done;
      io_uring_sqe* w = io_uring_get_sqe(&ring_);
      io_uring_prep_write(w, fd, data + done, static_cast<unsigned>(n), offset + done);
      io_uring_sqe_set_data64(w, Encode(id, Part::kPiece, i));
      if (!last || sync) w->flags |= IOSQE_IO_LINK | skip;
      done += n;
    }
    if (sync) {
      io_uring_sqe* s = io_uring_get_sqe(&ring_);
      io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC);
      io_uring_sqe_set_data64(s, Encode(id, Part::kSync, 0));
    }
    Submit();
    return base::Status::Ok();
  }

  base::Status SubmitSync(int fd, uint64_t tag) override {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    if (s == nullptr) return base::Status::IoError("io_uring submission queue full");
    const uint32_t id = next_id_++;
    chains_[id] = Chain{.tag = tag, .sync_only = true};
    io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data64(s, Encode(id, Part::kSync, 0));
    Submit();
    return base::Status::Ok();
  }

  std::vector<IoCompletion> WriteAndSyncNow(int fd, const char* data, size_t len, uint64_t offset,
                                            uint64_t tag) override {
    IoCompletion w{.tag = tag, .kind = IoKind::kWrite};
    IoCompletion s{.tag = tag, .kind = IoKind::kSync};
    // Page pieces here too, for the reason in the file comment.
    while (w.written < len) {
      const uint64_t at = offset + w.written;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(len - w.written, kPage - at % kPage));
      const ssize_t got = pwrite(fd, data + w.written, n, static_cast<off_t>(at));
      if (got < 0) {
        if (errno == EINTR) continue;
        if (w.written == 0) w.error = errno;
        break;
      }
      w.written += static_cast<uint64_t>(got);
      if (static_cast<size_t>(got) < n) break;
    }
    if (w.error != 0 || w.written < len) {
      s.canceled = true;  // as a linked sync after a short write
    } else {
      int rc;
      do {
        rc = fdatasync(fd);
      } while (rc != 0 && errno == EINTR);
      if (rc != 0) s.error = errno;
    }
    return {w, s};
  }

  int event_fd() const override { return efd_; }

  std::vector<IoCompletion> Reap() override {
    // One read resets the eventfd's count; completions posted after it
    // make it readable again.
    uint64_t drained;
    (void)!read(efd_, &drained, sizeof(drained));
    std::vector<IoCompletion> out;
    io_uring_cqe* cqe;
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      const uint64_t data = io_uring_cqe_get_data64(cqe);
      const int res = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      auto it = chains_.find(static_cast<uint32_t>(data >> kIdShift));
      if (it == chains_.end()) continue;  // the rest of a chain already reported
      Chain& c = it->second;
      if (static_cast<Part>(data & kPartMask) == Part::kSync) {
        if (!c.sync_only && !c.write_reported) {
          // The sync ran only if every piece of its write succeeded. A
          // canceled sync whose failed piece went unreported cannot happen;
          // were it to, the write is reported failed, never done.
          IoCompletion w{.tag = c.tag, .kind = IoKind::kWrite, .written = c.len};
          if (res == -ECANCELED) w = {.tag = c.tag, .kind = IoKind::kWrite, .error = ECANCELED};
          out.push_back(w);
        }
        IoCompletion s{.tag = c.tag, .kind = IoKind::kSync};
        if (res == -ECANCELED) {
          s.canceled = true;
        } else if (res < 0) {
          s.error = -res;
        }
        out.push_back(s);
        chains_.erase(it);
        continue;
      }
      const auto index = static_cast<unsigned>((data >> kPartBits) & kIndexMask);
      const uint64_t start = index == 0 ? 0 : PieceEnd(c.offset, index - 1);
      const uint64_t expected = index + 1 == c.pieces ? c.len - start
                                                      : PieceEnd(c.offset, index) - start;
      if (res == -ECANCELED) continue;  // after a failed piece (no CQE skip)
      const bool whole = res >= 0 && static_cast<uint64_t>(res) == expected;
      if (whole && index + 1 < c.pieces) continue;  // a success CQE (no CQE skip)
      // The last piece's whole success, or a failed or short piece, which
      // breaks the chain: the kernel cancels the rest, and (when the failed
      // piece skipped its completion) posts nothing for it, so the canceled
      // sync is reported here.
      IoCompletion w{.tag = c.tag, .kind = IoKind::kWrite};
      if (res < 0 && start == 0) {
        w.error = -res;
      } else {
        w.written = start + static_cast<uint64_t>(std::max(res, 0));
      }
      out.push_back(w);
      if (whole && c.sync) {
        c.write_reported = true;  // the sync's completion follows
        continue;
      }
      if (c.sync) out.push_back({.tag = c.tag, .kind = IoKind::kSync, .canceled = true});
      chains_.erase(it);
    }
    return out;
  }

  void Wait() override {
    pollfd pfd{.fd = efd_, .events = POLLIN, .revents = 0};
    poll(&pfd, 1, 1000);
  }

 private:
  enum class Part : uint64_t { kPiece = 0, kSync = 1 };
  // user_data: chain id (high 32 bits), the piece's index within its
  // write, the part.
  static constexpr int kPartBits = 1;
  static constexpr uint64_t kPartMask = 1;
  static constexpr int kIdShift = 32;
  static constexpr uint64_t kIndexMask = (uint64_t{1} << (kIdShift - kPartBits)) - 1;
  static uint64_t Encode(uint32_t id, Part part, uint64_t index) {
    return (uint64_t{id} << kIdShift) | ((index & kIndexMask) << kPartBits) |
           static_cast<uint64_t>(part);
  }
  // Where piece `index` of a write at `offset` ends, relative to the
  // write's start (every piece but the last ends on a page boundary).
  static uint64_t PieceEnd(uint64_t offset, unsigned index) {
    return (offset / kPage + index + 1) * kPage - offset;
  }

  struct Chain {
    uint64_t tag = 0;
    uint64_t offset = 0;
    size_t len = 0;
    unsigned pieces = 0;
    bool sync = false;       // a linked fdatasync follows the write
    bool sync_only = false;  // SubmitSync: no write at all
    bool write_reported = false;
  };

  // The requests are in the submission ring; if the kernel will not take
  // them, nothing about the log's state can be trusted any more: exit, as
  // after a failed fdatasync (STYLE.md §3), before anything more is
  // acknowledged. Every acknowledged write is already durable.
  void Submit() {
    int rc;
    do {
      rc = io_uring_submit(&ring_);
    } while (rc == -EINTR);
    if (rc >= 0) return;
    CAIRN_LOG_WARNING("io_uring refused the append-only log's requests: %s. Exiting: the log's "
                      "state is unknown",
                      std::strerror(-rc));
    std::_Exit(1);
  }

  io_uring ring_{};
  bool ring_ok_ = false;
  bool skip_ok_ = false;
  int efd_ = -1;
  uint32_t next_id_ = 1;  // wraps; a chain lives milliseconds
  std::unordered_map<uint32_t, Chain> chains_;
};

}  // namespace

base::Result<std::unique_ptr<AsyncFileIo>> NewUringIo() {
  auto io = std::make_unique<UringIo>();
  CAIRN_RETURN_IF_ERROR(io->Init());
  return std::unique_ptr<AsyncFileIo>(std::move(io));
}

}  // namespace cairn::wal
