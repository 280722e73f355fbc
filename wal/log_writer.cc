#include "wal/log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/check.h"
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
  uint64_t records = 0;
  uint64_t tag = 0;
  bool sync_requested = false;  // its write carried a linked fdatasync
  bool write_done = false;
  bool synced = false;
};

namespace {
// Batch writes are tagged 1, 2, 3…; the everysec fdatasync uses 0.
constexpr uint64_t kStandaloneSyncTag = 0;
// Linked syncs allowed in flight under `always` (see the header).
constexpr int kMaxSyncsInFlight = 4;
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
  b->records = b->last_seq + 1 - pending_first_seq_;
  segment_->size += b->bytes.size();
  pending_.clear();
  batches_.push_back(std::move(b));
}

void LogWriter::Flush() {
  flush_requested_ = false;
  Pump();
}

void LogWriter::Pump() {
  if (write_in_flight_ || write_error_ != 0) return;
  if (write_idx_ == batches_.size()) {
    if (pending_.empty()) return;
    // Under `always`, records keep gathering while the syncs in flight run.
    if (policy_ == SyncPolicy::kAlways && syncs_in_flight_ > 0) {
      // Overlap another sync only when no more records can join this batch
      // (the overlap gate says so); otherwise let it grow until a sync ends.
      if (syncs_in_flight_ >= kMaxSyncsInFlight) return;
      if (overlap_gate_ && !overlap_gate_()) return;
    }
    SealPending();
  }
  Batch& b = *batches_[write_idx_];
  b.tag = next_tag_++;
  const bool sync = policy_ == SyncPolicy::kAlways;
  base::Status s = io_->SubmitWrite(b.segment->fd, b.bytes.data() + b.written,
                                    b.bytes.size() - b.written, b.offset + b.written, sync, b.tag);
  if (!s.ok()) {
    CAIRN_LOG_WARNING("Append-only log: cannot submit a write: %s", s.ToString().c_str());
    FailWrite(EIO);
    return;
  }
  b.sync_requested = sync;
  write_in_flight_ = true;
  if (sync) syncs_in_flight_++;
}

void LogWriter::OnIoEvent() {
  for (const IoCompletion& c : io_->Reap()) {
    if (c.kind == IoKind::kWrite) {
      OnWrite(c);
    } else {
      OnSync(c);
    }
  }
  Pump();
}

void LogWriter::FailWrite(int err) {
  if (write_error_ == 0) {
    CAIRN_LOG_WARNING("Error writing to the append-only log: %s; writes are refused until it "
                      "succeeds",
                      std::strerror(err));
  }
  write_error_ = err;
  retry_at_ms_ = base::NowMs() + 100;
}

void LogWriter::OnWrite(const IoCompletion& c) {
  write_in_flight_ = false;
  CAIRN_CHECK(write_idx_ < batches_.size() && batches_[write_idx_]->tag == c.tag);
  Batch& b = *batches_[write_idx_];
  if (c.error != 0 || c.written == 0) {
    // Nothing written (ENOSPC, EIO, EFBIG…): keep the batch, retry from Tick.
    FailWrite(c.error != 0 ? c.error : ENOSPC);
    return;
  }
  b.written += c.written;
  if (b.written < b.bytes.size()) return;  // short write: Pump sends the rest
  if (write_error_ != 0) {
    CAIRN_LOG_WARNING("Append-only log writes succeed again");
    write_error_ = 0;
  }
  b.write_done = true;
  write_idx_++;
  if (policy_ != SyncPolicy::kAlways) {
    // everysec/no acknowledge at append; durable_seq follows the writes so
    // INFO stays truthful, and the everysec sync covers them.
    unsynced_writes_ = true;
    Retire();
  }
}

void LogWriter::OnSync(const IoCompletion& c) {
  if (c.tag == kStandaloneSyncTag) {
    sync_in_flight_ = false;
    if (c.error != 0) SyncFailed(c.error);
    return;
  }
  syncs_in_flight_--;
  if (c.canceled) return;  // its write fell short; the rest goes with a new sync
  if (c.error != 0) SyncFailed(c.error);
  // Every batch written to this file before the sync was issued is on disk.
  const Segment* seg = nullptr;
  size_t k = 0;
  for (; k < batches_.size(); k++) {
    if (batches_[k]->tag == c.tag) {
      seg = batches_[k]->segment.get();
      break;
    }
  }
  if (seg == nullptr) return;  // already covered by a later sync
  for (size_t j = 0; j <= k; j++) {
    if (batches_[j]->segment.get() == seg && batches_[j]->write_done) batches_[j]->synced = true;
  }
  Retire();
}

void LogWriter::Retire() {
  uint64_t done = 0;
  while (!batches_.empty() && batches_.front()->write_done &&
         (policy_ != SyncPolicy::kAlways || batches_.front()->synced ||
          !batches_.front()->sync_requested)) {
    done = batches_.front()->last_seq;
    batches_done_++;
    records_done_ += batches_.front()->records;
    batches_.pop_front();
    write_idx_--;
  }
  if (done != 0) Advance(done);
}

void LogWriter::Advance(uint64_t seq) {
  if (seq <= durable_seq_) return;
  durable_seq_ = seq;
  if (on_durable_) on_durable_(seq);
}

void LogWriter::Tick(int64_t now_ms) {
  if (write_error_ != 0 && !write_in_flight_ && now_ms >= retry_at_ms_) {
    const int err = write_error_;
    write_error_ = 0;  // let Pump try; a failure sets it again
    Pump();
    if (!write_in_flight_) write_error_ = err;
  }
  if (policy_ == SyncPolicy::kEverysec && unsynced_writes_ && !sync_in_flight_ &&
      now_ms - last_sync_ms_ >= 1000 && segment_) {
    last_sync_ms_ = now_ms;
    unsynced_writes_ = false;
    if (io_->SubmitSync(segment_->fd, kStandaloneSyncTag).ok()) sync_in_flight_ = true;
  }
}

base::Status LogWriter::SyncAll() {
  const int64_t deadline = base::NowMs() + 30000;
  Pump();
  while (!pending_.empty() || !batches_.empty() || write_in_flight_ || syncs_in_flight_ > 0 ||
         sync_in_flight_) {
    if (base::NowMs() > deadline) {
      return base::Status::IoError("timed out writing the append-only log at shutdown");
    }
    if (write_error_ != 0 && !write_in_flight_) {
      usleep(10000);
      Tick(base::NowMs());
      continue;
    }
    if (write_in_flight_ || syncs_in_flight_ > 0 || sync_in_flight_) io_->Wait();
    OnIoEvent();
    // Batches written under a policy that has since changed to `always`
    // wait for no sync of their own: the final fdatasync below covers them.
    if (!write_in_flight_ && syncs_in_flight_ == 0 && !sync_in_flight_ && pending_.empty() &&
        write_idx_ == batches_.size()) {
      break;
    }
  }
  if (segment_ && fdatasync(segment_->fd) != 0) SyncFailed(errno);
  for (auto& b : batches_) b->synced = true;
  Retire();
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
