// Primary: the primary side of Redis replication (ARCHITECTURE.md
// "Replication"), as a redis-server 7.0 replica expects it. A replica's
// PSYNC is answered with +CONTINUE and the bytes it missed when the
// backlog still holds them, else with +FULLRESYNC and an RDB of the dataset
// as it is at that moment; from then on every write reaches it as the
// replication stream (RESP commands, a SELECT whenever the database
// changes, a PING every repl-ping-replica-period seconds), whose byte count
// is the replication offset. REPLCONF ACK tells how far each replica got
// (INFO replication, ROLE).
//
// A full resync's RDB is written by a forked child (the dataset as it was at
// the fork, copy-on-write), one child at a time with BGSAVE and log
// rewrites: replicas that ask meanwhile wait for the next fork. The writes
// after the fork wait in the replica's own buffer and follow the RDB.
//
// With appendonly yes the log is the backlog: the stream is the log's
// batches, body after body, sent to replicas once the log has written each
// (synced it, under always), and every batch's annotation records the
// stream offset it ends at and the replication ID (wal/format.h History).
// A PSYNC for bytes older than the in-memory window (repl-backlog-size) is
// answered +CONTINUE and served from the segments on disk, a few megabytes
// at a time as the replica takes them, until it reaches the window, which
// it goes on from; segments a rewrite replaces stay for this as long as
// repl-log-retention says. A restarted
// primary takes its ID and offset back from the log, so its replicas
// resume too. PINGs and GETACKs go through the log for the same reason.
// Without the log the stream is built from the writes as they happen and
// the backlog is memory only, as in Redis.
//
// With repl-diskless-sync yes (the default, as in Redis) and replicas that
// say `capa eof`, a full resync's RDB goes from the child through a pipe
// straight to their sockets, EOF-marked as Redis sends it: the first fork
// waits repl-diskless-sync-delay seconds for more replicas to share it
// (or until repl-diskless-sync-max-replicas ask). The pipe is read only
// while every replica it feeds has little output waiting, so the child
// writes at the pace of the slowest and nothing is buffered whole.
// Otherwise the RDB goes to a temporary file, mapped and unlinked once the
// child is done, and out to each replica a few megabytes ahead of what it
// has taken. Either way the stream meanwhile waits for it, bounded by
// client-output-buffer-limit replica (over it, the replica is dropped, as
// Redis drops it).
//
// Engine thread only. The server watches fd() for EPOLLIN and calls
// OnEvents, and runs what set_timer asks for.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/replication_hooks.h"
#include "replication/replica_link.h"
#include "wal/log_reader.h"

namespace cairn::replication {

class Primary : public engine::ReplicationHooks {
 public:
  // REQUIRES: engine outlives the primary.
  explicit Primary(engine::Engine* engine) : engine_(engine) {}
  ~Primary() override;
  // This server's own replica side (REPLICAOF). REQUIRES: outlives this.
  void set_link(ReplicaLink* link) { link_ = link; }

  void Feed(int db, std::span<const std::string> argv) override;
  std::optional<wal::History> LogBatch(std::string_view body, uint64_t last_seq) override;
  void LogDurable(uint64_t seq) override;
  // Start-up: where the log left replication (engine::Aof::recovered_history).
  // `replica`: this server follows its primary again (replicaof).
  void Restore(const wal::History& h, bool replica);
  void Sync(engine::CommandContext& ctx, engine::ArgList args, bool psync) override;
  void Replconf(engine::CommandContext& ctx, engine::ArgList args) override;
  void Role(engine::CommandContext& ctx) override;
  std::string Info(engine::CommandContext& ctx) override;
  void ClientGone(const engine::ClientState& c) override;
  void Cron(int64_t now_ms) override;
  // The offset of the last byte of the stream (Redis's master_repl_offset).
  int64_t Offset() const override;
  void Wait(engine::CommandContext& ctx, int64_t numreplicas, int64_t timeout_ms) override;
  bool EnoughReplicas(int64_t now_ms) override;
  void ReplicaOf(engine::CommandContext& ctx, engine::ArgList args) override;
  // FAILOVER, as Redis 7.0 coordinates it: writes are paused; once a
  // replica (the one named, or the first) has acknowledged the whole
  // stream, this server follows it and asks it to take over (PSYNC ...
  // FAILOVER); its answer ends the failover (FailoverAnswered), a refusal or
  // a lost link rolls it back (this server is a primary again, writable).
  // With a timeout, a replica that has not caught up by then rolls it back,
  // or with FORCE is taken over by all the same.
  void Failover(engine::CommandContext& ctx, engine::ArgList args) override;
  // For ReplicaLink: whether the PSYNC ... FAILOVER was taken.
  void FailoverAnswered(bool ok) { failover_.answer = ok ? 1 : -1; }

  // For ReplicaLink, while this server is a replica. The stream it
  // applied, byte for byte, for this server's own replicas:
  void Proxy(const std::string& bytes);
  // A full resync made the dataset the primary's at `offset`: replicas of
  // this server must sync again, the backlog starts there.
  void ResetHistory(int64_t offset);
  // The primary answered +CONTINUE under a new ID (it was promoted): the
  // old one stays valid up to here (replid2), as PSYNC2 has it.
  void NewReplid(const std::string& id);
  bool IsReplica() const override { return link_ != nullptr && link_->active(); }
  bool LinkDown() const override { return IsReplica() && !link_->up(); }
  size_t NotCountedMemory() const override;
  size_t BacklogMemory() const override { return backlog_active_ ? backlog_.capacity() : 0; }
  size_t ReplicationBufferMemory() const override { return BacklogMemory() + HeldMemory(); }

  // The diskless sync child's pipe while it is to be read; -1 otherwise.
  int fd() const { return pipe_reading_ ? pipe_fd_ : -1; }
  uint32_t interest() const { return EPOLLIN; }
  void OnEvents(uint32_t /*events*/) { PumpPipe(); }
  // Called when fd() changes; the server re-watches.
  void set_on_fd_change(std::function<void()> fn) { on_fd_change_ = std::move(fn); }
  // Runs a task after a delay in ms on this thread (EventLoop::After).
  void set_timer(std::function<void(int64_t, std::function<void()>)> fn) {
    timer_ = std::move(fn);
  }

 private:
  // A full resync's progress: waiting for a fork, for the RDB of the
  // fork it got (the stream since then held in `held`), for the first ACK
  // after a diskless RDB (nothing may follow its EOF mark in what the
  // replica reads last: Redis's replicas look for the mark at the end, and
  // the ACK says the replica has loaded it), or online.
  // A partial resync from the log: the bytes from `next` on come from the
  // segment files until the in-memory window begins (backlog_first_),
  // then from the window; online from there.
  enum class Stage { kWaitFork, kWaitRdb, kWaitAck, kCatchUp, kOnline };
  struct CatchUp {
    std::vector<std::string> files;  // still to read, in order
    wal::BatchCursor cursor;         // in files[0]
    int64_t next = 0;
    std::string_view rest;           // of the batch read last, from `next`
    int64_t stalled_since_ms = 0;    // the files end short of the window
  };
  struct Replica {
    engine::ClientState* client;
    std::string ip;
    int64_t port = 0;         // REPLCONF listening-port
    int64_t ack_offset = 0;   // REPLCONF ACK
    int64_t ack_ms = 0;
    Stage stage = Stage::kOnline;
    bool psync = true;        // (SYNC gets no +FULLRESYNC line)
    bool eof_capa = false;    // REPLCONF capa eof: takes an EOF-marked RDB
    int64_t since_ms = 0;     // kWaitFork: asked then
    bool piped = false;       // kWaitRdb: gets the RDB from the pipe
    std::string held;
    int64_t from = 0;         // kWaitRdb, kWaitAck: the first offset after its RDB
    int64_t soft_since_ms = 0;  // held over the soft output limit since
    bool held_over = false;     // dropped for its output limit
    std::shared_ptr<wal::MappedFile> rdb;  // kWaitRdb: the RDB being sent
    size_t rdb_pos = 0;
    std::shared_ptr<CatchUp> catch_up;
  };
  // Forks the RDB child for the replicas waiting for one, when no other
  // child runs (and, diskless, once repl-diskless-sync-delay is over).
  void StartSyncChild(int64_t now_ms);
  // Stops the sync child, if one runs, and drops its file or pipe.
  void KillSyncChild();
  // Disk: the child is done, its file goes to the replicas. Diskless: the
  // child that fed the pipe has exited.
  void ReapSyncChild();
  // Diskless: moves what the pipe has on to its replicas, as far as they
  // take it; the replicas go online when it ends with the mark.
  void PumpPipe();
  // The pipe is done with: `ok`, its RDB went whole to its replicas, which
  // wait for their ACK (the child exits on its own: ReapSyncChild); else
  // they are dropped and the child killed.
  void EndPipe(bool ok);
  // A replica in a full resync, the stream held for it.
  static bool Holding(const Replica& r) {
    return r.stage == Stage::kWaitRdb || r.stage == Stage::kWaitAck;
  }
  void SetPipeReading(bool reading);
  // Bytes of the stream: into the backlog, counted, and sent to replicas.
  // `release`: out to replicas now; else once Release reaches them.
  void Append(std::string_view bytes, bool release = true);
  // The stream up to `upto` goes out: to online replicas, and into what
  // replicas waiting for their RDB will get after it.
  void Release(int64_t upto);
  // client-output-buffer-limit replica, applied to what waits for `r` in
  // its full resync; true (and the replica dropped) when over it.
  bool HeldOverLimit(Replica& r, int64_t now_ms);
  // Sends `r` the next part of its RDB; online when it is all out.
  void PumpRdb(Replica& r, int64_t now_ms);
  // How much the pumps let wait in a replica's output: `most`, less under a
  // small client-output-buffer-limit replica.
  size_t HighWater(size_t most) const;
  // The last of a full or partial resync, `rest`, goes; then the live stream.
  void GoOnline(Replica& r, std::string rest, int64_t now_ms);
  // The backlog exists from the first replica on (Redis creates it then).
  void CreateBacklog();
  // The stream goes through the log (appendonly yes, not a replica).
  bool LogStreams() const;
  // PING, REPLCONF GETACK: into the stream (through the log when it is one).
  void Control(std::span<const std::string> argv);
  // Positions a catch-up at `want` in the log's segments; false when they
  // do not hold it.
  bool StartCatchUp(CatchUp& cu, int64_t want);
  // Where the first batch of this history in a segment file starts
  // (*foreign: batches of another history come before it).
  std::optional<int64_t> FirstStart(const std::string& path, bool* foreign) const;
  // A batch of this history's stream (or of the one it continues).
  bool Ours(const wal::History& h) const;
  // Sends the next bytes of each catch-up, within its replica's output
  // budget; online when it reaches the live stream.
  void PumpCatchUps(int64_t now_ms);
  // false: the log does not continue the stream here (damage, a gap).
  bool PumpCatchUp(Replica& r, int64_t now_ms);

  Replica* Find(uint64_t client_id);
  // As INFO's slaveN lines say it.
  static const char* StateName(const Replica& r);
  // This server follows host:port from now on (REPLICAOF, a failover's
  // handover), offering the history it has.
  void FollowPrimary(const std::string& host, int64_t port, bool failover);
  // This replica becomes a primary (REPLICAOF NO ONE, a failover): the
  // dataset stays, writable, under a new replication ID.
  void BecomePrimary();
  // FAILOVER's progress, run from Cron.
  void UpdateFailover(int64_t now_ms);
  // Ends a failover; `why` (a rollback): logged, and a failover already
  // handed over makes this server a primary again.
  void EndFailover(const char* why);
  // The stream held for replicas in full resyncs.
  size_t HeldMemory() const;
  // Replicas that acknowledged at least `offset`.
  int64_t AckedAt(int64_t offset) const;
  // WAITs that are satisfied, or (now_ms >= 0) past their deadline, answered.
  void ServeWaiters(int64_t now_ms);
  // The REPLCONF GETACK a WAIT asked for, unless clients are paused.
  void AskForAcks(int64_t now_ms);

  engine::Engine* engine_;
  ReplicaLink* link_ = nullptr;
  std::vector<Replica> replicas_;
  // REPLCONF listening-port / ip-address / capa given before PSYNC.
  struct Announced {
    std::string ip;
    int64_t port = 0;
    bool eof_capa = false;
  };
  std::map<uint64_t, Announced> announced_;  // by client id
  bool backlog_active_ = false;
  std::string backlog_;         // the last bytes of the stream
  int64_t backlog_first_ = 0;   // the offset of backlog_[0]
  int64_t offset_ = 0;
  // The ID this history had before (a promotion, a primary's new ID), and
  // the first offset it does not cover: PSYNC with it still resumes.
  std::string replid2_ = std::string(40, '0');
  int64_t second_offset_ = -1;
  int64_t log_floor_ = 0;       // the log cannot serve a catch-up before this
  // With the log on, the stream goes out as the log has it: batches
  // sealed but not yet written (durable under always), by last seq and
  // the offset they end at; released_ is how far it has gone out.
  std::deque<std::pair<uint64_t, int64_t>> sealed_;
  int64_t released_ = 0;
  int64_t child_offset_ = 0;    // the sync child's RDB is the stream up to here
  int last_db_ = -1;            // the database the stream is in (-1: say it)
  int64_t last_ping_ms_ = 0;
  int64_t last_newline_ms_ = 0;
  pid_t child_pid_ = -1;
  std::string child_file_;      // disk: the child's RDB; "" when diskless
  int pipe_fd_ = -1;            // diskless: the child's RDB comes through here
  std::string pipe_mark_;       // and ends with this
  std::string pipe_tail_;       // the last bytes read, where the mark would be
  bool pipe_reading_ = false;
  bool pipe_timer_ = false;     // a PumpPipe is due (its replicas' output was full)
  bool pipe_wait_log_ = false;  // the pipe waits for the log to hold the RDB's data
  std::function<void()> on_fd_change_;
  std::function<void(int64_t, std::function<void()>)> timer_;
  struct Waiter {
    engine::ClientState* client;
    int64_t offset;       // its last write's
    int64_t numreplicas;
    int64_t deadline_ms;  // 0: none
  };
  std::vector<Waiter> waiters_;  // WAIT, in arrival order
  bool getack_due_ = false;
  enum class FailoverStage { kNone, kWaitForSync, kInProgress };
  struct FailoverPlan {
    FailoverStage stage = FailoverStage::kNone;
    std::string host;  // the target; empty: the first replica to catch up
    int64_t port = 0;
    int64_t end_ms = 0;  // the timeout's end; 0: none
    bool force = false;
    int answer = 0;  // ReplicaLink's: 1 taken, -1 refused or lost
  };
  FailoverPlan failover_;
};

}  // namespace cairn::replication
