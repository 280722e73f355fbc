// LogWriter: appends records to the current incr segment in checksummed
// batches (wal/format.h) through AsyncFileIo, under an fsync policy:
//
//  - kAlways: a batch is written and fdatasync'ed as one linked pair; its
//    records are durable when that sync completes. Records appended while a
//    batch is in flight form the next batch (group commit), which may wait
//    a little for more (set_signals), and may be written and synced on the
//    calling thread (set_signals). Writes go out one at a time, in order;
//    once a batch's write is reported done, the next batch may go while the
//    previous sync runs (kMaxSyncsInFlight; the io_uring implementation
//    reports a synced write with its sync, so there this does not happen).
//    A sync covers every batch written to its file before it was issued.
//  - kEverysec: batches are written as they form; fdatasync runs from Tick()
//    once a second when something was written since the last one.
//  - kNo: batches are written; the OS decides when they reach the disk.
//
// Preallocation (set_preallocate): the writer keeps the segment file at
// least one chunk longer than its records, extending it with filler
// (wal/format.h) by writes queued behind the batches. A batch then
// overwrites blocks the file already has, and its fdatasync needs no
// metadata update: about 1.5x faster than appending on ext4 here
// (bench/durable.sh). The first sync after an extension carries it.
//
// Records are numbered (seq) in append order. durable_seq() is the highest
// seq whose batch completed under the policy in force (for kAlways: on disk).
//
// Errors: a failed or short write keeps the batch and retries from where it
// stopped (Tick() retries after a failure); while a write is failing,
// write_error() is set so the engine refuses writes (-MISCONF). A failed
// fdatasync is fatal: the process logs and exits, and never retries it
// (after a failed fsync the kernel may have dropped the dirty pages, so a
// retry could report success for data that is gone).
//
// Engine thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "wal/file_io.h"
#include "wal/format.h"

namespace cairn::wal {

enum class SyncPolicy { kAlways, kEverysec, kNo };

// What the writer asks, under `always`, of the clients whose writes it
// logs, to decide when a batch goes (see LogWriter::set_signals). The
// server's listener answers; tests script it. Engine thread.
class CommitSignals {
 public:
  virtual ~CommitSignals() = default;
  // Every client is waiting for the log: no more records can come until a
  // sync completes.
  virtual bool AllWaiting() const = 0;
  // Every client whose replies the last durable advance released has sent
  // its next write (or gone).
  virtual bool AllReturned() const = 0;
};

class LogWriter {
 public:
  // REQUIRES: io outlives nothing else; the writer owns it.
  explicit LogWriter(std::unique_ptr<AsyncFileIo> io);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Appends go to `path` from byte `offset` (its valid length) on. The
  // first record appended gets `next_seq`. Opens (creating if needed).
  // Bytes after `offset` are kept as preallocated space if they are filler,
  // and cut off otherwise.
  base::Status Open(const std::string& path, uint64_t offset, uint64_t next_seq);
  // Records appended from now on go to `path` (a new, empty segment);
  // everything appended before stays in the previous one.
  base::Status Rotate(const std::string& path);

  // Appends one command for database `db`; returns its seq.
  uint64_t Append(int db, std::span<const std::string> argv);
  // Submits what has accumulated, if the policy allows a submission now.
  void Flush();
  // Drains completions (call when event_fd() is readable).
  void OnIoEvent();
  // Periodic work: everysec fsync, retry after a failed write.
  void Tick(int64_t now_ms);
  // Writes and syncs everything appended, blocking (shutdown).
  base::Status SyncAll();

  // Extend segments `chunk` bytes at a time, keeping at least that much
  // ahead of the records (0: no preallocation, the file grows by appends).
  void set_preallocate(uint64_t chunk) { prealloc_chunk_ = chunk; }
  void set_policy(SyncPolicy p) { policy_ = p; }
  SyncPolicy policy() const { return policy_; }
  // Called with the new durable_seq() whenever it advances.
  void set_on_durable(std::function<void(uint64_t)> fn) { on_durable_ = std::move(fn); }
  // Called with each batch's body and last seq as it is sealed (before it
  // is written); what it returns goes in the batch's annotation
  // (replication's place in the log, wal/format.h History).
  void set_on_seal(std::function<std::optional<History>(std::string_view body, uint64_t)> fn) {
    on_seal_ = std::move(fn);
  }
  // Seals the records appended so far into a batch now (a fork is about
  // to snapshot the dataset they belong to).
  void Seal() { SealPending(); }
  // Called once when records start waiting for a Flush() (the server posts
  // one, so every command ready in this loop pass joins the batch).
  void set_request_flush(std::function<void()> fn) { request_flush_ = std::move(fn); }

  // Under `always`, the writer asks `signals` (REQUIRES: it outlives the
  // writer, or is reset first) when to seal and how to write a batch:
  //  - with a sync in flight, a new batch overlaps it only when AllWaiting()
  //    (no more records can join it); otherwise it grows until a sync ends;
  //  - with nothing in flight, records wait while !AllReturned(), for at
  //    most as long as the last sync took (capped at kMaxGatherUs): every
  //    sync costs CPU beside the disk's time, and on a busy machine that,
  //    not the disk, bounds throughput, so waiting a fraction of a sync for
  //    clients that are about to write turns many small syncs into one;
  //  - then, if AllWaiting(), the batch is written and fdatasync'ed on the
  //    calling thread, blocking: handing the pair to io_uring's worker and
  //    taking its completion back costs two cross-thread wake-ups, which
  //    buy nothing when no one else could be served meanwhile (on a VM each
  //    can cost more than the sync itself: bench/durable.sh).
  // Unset: batches overlap freely, never wait, never go inline.
  void set_signals(const CommitSignals* signals) { signals_ = signals; }
  // Called when records wait in the gathering window, with the microseconds
  // until it closes; the server calls Flush() then (or earlier).
  void set_request_flush_after(std::function<void(int64_t)> fn) {
    request_flush_after_ = std::move(fn);
  }
  static constexpr int64_t kMaxGatherUs = 2000;
  // The monotonic clock the gathering window is measured with, in
  // microseconds (tests step one by hand).
  void set_clock(int64_t (*now_us)()) { now_us_ = now_us; }
  // Batches written and synced inline so far.
  uint64_t inline_batches() const { return inline_batches_; }


  int event_fd() const { return io_->event_fd(); }
  uint64_t last_seq() const { return next_seq_ - 1; }
  uint64_t durable_seq() const { return durable_seq_; }
  // errno of the failing write, 0 when writes succeed.
  int write_error() const { return write_error_; }
  // Bytes in the current segment, including what is not yet written.
  uint64_t segment_size() const;
  // Records appended but not yet written (INFO aof_buffer_length).
  size_t buffered_bytes() const { return pending_.size(); }
  // Memory the writer holds for records not yet durable: the open batch's
  // buffer and every sealed batch still waiting (INFO mem_aof_buffer).
  size_t buffer_memory() const;
  // Batches completed, and the records in them (group-commit efficiency).
  uint64_t batches_done() const { return batches_done_; }
  uint64_t records_done() const { return records_done_; }
  bool idle() const {
    return pending_.empty() && batches_.empty() && retiring_.empty() && !IoInFlight();
  }

 private:
  struct Segment;
  struct Batch;

  // A write or a sync of any kind has not completed yet.
  bool IoInFlight() const {
    return write_in_flight_ || syncs_in_flight_ > 0 || sync_in_flight_ || !closing_.empty();
  }
  void SealPending();
  // Queues filler after everything queued if the segment runs short of
  // preallocated space.
  void MaybeExtend();
  // Settles what only the moment of writing knows: where filler goes, and
  // whether a batch ends with a '#' to keep the filler after it valid.
  void Prepare(Batch& b);
  // An extension failed (err, or written short): drop it.
  void AbandonFill(Batch& b, int err);
  // Submits the last fdatasync of each rotated segment whose writes are done.
  void CloseRetired();
  // Submits the next write if the policy allows one now. `may_inline`: the
  // caller is between commands (Flush, OnIoEvent), so a batch may be
  // written inline and acknowledged from here, and on_durable_ may run
  // (the server then sends replies); never from Open, Rotate or Tick, which
  // commands and cron reach in the middle of their work. SyncAll reaches
  // OnIoEvent: it must not be called from a command either.
  void Pump(bool may_inline = false);
  // Writes and syncs `b` (the only unsent batch, nothing in flight) on the
  // calling thread.
  void WriteInline(Batch& b);
  // Whether pending records should wait for more to join (the gathering
  // window); asks for a later Flush when they should.
  bool Gathering();
  void OnWrite(const IoCompletion& c);
  void OnSync(const IoCompletion& c);
  void FailWrite(int err);
  // Pops leading batches that are durable under the policy; advances.
  void Retire();
  void Advance(uint64_t seq);
  [[noreturn]] void SyncFailed(int err);

  std::unique_ptr<AsyncFileIo> io_;
  SyncPolicy policy_ = SyncPolicy::kAlways;
  uint64_t prealloc_chunk_ = 0;
  int64_t prealloc_paused_until_ms_ = 0;  // after a failed extension
  std::shared_ptr<Segment> segment_;  // where new records go
  // Rotated away: waiting for their queued writes, then for their last sync.
  std::vector<std::shared_ptr<Segment>> retiring_;
  std::deque<std::shared_ptr<Segment>> closing_;
  std::string pending_;               // records not yet sealed into a batch
  uint64_t pending_first_seq_ = 0;
  int pending_db_ = -1;               // db of the last record in pending_
  // Sealed batches not yet durable, in order; those before write_idx_ are
  // written (and, under kAlways, wait for a sync).
  std::deque<std::unique_ptr<Batch>> batches_;
  size_t write_idx_ = 0;
  bool write_in_flight_ = false;
  int syncs_in_flight_ = 0;       // linked syncs (kAlways)
  bool sync_in_flight_ = false;   // the standalone everysec sync
  bool flush_requested_ = false;
  bool unsynced_writes_ = false;  // everysec: written since the last fdatasync
  uint64_t unsynced_seq_ = 0;     // everysec: what the sync in flight covers
  // Highest seq an fdatasync has covered (under everysec and no, durable_seq_
  // follows the writes instead). Batches carry it (wal/format.h).
  uint64_t synced_seq_ = 0;
  int64_t last_sync_ms_ = 0;
  int64_t retry_at_ms_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t durable_seq_ = 0;
  uint64_t next_tag_ = 1;
  int write_error_ = 0;
  uint64_t batches_done_ = 0;
  uint64_t records_done_ = 0;
  uint64_t inline_batches_ = 0;
  int64_t last_sync_us_ = 0;       // how long the last batch's write+sync took
  int64_t gather_deadline_us_ = 0;  // the open window closes then (0: none open)
  bool syncing_all_ = false;        // in SyncAll: no window, records go at once
  int64_t (*now_us_)() = nullptr;   // set_clock; default base::MonotonicUs
  std::function<void(uint64_t)> on_durable_;
  std::function<void()> request_flush_;
  std::function<std::optional<History>(std::string_view, uint64_t)> on_seal_;
  const CommitSignals* signals_ = nullptr;
  std::function<void(int64_t)> request_flush_after_;
};

}  // namespace cairn::wal
