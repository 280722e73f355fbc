#include "wal/log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "wal/format.h"

namespace cairn::wal {

struct LogWriter::Segment {
  std::string path;
  int fd = -1;
  uint64_t size = 0;  // end offset of everything sealed into batches
  ~Segment() {
    if (fd >= 0) close(fd);
  }
};

struct LogWriter::Batch {
  std::shared_ptr<Segment> segment;
  std::string bytes;  // annotation line + records
  uint64_t offset = 0;   // where bytes start in the segment
  uint64_t written = 0;  // bytes already on their way (a short write resumes here)
  uint64_t last_seq = 0;
  uint64_t tag = 0;
};

namespace {
// Batch writes are tagged 1, 2, 3…; the everysec fdatasync uses 0.
constexpr uint64_t kStandaloneSyncTag = 0;
}  // namespace

LogWriter::LogWriter(std::unique_ptr<AsyncFileIo> io) : io_(std::move(io)) {}

LogWriter::~LogWriter() = default;

namespace {
base::Result<int> OpenForAppend(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return base::Status::IoErrorFromErrno("opening " + path, errno);
  return fd;
}
}  // namespace

base::Status LogWriter::Open(const std::string& path, uint64_t offset, uint64_t next_seq) {
  auto fd = OpenForAppend(path);
  if (!fd.ok()) return fd.status();
  segment_ = std::make_shared<Segment>();
  segment_->path = path;
  segment_->fd = fd.value();
  segment_->size = offset;
  next_seq_ = next_seq;
  durable_seq_ = next_seq - 1;
  pending_db_ = -1;
  return base::Status::Ok();
}

base::Status LogWriter::Rotate(const std::string& path) {
  auto fd = OpenForAppend(path);
  if (!fd.ok()) return fd.status();
  SealPending();
  auto seg = std::make_shared<Segment>();
  seg->path = path;
  seg->fd = fd.value();
  segment_ = std::move(seg);
  // Redis starts every incr file with a SELECT too; batches here always do.
  pending_db_ = -1;
  return base::Status::Ok();
}

uint64_t LogWriter::Append(int db, std::span<const std::string> argv) {
  if (pending_.empty()) {
    pending_first_seq_ = next_seq_;
    pending_db_ = -1;  // every batch starts with a SELECT: it replays on its own
  }
  if (db != pending_db_) {
    AppendSelect(&pending_, db);
    pending_db_ = db;
  }
  AppendCommand(&pending_, argv);
  if (!flush_requested_ && request_flush_) {
    flush_requested_ = true;
    request_flush_();
  }
  return next_seq_++;
}

uint64_t LogWriter::segment_size() const {
  return segment_ ? segment_->size + pending_.size() : 0;
}

void LogWriter::SealPending() {
  if (pending_.empty()) return;
  auto b = std::make_unique<Batch>();
  Annotation a{.first_seq = pending_first_seq_,
               .length = pending_.size(),
               .checksum = Checksum(pending_)};
  b->bytes = FormatAnnotation(a);
  b->bytes += pending_;
  b->segment = segment_;
  b->offset = segment_->size;
  b->last_seq = next_seq_ - 1;
  segment_->size += b->bytes.size();
  pending_.clear();
  batches_.push_back(std::move(b));
}

void LogWriter::Flush() {
  flush_requested_ = false;
  if (write_in_flight_ || write_error_ != 0) return;
  // Under `always` the next batch forms while one is in flight; otherwise
  // whatever has accumulated goes now.
  SealPending();
  SubmitHead();
}

void LogWriter::SubmitHead() {
  if (write_in_flight_ || batches_.empty()) return;
  Batch& b = *batches_.front();
  b.tag = next_tag_++;
  const bool sync = policy_ == SyncPolicy::kAlways;
  base::Status s = io_->SubmitWrite(b.segment->fd, b.bytes.data() + b.written,
                                    b.bytes.size() - b.written, b.offset + b.written, sync, b.tag);
  if (!s.ok()) {
    CAIRN_LOG_WARNING("Append-only log: cannot submit a write: %s", s.ToString().c_str());
    write_error_ = EIO;
    retry_at_ms_ = base::NowMs() + 100;
    return;
  }
  write_in_flight_ = true;
}

void LogWriter::OnIoEvent() {
  for (const IoCompletion& c : io_->Reap()) Complete(c);
}

void LogWriter::Complete(const IoCompletion& c) {
  if (c.sync_error != 0) SyncFailed(c.sync_error);
  if (c.tag == kStandaloneSyncTag) {
    // The everysec fdatasync finished.
    sync_in_flight_ = false;
    Advance(unsynced_seq_);
    return;
  }
  write_in_flight_ = false;
  Batch& b = *batches_.front();
  if (c.write_error != 0) {
    if (write_error_ == 0) {
      CAIRN_LOG_WARNING("Error writing to the append-only log %s: %s; writes are refused "
                        "until it succeeds",
                        b.segment->path.c_str(), std::strerror(c.write_error));
    }
    write_error_ = c.write_error;
    retry_at_ms_ = base::NowMs() + 100;
    return;
  }
  b.written += c.written;
  if (b.written < b.bytes.size()) {
    // A short write: the rest goes next, from where it stopped.
    if (c.written == 0) {
      write_error_ = ENOSPC;
      retry_at_ms_ = base::NowMs() + 100;
      return;
    }
    SubmitHead();
    return;
  }
  if (write_error_ != 0) {
    CAIRN_LOG_WARNING("Append-only log writes succeed again");
    write_error_ = 0;
  }
  uint64_t done = b.last_seq;
  batches_.pop_front();
  if (policy_ == SyncPolicy::kAlways) {
    Advance(done);
  } else {
    // everysec/no acknowledge at append; durable_seq follows the writes so
    // waiters (none under these policies) and INFO stay truthful.
    unsynced_writes_ = true;
    unsynced_seq_ = done;
    Advance(done);
  }
  // Whatever accumulated while this batch was in flight is the next batch.
  SealPending();
  SubmitHead();
}

void LogWriter::Advance(uint64_t seq) {
  if (seq <= durable_seq_) return;
  durable_seq_ = seq;
  if (on_durable_) on_durable_(seq);
}

void LogWriter::Tick(int64_t now_ms) {
  if (write_error_ != 0 && !write_in_flight_ && now_ms >= retry_at_ms_) {
    SealPending();
    SubmitHead();
  }
  if (policy_ == SyncPolicy::kEverysec && unsynced_writes_ && !sync_in_flight_ &&
      now_ms - last_sync_ms_ >= 1000 && segment_) {
    last_sync_ms_ = now_ms;
    unsynced_writes_ = false;
    if (io_->SubmitSync(segment_->fd, kStandaloneSyncTag).ok()) sync_in_flight_ = true;
  }
}

base::Status LogWriter::SyncAll() {
  Flush();
  int64_t deadline = base::NowMs() + 30000;
  while (!batches_.empty() || write_in_flight_) {
    if (base::NowMs() > deadline) {
      return base::Status::IoError("timed out writing the append-only log at shutdown");
    }
    if (write_error_ != 0 && !write_in_flight_) {
      if (base::NowMs() >= retry_at_ms_) {
        SubmitHead();
      } else {
        usleep(10000);
        continue;
      }
    }
    io_->Wait();
    OnIoEvent();
    if (!write_in_flight_) {
      SealPending();
      SubmitHead();
    }
  }
  while (sync_in_flight_) {
    io_->Wait();
    OnIoEvent();
  }
  if (segment_ && fdatasync(segment_->fd) != 0) SyncFailed(errno);
  return base::Status::Ok();
}

void LogWriter::SyncFailed(int err) {
  // Durability policy (STYLE.md §3): never retry a failed fdatasync.
  CAIRN_LOG_WARNING("fdatasync of the append-only log failed: %s. Exiting: acknowledged "
                    "writes can no longer be guaranteed",
                    std::strerror(err));
  std::_Exit(1);
}

}  // namespace cairn::wal
