#include "replication/primary.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <utility>

#include "base/clock.h"
#include "base/file_util.h"
#include "base/logging.h"
#include "base/string_util.h"
#include "engine/aof.h"
#include "engine/command_context.h"
#include "engine/errors.h"
#include "engine/snapshots.h"
#include "protocol/resp_writer.h"

namespace cairn::replication {

namespace {

// The stream offset of a logged batch's first byte (History has its last).
int64_t FirstOffset(const wal::History& h, std::string_view body) {
  return h.offset - static_cast<int64_t>(body.size()) + 1;
}

}  // namespace

Primary::Replica* Primary::Find(uint64_t client_id) {
  for (Replica& r : replicas_) {
    if (r.client->id == client_id) return &r;
  }
  return nullptr;
}

void Primary::CreateBacklog() {
  if (backlog_active_) return;
  backlog_active_ = true;
  backlog_.clear();
  backlog_first_ = offset_ + 1;
}

Primary::~Primary() { KillSyncChild(); }

void Primary::KillSyncChild() {
  if (pipe_fd_ >= 0) EndPipe(false);  // (which comes back here)
  if (child_pid_ <= 0) return;
  kill(child_pid_, SIGKILL);
  waitpid(child_pid_, nullptr, 0);
  if (!child_file_.empty()) unlink(child_file_.c_str());
  child_pid_ = -1;
  engine_->server().sync_child_running = false;
}

void Primary::Append(std::string_view bytes, bool release) {
  offset_ += static_cast<int64_t>(bytes.size());
  if (backlog_active_) {
    backlog_ += bytes;
    // Trim by whole halves so that the copy is paid once per backlog's
    // worth; never what has not gone out yet.
    const auto cap = static_cast<size_t>(engine_->config().values().repl_backlog_size);
    if (backlog_.size() > 2 * cap) {
      const size_t cut = std::min<size_t>(backlog_.size() - cap,
                                          static_cast<size_t>(released_ + 1 - backlog_first_));
      backlog_.erase(0, cut);
      backlog_first_ += static_cast<int64_t>(cut);
    }
  }
  if (release) Release(offset_);
}

void Primary::Release(int64_t upto) {
  if (upto <= released_) return;
  if (backlog_active_) {
    const std::string_view bytes = std::string_view(backlog_).substr(
        static_cast<size_t>(released_ + 1 - backlog_first_),
        static_cast<size_t>(upto - released_));
    for (Replica& r : replicas_) {
      if (Holding(r) && !r.held_over && upto >= r.from) {
        // (What the RDB already has is not sent again.)
        r.held += bytes.substr(static_cast<size_t>(std::max<int64_t>(0, r.from - released_ - 1)));
        HeldOverLimit(r, base::NowMs());
      }
      if (r.stage != Stage::kOnline || r.client->conn == nullptr) continue;
      engine_->server().stats.total_net_repl_output_bytes += bytes.size();
      r.client->conn->Push(std::string(bytes));
    }
  }
  released_ = upto;
  // (Batches the stream went past some other way: the log switched off.)
  while (!sealed_.empty() && sealed_.front().second <= released_) sealed_.pop_front();
  // A diskless RDB waits for the log to have all it holds, as the stream.
  if (pipe_wait_log_ && released_ >= child_offset_) {
    pipe_wait_log_ = false;
    PumpPipe();
  }
}

bool Primary::HeldOverLimit(Replica& r, int64_t now_ms) {
  // What waits for a replica during its full resync is its output, as in
  // Redis: client-output-buffer-limit replica bounds it, and a replica
  // over the limit is dropped (it will ask again), not let grow.
  if (r.client->conn == nullptr || r.held_over) return r.held_over;
  const engine::BufferLimit& limit =
      engine_->config().values().output_limit(engine::ClientClass::kReplica);
  const auto pending = static_cast<int64_t>(r.held.size() + r.client->conn->OutputBytes());
  if (!limit.Exceeded(pending, now_ms, &r.soft_since_ms)) return false;
  CAIRN_LOG_WARNING("Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of "
                    "output buffer limits.",
                    static_cast<unsigned long long>(r.client->id), r.client->addr.c_str());
  r.held_over = true;
  r.held = std::string();
  r.client->conn->Kill();
  return true;
}

void Primary::LogDurable(uint64_t seq) {
  int64_t upto = released_;
  while (!sealed_.empty() && sealed_.front().first <= seq) {
    upto = sealed_.front().second;
    sealed_.pop_front();
  }
  Release(upto);
}

bool Primary::LogStreams() const {
  const engine::Aof* aof = engine_->aof();
  return aof != nullptr && aof->enabled() && !IsReplica();
}

int64_t Primary::Offset() const {
  // A write not sealed into a batch yet ends the stream where that batch's
  // body will: the records are the body.
  if (LogStreams()) return offset_ + static_cast<int64_t>(engine_->aof()->unsealed_bytes());
  return offset_;
}

std::optional<wal::History> Primary::LogBatch(std::string_view body, uint64_t last_seq) {
  if (IsReplica()) {
    if (link_->offset() < 0 || link_->replid().empty()) return std::nullopt;
    return wal::History{.kind = wal::History::kApplied, .offset = link_->offset(),
                        .db = link_->stream_db(), .replid = link_->replid()};
  }
  // Out to replicas once the log has it (LogDurable), never before: a
  // replica never holds what a crash of this server could take back. The
  // window is kept from the start, so that it has what is not out yet.
  CreateBacklog();
  Append(body, /*release=*/false);
  sealed_.emplace_back(last_seq, offset_);
  last_db_ = -1;  // (were the log switched off, the stream would say its database)
  return wal::History{.kind = wal::History::kStream, .offset = offset_, .db = 0,
                      .replid = engine_->server().replid};
}

void Primary::Restore(const wal::History& h, bool replica) {
  offset_ = h.offset;
  released_ = offset_;
  backlog_first_ = offset_ + 1;
  if (replica) {
    engine_->server().replid = h.replid;
  } else {
    // A history of its own from here (the ID drawn at start-up), the old
    // one valid up to here, as a promotion leaves it. Not the same ID: the
    // stream goes out once batches are written, synced only under always,
    // so after a power loss a replica may have bytes past what this log
    // kept; asking for them it must get a full resync, not different bytes
    // at those offsets.
    replid2_ = h.replid;
    second_offset_ = offset_ + 1;
  }
  CAIRN_LOG_NOTICE("The log resumes replication ID %s at offset %lld", h.replid.c_str(),
                   static_cast<long long>(h.offset));
}

void Primary::Control(std::span<const std::string> argv) {
  if (LogStreams()) return engine_->aof()->Append(0, argv);  // back through LogBatch
  std::string bytes;
  wal::AppendCommand(&bytes, argv);
  Append(bytes);
}

bool Primary::Ours(const wal::History& h) const {
  return h.kind == wal::History::kStream &&
         (h.replid == engine_->server().replid ||
          (h.replid == replid2_ && h.offset < second_offset_));
}

std::optional<int64_t> Primary::FirstStart(const std::string& path, bool* foreign) const {
  wal::BatchCursor c;
  if (!c.Open(path).ok()) return std::nullopt;
  wal::Annotation a;
  std::string_view body;
  while (c.Read(&a, &body, /*verify=*/false) == wal::BatchCursor::Next::kBatch) {
    if (!a.history) continue;  // (an empty batch marking a restart)
    if (!Ours(*a.history)) {
      *foreign = true;
      continue;
    }
    return FirstOffset(*a.history, body);
  }
  return std::nullopt;
}

bool Primary::StartCatchUp(CatchUp& cu, int64_t want) {
  cu.next = want;
  if (want < log_floor_) return false;  // a catch-up found the log unusable there
  const std::vector<std::string> files = engine_->aof()->SegmentPaths();
  // The newest file whose first batch of this history starts at or before
  // `want`; batches of another history before it (this server was a
  // replica until then) end the search.
  for (size_t i = files.size(); i-- > 0;) {
    bool foreign = false;
    const std::optional<int64_t> first = FirstStart(files[i], &foreign);
    if (!first || *first > want) {
      if (foreign) return false;
      continue;
    }
    // Here: skip to the batch that holds `want` (verifying only that one:
    // the pump verifies the rest as it reads them).
    cu.files.assign(files.begin() + static_cast<std::ptrdiff_t>(i), files.end());
    if (!cu.cursor.Open(cu.files[0]).ok()) return false;
    wal::Annotation a;
    std::string_view body;
    while (cu.cursor.Read(&a, &body, /*verify=*/false) == wal::BatchCursor::Next::kBatch) {
      if (!a.history || !Ours(*a.history) || a.history->offset < want) continue;
      const int64_t start = FirstOffset(*a.history, body);
      if (start > want || wal::BatchChecksum(body, a) != a.checksum) return false;
      cu.rest = body.substr(static_cast<size_t>(want - start));
      return true;
    }
    return false;  // (not written yet, or a gap before the next file)
  }
  return false;
}

bool Primary::PumpCatchUp(Replica& r, int64_t now_ms) {
  CatchUp& cu = *r.catch_up;
  // A replica that takes the bytes slowly gets them slowly: a few megabytes
  // waiting in its buffer at most, a bounded amount per call (the pages
  // are read on the engine thread).
  const size_t kHighWater = HighWater(8 << 20);
  constexpr size_t kPerCall = 16 << 20;
  constexpr size_t kChunk = 1 << 20;
  constexpr int64_t kMaxStallMs = 10000;
  engine::ClientConnection* conn = r.client->conn;
  if (conn == nullptr) return true;
  std::string out;
  size_t sent = 0;
  auto push = [&] {
    engine_->server().stats.total_net_repl_output_bytes += out.size();
    sent += out.size();
    conn->Push(std::move(out));
    out.clear();
  };
  // The log until the in-memory window begins (it moves on as writes
  // come), then the window, then the live stream.
  while (cu.next < backlog_first_) {
    if (out.size() >= std::min(kChunk, kHighWater)) push();
    if (sent >= kPerCall || conn->OutputBytes() > kHighWater) break;
    if (cu.rest.empty()) {
      wal::Annotation a;
      std::string_view body;
      const auto n = cu.cursor.Read(&a, &body);
      if (n != wal::BatchCursor::Next::kBatch) {
        // The next segment, if it goes on from here. Else the batches are
        // still being written (a segment's last ones, the newest file's):
        // look again later, from here.
        bool foreign = false;
        if (n == wal::BatchCursor::Next::kEnd && cu.files.size() > 1 &&
            FirstStart(cu.files[1], &foreign) == cu.next) {
          cu.files.erase(cu.files.begin());
          if (!cu.cursor.Open(cu.files[0]).ok()) return false;
          continue;
        }
        if (cu.stalled_since_ms == 0) cu.stalled_since_ms = now_ms;
        if (now_ms - cu.stalled_since_ms > kMaxStallMs) return false;
        if (!cu.cursor.Open(cu.files[0], cu.cursor.position()).ok()) return false;
        break;
      }
      cu.stalled_since_ms = 0;
      if (!a.history) continue;
      if (!Ours(*a.history)) return false;
      const int64_t start = FirstOffset(*a.history, body);
      if (start != cu.next) return false;  // a gap
      cu.rest = body;
    }
    const size_t n = static_cast<size_t>(
        std::min<int64_t>(static_cast<int64_t>(cu.rest.size()), backlog_first_ - cu.next));
    out.append(cu.rest.substr(0, n));
    cu.rest.remove_prefix(n);
    cu.next += static_cast<int64_t>(n);
  }
  if (!out.empty()) push();
  if (cu.next < backlog_first_) return true;
  // Caught up with the window: the rest from memory, then live.
  r.catch_up.reset();
  GoOnline(r, backlog_.substr(static_cast<size_t>(cu.next - backlog_first_),
                              static_cast<size_t>(released_ + 1 - cu.next)),
           now_ms);
  CAIRN_LOG_NOTICE("Replica %s caught up from the log", r.client->addr.c_str());
  return true;
}

void Primary::PumpCatchUps(int64_t now_ms) {
  for (Replica& r : replicas_) {
    if (r.stage != Stage::kCatchUp || !r.catch_up || PumpCatchUp(r, now_ms)) continue;
    // The log does not continue the stream (damage, a gap): this replica,
    // and any asking for bytes this old, get a full resync instead.
    CAIRN_LOG_WARNING("The log cannot serve replica %s from offset %lld; it will resync in full",
                      r.client->addr.c_str(), static_cast<long long>(r.catch_up->next));
    log_floor_ = std::max(log_floor_, r.catch_up->next + 1);
    if (r.client->conn != nullptr) r.client->conn->Kill();
    r.catch_up.reset();  // (it goes with its connection)
  }
}

void Primary::Feed(int db, std::span<const std::string> argv) {
  // As Redis: nothing is counted until a replica has asked for the stream;
  // a replica's replicas get its primary's stream instead (Proxy). With the
  // log on, the stream is its batches (LogBatch).
  if (!backlog_active_ || IsReplica() || LogStreams()) return;
  Release(offset_);  // (the log went away with batches not reported written)
  std::string bytes;
  if (db != last_db_) {
    wal::AppendSelect(&bytes, db);
    last_db_ = db;
  }
  wal::AppendCommand(&bytes, argv);
  Append(bytes);
}

void Primary::StartSyncChild(int64_t now_ms) {
  if (child_pid_ > 0) return;
  int64_t waiting = 0;
  int64_t first_ms = now_ms;
  bool eof_capa = true;
  for (const Replica& r : replicas_) {
    if (r.stage != Stage::kWaitFork) continue;
    waiting++;
    first_ms = std::min(first_ms, r.since_ms);
    eof_capa = eof_capa && r.eof_capa;
  }
  if (waiting == 0) return;
  const engine::ConfigValues& v = engine_->config().values();
  // Diskless when every replica takes an EOF-marked RDB (Redis falls back
  // to disk for all otherwise); then more replicas may share the fork.
  const bool diskless = v.repl_diskless_sync && eof_capa;
  const int64_t most = v.repl_diskless_sync_max_replicas;
  if (diskless && !(most > 0 && waiting >= most) &&
      now_ms - first_ms < 1000 * v.repl_diskless_sync_delay) {
    return;  // (Cron tries again)
  }
  engine::Snapshots* snaps = engine_->snapshots();
  engine::Aof* aof = engine_->aof();
  if ((snaps != nullptr && snaps->bgsave_in_progress()) ||
      (aof != nullptr && aof->rewrite_in_progress())) {
    return;  // (Cron tries again)
  }
  // The RDB is the dataset with every record so far: their batch is sealed
  // (streamed) first, so that the stream after the fork starts a batch.
  if (LogStreams()) aof->Seal();
  snapshot::RdbWriteOptions options = engine::RdbOptionsFor(*engine_, false);
  // Where in the stream the RDB stands, as Redis's say it: a replica that
  // keeps it as its base resumes from there after a restart. (The stream
  // after it starts with a SELECT.)
  options.aux.emplace_back("repl-stream-db", "0");
  options.aux.emplace_back("repl-id", engine_->server().replid);
  options.aux.emplace_back("repl-offset", std::to_string(offset_));
  std::string file;
  int out = -1;
  int pipe_fds[2] = {-1, -1};
  if (diskless) {
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
      CAIRN_LOG_WARNING("Can't create a pipe for a diskless sync: %s", std::strerror(errno));
      return;
    }
    // A bigger pipe: fewer wake-ups of the child and of this thread.
    fcntl(pipe_fds[1], F_SETPIPE_SZ, 1 << 20);
    out = pipe_fds[1];
  } else {
    // (Not synced: it is read once and unlinked.)
    file = "temp-" + std::to_string(getpid()) + "-sync.rdb";
    out = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
      CAIRN_LOG_WARNING("Can't create %s for a replica's full resync: %s", file.c_str(),
                        std::strerror(errno));
      return;
    }
  }
  const std::string mark = base::RandomHex(40);
  const pid_t pid = engine_->cold().Fork();
  if (pid == 0) {
    // Child: its copy of the dataset is the state at the fork. The mark
    // after the RDB tells the parent it is whole.
    if (pipe_fds[0] >= 0) close(pipe_fds[0]);
    snapshot::RdbFileWriter w;
    base::Status s = w.Attach(dup(out), diskless ? "the replicas' pipe" : file, options);
    if (s.ok()) s = engine::WriteRdb(w, engine_->keyspace(), base::NowMs());
    if (s.ok() && diskless) s = base::WriteAll(out, mark, "the replicas' pipe");
    _exit(s.ok() ? 0 : 1);
  }
  close(out);
  if (pid < 0) {
    CAIRN_LOG_WARNING("Can't fork for a replica's full resync: %s", std::strerror(errno));
    if (diskless) close(pipe_fds[0]);
    if (!diskless) unlink(file.c_str());
    return;
  }
  child_pid_ = pid;
  child_offset_ = offset_;
  child_file_ = file;
  engine_->server().sync_child_running = true;
  if (diskless) {
    fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
    pipe_fd_ = pipe_fds[0];
    pipe_mark_ = mark;
    pipe_tail_.clear();
  }
  // The RDB is the dataset at this offset; what follows is held for them.
  const std::string& replid = engine_->server().replid;
  for (Replica& r : replicas_) {
    if (r.stage != Stage::kWaitFork) continue;
    r.stage = Stage::kWaitRdb;
    r.from = offset_ + 1;
    r.held.clear();
    r.piped = diskless;
    if (r.client->conn == nullptr) continue;
    std::string head;
    if (r.psync) head = "+FULLRESYNC " + replid + " " + std::to_string(offset_) + "\r\n";
    if (diskless) head += "$EOF:" + mark + "\r\n";
    engine_->server().stats.total_net_repl_output_bytes += head.size();
    r.client->conn->Push(std::move(head));
  }
  last_db_ = -1;  // the replicas' stream starts with a SELECT
  CAIRN_LOG_NOTICE("Starting BGSAVE for SYNC with target: %s (child %d)",
                   diskless ? "replicas sockets" : "disk", static_cast<int>(pid));
  if (diskless) PumpPipe();
}

void Primary::SetPipeReading(bool reading) {
  if (pipe_reading_ == reading) return;
  pipe_reading_ = reading;
  if (on_fd_change_) on_fd_change_();
}

void Primary::PumpPipe() {
  if (pipe_fd_ < 0) return;
  auto fed = [](const Replica& r) {
    return r.stage == Stage::kWaitRdb && r.piped && r.client->conn != nullptr && !r.held_over;
  };
  if (std::none_of(replicas_.begin(), replicas_.end(), fed)) {
    CAIRN_LOG_WARNING("Diskless rdb transfer, last replica dropped, killing fork child.");
    return KillSyncChild();
  }
  // As the file's RDB: out only once the log has all it holds (Release
  // comes back here then).
  if (released_ < child_offset_) {
    pipe_wait_log_ = true;
    return SetPipeReading(false);
  }
  const size_t high_water = HighWater(32 << 20);
  auto full = [&] {
    return std::any_of(replicas_.begin(), replicas_.end(), [&](const Replica& r) {
      return fed(r) && r.client->conn->OutputBytes() >= high_water;
    });
  };
  constexpr size_t kPerCall = 16 << 20;
  size_t taken = 0;
  bool paused = false;
  while (taken < kPerCall) {
    if (full()) {
      paused = true;
      break;
    }
    char buf[64 << 10];
    // (Never more at once than the replicas' output may take.)
    const ssize_t n = read(pipe_fd_, buf, std::min(sizeof(buf), high_water));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      CAIRN_LOG_WARNING("Diskless rdb transfer failed: the child's RDB %s",
                        n == 0 ? "ended short" : std::strerror(errno));
      return EndPipe(false);
    }
    const std::string_view got(buf, static_cast<size_t>(n));
    taken += got.size();
    pipe_tail_ += got.substr(got.size() - std::min(got.size(), pipe_mark_.size()));
    pipe_tail_.erase(0, pipe_tail_.size() - std::min(pipe_tail_.size(), pipe_mark_.size()));
    for (Replica& r : replicas_) {
      if (!fed(r)) continue;
      engine_->server().stats.total_net_repl_output_bytes += got.size();
      r.client->conn->Push(std::string(got));
    }
    // The child writes nothing after the mark: done (it exits on its own).
    if (pipe_tail_ == pipe_mark_) return EndPipe(true);
  }
  // Output full: look again in a millisecond (the socket drains meanwhile).
  if (paused && !pipe_timer_ && timer_) {
    pipe_timer_ = true;
    timer_(1, [this] {
      pipe_timer_ = false;
      PumpPipe();
    });
  }
  SetPipeReading(!paused);
}

void Primary::EndPipe(bool ok) {
  SetPipeReading(false);  // (unwatched before it is closed)
  close(pipe_fd_);
  pipe_fd_ = -1;
  pipe_wait_log_ = false;
  int64_t done = 0;
  for (Replica& r : replicas_) {
    if (r.stage != Stage::kWaitRdb || !r.piped) continue;
    r.piped = false;
    if (r.held_over) continue;  // (being dropped)
    if (!ok) {
      r.client->conn->Kill();  // it will ask again
      continue;
    }
    r.stage = Stage::kWaitAck;
    done++;
    CAIRN_LOG_NOTICE("Streamed RDB transfer with replica %s succeeded (socket). Waiting for "
                     "REPLCONF ACK from replica to enable streaming",
                     r.client->addr.c_str());
  }
  if (ok) {
    CAIRN_LOG_NOTICE("Diskless rdb transfer, done reading from pipe, %lld replicas still up.",
                     static_cast<long long>(done));
  } else {
    KillSyncChild();
  }
}

void Primary::ReapSyncChild() {
  // (Diskless: the pipe says when the RDB is done.)
  if (child_pid_ <= 0 || pipe_fd_ >= 0) return;
  // The RDB goes out only once the log has everything it holds (the
  // stream's rule: nothing a crash could take back).
  if (released_ < child_offset_) return;
  int status = 0;
  if (waitpid(child_pid_, &status, WNOHANG) != child_pid_) return;
  child_pid_ = -1;
  engine_->server().sync_child_running = false;
  if (child_file_.empty()) return;  // the diskless child, after its pipe
  const bool exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  // Mapped, then unlinked: the replicas read it at their pace, and nothing
  // is left behind whatever happens to them.
  auto rdb = std::make_shared<wal::MappedFile>();
  const bool ok = exited_ok && rdb->Open(child_file_).ok();
  unlink(child_file_.c_str());
  for (Replica& r : replicas_) {
    // (Not one still being sent an earlier child's RDB, nor one the
    // diskless child fed.)
    if (r.stage != Stage::kWaitRdb || r.rdb || r.piped || r.client->conn == nullptr) continue;
    if (!ok) {
      // It will ask again.
      CAIRN_LOG_WARNING("Full resynchronization of %s failed: the RDB child failed",
                        r.client->addr.c_str());
      r.client->conn->Kill();
      continue;
    }
    r.rdb = rdb;
    r.rdb_pos = 0;
    std::string header = "$" + std::to_string(rdb->view().size()) + "\r\n";
    engine_->server().stats.total_net_repl_output_bytes += header.size();
    r.client->conn->Push(std::move(header));
    PumpRdb(r, base::NowMs());
  }
}

void Primary::GoOnline(Replica& r, std::string rest, int64_t now_ms) {
  engine_->server().stats.total_net_repl_output_bytes += rest.size();
  r.client->conn->Push(std::move(rest));
  r.stage = Stage::kOnline;
  r.ack_ms = now_ms;
}

size_t Primary::HighWater(size_t most) const {
  // Well under client-output-buffer-limit replica, however small it is set.
  const engine::BufferLimit& limit =
      engine_->config().values().output_limit(engine::ClientClass::kReplica);
  for (int64_t l : {limit.hard, limit.soft}) {
    if (l > 0) most = std::min(most, static_cast<size_t>(l / 4));
  }
  return std::max<size_t>(most, 16 << 10);
}

void Primary::PumpRdb(Replica& r, int64_t now_ms) {
  // The RDB goes a few megabytes ahead of what the replica has taken (it
  // is not output the replica's buffer limit applies to, as in Redis);
  // the stream since the fork waits in `held`, which the limit bounds.
  const size_t kHighWater = HighWater(32 << 20);
  constexpr size_t kPerCall = 64 << 20;
  constexpr size_t kChunk = 1 << 20;
  engine::ClientConnection* conn = r.client->conn;
  if (conn == nullptr || r.held_over) return;
  const std::string_view rdb = r.rdb->view();
  size_t sent = 0;
  while (r.rdb_pos < rdb.size() && sent < kPerCall && conn->OutputBytes() < kHighWater) {
    const size_t n = std::min({kChunk, kHighWater, rdb.size() - r.rdb_pos});
    conn->Push(std::string(rdb.substr(r.rdb_pos, n)));
    r.rdb_pos += n;
    sent += n;
  }
  engine_->server().stats.total_net_repl_output_bytes += sent;
  if (r.rdb_pos < rdb.size()) return;
  r.rdb.reset();
  GoOnline(r, std::exchange(r.held, std::string()), now_ms);
  CAIRN_LOG_NOTICE("Synchronization with replica %s succeeded (%zu bytes of RDB)",
                   r.client->addr.c_str(), rdb.size());
}

void Primary::Sync(engine::CommandContext& ctx, engine::ArgList args, bool psync) {
  engine::ClientState& c = ctx.client;
  if (c.replica) return;  // a second PSYNC on a link is ignored, as Redis does
  // Its primary hands over to it (FAILOVER): the PSYNC must come from the
  // history this replica follows, and is then served as a primary serves one.
  if (psync && args.size() > 3 && base::EqualsIgnoreCase(args[3], "failover")) {
    if (args[1] != engine_->server().replid) {
      return ctx.Error("PSYNC FAILOVER replid must match my replid.");
    }
    if (IsReplica()) {
      CAIRN_LOG_NOTICE("MASTER MODE enabled (failover request from '%s')", c.addr.c_str());
      BecomePrimary();
    }
  }
  if (failover_.stage != FailoverStage::kNone) {
    return ctx.reply.Error("NOMASTERLINK Can't SYNC while failing over");
  }
  if (IsReplica() && !link_->up()) {
    return ctx.reply.Error("NOMASTERLINK Can't SYNC while not connected with my master");
  }
  engine::ServerStats& st = engine_->server().stats;
  const std::string& replid = engine_->server().replid;
  Announced said = std::move(announced_[c.id]);
  announced_.erase(c.id);
  if (said.ip.empty()) said.ip = c.addr.substr(0, c.addr.rfind(':'));
  auto attach = [&] {
    c.replica = true;
    replicas_.push_back({.client = &c, .ip = said.ip, .port = said.port, .ack_offset = 0,
                         .ack_ms = base::NowMs(), .eof_capa = said.eof_capa,
                         .since_ms = base::NowMs()});
  };

  if (psync) {
    const std::string& want_id = args[1];
    const auto want = base::ParseInt64(args[2]);
    // The bytes from `want` on are still in the backlog, of this history
    // (or of the one it continues, up to where that ended): send those.
    const bool ours = want_id == replid || (want_id == replid2_ && want && *want <= second_offset_);
    // With the log on, the history is there from before the window: the
    // window starts now, the log holds what came before it.
    if (ours && LogStreams()) CreateBacklog();
    if (want && ours && backlog_active_ && *want >= backlog_first_ && *want <= released_ + 1) {
      std::string bytes = "+CONTINUE " + replid + "\r\n";
      bytes.append(backlog_, static_cast<size_t>(*want - backlog_first_),
                   static_cast<size_t>(released_ + 1 - *want));
      ctx.reply.Raw(bytes);
      st.sync_partial_ok++;
      st.total_net_repl_output_bytes += bytes.size();
      attach();
      CAIRN_LOG_NOTICE("Partial resynchronization request from %s accepted. Sending %lld bytes "
                       "of backlog starting from offset %lld.",
                       c.addr.c_str(), static_cast<long long>(offset_ + 1 - *want),
                       static_cast<long long>(*want));
      return;
    }
    // Older bytes of this history: from the log's segments.
    if (want && ours && LogStreams() && *want < backlog_first_) {
      auto cu = std::make_shared<CatchUp>();
      if (StartCatchUp(*cu, *want)) {
        const std::string bytes = "+CONTINUE " + replid + "\r\n";
        ctx.reply.Raw(bytes);
        st.sync_partial_ok++;
        st.total_net_repl_output_bytes += bytes.size();
        attach();
        Replica& r = replicas_.back();
        r.stage = Stage::kCatchUp;
        r.catch_up = cu;
        CAIRN_LOG_NOTICE("Partial resynchronization request from %s accepted. Sending %lld bytes "
                         "from offset %lld, %lld of them from the log.",
                         c.addr.c_str(), static_cast<long long>(offset_ + 1 - *want),
                         static_cast<long long>(*want),
                         static_cast<long long>(backlog_first_ - *want));
        return;
      }
    }
    if (want_id != "?") st.sync_partial_err++;
  }

  // A full resync: +FULLRESYNC goes when the RDB's fork happens (now, or
  // once the child running ends), the RDB when it is written.
  CreateBacklog();
  st.sync_full++;
  attach();
  replicas_.back().stage = Stage::kWaitFork;
  replicas_.back().psync = psync;
  CAIRN_LOG_NOTICE("Replica %s asks for synchronization; full resync", c.addr.c_str());
  StartSyncChild(base::NowMs());
}

void Primary::Replconf(engine::CommandContext& ctx, engine::ArgList args) {
  if (args.size() % 2 == 0) return ctx.Error(engine::errors::kSyntax);
  for (size_t j = 1; j < args.size(); j += 2) {
    const std::string opt = base::ToLower(args[j]);
    const std::string& val = args[j + 1];
    if (opt == "listening-port") {
      auto port = ctx.IntArg(val);
      if (!port) return;
      announced_[ctx.client.id].port = *port;
    } else if (opt == "ip-address") {
      announced_[ctx.client.id].ip = val;
    } else if (opt == "capa") {
      if (base::EqualsIgnoreCase(val, "eof")) announced_[ctx.client.id].eof_capa = true;
    } else if (opt == "ack") {
      // A replica's ACK gets no reply (it is not waiting for one).
      if (Replica* r = Find(ctx.client.id)) {
        if (auto off = base::ParseInt64(val); off && *off > r->ack_offset) r->ack_offset = *off;
        r->ack_ms = base::NowMs();
        if (r->stage == Stage::kWaitAck) {
          GoOnline(*r, std::exchange(r->held, std::string()), r->ack_ms);
        }
        if (!waiters_.empty()) ServeWaiters(-1);
      }
      return;
    } else if (opt == "getack") {
      return;  // (for a replica from its primary: Cairn replicates from no one yet)
    } else if (opt != "rdb-only" && opt != "rdb-filter-only") {
      return ctx.Error("Unrecognized REPLCONF option: " + args[j]);
    }
  }
  ctx.reply.Ok();
}

void Primary::Role(engine::CommandContext& ctx) {
  protocol::RespWriter& r = ctx.reply;
  if (IsReplica()) {
    r.Array(5);
    r.Bulk("slave");
    r.Bulk(link_->host());
    r.Int(link_->port());
    r.Bulk(link_->RoleState());
    r.Int(std::max<int64_t>(link_->offset(), -1));
    return;
  }
  r.Array(3);
  r.Bulk("master");
  r.Int(Offset());
  r.Array(replicas_.size());
  for (const Replica& rep : replicas_) {
    r.Array(3);
    r.Bulk(rep.ip);
    r.Bulk(std::to_string(rep.port));
    r.Bulk(std::to_string(rep.ack_offset));
  }
}

const char* Primary::StateName(const Replica& r) {
  // (One that has its RDB and is loading it is online to Redis too.)
  if (r.stage == Stage::kOnline || r.stage == Stage::kCatchUp || r.stage == Stage::kWaitAck) {
    return "online";
  }
  return r.rdb ? "send_bulk" : "wait_bgsave";
}

std::string Primary::Info(engine::CommandContext& ctx) {
  std::string out = "# Replication\r\n";
  out += IsReplica() ? link_->InfoFields(ctx.now_ms) : std::string("role:master\r\n");
  out += "connected_slaves:" + std::to_string(replicas_.size()) + "\r\n";
  const int64_t offset = IsReplica() ? std::max<int64_t>(link_->offset(), 0) : Offset();
  for (size_t i = 0; i < replicas_.size(); i++) {
    const Replica& r = replicas_[i];
    out += "slave" + std::to_string(i) + ":ip=" + r.ip + ",port=" + std::to_string(r.port) +
           ",state=" + StateName(r) +
           ",offset=" + std::to_string(r.ack_offset) +
           ",lag=" + std::to_string((ctx.now_ms - r.ack_ms) / 1000) + "\r\n";
  }
  const std::string size = std::to_string(engine_->config().values().repl_backlog_size);
  static constexpr const char* kFailoverStates[] = {"no-failover", "waiting-for-sync",
                                                    "failover-in-progress"};
  const char* failover = kFailoverStates[static_cast<int>(failover_.stage)];
  out += std::string("master_failover_state:") + failover +
         "\r\nmaster_replid:" + engine_->server().replid +
         "\r\nmaster_replid2:" + replid2_ + "\r\n"
         "master_repl_offset:" + std::to_string(offset) +
         "\r\nsecond_repl_offset:" + std::to_string(second_offset_) +
         "\r\nrepl_backlog_active:" + (backlog_active_ ? "1" : "0") +
         "\r\nrepl_backlog_size:" + size + "\r\nrepl_backlog_first_byte_offset:" +
         std::to_string(backlog_active_ ? backlog_first_ : 0) +
         "\r\nrepl_backlog_histlen:" + std::to_string(backlog_.size()) + "\r\n";
  return out;
}

void Primary::ClientGone(const engine::ClientState& c) {
  announced_.erase(c.id);
  std::erase_if(replicas_, [&](const Replica& r) { return r.client == &c; });
  std::erase_if(waiters_, [&](const Waiter& w) { return w.client == &c; });
}

int64_t Primary::AckedAt(int64_t offset) const {
  return std::count_if(replicas_.begin(), replicas_.end(),
                       [&](const Replica& r) { return r.ack_offset >= offset; });
}

void Primary::Wait(engine::CommandContext& ctx, int64_t numreplicas, int64_t timeout_ms) {
  if (IsReplica()) {
    return ctx.Error("WAIT cannot be used with replica instances. Please also note that since "
                     "Redis 4.0 if a replica is configured to be writable (which is not the "
                     "default) writes to replicas are just local and are not propagated.");
  }
  engine::ClientState& c = ctx.client;
  const int64_t acked = AckedAt(c.woff);
  // Inside MULTI (or where it may not block) WAIT answers what it has.
  if (acked >= numreplicas || !ctx.may_block) return ctx.reply.Int(acked);
  c.blocked = true;
  waiters_.push_back({.client = &c, .offset = c.woff, .numreplicas = numreplicas,
                      .deadline_ms = timeout_ms > 0 ? ctx.now_ms + timeout_ms : 0});
  // Replicas ACK once a second on their own; ask now (REPLCONF GETACK in
  // the stream, as Redis sends it), or, while clients are paused, once the
  // pause ends: as in Redis, the offset stays where a pause (a failover's)
  // found it.
  if (!replicas_.empty()) getack_due_ = true;
  AskForAcks(ctx.now_ms);
}

void Primary::AskForAcks(int64_t now_ms) {
  if (!getack_due_ || engine_->server().Paused(now_ms)) return;
  getack_due_ = false;
  static const std::string kGetack[] = {"REPLCONF", "GETACK", "*"};
  Control(kGetack);
}

void Primary::ServeWaiters(int64_t now_ms) {
  std::vector<Waiter> done;
  std::erase_if(waiters_, [&](const Waiter& w) {
    const bool ready = AckedAt(w.offset) >= w.numreplicas ||
                       (now_ms >= 0 && w.deadline_ms != 0 && now_ms >= w.deadline_ms);
    if (ready) done.push_back(w);
    return ready;
  });
  for (const Waiter& w : done) {
    w.client->blocked = false;
    if (w.client->conn != nullptr) {
      w.client->conn->OnUnblocked(":" + std::to_string(AckedAt(w.offset)) + "\r\n", false);
    }
  }
}

void Primary::ReplicaOf(engine::CommandContext& ctx, engine::ArgList args) {
  if (base::EqualsIgnoreCase(args[1], "no") && base::EqualsIgnoreCase(args[2], "one")) {
    if (IsReplica()) {
      CAIRN_LOG_NOTICE("MASTER MODE enabled (user request from '%s')", ctx.client.addr.c_str());
      BecomePrimary();
    }
    return ctx.reply.Ok();
  }
  auto port = base::ParseInt64(args[2]);
  if (!port || *port < 0 || *port > 65535) return ctx.Error("Invalid master port");
  if (link_ == nullptr) return ctx.Error("Replication is not available");
  if (IsReplica() && link_->host() == args[1] && link_->port() == *port) {
    return ctx.reply.Simple("OK Already connected to specified master");
  }
  FollowPrimary(args[1], *port, /*failover=*/false);
  CAIRN_LOG_NOTICE("REPLICAOF %s:%lld enabled (user request from '%s')", args[1].c_str(),
                   static_cast<long long>(*port), ctx.client.addr.c_str());
  ctx.reply.Ok();
}

void Primary::FollowPrimary(const std::string& host, int64_t port, bool failover) {
  // Clients blocked in commands and WAITs get -UNBLOCKED and are
  // disconnected, as Redis does it.
  engine_->UnblockForRoleChange();
  std::vector<Waiter> waiting = std::move(waiters_);
  waiters_.clear();
  for (const Waiter& w : waiting) {
    w.client->blocked = false;
    w.client->close_after_reply = true;
    if (w.client->conn != nullptr) {
      std::string reply;
      protocol::RespWriter(&reply, w.client->resp).Error(engine::errors::kUnblockedForReplica);
      w.client->conn->OnUnblocked(std::move(reply), false);
    }
  }
  // PSYNC offers this server's history: a former primary whose writes the
  // new one has (a promoted replica) resumes without a full copy. Its last
  // records are sealed into the stream first: the offset is all of them.
  const bool history = backlog_active_ || LogStreams();
  if (LogStreams()) engine_->aof()->Seal();
  link_->Follow(host, port, engine_->server().replid, history ? offset_ : -1, -1, failover);
}

void Primary::BecomePrimary() {
  // What it applied as a replica is its primary's stream, which its
  // replicas had through Proxy: sealed now, not streamed again.
  if (engine::Aof* aof = engine_->aof(); aof != nullptr && aof->enabled()) aof->Seal();
  link_->Stop();
  // Its own history from here, under a new ID; the old one still resumes up
  // to this offset (its replicas, a former primary).
  NewReplid(base::RandomHex(40));
  last_db_ = -1;
}

void Primary::Failover(engine::CommandContext& ctx, engine::ArgList args) {
  // Checked in Redis 7.0's order: the arguments, then the state.
  if (args.size() == 2 && base::EqualsIgnoreCase(args[1], "abort")) {
    if (failover_.stage == FailoverStage::kNone) return ctx.Error("No failover in progress.");
    EndFailover("Failover manually aborted");
    return ctx.reply.Ok();
  }
  int64_t timeout = 0;
  std::optional<int64_t> port;
  std::string host;
  bool force = false;
  for (size_t j = 1; j < args.size(); j++) {
    if (base::EqualsIgnoreCase(args[j], "timeout") && j + 1 < args.size() && timeout == 0) {
      auto t = base::ParseInt64(args[j + 1]);
      if (!t) return ctx.Error(engine::errors::kNotInteger);
      if (*t <= 0) return ctx.Error("FAILOVER timeout must be greater than 0");
      timeout = *t;
      j++;
    } else if (base::EqualsIgnoreCase(args[j], "to") && j + 2 < args.size() && !port) {
      port = base::ParseInt64(args[j + 2]);
      if (!port) return ctx.Error(engine::errors::kNotInteger);
      host = args[j + 1];
      j += 2;
    } else if (base::EqualsIgnoreCase(args[j], "force") && !force) {
      force = true;
    } else {
      return ctx.Error(engine::errors::kSyntax);
    }
  }
  if (failover_.stage != FailoverStage::kNone) return ctx.Error("FAILOVER already in progress.");
  if (IsReplica()) return ctx.Error("FAILOVER is not valid when server is a replica.");
  if (replicas_.empty()) return ctx.Error("FAILOVER requires connected replicas.");
  if (force && (timeout == 0 || !port)) {
    return ctx.Error("FAILOVER with force option requires both a timeout and target HOST and IP.");
  }
  if (port) {
    auto it = std::find_if(replicas_.begin(), replicas_.end(),
                           [&](const Replica& r) { return r.ip == host && r.port == *port; });
    if (it == replicas_.end()) return ctx.Error("FAILOVER target HOST and PORT is not a replica.");
    if (it->stage != Stage::kOnline) return ctx.Error("FAILOVER target replica is not online.");
    CAIRN_LOG_NOTICE("FAILOVER requested to %s:%lld.", host.c_str(), static_cast<long long>(*port));
  } else {
    CAIRN_LOG_NOTICE("FAILOVER requested to any replica.");
  }
  failover_ = {.stage = FailoverStage::kWaitForSync,
               .host = host,
               .port = port.value_or(0),
               .end_ms = timeout > 0 ? ctx.now_ms + timeout : 0,
               .force = force};
  // Writes wait (and the stream with them: no PINGs or GETACKs, so the
  // offset the replicas must reach stays put); replicas still ACK.
  engine_->server().failover_pause = true;
  ctx.reply.Ok();
}

void Primary::UpdateFailover(int64_t now_ms) {
  if (failover_.stage == FailoverStage::kInProgress) {
    if (failover_.answer > 0) {
      CAIRN_LOG_NOTICE("Failover to %s:%lld complete.", failover_.host.c_str(),
                       static_cast<long long>(failover_.port));
      EndFailover(nullptr);
    } else if (failover_.answer < 0) {
      EndFailover("Failover target rejected psync request");
    }
    return;
  }
  if (failover_.stage != FailoverStage::kWaitForSync) return;
  const auto handover = [&] {
    CAIRN_LOG_NOTICE("Failover target %s:%lld is synced, failing over.", failover_.host.c_str(),
                     static_cast<long long>(failover_.port));
    failover_.stage = FailoverStage::kInProgress;
    FollowPrimary(failover_.host, failover_.port, /*failover=*/true);
  };
  if (failover_.end_ms != 0 && now_ms >= failover_.end_ms) {
    if (!failover_.force) return EndFailover("Replica never caught up before timeout");
    CAIRN_LOG_NOTICE("FAILOVER to %s:%lld time out exceeded, failing over.", failover_.host.c_str(),
                     static_cast<long long>(failover_.port));
    return handover();
  }
  const int64_t offset = Offset();
  for (const Replica& r : replicas_) {
    const bool target =
        failover_.host.empty() || (r.ip == failover_.host && r.port == failover_.port);
    if (!target || r.stage != Stage::kOnline || r.ack_offset < offset) continue;
    failover_.host = r.ip;
    failover_.port = r.port;
    return handover();
  }
}

void Primary::EndFailover(const char* why) {
  if (failover_.stage == FailoverStage::kNone) return;
  if (why != nullptr) {
    if (failover_.host.empty()) {
      CAIRN_LOG_NOTICE("FAILOVER to any replica aborted: %s", why);
    } else {
      CAIRN_LOG_NOTICE("FAILOVER to %s:%lld aborted: %s", failover_.host.c_str(),
                       static_cast<long long>(failover_.port), why);
    }
    if (failover_.stage == FailoverStage::kInProgress) BecomePrimary();
  }
  failover_ = {};
  // The writes that waited run now: on a new replica, they are refused.
  engine_->server().failover_pause = false;
}

void Primary::Proxy(const std::string& bytes) {
  if (!backlog_active_) CreateBacklog();
  Append(bytes);
}

void Primary::ResetHistory(int64_t offset) {
  for (Replica& r : replicas_) {
    if (r.client->conn != nullptr) r.client->conn->Kill();
  }
  KillSyncChild();  // (an RDB of a dataset that is gone)
  backlog_active_ = true;
  backlog_.clear();
  offset_ = offset;
  released_ = offset;
  sealed_.clear();
  backlog_first_ = offset + 1;
  replid2_ = std::string(40, '0');
  second_offset_ = -1;
  log_floor_ = 0;
}

void Primary::NewReplid(const std::string& id) {
  replid2_ = engine_->server().replid;
  second_offset_ = offset_ + 1;
  engine_->server().replid = id;
  log_floor_ = 0;
  // Its replicas learn the new ID when they come back (+CONTINUE).
  for (Replica& r : replicas_) {
    if (r.client->conn != nullptr) r.client->conn->Kill();
  }
}

bool Primary::EnoughReplicas(int64_t now_ms) {
  if (IsReplica()) return true;  // (min-replicas applies to primaries)
  const engine::ConfigValues& v = engine_->config().values();
  if (v.min_replicas_to_write <= 0 || v.min_replicas_max_lag <= 0) return true;
  const auto good = std::count_if(replicas_.begin(), replicas_.end(), [&](const Replica& r) {
    // (Catching up from the log counts, as Redis counts a +CONTINUE'd one.)
    return (r.stage == Stage::kOnline || r.stage == Stage::kCatchUp) &&
           (now_ms - r.ack_ms) / 1000 <= v.min_replicas_max_lag;
  });
  return good >= v.min_replicas_to_write;
}

void Primary::Cron(int64_t now_ms) {
  UpdateFailover(now_ms);
  if (!waiters_.empty()) ServeWaiters(now_ms);
  AskForAcks(now_ms);
  for (Replica& r : replicas_) {
    if (!Holding(r)) continue;
    HeldOverLimit(r, now_ms);  // (the soft limit's time)
    if (r.rdb) PumpRdb(r, now_ms);
  }
  ReapSyncChild();
  StartSyncChild(now_ms);
  PumpPipe();  // (its replicas may all be gone)
  PumpCatchUps(now_ms);
  // Replicas waiting for their RDB hear a newline a second (Redis's
  // keep-alive), so that they do not time out.
  if (now_ms - last_newline_ms_ >= 1000) {
    last_newline_ms_ = now_ms;
    for (Replica& r : replicas_) {
      // (Never once the RDB or the stream has begun: it would be part of them.)
      const bool waiting =
          r.stage == Stage::kWaitFork ||
          (r.stage == Stage::kWaitRdb && !r.rdb && !r.piped);
      if (waiting && r.client->conn != nullptr) r.client->conn->Push("\n");
    }
  }
  // repl-ping-replica-period: a PING in the stream lets replicas tell a
  // quiet primary from a dead link (in the database the stream is in). A
  // replica's replicas get its primary's PINGs instead.
  if (replicas_.empty() || IsReplica() || engine_->server().Paused(now_ms)) return;
  if (now_ms - last_ping_ms_ < 1000 * engine_->config().values().repl_ping_replica_period) return;
  last_ping_ms_ = now_ms;
  static const std::string kPing[] = {"PING"};
  Control(kPing);
}

size_t Primary::HeldMemory() const {
  size_t n = 0;
  for (const Replica& r : replicas_) n += r.held.capacity();
  return n;
}

size_t Primary::NotCountedMemory() const {
  // The backlog counts while replicas are attached, as in Redis 7.0 (it
  // stops growing at twice its size). Without any, Redis has no backlog;
  // Cairn keeps the log's window all the same (a replica's first PSYNC
  // continues from it), which is not the dataset's memory: with a small
  // maxmemory it left nothing to evict and writes got -OOM.
  return (replicas_.empty() ? BacklogMemory() : 0) + HeldMemory();
}

}  // namespace cairn::replication
