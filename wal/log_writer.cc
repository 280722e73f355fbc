#include "wal/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
  uint64_t size = 0;    // end offset of everything sealed into batches
  uint64_t extent = 0;  // the file's length, as the writes completed so far left it
  bool fill_queued = false;  // an extension waits or is in flight
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
  int64_t submitted_us = 0;     // when its write (and linked sync) went out
  bool fill = false;            // preallocation: filler, no records
  bool prepared = false;        // offset (filler) and padding settled
  bool sync_requested = false;  // its write carried a linked fdatasync
  bool write_done = false;
  bool synced = false;
};

namespace {
// Batch writes are tagged 1, 2, 3…; the everysec fdatasync uses 0.
constexpr uint64_t kStandaloneSyncTag = 0;
// The last fdatasync of a segment rotated away (see Rotate).
constexpr uint64_t kCloseSyncTag = uint64_t{1} << 62;
// Linked syncs allowed in flight under `always` (see the header).
constexpr int kMaxSyncsInFlight = 4;
}  // namespace

LogWriter::LogWriter(std::unique_ptr<AsyncFileIo> io)
    : io_(std::move(io)), now_us_(&base::MonotonicUs) {}

LogWriter::~LogWriter() = default;

namespace {
base::Result<int> OpenForAppend(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return base::Status::IoErrorFromErrno("opening " + path, errno);
  return fd;
}

// The file's length, after cutting off whatever follows `offset` unless it
// is filler the writer may overwrite.
base::Result<uint64_t> KeepFillerAfter(int fd, const std::string& path, uint64_t offset) {
  struct stat st;
  if (fstat(fd, &st) != 0) return base::Status::IoErrorFromErrno("stat of " + path, errno);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size <= offset) return size;
  constexpr uint64_t kMaxFill = 256ull << 20;
  if (size - offset <= kMaxFill) {
    std::string tail(size - offset, '\0');
    if (pread(fd, tail.data(), tail.size(), static_cast<off_t>(offset)) ==
            static_cast<ssize_t>(tail.size()) &&
        IsFill(tail, offset)) {
      return size;
    }
  }
  if (ftruncate(fd, static_cast<off_t>(offset)) != 0 || fdatasync(fd) != 0) {
    return base::Status::IoErrorFromErrno("truncating " + path, errno);
  }
  return offset;
}
}  // namespace

base::Status LogWriter::Open(const std::string& path, uint64_t offset, uint64_t next_seq) {
  auto fd = OpenForAppend(path);
  if (!fd.ok()) return fd.status();
  segment_ = std::make_shared<Segment>();
  segment_->path = path;
  segment_->fd = fd.value();
  auto extent = KeepFillerAfter(fd.value(), path, offset);
  if (!extent.ok()) return extent.status();
  if (prealloc_chunk_ > 0 && offset > 0 && extent.value() == offset) {
    // The file may end with records another writer (Redis) appended
    // outside batches. Close them with an empty batch before filler goes
    // after them, so that readers do not take them for the remains of a
    // batch torn over the filler (wal/log_reader.h).
    Annotation mark{.first_seq = next_seq, .length = 0, .durable = next_seq - 1,
                    .sealed_ms = base::NowMs()};
    mark.checksum = BatchChecksum("", mark);
    const std::string marker = FormatAnnotation(mark);
    if (pwrite(fd.value(), marker.data(), marker.size(), static_cast<off_t>(offset)) !=
            static_cast<ssize_t>(marker.size()) ||
        fdatasync(fd.value()) != 0) {
      return base::Status::IoErrorFromErrno("writing to " + path, errno);
    }
    offset += marker.size();
    extent = offset;
  } else if (offset > 0 && fdatasync(fd.value()) != 0) {
    // What recovery replayed may have come from the page cache after a
    // process crash: on disk before the batches say it is (durable).
    return base::Status::IoErrorFromErrno("fdatasync of " + path, errno);
  }
  segment_->extent = extent.value();
  segment_->size = offset;
  next_seq_ = next_seq;
  durable_seq_ = next_seq - 1;
  synced_seq_ = durable_seq_;
  pending_db_ = -1;
  MaybeExtend();
  Pump();
  return base::Status::Ok();
}

base::Status LogWriter::Rotate(const std::string& path) {
  auto fd = OpenForAppend(path);
  if (!fd.ok()) return fd.status();
  SealPending();
  auto seg = std::make_shared<Segment>();
  seg->path = path;
  seg->fd = fd.value();
  auto extent = KeepFillerAfter(fd.value(), path, 0);
  if (!extent.ok()) return extent.status();
  seg->extent = extent.value();
  if (segment_) {
    // The old segment gets no more filler, and one last fdatasync once its
    // queued writes are done: under everysec its last records, and its last
    // extension under any policy, would otherwise never be synced. (Until
    // that sync lands, a power loss can still tear the old segment's tail
    // while the new one has batches; recovery then refuses the start:
    // doc/aof.md, "A known limit".)
    const size_t first_unsent = write_idx_ + (write_in_flight_ ? 1 : 0);
    for (size_t i = batches_.size(); i > first_unsent; i--) {
      if (batches_[i - 1]->fill && batches_[i - 1]->segment == segment_) {
        batches_.erase(batches_.begin() + static_cast<std::ptrdiff_t>(i - 1));
      }
    }
    segment_->fill_queued = false;
    retiring_.push_back(segment_);
  }
  segment_ = std::move(seg);
  // Redis starts every incr file with a SELECT too; batches here always do.
  pending_db_ = -1;
  MaybeExtend();
  Pump();
  CloseRetired();
  return base::Status::Ok();
}

void LogWriter::CloseRetired() {
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    bool queued = false;
    for (size_t i = write_idx_; i < batches_.size() && !queued; i++) {
      queued = batches_[i]->segment == *it;
    }
    if (queued || !io_->SubmitSync((*it)->fd, kCloseSyncTag).ok()) {
      ++it;
      continue;
    }
    // Released when a close sync completes (in whichever order: io_uring
    // holds its own reference to the file while the sync runs).
    closing_.push_back(std::move(*it));
    it = retiring_.erase(it);
  }
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

size_t LogWriter::buffer_memory() const {
  size_t n = pending_.capacity();
  for (const auto& b : batches_) n += b->bytes.capacity();
  return n;
}

uint64_t LogWriter::segment_size() const {
  return segment_ ? segment_->size + pending_.size() : 0;
}

void LogWriter::SealPending() {
  if (pending_.empty()) return;
  gather_deadline_us_ = 0;  // the next window opens afresh
  auto b = std::make_unique<Batch>();
  Annotation a{.first_seq = pending_first_seq_,
               .length = pending_.size(),
               .durable = synced_seq_,
               .sealed_ms = base::NowMs()};
  if (on_seal_) a.history = on_seal_(pending_, next_seq_ - 1);
  a.checksum = BatchChecksum(pending_, a);
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

void LogWriter::MaybeExtend() {
  if (prealloc_chunk_ == 0 || !segment_ || segment_->fill_queued) return;
  if (segment_->extent >= segment_->size + prealloc_chunk_) return;
  if (prealloc_paused_until_ms_ != 0 && base::NowMs() < prealloc_paused_until_ms_) return;
  auto b = std::make_unique<Batch>();
  b->segment = segment_;
  b->fill = true;
  segment_->fill_queued = true;
  batches_.push_back(std::move(b));
}

void LogWriter::Prepare(Batch& b) {
  // Writes go out one at a time, in order: the extent is exact here.
  Segment& seg = *b.segment;
  if (b.fill) {
    b.offset = seg.extent;
    const uint64_t to = (b.offset + prealloc_chunk_ + kFillLine - 1) / kFillLine * kFillLine;
    b.bytes = MakeFill(b.offset, to);
  } else {
    // Inside filler, the byte after the batch must not be a bare newline
    // (wal/format.h); the next batch overwrites this '#'. On the file's
    // last newline, a whole line follows, so that the file still ends
    // with one (Redis appends there).
    const uint64_t end = b.offset + b.bytes.size();
    if (end < seg.extent && end % kFillLine == kFillLine - 1) {
      b.bytes += end + 1 == seg.extent ? MakeFill(end, end + kFillLine + 1) : "#";
    }
  }
  b.prepared = true;
}

void LogWriter::AbandonFill(Batch& b, int err) {
  // The disk refused the extension (full, or a file size limit). Keep what
  // was written up to a line end, so the file still ends with "\n" (Redis
  // appends right after it), and carry on without preallocation for a
  // while rather than refuse writes that still fit.
  Segment& seg = *b.segment;
  uint64_t keep = (b.offset + b.written) / kFillLine * kFillLine;
  if (keep <= b.offset + 1) keep = b.offset;
  if (ftruncate(seg.fd, static_cast<off_t>(keep)) != 0) keep = b.offset + b.written;
  seg.extent = keep;
  CAIRN_LOG_WARNING("Cannot preallocate the append-only log (%s); appending without it",
                    std::strerror(err != 0 ? err : ENOSPC));
  prealloc_paused_until_ms_ = base::NowMs() + 10000;
  b.write_done = true;
  seg.fill_queued = false;
  write_idx_++;
  if (!retiring_.empty()) CloseRetired();
  Retire();
}

void LogWriter::Flush() {
  flush_requested_ = false;
  Pump(/*may_inline=*/true);
}

void LogWriter::Pump(bool may_inline) {
  if (write_in_flight_ || write_error_ != 0) return;
  if (write_idx_ == batches_.size()) {
    bool seal = !pending_.empty();
    // Under `always`, records keep gathering while the syncs in flight run.
    if (seal && policy_ == SyncPolicy::kAlways && syncs_in_flight_ > 0) {
      // Overlap another sync only when no more records can join this batch;
      // otherwise let it grow until a sync ends.
      seal = syncs_in_flight_ < kMaxSyncsInFlight && (!signals_ || signals_->AllWaiting());
    }
    // Gathering and writing inline only when nothing is in flight: a batch
    // written inline must not overtake a queued write, and the engine must
    // not block while completions for other clients could arrive.
    if (seal && policy_ == SyncPolicy::kAlways && !IoInFlight() && Gathering()) return;
    const bool inline_write = may_inline && seal && policy_ == SyncPolicy::kAlways &&
                              !IoInFlight() && signals_ && signals_->AllWaiting();
    if (seal) SealPending();
    if (inline_write) {
      WriteInline(*batches_[write_idx_]);
      if (write_in_flight_ || write_error_ != 0) return;
    }
    MaybeExtend();
    if (write_idx_ == batches_.size()) return;
  }
  Batch& b = *batches_[write_idx_];
  if (!b.prepared) Prepare(b);
  b.tag = next_tag_++;
  // Filler needs no sync of its own: the next batch's fdatasync covers it.
  const bool sync = policy_ == SyncPolicy::kAlways && !b.fill;
  base::Status s = io_->SubmitWrite(b.segment->fd, b.bytes.data() + b.written,
                                    b.bytes.size() - b.written, b.offset + b.written, sync, b.tag);
  if (!s.ok()) {
    CAIRN_LOG_WARNING("Append-only log: cannot submit a write: %s", s.ToString().c_str());
    FailWrite(EIO);
    return;
  }
  b.sync_requested = sync;
  b.submitted_us = now_us_();
  write_in_flight_ = true;
  if (sync) syncs_in_flight_++;
}

bool LogWriter::Gathering() {
  if (!signals_ || syncing_all_ || signals_->AllReturned()) {
    gather_deadline_us_ = 0;
    return false;
  }
  const int64_t now = now_us_();
  if (gather_deadline_us_ == 0) {
    gather_deadline_us_ = now + std::min(last_sync_us_, kMaxGatherUs);
  }
  if (now >= gather_deadline_us_) {
    gather_deadline_us_ = 0;
    return false;
  }
  if (request_flush_after_) request_flush_after_(gather_deadline_us_ - now);
  return true;
}

void LogWriter::WriteInline(Batch& b) {
  if (!b.prepared) Prepare(b);
  b.tag = next_tag_++;
  b.submitted_us = now_us_();
  b.sync_requested = true;
  write_in_flight_ = true;
  syncs_in_flight_++;
  inline_batches_++;
  // Exactly the completions the linked pair would have produced, handled
  // the same way: a short or failed write keeps the batch for Pump/Tick.
  for (const IoCompletion& c :
       io_->WriteAndSyncNow(b.segment->fd, b.bytes.data() + b.written,
                            b.bytes.size() - b.written, b.offset + b.written, b.tag)) {
    if (c.kind == IoKind::kWrite) {
      OnWrite(c);
    } else {
      OnSync(c);
    }
  }
}

void LogWriter::OnIoEvent() {
  for (const IoCompletion& c : io_->Reap()) {
    if (c.kind == IoKind::kWrite) {
      OnWrite(c);
    } else {
      OnSync(c);
    }
  }
  Pump(/*may_inline=*/true);
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
  if (c.error == 0) {
    b.written += c.written;
    b.segment->extent = std::max(b.segment->extent, b.offset + b.written);
  }
  if (b.fill && (c.error != 0 || b.written < b.bytes.size())) {
    AbandonFill(b, c.error);
    return;
  }
  if (c.error != 0 || c.written == 0) {
    // Nothing written (ENOSPC, EIO, EFBIG…): keep the batch, retry from Tick.
    FailWrite(c.error != 0 ? c.error : ENOSPC);
    return;
  }
  if (b.written < b.bytes.size()) return;  // short write: Pump sends the rest
  if (write_error_ != 0) {
    CAIRN_LOG_WARNING("Append-only log writes succeed again");
    write_error_ = 0;
  }
  b.write_done = true;
  write_idx_++;
  if (!retiring_.empty()) CloseRetired();
  if (b.fill) {
    b.segment->fill_queued = false;
    Retire();
  } else if (policy_ != SyncPolicy::kAlways) {
    // everysec/no acknowledge at append; durable_seq follows the writes so
    // INFO stays truthful, and the everysec sync covers them.
    unsynced_writes_ = true;
    Retire();
  }
}

void LogWriter::OnSync(const IoCompletion& c) {
  if (c.tag == kCloseSyncTag) {
    if (c.error != 0) SyncFailed(c.error);
    closing_.pop_front();
    return;
  }
  if (c.tag == kStandaloneSyncTag) {
    sync_in_flight_ = false;
    if (c.error != 0) SyncFailed(c.error);
    synced_seq_ = std::max(synced_seq_, unsynced_seq_);
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
  last_sync_us_ = now_us_() - batches_[k]->submitted_us;
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
    const Batch& b = *batches_.front();
    if (!b.fill) {
      done = b.last_seq;
      batches_done_++;
      records_done_ += b.records;
    }
    batches_.pop_front();
    write_idx_--;
  }
  if (done != 0) Advance(done);
}

void LogWriter::Advance(uint64_t seq) {
  if (seq <= durable_seq_) return;
  durable_seq_ = seq;
  if (policy_ == SyncPolicy::kAlways) synced_seq_ = std::max(synced_seq_, seq);
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
    if (io_->SubmitSync(segment_->fd, kStandaloneSyncTag).ok()) {
      sync_in_flight_ = true;
      unsynced_seq_ = durable_seq_;  // what this sync covers: every write done so far
    }
  }
}

base::Status LogWriter::SyncAll() {
  syncing_all_ = true;
  struct Reset {
    bool* flag;
    ~Reset() { *flag = false; }
  } reset{&syncing_all_};
  const int64_t deadline = base::NowMs() + 30000;
  Pump();
  while (!pending_.empty() || !batches_.empty() || IoInFlight()) {
    if (base::NowMs() > deadline) {
      return base::Status::IoError("timed out writing the append-only log at shutdown");
    }
    if (write_error_ != 0 && !write_in_flight_) {
      usleep(10000);
      Tick(base::NowMs());
      continue;
    }
    if (IoInFlight()) io_->Wait();
    OnIoEvent();
    // Batches written under a policy that has since changed to `always`
    // wait for no sync of their own: the final fdatasync below covers them.
    if (!IoInFlight() && pending_.empty() && write_idx_ == batches_.size()) {
      break;
    }
  }
  if (segment_ && fdatasync(segment_->fd) != 0) SyncFailed(errno);
  for (auto& seg : retiring_) {
    if (fdatasync(seg->fd) != 0) SyncFailed(errno);
  }
  retiring_.clear();
  for (auto& b : batches_) b->synced = true;
  Retire();
  synced_seq_ = std::max(synced_seq_, durable_seq_);
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
