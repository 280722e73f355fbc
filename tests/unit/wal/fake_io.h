// FakeIo: an AsyncFileIo whose operations complete only when the test says
// so, and as the test says: whole, short, failing with an errno, or with a
// failed fdatasync. Writes really land in the file (pwrite), so what the
// writer produced can be read back.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>
#include <string>

#include "wal/file_io.h"

namespace cairn::wal {

class FakeIo : public AsyncFileIo {
 public:
  struct Op {
    int fd;
    std::string data;
    uint64_t offset;
    bool sync;
    bool sync_only;
    uint64_t tag;
  };

  FakeIo() : efd_(eventfd(0, EFD_NONBLOCK)) {}
  ~FakeIo() override { close(efd_); }

  base::Status SubmitWrite(int fd, const char* data, size_t len, uint64_t offset, bool sync,
                           uint64_t tag) override {
    ops_.push_back({fd, std::string(data, len), offset, sync, false, tag});
    return base::Status::Ok();
  }
  base::Status SubmitSync(int fd, uint64_t tag) override {
    ops_.push_back({fd, "", 0, true, true, tag});
    return base::Status::Ok();
  }
  // Inline pairs run at once, whole, unless the test arranged a fault with
  // FailNextInline.
  std::vector<IoCompletion> WriteAndSyncNow(int fd, const char* data, size_t len, uint64_t offset,
                                            uint64_t tag) override {
    inline_calls_++;
    IoCompletion w{.tag = tag, .kind = IoKind::kWrite};
    IoCompletion s{.tag = tag, .kind = IoKind::kSync};
    if (inline_write_error_ != 0) {
      w.error = inline_write_error_;
    } else {
      size_t n = std::min(inline_max_bytes_, len);
      ssize_t got = pwrite(fd, data, n, static_cast<off_t>(offset));
      w.written = got > 0 ? static_cast<uint64_t>(got) : 0;
    }
    if (w.error != 0 || w.written < len) {
      s.canceled = true;
    } else {
      s.error = inline_sync_error_;
    }
    inline_max_bytes_ = SIZE_MAX;
    inline_write_error_ = 0;
    inline_sync_error_ = 0;
    return {w, s};
  }
  void FailNextInline(size_t max_bytes, int write_error = 0, int sync_error = 0) {
    inline_max_bytes_ = max_bytes;
    inline_write_error_ = write_error;
    inline_sync_error_ = sync_error;
  }
  size_t inline_calls() const { return inline_calls_; }

  int event_fd() const override { return efd_; }
  std::vector<IoCompletion> Reap() override {
    std::vector<IoCompletion> out(done_.begin(), done_.end());
    done_.clear();
    return out;
  }
  void Wait() override { Complete(); }

  size_t pending() const { return ops_.size() + syncs_.size(); }
  size_t pending_syncs() const { return syncs_.size(); }

  // Completes only the write of the oldest operation; its linked sync
  // stays pending until CompleteSync(i).
  void CompleteWrite() {
    Op op = ops_.front();
    ops_.pop_front();
    ssize_t got = pwrite(op.fd, op.data.data(), op.data.size(), static_cast<off_t>(op.offset));
    done_.push_back({.tag = op.tag, .kind = IoKind::kWrite,
                     .written = got > 0 ? static_cast<uint64_t>(got) : 0});
    if (op.sync) syncs_.push_back(op.tag);
    Signal();
  }
  // Completes the i-th pending sync (in submission order).
  void CompleteSync(size_t i) {
    uint64_t tag = syncs_[i];
    syncs_.erase(syncs_.begin() + static_cast<long>(i));
    done_.push_back({.tag = tag, .kind = IoKind::kSync});
    Signal();
  }
  const Op& front() const { return ops_.front(); }

  // Completes the oldest operation (a write and its linked sync together).
  // `max_bytes` cuts the write short; `write_error` fails it (nothing
  // written); `sync_error` fails the sync.
  void Complete(size_t max_bytes = SIZE_MAX, int write_error = 0, int sync_error = 0) {
    if (ops_.empty()) return;
    Op op = ops_.front();
    ops_.pop_front();
    bool write_ok = true;
    if (!op.sync_only) {
      IoCompletion w{.tag = op.tag, .kind = IoKind::kWrite};
      if (write_error != 0) {
        w.error = write_error;
        write_ok = false;
      } else {
        size_t n = std::min(max_bytes, op.data.size());
        ssize_t got = pwrite(op.fd, op.data.data(), n, static_cast<off_t>(op.offset));
        w.written = got > 0 ? static_cast<uint64_t>(got) : 0;
        write_ok = w.written == op.data.size();
      }
      done_.push_back(w);
    }
    if (op.sync) {
      IoCompletion s{.tag = op.tag, .kind = IoKind::kSync};
      if (!write_ok) {
        s.canceled = true;  // a linked sync does not run after a short write
      } else {
        s.error = sync_error;
      }
      done_.push_back(s);
    }
    Signal();
  }

 private:
  void Signal() {
    uint64_t one = 1;
    (void)!write(efd_, &one, sizeof(one));
  }
  int efd_;
  std::deque<Op> ops_;
  std::deque<IoCompletion> done_;
  std::deque<uint64_t> syncs_;  // linked syncs whose write completed
  size_t inline_calls_ = 0;
  size_t inline_max_bytes_ = SIZE_MAX;
  int inline_write_error_ = 0;
  int inline_sync_error_ = 0;
};

}  // namespace cairn::wal
