// io_uring implementation of AsyncFileIo.
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "wal/file_io.h"

namespace cairn::wal {
namespace {

// user_data layout: the caller's tag shifted left one bit, low bit set on
// the fdatasync half of a linked pair.
constexpr uint64_t kSyncBit = 1;

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
    int rc = io_uring_queue_init(64, &ring_, 0);
    if (rc < 0) return base::Status::IoErrorFromErrno("io_uring_queue_init", -rc);
    ring_ok_ = true;
    efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd_ < 0) return base::Status::IoErrorFromErrno("eventfd", errno);
    rc = io_uring_register_eventfd(&ring_, efd_);
    if (rc < 0) return base::Status::IoErrorFromErrno("io_uring_register_eventfd", -rc);
    return base::Status::Ok();
  }

  base::Status SubmitWrite(int fd, const char* data, size_t len, uint64_t offset, bool sync,
                           uint64_t tag) override {
    if (io_uring_sq_space_left(&ring_) < (sync ? 2u : 1u)) {
      return base::Status::IoError("io_uring submission queue full");
    }
    io_uring_sqe* w = io_uring_get_sqe(&ring_);
    io_uring_prep_write(w, fd, data, static_cast<unsigned>(len), offset);
    io_uring_sqe_set_data64(w, tag << 1);
    if (sync) {
      w->flags |= IOSQE_IO_LINK;
      io_uring_sqe* s = io_uring_get_sqe(&ring_);
      io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC);
      io_uring_sqe_set_data64(s, (tag << 1) | kSyncBit);
    }
    return Submit();
  }

  base::Status SubmitSync(int fd, uint64_t tag) override {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    if (s == nullptr) return base::Status::IoError("io_uring submission queue full");
    io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data64(s, (tag << 1) | kSyncBit);
    return Submit();
  }

  int event_fd() const override { return efd_; }

  std::vector<IoCompletion> Reap() override {
    uint64_t drained;
    while (read(efd_, &drained, sizeof(drained)) > 0) {
    }
    std::vector<IoCompletion> out;
    io_uring_cqe* cqe;
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      const uint64_t data = io_uring_cqe_get_data64(cqe);
      const int res = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      IoCompletion c{.tag = data >> 1};
      if (data & kSyncBit) {
        c.kind = IoKind::kSync;
        if (res == -ECANCELED) {
          c.canceled = true;
        } else if (res < 0) {
          c.error = -res;
        }
      } else if (res < 0) {
        c.error = -res;
      } else {
        c.written = static_cast<uint64_t>(res);
      }
      out.push_back(c);
    }
    return out;
  }

  void Wait() override {
    pollfd pfd{.fd = efd_, .events = POLLIN, .revents = 0};
    poll(&pfd, 1, 1000);
  }

 private:
  base::Status Submit() {
    int rc = io_uring_submit(&ring_);
    if (rc < 0) return base::Status::IoErrorFromErrno("io_uring_submit", -rc);
    return base::Status::Ok();
  }

  io_uring ring_{};
  bool ring_ok_ = false;
  int efd_ = -1;
};

}  // namespace

base::Result<std::unique_ptr<AsyncFileIo>> NewUringIo() {
  auto io = std::make_unique<UringIo>();
  CAIRN_RETURN_IF_ERROR(io->Init());
  return std::unique_ptr<AsyncFileIo>(std::move(io));
}

}  // namespace cairn::wal
