// cairn restore SOURCE... (--dir NEWDIR | --to HOST:PORT) [--until SEQ|TIME]
// (doc/tools.md): a new data directory, or a replay into a live server,
// from snapshots and logs, up to a point in time.
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/file_util.h"
#include "base/string_util.h"
#include "protocol/reply_reader.h"
#include "snapshot/rdb_file.h"
#include "snapshot/value_codec.h"
#include "tools/commands.h"
#include "tools/common.h"
#include "tools/history.h"
#include "wal/format.h"
#include "wal/log_reader.h"
#include "wal/manifest.h"

namespace cairn::tools {

namespace {

// ---- where a log is cut (--until) ----------------------------------------------

// How much of a batch a cut by sequence number keeps: the records up to
// `until` (SELECTs carry no seq), never part of a MULTI/EXEC.
struct Kept {
  size_t bytes = 0;     // of the body
  size_t commands = 0;  // SELECTs included
  size_t records = 0;   // SELECTs not included
};
Kept KeepUpTo(std::string_view body, uint64_t first_seq, uint64_t until) {
  Kept kept, before_multi;
  bool in_multi = false;
  uint64_t seq = first_seq;
  wal::ForEachRecord(body, [&](std::vector<std::string>& argv, size_t end) {
    const bool select = argv.size() == 2 && base::EqualsIgnoreCase(argv[0], "SELECT");
    if (!select) {
      if (seq > until) return false;
      seq++;
      if (base::EqualsIgnoreCase(argv[0], "MULTI")) {
        in_multi = true;
        before_multi = kept;
      } else if (base::EqualsIgnoreCase(argv[0], "EXEC")) {
        in_multi = false;
      }
      kept.records++;
    }
    kept.commands++;
    kept.bytes = end;
    return true;
  });
  return in_multi ? before_multi : kept;
}

// What a walk over the log learned.
struct Facts {
  uint64_t seq_marks = 0;   // batches with a seq
  uint64_t time_marks = 0;  // batches with a seal time, and Redis's #TS lines
  uint64_t first_seq = 0;   // of the first batch
  uint64_t last_seq = 0;    // of the last record walked
  bool cut = false;         // --until stopped the walk
};

// Walks the log files in order up to the cut and hands out what is kept:
// --dir copies the bytes, --to sends the commands. The first walk of a
// restore is dry (no hooks): it finds what would be refused before anything
// is written or sent.
class LogWalker {
 public:
  struct Hooks {
    // Each file's kept bytes [start, end), then `partial`: the part of a
    // batch cut inside, as a batch of its own.
    std::function<base::Status(const LogFile&, uint64_t start, uint64_t end,
                               const std::string& partial)>
        file_done;
    // Each kept command.
    std::function<base::Status(std::vector<std::string>& argv)> command;
  };

  LogWalker(const Until& until, Progress* progress) : until_(until), progress_(progress) {}

  // `start`: where the commands begin (after an RDB preamble).
  base::Status Walk(const LogFile& f, uint64_t start, const Hooks& hooks) {
    if (facts_.cut) return base::Status::Ok();
    std::string partial, error;
    size_t keep_commands = SIZE_MAX;  // of the batch being handed out
    size_t handed = 0;
    uint64_t file_first_seq = 0;
    bool file_has_time = false;
    auto cut = [&] {
      facts_.cut = true;
      return false;
    };
    wal::ScanHooks scan_hooks{
        .batch =
            [&](const wal::Annotation& a, uint64_t offset, std::string_view body) {
              keep_commands = SIZE_MAX;
              handed = 0;
              if (a.first_seq == 0) return true;  // a RESP base's batches: no seq, no time
              facts_.seq_marks++;
              if (a.sealed_ms) facts_.time_marks++;
              if (file_first_seq == 0) {
                file_first_seq = a.first_seq;
                if (facts_.first_seq == 0) facts_.first_seq = a.first_seq;
                if (facts_.last_seq != 0 && a.first_seq != facts_.last_seq + 1) {
                  error = f.name + " starts at seq " + std::to_string(a.first_seq) +
                          " but the log before it ends at seq " + std::to_string(facts_.last_seq) +
                          ": a file is missing or out of order";
                  return false;
                }
              }
              if (until_.ms) {
                // An empty batch (the mark after records Redis appended) has
                // nothing to cut.
                if (!a.sealed_ms && a.length == 0) return true;
                if (!a.sealed_ms) {
                  error = f.name + ": the batch at offset " + std::to_string(offset) +
                          " carries no seal time (written before Cairn recorded them): "
                          "use --until SEQ";
                  return false;
                }
                file_has_time = true;
                return *a.sealed_ms > *until_.ms ? cut() : true;
              }
              if (!until_.seq) return true;
              if (a.first_seq > *until_.seq) return cut();
              const Kept k = KeepUpTo(body, a.first_seq, *until_.seq);
              if (k.bytes == body.size()) return true;
              if (hooks.command) {
                keep_commands = k.commands;  // hand these out, then stop
                return true;
              }
              if (k.records > 0) {
                // A new history starts at a cut (RunRestore): no history field.
                wal::Annotation kept = a;
                kept.length = k.bytes;
                kept.history.reset();
                kept.checksum = wal::BatchChecksum(body.substr(0, k.bytes), kept);
                partial = wal::FormatAnnotation(kept) + std::string(body.substr(0, k.bytes));
              }
              return cut();
            },
        .comment =
            [&](std::string_view line, uint64_t) {
              if (!line.starts_with("#TS:")) return true;
              facts_.time_marks++;
              file_has_time = true;
              if (!until_.ms) return true;
              // Redis writes #TS:<seconds> before the commands of that second:
              // a cut keeps the whole second holding TIME.
              auto ts = base::ParseInt64(line.substr(4));
              return ts && *ts * 1000 > *until_.ms ? cut() : true;
            },
        .start = start};
    uint64_t commands = 0;
    auto r = wal::ScanLogFile(
        f.path, f.name,
        [&](std::vector<std::string>& argv, uint64_t offset) -> base::Status {
          progress_->Update(offset, ++commands);
          if (handed++ >= keep_commands) return base::Status::NotFound(kStop);
          if (hooks.command) return hooks.command(argv);
          return base::Status::Ok();
        },
        scan_hooks);
    if (!error.empty()) return base::Status::InvalidArgument(error);
    uint64_t end = 0;
    if (!r.ok()) {
      if (r.status().message() != kStop) return r.status();
      facts_.cut = true;  // --to stopped inside a batch: nothing is copied
    } else {
      const wal::ScanResult& s = r.value();
      if (s.torn_tail && !s.stopped) {
        if (!f.last) {
          return base::Status::Corruption(f.name + ": " + s.torn_reason +
                                          ", and it is not the last file");
        }
        if (!dry_) {
          std::fprintf(stderr, "cairn restore: %s: a torn tail is left out (%s)\n", f.name.c_str(),
                       s.torn_reason.c_str());
        }
      }
      end = s.valid_bytes;  // where it stopped, or the end of the last whole batch
      if (s.last_seq > facts_.last_seq) facts_.last_seq = s.last_seq;
    }
    if (f.base && facts_.cut) {
      return base::Status::InvalidArgument(
          "--until is before what the log covers: the cut falls "
          "inside its base " +
          f.name);
    }
    if (f.base && until_.ms && !file_has_time) {
      return base::Status::InvalidArgument("--until TIME: the base " + f.name +
                                           " is a RESP file that carries no time (an RDB "
                                           "base does: aof-use-rdb-preamble yes); use --until SEQ");
    }
    if (hooks.file_done) CAIRN_RETURN_IF_ERROR(hooks.file_done(f, start, end, partial));
    return base::Status::Ok();
  }

  void set_dry(bool dry) { dry_ = dry; }
  const Facts& facts() const { return facts_; }

 private:
  static constexpr const char* kStop = "cut inside a batch";
  Until until_;
  Progress* progress_;
  Facts facts_;
  bool dry_ = false;
};

// What --until refuses, and damage or missing files in the log, found by a
// dry walk before anything is written or sent (`until` empty: no cut).
base::Status Preflight(const std::vector<LogFile>& files, const Until& until) {
  const bool cutting = until.seq || until.ms;
  if (!files.empty() && (files[0].rdb || files[0].preamble) && until.ms) {
    // ctime is the second the snapshot began: it may hold writes of any
    // moment of that second.
    // (An empty base holds no write of that second: from ctime on is fine.)
    const RdbHead head = ReadRdbHead(files[0]);
    const std::string* ctime_field = head.Aux("ctime");
    const auto ctime = ctime_field != nullptr ? base::ParseInt64(*ctime_field) : std::nullopt;
    if (ctime && *until.ms < *ctime * 1000 + (head.keys ? 1000 : 0)) {
      return base::Status::InvalidArgument("--until " + FormatTime(*until.ms) +
                                           " is before what the log covers: its base " +
                                           files[0].name + " holds the data of " +
                                           FormatTime(*ctime * 1000) + " and up to a second after");
    }
  }
  Progress quiet("restore", 0, true);
  LogWalker dry(until, &quiet);
  dry.set_dry(true);
  for (const LogFile& f : files) {
    if (f.rdb) continue;
    uint64_t start = 0;
    if (f.preamble) {
      auto r = snapshot::ScanRdbFile(
          f.path, f.name, {.entry = [](snapshot::RdbEntry&) { return base::Status::Ok(); }});
      if (!r.ok()) return r.status();
      start = r.value().end;
    }
    CAIRN_RETURN_IF_ERROR(dry.Walk(f, start, {}));
    if (dry.facts().cut) break;
  }
  const Facts& facts = dry.facts();
  if (!cutting) return base::Status::Ok();
  if (until.seq && facts.seq_marks == 0) {
    return base::Status::InvalidArgument(
        "--until SEQ: the log carries no sequence numbers (Redis's own log has none; with "
        "aof-timestamp-enabled its #TS lines allow --until TIME)");
  }
  if (until.ms && facts.time_marks == 0) {
    return base::Status::InvalidArgument(
        "--until TIME: the log carries no times (neither Cairn's seal times nor Redis's #TS "
        "lines)");
  }
  if (until.seq && facts.first_seq > *until.seq + 1) {
    return base::Status::InvalidArgument("--until " + std::to_string(*until.seq) +
                                         " is before what the log covers (it starts at seq " +
                                         std::to_string(facts.first_seq) + ")");
  }
  if (!facts.cut) {
    std::fprintf(stderr,
                 "cairn restore: note: --until is past the end of the log (seq %llu): "
                 "everything is restored\n",
                 static_cast<unsigned long long>(facts.last_seq));
  }
  return base::Status::Ok();
}

// ---- a data directory ----------------------------------------------------------

base::Status CopyRange(const std::string& from, uint64_t start, uint64_t end, int out,
                       const std::string& out_name) {
  int in = open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return base::Status::IoErrorFromErrno("opening " + from, errno);
  std::string buf(1 << 20, '\0');
  uint64_t at = start;
  base::Status st = base::Status::Ok();
  while (at < end && st.ok()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - at));
    const ssize_t got = pread(in, buf.data(), n, static_cast<off_t>(at));
    if (got <= 0) {
      st = base::Status::IoErrorFromErrno("reading " + from, got < 0 ? errno : EIO);
      break;
    }
    st = base::WriteAll(out, std::string_view(buf.data(), static_cast<size_t>(got)), out_name);
    at += static_cast<uint64_t>(got);
  }
  close(in);
  return st;
}

// NEWDIR, built as NEWDIR.tmp-<pid> and renamed over it (an empty NEWDIR
// is replaced) only when complete.
class DirBuilder {
 public:
  base::Status Begin(const std::string& dir) {
    dir_ = dir;
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    if (Exists(dir_) && !IsEmptyDir(dir_)) {
      return base::Status::InvalidArgument(dir_ + " exists and is not an empty directory");
    }
    temp_ = dir_ + ".tmp-" + std::to_string(getpid());
    if (mkdir(temp_.c_str(), 0755) != 0) {
      const int err = errno;
      temp_.clear();
      return base::Status::IoErrorFromErrno("creating " + dir_ + ".tmp-*", err);
    }
    if (mkdir((temp_ + "/appendonlydir").c_str(), 0755) != 0) {
      return base::Status::IoErrorFromErrno("creating " + temp_ + "/appendonlydir", errno);
    }
    return base::Status::Ok();
  }
  std::string Path(const std::string& name) const { return temp_ + "/appendonlydir/" + name; }

  // The next incr file, open for writing.
  base::Result<int> NewIncr(std::string* name) {
    const uint64_t seq = ++incrs_;
    *name = wal::IncrFileName("appendonly.aof", seq);
    manifest_.files.push_back({*name, seq, wal::FileType::kIncr});
    const int fd = open(Path(*name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return base::Status::IoErrorFromErrno("creating " + Path(*name), errno);
    return fd;
  }
  void SetBase(const std::string& name) {
    manifest_.files.insert(manifest_.files.begin(), {name, 1, wal::FileType::kBase});
  }
  std::vector<std::string> incr_paths() const {
    std::vector<std::string> out;
    for (const auto* e : manifest_.incrs()) out.push_back(Path(e->name));
    return out;
  }

  base::Status Finish(bool snapshot_only) {
    const std::string aof_dir = temp_ + "/appendonlydir";
    if (incrs_ == 0) {
      // An empty incr file for the server to append to, as Redis makes one.
      std::string name;
      auto fd = NewIncr(&name);
      if (!fd.ok()) return fd.status();
      close(fd.value());
    }
    CAIRN_RETURN_IF_ERROR(wal::WriteManifest(aof_dir, "appendonly.aof.manifest", manifest_));
    if (snapshot_only) {
      // appendonly no reads dump.rdb: the same snapshot.
      const std::string base = Path(manifest_.base()->name);
      const int fd =
          open((temp_ + "/dump.rdb").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) return base::Status::IoErrorFromErrno("creating dump.rdb", errno);
      base::Status st = CopyRange(base, 0, FileSize(base), fd, "dump.rdb");
      if (st.ok() && fsync(fd) != 0)
        st = base::Status::IoErrorFromErrno("fsync of dump.rdb", errno);
      close(fd);
      CAIRN_RETURN_IF_ERROR(st);
    }
    CAIRN_RETURN_IF_ERROR(wal::SyncDir(aof_dir));
    CAIRN_RETURN_IF_ERROR(wal::SyncDir(temp_));
    if (rename(temp_.c_str(), dir_.c_str()) != 0) {
      return base::Status::IoErrorFromErrno("renaming " + temp_ + " to " + dir_, errno);
    }
    temp_.clear();
    return wal::SyncDir(DirOf(dir_));
  }

  ~DirBuilder() {
    if (temp_.empty()) return;
    // Not complete: nothing of it is left.
    const std::string aof = temp_ + "/appendonlydir";
    if (DIR* d = opendir(aof.c_str())) {
      while (dirent* e = readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") unlink((aof + "/" + n).c_str());
      }
      closedir(d);
    }
    rmdir(aof.c_str());
    unlink((temp_ + "/dump.rdb").c_str());
    rmdir(temp_.c_str());
  }

 private:
  static bool IsEmptyDir(const std::string& path) {
    DIR* d = opendir(path.c_str());
    if (d == nullptr) return false;
    bool empty = true;
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") empty = false;
    }
    closedir(d);
    return empty;
  }

  std::string dir_, temp_;
  wal::Manifest manifest_;
  uint64_t incrs_ = 0;
};

// ---- a live server -------------------------------------------------------------

class Client {
 public:
  ~Client() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    in_.clear();
    pos_ = 0;
  }

  // Tries for up to `seconds`.
  base::Status Connect(const std::string& host, const std::string& port, int seconds) {
    const int64_t deadline = base::MonotonicUs() + int64_t{seconds} * 1000000;
    std::string last = "no address";
    while (true) {
      Close();
      addrinfo hints = {}, *res = nullptr;
      hints.ai_socktype = SOCK_STREAM;
      const int gai = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
      if (gai != 0) {
        return base::Status::InvalidArgument(host + ":" + port + ": " + gai_strerror(gai));
      }
      for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
        const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
          int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          fd_ = fd;
        } else {
          last = std::strerror(errno);
          close(fd);
        }
      }
      freeaddrinfo(res);
      if (fd_ >= 0) return base::Status::Ok();
      if (base::MonotonicUs() >= deadline) {
        return base::Status::IoError("cannot connect to " + host + ":" + port + ": " + last);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  base::Status Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return base::Status::IoErrorFromErrno("sending", n < 0 ? errno : EPIPE);
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return base::Status::Ok();
  }

  base::Result<protocol::Reply> Read() {
    while (true) {
      bool malformed = false;
      size_t pos = pos_;
      if (auto r = protocol::ReadReply(in_, &pos, &malformed)) {
        pos_ = pos;
        return std::move(*r);
      }
      if (malformed) return base::Status::Corruption("a malformed reply from the server");
      if (pos_ > 0) {
        in_.erase(0, pos_);
        pos_ = 0;
      }
      char buf[1 << 16];
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return base::Status::IoError("the server closed the connection");
      in_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string in_;
  size_t pos_ = 0;
};

// An error among a reply's elements (EXEC's).
const protocol::Reply* ErrorIn(const protocol::Reply& r) {
  if (r.type == protocol::Reply::Type::kError) return &r;
  for (const auto& e : r.elements) {
    if (const protocol::Reply* x = ErrorIn(e)) return x;
  }
  return nullptr;
}

// Replays commands into a server in pipelined rounds. Each round starts
// with a SELECT of the database in force, so a round can be sent again on
// a new connection (what a snapshot's RESTOREs allow).
class Replayer {
 public:
  Replayer(std::string host, std::string port, std::optional<std::string> auth)
      : host_(std::move(host)), port_(std::move(port)), auth_(std::move(auth)) {}

  base::Status Connect() {
    CAIRN_RETURN_IF_ERROR(client_.Connect(host_, port_, 10));
    if (auth_) {
      std::string argv[2] = {"AUTH", *auth_};
      auto r = Call(argv);
      if (!r.ok()) return r.status();
      if (r.value().type == protocol::Reply::Type::kError) {
        return base::Status::InvalidArgument("AUTH: " + r.value().str);
      }
    }
    return base::Status::Ok();
  }

  // The keys per database, from INFO keyspace.
  base::Result<std::map<int, uint64_t>> Keys() {
    std::string argv[2] = {"INFO", "keyspace"};
    auto r = Call(argv);
    if (!r.ok()) return r.status();
    std::map<int, uint64_t> keys;
    const std::string& t = r.value().str;
    for (size_t at = 0; (at = t.find("db", at)) != std::string::npos; at += 2) {
      if (at > 0 && t[at - 1] != '\n') continue;
      int db = 0;
      unsigned long long n = 0;
      if (std::sscanf(t.c_str() + at + 2, "%d:keys=%llu", &db, &n) == 2) keys[db] = n;
    }
    return keys;
  }

  // `resendable`: the command may run twice (a snapshot's RESTORE REPLACE).
  base::Status Add(std::span<const std::string> argv, bool resendable) {
    if (round_.empty()) {
      std::string select[2] = {"SELECT", std::to_string(db_)};
      wal::AppendCommand(&round_, select);
      names_.push_back("SELECT");
    }
    if (argv.size() == 2 && base::EqualsIgnoreCase(argv[0], "SELECT")) {
      if (auto n = base::ParseInt64(argv[1])) db_ = static_cast<int>(*n);
    }
    wal::AppendCommand(&round_, argv);
    names_.push_back(argv.empty() ? "" : base::ToLower(argv[0]));
    resendable_ = resendable;
    if (names_.size() >= 512 || round_.size() >= (4 << 20)) return Flush();
    return base::Status::Ok();
  }

  base::Status Flush() {
    if (round_.empty()) return base::Status::Ok();
    for (int attempt = 0;; attempt++) {
      base::Status st = SendRound();
      if (st.ok()) break;
      if (st.code() != base::StatusCode::kIoError || !resendable_ || attempt == 5) {
        if (st.code() != base::StatusCode::kIoError) return st;
        return base::Status::IoError(
            st.message() + " after " + std::to_string(confirmed_) + " commands were confirmed" +
            (resendable_ ? "" : "; the last round's commands may or may not have run"));
      }
      std::fprintf(stderr, "cairn restore: %s; reconnecting and sending the round again\n",
                   st.message().c_str());
      CAIRN_RETURN_IF_ERROR(Connect());
    }
    round_.clear();
    names_.clear();
    return base::Status::Ok();
  }

  uint64_t confirmed() const { return confirmed_; }
  uint64_t errors() const { return errors_; }

 private:
  base::Result<protocol::Reply> Call(std::span<const std::string> argv) {
    std::string cmd;
    wal::AppendCommand(&cmd, argv);
    CAIRN_RETURN_IF_ERROR(client_.Send(cmd));
    return client_.Read();
  }

  base::Status SendRound() {
    CAIRN_RETURN_IF_ERROR(client_.Send(round_));
    uint64_t confirmed = 0, errors = 0;
    for (size_t i = 0; i < names_.size(); i++) {
      auto r = client_.Read();
      if (!r.ok()) return r.status();
      if (const protocol::Reply* err = ErrorIn(r.value())) {
        // In a database that is not the one meant, everything after would
        // go wrong: stop.
        if (names_[i] == "select") {
          return base::Status::InvalidArgument("SELECT refused: " + err->str);
        }
        if (errors_ + errors++ < 5) {
          std::fprintf(stderr, "cairn restore: %s: %s\n", names_[i].c_str(), err->str.c_str());
        }
      }
      confirmed++;
    }
    confirmed_ += confirmed - 1;  // not the round's own SELECT
    errors_ += errors;
    return base::Status::Ok();
  }

  std::string host_, port_;
  std::optional<std::string> auth_;
  Client client_;
  std::string round_;
  std::vector<std::string> names_;
  bool resendable_ = true;
  int db_ = 0;
  uint64_t confirmed_ = 0, errors_ = 0;
};

int RestoreToDir(const std::string& dir, const std::vector<LogFile>& files, const Until& until,
                 bool cut_requested, Progress& progress) {
  const bool snapshot_only = files.size() == 1 && files[0].rdb;
  LogWalker walker(until, &progress);
  DirBuilder out;
  uint64_t keys = 0;
  if (base::Status s = out.Begin(dir); !s.ok()) return Fail(kUsage, s.message());
  for (const LogFile& f : files) {
    if (walker.facts().cut) break;
    uint64_t start = 0;
    if (f.rdb || f.preamble) {
      const std::string base = wal::BaseFileName("appendonly.aof", 1, /*rdb=*/true);
      auto end = RewriteRdb(f, out.Path(base), cut_requested, &progress, &keys);
      if (!end.ok()) return Fail(CodeFor(end.status()), end.status().message());
      out.SetBase(base);
      start = end.value();
      if (f.rdb) {
        progress.FileDone(FileSize(f.path));
        continue;
      }
    }
    const bool resp_base = f.base && !f.rdb && !f.preamble;
    base::Status st = walker.Walk(
        f, start,
        {.file_done = [&](const LogFile& lf, uint64_t from, uint64_t end,
                          const std::string& partial) -> base::Status {
          if (end <= from && partial.empty() && !resp_base) return base::Status::Ok();
          std::string name;
          int fd = -1;
          if (resp_base) {
            // A RESP base stays the base.
            name = wal::BaseFileName("appendonly.aof", 1, /*rdb=*/false);
            out.SetBase(name);
            fd = open(out.Path(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) return base::Status::IoErrorFromErrno("creating " + name, errno);
          } else {
            auto incr = out.NewIncr(&name);
            if (!incr.ok()) return incr.status();
            fd = incr.value();
          }
          base::Status s = CopyRange(lf.path, from, end, fd, name);
          if (s.ok() && !partial.empty()) s = base::WriteAll(fd, partial, name);
          if (s.ok() && fsync(fd) != 0)
            s = base::Status::IoErrorFromErrno("fsync of " + name, errno);
          close(fd);
          return s;
        }});
    if (!st.ok()) return Fail(CodeFor(st), st.message());
    progress.FileDone(FileSize(f.path));
  }
  if (cut_requested) {
    for (const std::string& path : out.incr_paths()) {
      if (base::Status s = DropHistory(path); !s.ok()) return Fail(kUsage, s.message());
    }
  }
  if (base::Status s = out.Finish(snapshot_only); !s.ok()) return Fail(kUsage, s.message());
  progress.Done(keys);
  return kOk;
}

int RestoreToServer(const std::string& to, const std::optional<std::string>& auth,
                    const std::vector<LogFile>& files, const Until& until, bool quiet,
                    Progress& progress) {
  const size_t colon = to.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == to.size()) {
    return Fail(kUsage, "--to " + to + ": expected HOST:PORT");
  }
  // A snapshot is verified whole before any of it is sent.
  for (const LogFile& f : files) {
    if (!f.rdb && !f.preamble) continue;
    auto r = snapshot::ScanRdbFile(
        f.path, f.name, {.entry = [](snapshot::RdbEntry&) { return base::Status::Ok(); }});
    if (!r.ok()) return Fail(CodeFor(r.status()), r.status().message());
  }
  Replayer server(to.substr(0, colon), to.substr(colon + 1), auth);
  if (base::Status s = server.Connect(); !s.ok()) return Fail(kUsage, s.message());
  auto before = server.Keys();
  if (!before.ok()) return Fail(kUsage, before.status().message());
  LogWalker walker(until, &progress);
  std::map<int, uint64_t> sent;  // a snapshot's keys per database
  const int64_t now_ms = base::NowMs();
  bool log_commands = false;
  int db = 0;
  uint64_t keys = 0, expired = 0;
  for (const LogFile& f : files) {
    if (walker.facts().cut) break;
    uint64_t start = 0;
    if (f.rdb || f.preamble) {
      auto r = snapshot::ScanRdbFile(
          f.path, f.name,
          {.entry = [&](snapshot::RdbEntry& e) -> base::Status {
             progress.Update(e.offset, ++keys);
             // Already expired: RESTORE ... ABSTTL would not create it.
             if (e.expire_ms >= 0 && e.expire_ms <= now_ms) {
               expired++;
               return base::Status::Ok();
             }
             if (e.db != db) {
               std::string select[2] = {"SELECT", std::to_string(e.db)};
               CAIRN_RETURN_IF_ERROR(server.Add(select, true));
               db = e.db;
             }
             std::string argv[6] = {"RESTORE",
                                    e.key,
                                    std::to_string(e.expire_ms >= 0 ? e.expire_ms : 0),
                                    snapshot::DumpPayload(e.value, true),
                                    "REPLACE",
                                    "ABSTTL"};
             sent[e.db]++;
             return server.Add(argv, true);
           },
           .function =
               [&](const std::string& code) {
                 std::string argv[4] = {"FUNCTION", "LOAD", "REPLACE", code};
                 return server.Add(argv, true);
               }});
      if (!r.ok()) return Fail(CodeFor(r.status()), r.status().message());
      start = r.value().end;
      if (f.rdb) {
        progress.FileDone(FileSize(f.path));
        continue;
      }
    }
    log_commands = true;
    if (base::Status s = server.Flush(); !s.ok()) return Fail(kUsage, s.message());
    base::Status st = walker.Walk(f, start, {.command = [&](std::vector<std::string>& argv) {
                                    return server.Add(argv, false);
                                  }});
    if (st.ok()) st = server.Flush();
    if (!st.ok()) return Fail(CodeFor(st), st.message());
    progress.FileDone(FileSize(f.path));
  }
  if (base::Status s = server.Flush(); !s.ok()) return Fail(kUsage, s.message());
  progress.Done(keys);
  if (expired > 0 && log_commands) {
    // The server's own load keeps them for the log to refer to; a live
    // server cannot be given a key already expired.
    std::fprintf(stderr,
                 "cairn restore: note: %llu keys of the base had expired and were not "
                 "sent; log commands that touch them act on missing keys\n",
                 static_cast<unsigned long long>(expired));
  }
  int rc = kOk;
  if (server.errors() > 0) {
    std::fprintf(stderr, "cairn restore: the server refused %llu commands\n",
                 static_cast<unsigned long long>(server.errors()));
    rc = kRefused;
  }
  // The final count: what a snapshot sent, into databases that were empty.
  auto after = server.Keys();
  if (!after.ok()) return Fail(kUsage, after.status().message());
  if (!log_commands) {
    for (const auto& [n_db, n] : sent) {
      const uint64_t had = before.value().count(n_db) ? before.value().at(n_db) : 0;
      const uint64_t has = after.value().count(n_db) ? after.value().at(n_db) : 0;
      if (had == 0 && has != n) {
        std::fprintf(stderr, "cairn restore: db%d holds %llu keys, %llu were sent\n", n_db,
                     static_cast<unsigned long long>(has), static_cast<unsigned long long>(n));
        rc = kRefused;
      }
    }
  }
  if (!quiet) {
    std::fprintf(stderr, "cairn restore: %llu commands confirmed by %s\n",
                 static_cast<unsigned long long>(server.confirmed()), to.c_str());
  }
  return rc;
}

}  // namespace

int RunRestore(Args& args) {
  const auto dir = args.Value("--dir");
  const auto to = args.Value("--to");
  const auto until_arg = args.Value("--until");
  const auto auth = args.Value("--auth");
  const bool quiet = args.Flag("--quiet");
  if (auto bad = args.Leftover()) return Fail(kUsage, *bad);
  if (args.positional().empty() || dir.has_value() == to.has_value()) {
    return Fail(kUsage,
                "usage: cairn restore SOURCE... (--dir NEWDIR | --to HOST:PORT [--auth PASSWORD]) "
                "[--until SEQ|TIME] [--quiet]");
  }
  Until until;
  if (until_arg) {
    auto u = ParseUntil(*until_arg);
    if (!u.ok()) return Fail(kUsage, u.status().message());
    until = u.value();
  }
  // The sources' files, in replay order: one snapshot at most, first.
  std::vector<LogFile> files;
  for (const std::string& src : args.positional()) {
    auto in = ResolveInput(src);
    if (!in.ok()) return Fail(kUsage, in.status().message());
    auto f = LogFilesOf(in.value());
    if (!f.ok()) return Fail(CodeFor(f.status()), f.status().message());
    for (LogFile& x : f.value()) {
      if ((x.base || x.preamble) && !files.empty()) {
        return Fail(kUsage, x.name +
                                ": a snapshot or base can only come first (the dataset "
                                "the log files after it start from)");
      }
      files.push_back(std::move(x));
    }
  }
  if (files.empty()) return Fail(kUsage, "the sources name no files (an empty manifest)");
  for (LogFile& f : files) f.last = false;
  if (!files.back().rdb) files.back().last = true;
  if (until_arg && files.size() == 1 && files[0].rdb) {
    return Fail(kUsage, "--until needs a log: a snapshot is one moment");
  }
  // A live server gets nothing of a log that would fail half-way (--dir's
  // directory appears only when complete anyway).
  if (until_arg || to) {
    if (base::Status s = Preflight(files, until); !s.ok()) return Fail(CodeFor(s), s.message());
  }
  uint64_t total = 0;
  for (const LogFile& f : files) total += FileSize(f.path);
  Progress progress("restore", total, quiet);
  if (dir) return RestoreToDir(*dir, files, until, until_arg.has_value(), progress);
  return RestoreToServer(*to, auth, files, until, quiet, progress);
}

}  // namespace cairn::tools
