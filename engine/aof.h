// Aof: the append-only log as the engine sees it (ARCHITECTURE.md "The
// durability contract", "Data directory"; doc/aof.md). It
//  - loads the log at start-up (base, then incr segments, replayed through
//    the engine), cutting a torn tail of the last segment when
//    aof-load-truncated allows, refusing to start on corruption;
//  - receives every write's deterministic form (PropagationSink) and hands
//    it to the wal::LogWriter;
//  - rewrites the log (BGREWRITEAOF, automatic rewrite): a forked child
//    writes the new base from the dataset as it was at the fork, while new
//    records go to a fresh incr segment; the manifest then switches
//    atomically and the old files are removed;
//  - follows CONFIG SET appendonly/appendfsync at run time.
//
// Engine thread only (the rewrite child only reads its copy of memory).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/config.h"
#include "engine/keyspace.h"
#include "engine/propagation.h"
#include "engine/server_state.h"
#include "wal/log_writer.h"
#include "wal/manifest.h"

namespace cairn::engine {

class Engine;

class Aof : public PropagationSink {
 public:
  // REQUIRES: engine outlives the Aof.
  explicit Aof(Engine* engine);
  ~Aof() override;
  Aof(const Aof&) = delete;
  Aof& operator=(const Aof&) = delete;

  // Start-up: when appendonly is yes, loads the log (creating a fresh one
  // if the directory has none) and opens it for appending. Errors name the
  // file and offset.
  base::Status Start();
  bool enabled() const { return writer_ != nullptr; }
  // appendonly was just switched on: the log's first base is being written,
  // and the manifest on disk does not name the log yet.
  bool switching_on() const { return child_enabling_ && child_pid_ > 0; }

  void Append(int db, std::span<const std::string> argv) override;
  // Seals the records appended so far into a batch (replication forks a
  // snapshot of the dataset they belong to).
  void Seal();
  // Records appended but not sealed: the bytes the next batch's body has.
  size_t unsealed_bytes() const { return writer_ ? writer_->buffered_bytes() : 0; }
  size_t buffer_memory() const { return writer_ ? writer_->buffer_memory() : 0; }
  // Where the log left replication when it was loaded: the last batch's
  // History, if any batch had one.
  const std::optional<wal::History>& recovered_history() const { return recovered_history_; }
  // The log's files that may hold replication history, oldest first:
  // segments a rewrite retained (repl-log-retention), then the live ones.
  std::vector<std::string> SegmentPaths() const;

  // Replies to writes wait for durability only under appendfsync always.
  bool hold_replies() const;
  uint64_t last_seq() const;
  uint64_t durable_seq() const;
  // Called (engine thread) when durable_seq() advances.
  void set_on_durable(std::function<void(uint64_t)> fn);
  // Called when records wait for Flush(); the server posts one.
  void set_request_flush(std::function<void()> fn);
  // See wal::LogWriter::set_signals and set_request_flush_after.
  void set_commit_signals(const wal::CommitSignals* s);
  void set_request_flush_after(std::function<void(int64_t)> fn) {
    request_flush_after_ = std::move(fn);
  }
  // The writer's completion eventfd, or -1 while the log is off. Changes
  // when the log is switched on or off; the server re-registers then.
  int event_fd() const;
  void set_on_event_fd_change(std::function<void()> fn) { on_fd_change_ = std::move(fn); }
  void OnIoEvent();
  void Flush();

  // Follows appendonly and appendfsync as CONFIG SET left them.
  void ApplyConfig();
  // Periodic work (hz): fsync policy, write retries, the rewrite child,
  // automatic rewrites.
  void Cron(int64_t now_ms);

  // BGREWRITEAOF. Returns an error text (without prefix), or "" when
  // started or (*scheduled) deferred until a BGSAVE child finishes.
  std::string StartRewrite(bool* scheduled);
  bool rewrite_in_progress() const { return child_pid_ > 0; }
  // "" while writes succeed; else the strerror text for -MISCONF.
  std::string WriteErrorText() const;
  // INFO persistence, the AOF part.
  std::string Info(int64_t now_ms) const;
  // Writes and syncs everything (SHUTDOWN, SIGTERM).
  base::Status Shutdown();
  // DEBUG LOADAOF: syncs everything appended, then replays the log as the
  // manifest on disk names it (base, then incr segments) into the engine,
  // whose dataset the caller has emptied; appending then goes on where it
  // was. On an error the dataset is partial: the caller must not serve it.
  base::Status ReloadFromDisk();
  // A replica's full resync: the RDB file the dataset was just loaded from
  // becomes the log's new base, at once and durably (a rewrite under way is
  // abandoned); later records follow it in a new segment. The file is
  // hard-linked where it can be: it may then only be replaced by rename,
  // never rewritten in place.
  base::Status AdoptBase(const std::string& rdb_path);

 private:
  base::Status Load();
  base::Status CreateFresh();
  base::Status OpenWriter(const std::string& incr, uint64_t offset, uint64_t next_seq);
  // *length: the bytes of log the file holds (after a torn-tail cut),
  // preallocated filler excluded.
  base::Status ReplayFile(const std::string& name, bool last, uint64_t* last_seq,
                          uint64_t* length);
  // The base and incr segments of `m`, in order, through ReplayFile;
  // *closed_incr_size sums the segments before the last.
  base::Status ReplayManifest(const wal::Manifest& m, uint64_t* last_seq, uint64_t* last_length,
                              uint64_t* closed_incr_size);
  base::Status LoadRdbBase(const std::string& name);
  // The dataset as a base file: RDB (aof-use-rdb-preamble) or SET records.
  base::Status WriteBase(const std::string& path, bool rdb);
  std::string ForkRewrite(bool rotate);
  // Records from now on go to a new segment `incr_seq`; "" or an error.
  std::string RotateSegment(uint64_t incr_seq);
  void RewriteDone(bool ok);
  // Stops the rewrite child, if one runs, and drops its file.
  void KillChild();
  // Deletes retained segments beyond repl-log-retention (oldest first).
  void PruneRetained(int64_t now_ms);
  void Enable();
  bool OtherChildActive() const;
  void Disable();
  std::string Path(const std::string& name) const;
  uint64_t CurrentSize() const;

  Engine* engine_;
  std::unique_ptr<wal::LogWriter> writer_;
  wal::Manifest manifest_;
  std::string dir_;
  std::string prefix_;
  std::function<void(uint64_t)> on_durable_;
  std::function<void()> request_flush_;
  std::function<void()> on_fd_change_;
  const wal::CommitSignals* signals_ = nullptr;
  std::function<void(int64_t)> request_flush_after_;

  // Sizes for INFO and automatic rewrites.
  uint64_t base_size_ = 0;
  uint64_t closed_incr_size_ = 0;   // incr segments before the current one
  uint64_t rewrite_base_size_ = 0;  // log size right after the last rewrite

  std::optional<wal::History> recovered_history_;
  std::optional<wal::History> base_history_;  // the base RDB's repl-* aux fields
  std::set<std::string> retained_;  // history files kept for replication
  bool adopting_ = false;   // AdoptBase: the old segments are not kept
  bool reloading_ = false;  // DEBUG LOADAOF: the last segment is open for appending
  pid_t child_pid_ = -1;
  bool rewrite_scheduled_ = false;
  bool child_enabling_ = false;     // the rewrite switches appendonly on
  uint64_t child_base_seq_ = 0;
  uint64_t child_first_incr_seq_ = 0;
  std::string child_temp_;
  bool child_rdb_ = true;
  int64_t child_start_ms_ = 0;
  int64_t last_rewrite_time_sec_ = -1;
  bool last_rewrite_ok_ = true;
  uint64_t rewrites_ = 0;
  uint64_t rewrite_failures_ = 0;
};

}  // namespace cairn::engine
