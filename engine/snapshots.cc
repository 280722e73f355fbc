#include "engine/snapshots.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "base/memory.h"
#include "engine/aof.h"
#include "engine/engine.h"
#include "engine/memory/cold_tier.h"
#include "protocol/request_parser.h"
#include "wal/manifest.h"

namespace cairn::engine {

base::Status LoadFunctions(Engine& engine, const std::vector<std::string>& codes,
                           const std::string& file) {
  for (const std::string& code : codes) {
    std::string name;
    if (auto err = engine.functions().LoadLibrary(code, /*replace=*/true, &name)) {
      return base::Status::Corruption(file + ": a function library does not load: " + *err);
    }
  }
  return base::Status::Ok();
}

base::Status WriteRdbFile(const std::string& path, const Keyspace& keyspace,
                          const snapshot::RdbWriteOptions& options, int64_t now_ms) {
  snapshot::RdbFileWriter w;
  CAIRN_RETURN_IF_ERROR(w.Open(path, options));
  return WriteRdb(w, keyspace, now_ms);
}

base::Status WriteRdb(snapshot::RdbFileWriter& w, const Keyspace& keyspace, int64_t now_ms) {
  for (int db = 0; db < keyspace.databases(); db++) {
    const Db& d = keyspace.db(db);
    if (d.size() == 0) continue;
    CAIRN_RETURN_IF_ERROR(w.BeginDb(db, d.size(), d.expires()));
    for (const auto& [key, e] : d.entries()) {
      const int64_t when = d.ExpireOf(e);
      if (when >= 0 && when <= now_ms) continue;
      if (e.value.is_cold()) {
        // The bytes the cold tier keeps are the codec's: written as they are.
        auto bytes = keyspace.cold()->Read(e.value);
        if (!bytes.ok()) return bytes.status();
        CAIRN_RETURN_IF_ERROR(w.PutEncoded(key, bytes.value(), e.value.lru, when));
      } else {
        CAIRN_RETURN_IF_ERROR(w.Put(key, e.value, when));
      }
    }
  }
  return w.Finish();
}

snapshot::RdbWriteOptions RdbOptionsFor(const Engine& engine, bool aof_base) {
  const ConfigValues& v = const_cast<Engine&>(engine).config().values();
  snapshot::RdbWriteOptions o;
  o.compress = v.rdbcompression;
  o.checksum = v.rdbchecksum;
  o.aux = {{"redis-ver", kRedisVersion},
           {"redis-bits", "64"},
           {"ctime", std::to_string(base::NowMs() / 1000)},
           {"used-mem", std::to_string(base::UsedMemory())},
           {"aof-base", aof_base ? "1" : "0"},
           {"cairn-ver", kCairnVersion}};
  for (const auto& [name, lib] : const_cast<Engine&>(engine).functions().libraries()) {
    o.functions.push_back(lib.code);
  }
  // Redis keeps its keys' idle times or counters in RDB files under the
  // LRU and LFU policies (whatever maxmemory is).
  const auto policy = static_cast<Evictor::Policy>(v.maxmemory_policy);
  if (Evictor::IsLfu(policy)) {
    o.access = snapshot::RdbWriteOptions::Access::kFreq;
  } else if (Evictor::IsLru(policy)) {
    o.access = snapshot::RdbWriteOptions::Access::kIdle;
  }
  o.lfu_decay_time = v.lfu_decay_time;
  return o;
}

snapshot::LoadLimits LoadLimitsFor(const ConfigValues& v) {
  snapshot::LoadLimits l;
  l.list_max_listpack_size = v.list_max_listpack_size;
  l.list_compress_depth = v.list_compress_depth;
  l.set.max_intset_entries = static_cast<size_t>(v.set_max_intset_entries);
  l.hash.max_listpack_entries = static_cast<size_t>(v.hash_max_listpack_entries);
  l.hash.max_listpack_value = static_cast<size_t>(v.hash_max_listpack_value);
  l.zset.max_listpack_entries = static_cast<size_t>(v.zset_max_listpack_entries);
  l.zset.max_listpack_value = static_cast<size_t>(v.zset_max_listpack_value);
  l.lfu = Evictor::IsLfu(static_cast<Evictor::Policy>(v.maxmemory_policy));
  return l;
}

Snapshots::Snapshots(Engine* engine) : engine_(engine) {
  lastsave_ms_ = base::NowMs();
  last_attempt_ms_ = lastsave_ms_;
}

Snapshots::~Snapshots() {
  if (child_pid_ > 0) {
    kill(child_pid_, SIGKILL);
    waitpid(child_pid_, nullptr, 0);
    unlink(TempName(child_pid_).c_str());
  }
}

std::string Snapshots::TempName(pid_t pid) const {
  return "temp-" + std::to_string(pid) + ".rdb";
}

base::Status Snapshots::Load() {
  const ConfigValues& v = engine_->config().values();
  const int64_t start = base::MonotonicUs();
  const int64_t now = base::NowMs();
  Keyspace& ks = engine_->keyspace();
  uint64_t loaded = 0, expired = 0;
  auto r = snapshot::ReadRdbFile(
      v.dbfilename, v.dbfilename,
      [&](int db, std::string key, types::Value value, int64_t expire_ms) -> base::Status {
        if (db >= ks.databases()) {
          return base::Status::InvalidArgument(v.dbfilename + ": key in database " +
                                               std::to_string(db) + " but databases is " +
                                               std::to_string(ks.databases()));
        }
        // As a primary, Redis drops keys that expired while it was down.
        if (expire_ms >= 0 && expire_ms <= now) {
          expired++;
          return base::Status::Ok();
        }
        ks.db(db).Put(key, std::move(value), expire_ms);
        loaded++;
        engine_->LoadedOne();
        return base::Status::Ok();
      },
      LoadLimitsFor(v));
  if (!r.ok()) {
    if (r.status().code() == base::StatusCode::kNotFound) return base::Status::Ok();
    return r.status();
  }
  CAIRN_RETURN_IF_ERROR(LoadFunctions(*engine_, r.value().functions, v.dbfilename));
  loaded_keys_ = loaded;
  loaded_expired_ = expired;
  CAIRN_LOG_NOTICE("DB loaded from disk: %.3f seconds (%llu keys, %llu expired keys skipped)",
                   static_cast<double>(base::MonotonicUs() - start) / 1e6,
                   static_cast<unsigned long long>(loaded),
                   static_cast<unsigned long long>(expired));
  return base::Status::Ok();
}

namespace {

// Renames the finished temp file over the real name, then syncs the
// directory so the rename itself survives a crash.
base::Status Publish(const std::string& tmp, const std::string& name) {
  if (rename(tmp.c_str(), name.c_str()) != 0) {
    base::Status s = base::Status::IoErrorFromErrno("renaming " + tmp + " to " + name, errno);
    unlink(tmp.c_str());
    return s;
  }
  return wal::SyncDir(".");
}

}  // namespace

std::string Snapshots::Save() {
  if (child_pid_ > 0) return "Background save already in progress";
  const ConfigValues& v = engine_->config().values();
  const std::string tmp = TempName(getpid());
  base::Status s = WriteRdbFile(tmp, engine_->keyspace(), RdbOptionsFor(*engine_, false),
                                base::NowMs());
  if (s.ok()) s = Publish(tmp, v.dbfilename);
  if (!s.ok()) {
    unlink(tmp.c_str());
    CAIRN_LOG_WARNING("Failed saving the DB: %s", s.ToString().c_str());
    return "ERR";
  }
  lastsave_ms_ = base::NowMs();
  last_attempt_ms_ = lastsave_ms_;
  dirty_at_save_ = engine_->server().dirty;
  last_bgsave_ok_ = true;
  saves_++;
  CAIRN_LOG_NOTICE("DB saved on disk");
  return "";
}

std::string Snapshots::StartBgsave(bool schedule, bool* scheduled) {
  *scheduled = false;
  if (child_pid_ > 0) return "Background save already in progress";
  Aof* aof = engine_->aof();
  if ((aof != nullptr && aof->rewrite_in_progress()) || engine_->server().sync_child_running) {
    if (schedule) {
      scheduled_ = true;
      *scheduled = true;
      return "";
    }
    return "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
           "SCHEDULE in order to schedule a BGSAVE whenever possible.";
  }
  const int64_t now = base::NowMs();
  last_attempt_ms_ = now;
  snapshot::RdbWriteOptions options = RdbOptionsFor(*engine_, false);
  pid_t pid = engine_->cold().Fork();
  if (pid < 0) {
    last_bgsave_ok_ = false;
    return std::string("Can't BGSAVE: fork: ") + std::strerror(errno);
  }
  if (pid == 0) {
    // Child: its memory is the dataset at the fork. Plain blocking I/O.
    const std::string tmp = TempName(getpid());
    base::Status s = WriteRdbFile(tmp, engine_->keyspace(), options, now);
    if (s.ok()) s = Publish(tmp, engine_->config().values().dbfilename);
    if (!s.ok()) {
      CAIRN_LOG_WARNING("Background saving error: %s", s.ToString().c_str());
      unlink(tmp.c_str());
      _exit(1);
    }
    _exit(0);
  }
  child_pid_ = pid;
  child_start_ms_ = now;
  dirty_at_child_start_ = engine_->server().dirty;
  scheduled_ = false;
  CAIRN_LOG_NOTICE("Background saving started by pid %d", static_cast<int>(pid));
  return "";
}

void Snapshots::Done(bool ok, int64_t now_ms) {
  last_bgsave_time_sec_ = (now_ms - child_start_ms_) / 1000;
  last_bgsave_ok_ = ok;
  if (ok) {
    lastsave_ms_ = now_ms;
    dirty_at_save_ = dirty_at_child_start_;
    saves_++;
    CAIRN_LOG_NOTICE("Background saving terminated with success");
  } else {
    unlink(TempName(child_pid_).c_str());
    CAIRN_LOG_WARNING("Background saving error");
  }
}

bool Snapshots::SavePointReached(int64_t now_ms) const {
  const uint64_t changes = engine_->server().dirty - dirty_at_save_;
  for (const auto& [seconds, min_changes_signed] : engine_->config().values().save) {
    const auto min_changes = static_cast<uint64_t>(min_changes_signed);
    // After a failed attempt, Redis waits 5 s before trying again.
    // In seconds, as Redis compares them (seconds * 1000 could overflow).
    if (changes >= min_changes && (now_ms - lastsave_ms_) / 1000 >= seconds &&
        now_ms - lastsave_ms_ > 0 &&
        (last_bgsave_ok_ || now_ms - last_attempt_ms_ > 5000)) {
      return true;
    }
  }
  return false;
}

void Snapshots::Cron(int64_t now_ms) {
  if (child_pid_ > 0) {
    int status = 0;
    if (waitpid(child_pid_, &status, WNOHANG) == child_pid_) {
      Done(WIFEXITED(status) && WEXITSTATUS(status) == 0, now_ms);
      child_pid_ = -1;
    }
    return;
  }
  Aof* aof = engine_->aof();
  if (aof != nullptr && aof->rewrite_in_progress()) return;
  if (engine_->server().sync_child_running) return;
  bool ignored;
  if (scheduled_ || SavePointReached(now_ms)) StartBgsave(false, &ignored);
}

bool Snapshots::WritesRefused() const {
  const ConfigValues& v = engine_->config().values();
  return v.stop_writes_on_bgsave_error && !v.save.empty() && !last_bgsave_ok_;
}

std::string Snapshots::Info(int64_t now_ms) const {
  auto line = [](const char* k, auto v) {
    return std::string(k) + ":" + std::to_string(v) + "\r\n";
  };
  std::string out;
  out += line("rdb_changes_since_last_save", engine_->server().dirty - dirty_at_save_);
  out += line("rdb_bgsave_in_progress", child_pid_ > 0 ? 1 : 0);
  out += line("rdb_last_save_time", lastsave_ms_ / 1000);
  out += std::string("rdb_last_bgsave_status:") + (last_bgsave_ok_ ? "ok" : "err") + "\r\n";
  out += line("rdb_last_bgsave_time_sec", last_bgsave_time_sec_);
  out += line("rdb_current_bgsave_time_sec",
              child_pid_ > 0 ? (now_ms - child_start_ms_) / 1000 : -1);
  out += line("rdb_saves", saves_);
  out += line("rdb_last_cow_size", 0);
  out += line("rdb_last_load_keys_expired", loaded_expired_);
  out += line("rdb_last_load_keys_loaded", loaded_keys_);
  return out;
}

}  // namespace cairn::engine
