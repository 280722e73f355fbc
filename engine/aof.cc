#include "engine/aof.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <span>
#include <vector>

#include "base/clock.h"
#include "base/file_util.h"
#include "base/logging.h"
#include "base/string_util.h"
#include "engine/engine.h"
#include "engine/memory/cold_tier.h"
#include "engine/snapshots.h"
#include "protocol/resp_writer.h"
#include "snapshot/rdb_file.h"
#include "snapshot/rebuild.h"
#include "types/stream.h"
#include "types/hash.h"
#include "types/quicklist.h"
#include "types/set.h"
#include "types/zset.h"
#include "wal/batch_file.h"
#include "wal/log_reader.h"

namespace cairn::engine {

namespace {

using base::FileSize;

wal::SyncPolicy PolicyOf(const ConfigValues& v) {
  switch (v.fsync_policy()) {
    case FsyncPolicy::kAlways: return wal::SyncPolicy::kAlways;
    case FsyncPolicy::kEverysec: return wal::SyncPolicy::kEverysec;
    case FsyncPolicy::kNo: return wal::SyncPolicy::kNo;
  }
  return wal::SyncPolicy::kAlways;
}

}  // namespace

Aof::Aof(Engine* engine)
    : engine_(engine),
      dir_(engine->config().values().appenddirname),
      prefix_(engine->config().values().appendfilename) {}

Aof::~Aof() { KillChild(); }

void Aof::KillChild() {
  if (child_pid_ <= 0) return;
  kill(child_pid_, SIGKILL);
  waitpid(child_pid_, nullptr, 0);
  unlink(child_temp_.c_str());
  child_pid_ = -1;
}

std::string Aof::Path(const std::string& name) const { return dir_ + "/" + name; }

base::Status Aof::Start() {
  if (!engine_->config().values().appendonly) return base::Status::Ok();
  if (mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) {
    return base::Status::IoErrorFromErrno("creating " + dir_, errno);
  }
  return Load();
}

base::Status Aof::CreateFresh() {
  // An empty base, as Redis 7 writes on a first start with no data: the
  // manifest always names one.
  const bool rdb = engine_->config().values().aof_use_rdb_preamble;
  manifest_.files = {{wal::BaseFileName(prefix_, 1, rdb), 1, wal::FileType::kBase},
                     {wal::IncrFileName(prefix_, 1), 1, wal::FileType::kIncr}};
  CAIRN_RETURN_IF_ERROR(WriteBase(Path(manifest_.files[0].name), rdb));
  CAIRN_RETURN_IF_ERROR(OpenWriter(manifest_.files[1].name, 0, 1));
  CAIRN_RETURN_IF_ERROR(wal::WriteManifest(dir_, wal::ManifestFileName(prefix_), manifest_));
  base_size_ = 0;
  closed_incr_size_ = 0;
  rewrite_base_size_ = 0;
  CAIRN_LOG_NOTICE("Creating AOF base file %s and incr file %s in %s",
                   manifest_.files[0].name.c_str(), manifest_.files[1].name.c_str(),
                   dir_.c_str());
  return base::Status::Ok();
}

base::Status Aof::OpenWriter(const std::string& incr, uint64_t offset, uint64_t next_seq) {
  auto io = wal::NewUringIo();
  if (!io.ok()) return io.status();
  writer_ = std::make_unique<wal::LogWriter>(std::move(io).value());
  writer_->set_policy(PolicyOf(engine_->config().values()));
  writer_->set_on_durable([this](uint64_t seq) {
    if (ReplicationHooks* r = engine_->replication()) r->LogDurable(seq);
    if (on_durable_) on_durable_(seq);
  });
  writer_->set_request_flush([this] {
    if (request_flush_) request_flush_();
  });
  writer_->set_signals(signals_);
  writer_->set_request_flush_after([this](int64_t us) {
    if (request_flush_after_) request_flush_after_(us);
  });
  // 1 MiB holds about 20k small SETs: the extension's metadata update is
  // then paid by one sync in thousands.
  writer_->set_preallocate(1 << 20);
  writer_->set_on_seal(
      [this](std::string_view body, uint64_t last_seq) -> std::optional<wal::History> {
        ReplicationHooks* r = engine_->replication();
        return r != nullptr ? r->LogBatch(body, last_seq) : std::nullopt;
      });
  CAIRN_RETURN_IF_ERROR(writer_->Open(Path(incr), offset, next_seq));
  engine_->set_propagation_sink(this);
  if (on_fd_change_) on_fd_change_();
  return base::Status::Ok();
}

base::Status Aof::ReplayFile(const std::string& name, bool last, uint64_t* last_seq,
                             uint64_t* length) {
  const std::string path = Path(name);
  ClientState loader;  // each file replays from database 0, as in Redis
  loader.authenticated = true;  // the log is trusted: requirepass does not apply
  auto apply = [&](std::vector<std::string>& argv, uint64_t offset) -> base::Status {
    if (engine_->table().Find(argv[0]) == nullptr) {
      return base::Status::NotSupported(name + ": unknown command '" + argv[0] +
                                        "' in the batch or record at offset " +
                                        std::to_string(offset));
    }
    std::string scratch;
    protocol::RespWriter w(&scratch, 2);
    engine_->Execute(loader, argv, w);
    engine_->LoadedOne();
    // A failed SELECT would replay what follows into the wrong database
    // (a log from a server with more `databases`): refuse instead.
    if (!scratch.empty() && scratch[0] == '-' && base::EqualsIgnoreCase(argv[0], "select")) {
      return base::Status::InvalidArgument(
          name + ": SELECT " + (argv.size() > 1 ? argv[1] : "") + " at offset " +
          std::to_string(offset) + " failed (" + scratch.substr(1, scratch.size() - 3) +
          "); is `databases` smaller than where this log was written?");
    }
    return base::Status::Ok();
  };
  auto r = wal::ScanLogFile(path, name, apply);
  if (!r.ok()) {
    if (r.status().code() != base::StatusCode::kCorruption) return r.status();
    // Damage to data that had been synced is not cut on its own: the
    // user chooses what to drop (doc/tools.md, "Salvage").
    if (name.find(".base.") != std::string::npos) {
      return base::Status::Corruption(
          r.status().message() + ". See the ways to start again: cairn check --repair " + dir_);
    }
    return base::Status::Corruption(
        r.status().message() + ". The damaged data had been synced, so it is not cut without "
        "your say. To start, cut the log at the damage (everything from it on is dropped): "
        "cairn check --repair --truncate-at-damage " + dir_ + " ; or see whether only the "
        "damaged batch can go: cairn check --repair " + dir_);
  }
  const wal::ScanResult& s = r.value();
  if (s.torn_tail) {
    const uint64_t dropped = s.content_bytes - s.valid_bytes;
    // Everything was synced before a reload: damage is real, and the file
    // is open for appending, so nothing may be cut from it.
    if (reloading_) return base::Status::Corruption(name + ": " + s.torn_reason);
    if (!last) {
      return base::Status::Corruption(
          name + ": " + s.torn_reason + " in a file that is not the last one. To start, cut the "
          "log there (everything from it on is dropped): cairn check --repair "
          "--truncate-at-damage " + dir_);
    }
    if (!engine_->config().values().aof_load_truncated) {
      return base::Status::Corruption(
          name + ": unexpected end of file (" + s.torn_reason +
          "); aof-load-truncated is no, so the start is refused. Run cairn-check --repair to "
          "cut the last " + std::to_string(dropped) + " bytes");
    }
    CAIRN_RETURN_IF_ERROR(wal::TruncateFile(path, s.valid_bytes));
    CAIRN_LOG_WARNING("!!! Warning: short read while loading the AOF file %s!!! (%s). "
                      "AOF loaded anyway because aof-load-truncated is enabled: dropped %llu "
                      "bytes of the torn tail",
                      name.c_str(), s.torn_reason.c_str(),
                      static_cast<unsigned long long>(dropped));
  }
  if (last_seq != nullptr && s.last_seq > *last_seq) *last_seq = s.last_seq;
  if (s.last_history) recovered_history_ = s.last_history;
  if (length != nullptr) *length = s.torn_tail ? s.valid_bytes : s.content_bytes;
  return base::Status::Ok();
}

base::Status Aof::LoadRdbBase(const std::string& name) {
  Keyspace& ks = engine_->keyspace();
  auto r = snapshot::ReadRdbFile(
      Path(name), name,
      [&](int db, std::string key, types::Value value, int64_t expire_ms) -> base::Status {
        if (db >= ks.databases()) {
          return base::Status::InvalidArgument(name + ": key in database " + std::to_string(db) +
                                               " but databases is " +
                                               std::to_string(ks.databases()));
        }
        // A preamble keeps expired keys too (as Redis loads it): the log
        // after it may refer to them, and lazy expiry removes them.
        ks.db(db).Put(key, std::move(value), expire_ms);
        engine_->LoadedOne();
        return base::Status::Ok();
      },
      LoadLimitsFor(engine_->config().values()));
  if (!r.ok()) {
    if (r.status().code() == base::StatusCode::kNotFound) {
      return base::Status::Corruption(name + ": named by the manifest but missing");
    }
    if (r.status().code() == base::StatusCode::kCorruption) {
      return r.status().Appended(". To start with the keys read before the damage (and the log "
                                 "replayed on them): cairn check --repair --keep-readable " + dir_);
    }
    return r.status();
  }
  // A base a replica adopted from its primary says where in the primary's
  // stream it stands (Redis's repl-id, repl-offset, repl-stream-db).
  std::string replid;
  std::optional<int64_t> offset, db;
  for (const auto& [k, v] : r.value().aux) {
    if (k == "repl-id") replid = v;
    if (k == "repl-offset") offset = base::ParseInt64(v);
    if (k == "repl-stream-db") db = base::ParseInt64(v);
  }
  if (replid.size() == 40 && offset && *offset >= 0) {
    base_history_ = wal::History{.kind = wal::History::kApplied, .offset = *offset,
                                 .db = db && *db >= 0 && *db < ks.databases() ? static_cast<int>(*db) : 0,
                                 .replid = replid};
  }
  return LoadFunctions(*engine_, r.value().functions, name);
}

base::Status Aof::Load() {
  auto m = wal::ReadManifest(dir_, wal::ManifestFileName(prefix_));
  if (!m.ok()) {
    if (m.status().code() != base::StatusCode::kNotFound) return m.status();
    return CreateFresh();
  }
  manifest_ = std::move(m).value();
  const int64_t start = base::MonotonicUs();
  engine_->set_propagation_sink(nullptr);  // replayed records are not logged again
  uint64_t last_seq = 0;
  uint64_t length = 0;  // of the last segment, where appending resumes
  CAIRN_RETURN_IF_ERROR(ReplayManifest(manifest_, &last_seq, &length, &closed_incr_size_));
  if (const wal::ManifestEntry* b = manifest_.base()) base_size_ = FileSize(Path(b->name));
  // History files on disk are what a rewrite kept (or leftovers): both may go.
  for (const auto& f : manifest_.files) {
    if (f.type == wal::FileType::kHistory) retained_.insert(f.name);
  }
  // Restarted right after a rewrite, before any new batch: the place in
  // replication is in the newest segment the rewrite kept; right after a
  // replica's full resync, in the base it adopted.
  for (auto f = manifest_.files.rbegin(); !recovered_history_ && f != manifest_.files.rend(); ++f) {
    if (f->type != wal::FileType::kHistory) continue;
    wal::BatchCursor c;
    if (!c.Open(Path(f->name)).ok()) continue;
    wal::Annotation a;
    std::string_view body;
    while (c.Read(&a, &body) == wal::BatchCursor::Next::kBatch) {
      if (a.history) recovered_history_ = a.history;
    }
  }
  if (!recovered_history_) recovered_history_ = base_history_;
  auto incrs = manifest_.incrs();
  std::string current;
  if (incrs.empty()) {
    // A manifest with a base only: start a segment after it.
    uint64_t seq = manifest_.max_incr_seq() + 1;
    manifest_.files.push_back({wal::IncrFileName(prefix_, seq), seq, wal::FileType::kIncr});
    current = manifest_.files.back().name;
    CAIRN_RETURN_IF_ERROR(OpenWriter(current, 0, last_seq + 1));
    CAIRN_RETURN_IF_ERROR(wal::WriteManifest(dir_, wal::ManifestFileName(prefix_), manifest_));
  } else {
    current = incrs.back()->name;
    CAIRN_RETURN_IF_ERROR(OpenWriter(current, length, last_seq + 1));
  }
  rewrite_base_size_ = CurrentSize();
  size_t keys = 0;
  for (int i = 0; i < engine_->keyspace().databases(); i++) keys += engine_->keyspace().db(i).size();
  CAIRN_LOG_NOTICE("DB loaded from append only file: %.3f seconds, %zu keys",
                   static_cast<double>(base::MonotonicUs() - start) / 1e6, keys);
  return base::Status::Ok();
}

base::Status Aof::ReplayManifest(const wal::Manifest& m, uint64_t* last_seq,
                                 uint64_t* last_length, uint64_t* closed_incr_size) {
  engine_->set_loading(true);
  struct Done {
    Engine* e;
    ~Done() { e->set_loading(false); }
  } done{engine_};
  if (const wal::ManifestEntry* b = m.base()) {
    if (b->name.ends_with(".rdb")) {
      CAIRN_RETURN_IF_ERROR(LoadRdbBase(b->name));
    } else {
      CAIRN_RETURN_IF_ERROR(ReplayFile(b->name, false, nullptr, nullptr));
    }
  }
  auto incrs = m.incrs();
  *closed_incr_size = 0;
  for (size_t i = 0; i < incrs.size(); i++) {
    CAIRN_RETURN_IF_ERROR(ReplayFile(incrs[i]->name, i + 1 == incrs.size(), last_seq, last_length));
    if (i + 1 < incrs.size()) *closed_incr_size += *last_length;
  }
  return base::Status::Ok();
}

base::Status Aof::ReloadFromDisk() {
  if (!writer_) return base::Status::NotSupported("the append-only log is off");
  CAIRN_RETURN_IF_ERROR(writer_->SyncAll());
  auto m = wal::ReadManifest(dir_, wal::ManifestFileName(prefix_));
  if (!m.ok()) return m.status();
  engine_->set_propagation_sink(nullptr);
  reloading_ = true;
  uint64_t last_seq = 0, length = 0, closed = 0;
  base::Status s = ReplayManifest(m.value(), &last_seq, &length, &closed);
  reloading_ = false;
  engine_->set_propagation_sink(this);
  return s;
}

void Aof::Append(int db, std::span<const std::string> argv) {
  if (writer_) writer_->Append(db, argv);
}

bool Aof::hold_replies() const {
  return writer_ && writer_->policy() == wal::SyncPolicy::kAlways;
}
uint64_t Aof::last_seq() const { return writer_ ? writer_->last_seq() : 0; }
uint64_t Aof::durable_seq() const { return writer_ ? writer_->durable_seq() : 0; }
void Aof::set_on_durable(std::function<void(uint64_t)> fn) { on_durable_ = std::move(fn); }
void Aof::set_request_flush(std::function<void()> fn) { request_flush_ = std::move(fn); }
void Aof::set_commit_signals(const wal::CommitSignals* s) {
  signals_ = s;
  if (writer_) writer_->set_signals(s);
}
int Aof::event_fd() const { return writer_ ? writer_->event_fd() : -1; }

void Aof::OnIoEvent() {
  if (writer_) writer_->OnIoEvent();
}

void Aof::Flush() {
  if (writer_) writer_->Flush();
}

uint64_t Aof::CurrentSize() const {
  return base_size_ + closed_incr_size_ + (writer_ ? writer_->segment_size() : 0);
}

std::string Aof::WriteErrorText() const {
  if (!writer_ || writer_->write_error() == 0) return "";
  return std::strerror(writer_->write_error());
}

void Aof::ApplyConfig() {
  const ConfigValues& v = engine_->config().values();
  if (v.appendonly && !writer_ && child_pid_ <= 0 && !OtherChildActive()) Enable();
  if (!v.appendonly && writer_) Disable();
  if (writer_) writer_->set_policy(PolicyOf(v));
}

void Aof::Cron(int64_t now_ms) {
  const ConfigValues& v = engine_->config().values();
  ApplyConfig();
  if (writer_) writer_->Tick(now_ms);
  if (writer_ && child_pid_ <= 0) PruneRetained(now_ms);
  if (child_pid_ > 0) {
    int status = 0;
    pid_t r = waitpid(child_pid_, &status, WNOHANG);
    if (r == child_pid_) {
      child_pid_ = -1;
      RewriteDone(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
  }
  bool scheduled = false;
  if (writer_ && child_pid_ <= 0 && rewrite_scheduled_ && !OtherChildActive()) {
    StartRewrite(&scheduled);
  }
  if (writer_ && child_pid_ <= 0 && v.auto_aof_rewrite_percentage > 0 && !OtherChildActive()) {
    uint64_t size = CurrentSize();
    uint64_t base = rewrite_base_size_ ? rewrite_base_size_ : 1;
    uint64_t growth = (size - std::min(size, base)) * 100 / base;
    if (size >= static_cast<uint64_t>(v.auto_aof_rewrite_min_size) &&
        growth >= static_cast<uint64_t>(v.auto_aof_rewrite_percentage)) {
      CAIRN_LOG_NOTICE("Starting automatic rewriting of AOF on %llu%% growth",
                       static_cast<unsigned long long>(growth));
      StartRewrite(&scheduled);
    }
  }
}

void Aof::Seal() {
  if (writer_) writer_->Seal();
}

std::vector<std::string> Aof::SegmentPaths() const {
  std::vector<std::string> out;
  if (!writer_) return out;
  for (const auto& f : manifest_.files) {
    if (f.type != wal::FileType::kBase) out.push_back(Path(f.name));
  }
  return out;
}

void Aof::PruneRetained(int64_t now_ms) {
  auto retention = ParseLogRetention(engine_->config().values().repl_log_retention);
  if (!retention) return;
  uint64_t kept = 0;
  // Only what a rewrite kept for replication (never the segments that
  // switching the log on marks, which the manifest on disk may still need).
  auto retained = [&](const wal::ManifestEntry& f) {
    return f.type == wal::FileType::kHistory && retained_.contains(f.name);
  };
  for (const auto& f : manifest_.files) {
    if (retained(f)) kept += FileSize(Path(f.name));
  }
  std::vector<std::string> gone;
  wal::Manifest next;
  bool dropping = true;  // oldest first: the first one kept keeps the rest
  for (const auto& f : manifest_.files) {
    if (retained(f) && dropping) {
      const uint64_t size = FileSize(Path(f.name));
      bool drop = !retention->keeps();
      if (retention->seconds > 0) {
        struct stat st;  // its age: since its last write
        drop |= stat(Path(f.name).c_str(), &st) != 0 ||
                now_ms / 1000 - st.st_mtime > retention->seconds;
      } else {
        drop |= kept > retention->bytes;
      }
      if (drop) {
        kept -= std::min(kept, size);
        gone.push_back(f.name);
        continue;
      }
      dropping = false;
    }
    next.files.push_back(f);
  }
  if (gone.empty()) return;
  if (!wal::WriteManifest(dir_, wal::ManifestFileName(prefix_), next).ok()) return;
  manifest_ = std::move(next);
  for (const auto& name : gone) {
    unlink(Path(name).c_str());
    retained_.erase(name);
  }
}

bool Aof::OtherChildActive() const {
  Snapshots* snaps = engine_->snapshots();
  return (snaps != nullptr && snaps->bgsave_in_progress()) ||
         engine_->server().sync_child_running;
}

std::string Aof::StartRewrite(bool* scheduled) {
  *scheduled = false;
  if (child_pid_ > 0) return "Background append only file rewriting already in progress";
  if (OtherChildActive()) {
    // As Redis: the rewrite runs once the BGSAVE child is done.
    rewrite_scheduled_ = true;
    *scheduled = true;
    return "";
  }
  if (!writer_) {
    // Redis rewrites on demand even with the log off; the result becomes the
    // log when appendonly is switched on. Cairn only rewrites a live log.
    return "Background append only file rewriting requires appendonly yes";
  }
  rewrite_scheduled_ = false;
  return ForkRewrite(/*rotate=*/true);
}

std::string Aof::RotateSegment(uint64_t incr_seq) {
  // The new (empty) segment is created and the manifest naming it is
  // durable before the writer switches to it, so no acknowledged record can
  // sit in a file the manifest does not name.
  const std::string incr = wal::IncrFileName(prefix_, incr_seq);
  wal::Manifest next = manifest_;
  next.files.push_back({incr, incr_seq, wal::FileType::kIncr});
  const int fd = open(Path(incr).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "Can't create " + incr + ": " + std::strerror(errno);
  close(fd);
  base::Status s = wal::WriteManifest(dir_, wal::ManifestFileName(prefix_), next);
  if (!s.ok()) {
    unlink(Path(incr).c_str());
    return s.ToString();
  }
  manifest_ = std::move(next);
  const uint64_t old_segment = writer_->segment_size();
  s = writer_->Rotate(Path(incr));
  // On failure the writer stays on the old segment, which the manifest
  // still names before the (empty) new one: the log remains whole.
  if (!s.ok()) return s.ToString();
  closed_incr_size_ += old_segment;
  return "";
}

base::Status Aof::AdoptBase(const std::string& rdb_path) {
  if (!writer_) return base::Status::Ok();
  // A rewrite under way would base the log on the dataset being replaced.
  KillChild();
  rewrite_scheduled_ = false;
  const uint64_t incr_seq = manifest_.max_incr_seq() + 1;
  if (std::string err = RotateSegment(incr_seq); !err.empty()) return base::Status::IoError(err);
  // The file becomes the base as a finished rewrite's would (synced).
  child_rdb_ = true;
  child_temp_ = Path("temp-adopt-" + std::to_string(getpid()) + ".rdb");
  child_base_seq_ = manifest_.base_seq() + 1;
  child_first_incr_seq_ = incr_seq;
  child_start_ms_ = base::NowMs();
  {
    // Linked where it can be (bases are never written in place, and the
    // RDB file is replaced by rename): the dataset is written once.
    base::Status s = base::Status::Ok();
    if (link(rdb_path.c_str(), child_temp_.c_str()) != 0) {
      auto rdb = base::ReadFile(rdb_path);
      s = rdb.status();
      if (s.ok()) s = base::WriteFile(child_temp_, rdb.value());
    }
    if (s.ok()) s = base::SyncFile(child_temp_);
    if (!s.ok()) {
      unlink(child_temp_.c_str());
      return s;
    }
  }
  adopting_ = true;
  RewriteDone(true);
  adopting_ = false;
  return last_rewrite_ok_ ? base::Status::Ok()
                          : base::Status::IoError("the new base could not be adopted");
}

std::string Aof::ForkRewrite(bool rotate) {
  // Without rotation (switching the log on) the newest segment, already in
  // manifest_, is the one the new base will be followed by.
  const uint64_t incr_seq = manifest_.max_incr_seq() + (rotate ? 1 : 0);
  const uint64_t base_seq = manifest_.base_seq() + 1;
  // Records from here on go to a new segment; the base the child writes
  // covers everything before.
  if (rotate) {
    if (std::string err = RotateSegment(incr_seq); !err.empty()) return err;
  }
  child_rdb_ = engine_->config().values().aof_use_rdb_preamble;
  child_temp_ = Path("temp-rewriteaof-bg-" + std::to_string(getpid()) +
                     (child_rdb_ ? ".rdb" : ".aof"));
  child_base_seq_ = base_seq;
  child_first_incr_seq_ = incr_seq;
  pid_t pid = engine_->cold().Fork();
  if (pid < 0) return std::string("Can't rewrite append only file in background: fork: ") +
                      std::strerror(errno);
  if (pid == 0) {
    // Child: its copy of the dataset is the state at the fork. Plain
    // blocking I/O; never touch the parent's ring or sockets.
    base::Status s = WriteBase(child_temp_, child_rdb_);
    if (!s.ok()) {
      CAIRN_LOG_WARNING("AOF rewrite child: %s", s.ToString().c_str());
      _exit(1);
    }
    _exit(0);
  }
  child_pid_ = pid;
  child_start_ms_ = base::NowMs();
  CAIRN_LOG_NOTICE("Background append only file rewriting started by pid %d",
                   static_cast<int>(pid));
  return "";
}

base::Status Aof::WriteBase(const std::string& path, bool rdb) {
  const int64_t now = base::NowMs();
  const Keyspace& ks = engine_->keyspace();
  if (rdb) return WriteRdbFile(path, ks, RdbOptionsFor(*engine_, /*aof_base=*/true), now);
  wal::BatchFile out;
  CAIRN_RETURN_IF_ERROR(out.Open(path));
  // FUNCTION libraries first, as Redis's rewrite writes them.
  for (const auto& [name, lib] : engine_->functions().libraries()) {
    std::string argv[3] = {"FUNCTION", "LOAD", lib.code};
    CAIRN_RETURN_IF_ERROR(out.Append(0, argv));
  }
  for (int db = 0; db < ks.databases(); db++) {
    for (const auto& [key, e] : ks.db(db).entries()) {
      const int64_t when = ks.db(db).ExpireOf(e);
      if (when >= 0 && when <= now) continue;
      std::optional<types::Value> loaded;  // a cold value, read back for this
      if (e.value.is_cold()) {
        auto v = ks.cold()->Load(e.value);
        if (!v.ok()) return v.status();
        loaded = std::move(v).value();
      }
      CAIRN_RETURN_IF_ERROR(snapshot::AppendRebuild(key, loaded ? *loaded : e.value, when,
                                          [&](std::span<const std::string> argv) {
                                            return out.Append(db, argv);
                                          }));
    }
  }
  return out.Finish();
}

void Aof::RewriteDone(bool ok) {
  last_rewrite_time_sec_ = (base::NowMs() - child_start_ms_) / 1000;
  const bool enabling = child_enabling_;
  child_enabling_ = false;
  auto fail = [&](const std::string& why) {
    CAIRN_LOG_WARNING("Background AOF rewrite failed: %s", why.c_str());
    unlink(child_temp_.c_str());
    last_rewrite_ok_ = false;
    rewrite_failures_++;
  };
  if (!ok) return fail("the child process failed");
  if (!writer_) return fail("appendonly was switched off meanwhile");
  const std::string base_name = wal::BaseFileName(prefix_, child_base_seq_, child_rdb_);
  if (rename(child_temp_.c_str(), Path(base_name).c_str()) != 0) {
    return fail(std::string("rename: ") + std::strerror(errno));
  }
  wal::Manifest next;
  next.files.push_back({base_name, child_base_seq_, wal::FileType::kBase});
  std::vector<std::string> obsolete;
  // The segments the new base replaces stay for replicas to resume from
  // (repl-log-retention), as history files: Redis deletes those when it
  // starts on the directory, and no replay reads them. Not the log of a
  // dataset that is gone (a replica's full resync, the log switched on).
  auto retention = ParseLogRetention(engine_->config().values().repl_log_retention);
  const bool retain = retention && retention->keeps() && !adopting_ && !enabling;
  for (const auto& f : manifest_.files) {
    if (f.type == wal::FileType::kIncr && f.seq >= child_first_incr_seq_) {
      next.files.push_back(f);
    } else if (retain && f.type != wal::FileType::kBase) {
      next.files.push_back({f.name, f.seq, wal::FileType::kHistory});
      retained_.insert(f.name);
    } else {
      obsolete.push_back(f.name);
    }
  }
  // History first, oldest first, as SegmentPaths() reads it.
  std::stable_partition(next.files.begin(), next.files.end(), [](const wal::ManifestEntry& f) {
    return f.type == wal::FileType::kHistory;
  });
  base::Status s = wal::WriteManifest(dir_, wal::ManifestFileName(prefix_), next);
  if (!s.ok()) return fail(s.ToString());
  manifest_ = std::move(next);
  // Only now, with the new manifest durable, may the old files go.
  for (const auto& name : obsolete) {
    if (name != base_name) unlink(Path(name).c_str());
  }
  base_size_ = FileSize(Path(base_name));
  closed_incr_size_ = 0;
  for (const auto* f : manifest_.incrs()) {
    if (f != manifest_.incrs().back()) closed_incr_size_ += FileSize(Path(f->name));
  }
  rewrite_base_size_ = CurrentSize();
  last_rewrite_ok_ = true;
  rewrites_++;
  CAIRN_LOG_NOTICE("Background AOF rewrite %s successfully",
                   enabling ? "(appendonly switched on) finished" : "terminated");
}

void Aof::Enable() {
  // CONFIG SET appendonly yes: log from now on into a fresh segment, and
  // write the current dataset as its base; the manifest appears when the
  // base is complete (until then the old log, if any, is what a restart
  // would read, as in Redis).
  if (mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) {
    CAIRN_LOG_WARNING("Cannot create %s: %s", dir_.c_str(), std::strerror(errno));
    return;
  }
  auto m = wal::ReadManifest(dir_, wal::ManifestFileName(prefix_));
  manifest_ = m.ok() ? std::move(m).value() : wal::Manifest{};
  const uint64_t incr_seq = manifest_.max_incr_seq() + 1;
  const std::string incr = wal::IncrFileName(prefix_, incr_seq);
  unlink(Path(incr).c_str());
  base::Status s = OpenWriter(incr, 0, 1);
  if (!s.ok()) {
    CAIRN_LOG_WARNING("Cannot switch appendonly on: %s", s.ToString().c_str());
    writer_.reset();
    return;
  }
  // The new segment replaces every incr the old manifest had: they become
  // history, deleted once the new base and manifest are in place.
  for (auto& f : manifest_.files) {
    if (f.type == wal::FileType::kIncr) f.type = wal::FileType::kHistory;
  }
  manifest_.files.push_back({incr, incr_seq, wal::FileType::kIncr});
  base_size_ = 0;
  closed_incr_size_ = 0;
  child_enabling_ = true;
  std::string err = ForkRewrite(/*rotate=*/false);
  if (!err.empty()) {
    CAIRN_LOG_WARNING("Cannot switch appendonly on: %s", err.c_str());
    child_enabling_ = false;
  }
}

void Aof::Disable() {
  base::Status s = writer_->SyncAll();
  if (!s.ok()) CAIRN_LOG_WARNING("Switching appendonly off: %s", s.ToString().c_str());
  KillChild();
  child_enabling_ = false;
  writer_.reset();
  engine_->set_propagation_sink(nullptr);
  if (on_fd_change_) on_fd_change_();
  CAIRN_LOG_NOTICE("Append only file switched off");
}

base::Status Aof::Shutdown() {
  KillChild();
  if (!writer_) return base::Status::Ok();
  CAIRN_LOG_NOTICE("Calling fsync() on the AOF file.");
  return writer_->SyncAll();
}

std::string Aof::Info(int64_t now_ms) const {
  auto line = [](const char* k, auto v) {
    return std::string(k) + ":" + std::to_string(v) + "\r\n";
  };
  std::string out;
  out += line("aof_enabled", writer_ ? 1 : 0);
  out += line("aof_rewrite_in_progress", child_pid_ > 0 ? 1 : 0);
  out += line("aof_rewrite_scheduled", rewrite_scheduled_ ? 1 : 0);
  out += line("aof_last_rewrite_time_sec", last_rewrite_time_sec_);
  out += line("aof_current_rewrite_time_sec",
              child_pid_ > 0 ? (now_ms - child_start_ms_) / 1000 : -1);
  out += std::string("aof_last_bgrewrite_status:") + (last_rewrite_ok_ ? "ok" : "err") + "\r\n";
  out += line("aof_rewrites", rewrites_);
  out += line("aof_rewrites_consecutive_failures", last_rewrite_ok_ ? 0 : rewrite_failures_);
  out += std::string("aof_last_write_status:") +
         (writer_ && writer_->write_error() != 0 ? "err" : "ok") + "\r\n";
  out += line("aof_last_cow_size", 0);
  out += line("module_fork_in_progress", 0);
  out += line("module_fork_last_cow_size", 0);
  if (writer_) {
    out += line("aof_current_size", CurrentSize());
    out += line("aof_base_size", base_size_);
    out += line("aof_pending_rewrite", 0);
    out += line("aof_buffer_length", writer_->buffered_bytes());
    out += line("aof_pending_bio_fsync", 0);
    out += line("aof_delayed_fsync", 0);
    // Cairn's own: group commit at work (records per batch).
    out += line("aof_batches_written", writer_->batches_done());
    out += line("aof_records_written", writer_->records_done());
    out += line("aof_batches_synced_inline", writer_->inline_batches());
  }
  return out;
}

}  // namespace cairn::engine
