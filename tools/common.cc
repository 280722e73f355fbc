#include "tools/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/clock.h"
#include "base/file_util.h"
#include "base/string_util.h"
#include "types/hash.h"
#include "types/quicklist.h"
#include "types/set.h"
#include "types/stream.h"
#include "types/zset.h"
#include "wal/log_reader.h"
#include "wal/manifest.h"

namespace cairn::tools {

namespace {
std::string command_name = "cairn";
}

void SetCommandName(std::string name) { command_name = "cairn " + name; }

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", command_name.c_str(), message.c_str());
  return code;
}

int CodeFor(const base::Status& s) {
  return s.code() == base::StatusCode::kCorruption || s.code() == base::StatusCode::kNotSupported
             ? kDamaged
             : kUsage;
}

// ---- arguments ---------------------------------------------------------------

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; i++) args_.emplace_back(argv[i]);
  used_.assign(args_.size(), false);
}

std::optional<std::string> Args::Value(std::string_view name) {
  auto all = Values(name);
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::vector<std::string> Args::Values(std::string_view name) {
  std::vector<std::string> out;
  for (size_t i = 0; i + 1 < args_.size(); i++) {
    if (!used_[i] && args_[i] == name) {
      used_[i] = used_[i + 1] = true;
      out.push_back(args_[i + 1]);
      i++;
    }
  }
  return out;
}

bool Args::Flag(std::string_view name) {
  bool found = false;
  for (size_t i = 0; i < args_.size(); i++) {
    if (!used_[i] && args_[i] == name) used_[i] = found = true;
  }
  return found;
}

std::vector<std::string> Args::positional() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < args_.size(); i++) {
    if (!used_[i] && (args_[i].size() <= 1 || args_[i][0] != '-')) out.push_back(args_[i]);
  }
  return out;
}

std::optional<std::string> Args::Leftover() const {
  for (size_t i = 0; i < args_.size(); i++) {
    if (!used_[i] && args_[i].size() > 1 && args_[i][0] == '-') {
      return "unknown option or missing value: " + args_[i];
    }
  }
  return std::nullopt;
}

// ---- inputs ------------------------------------------------------------------

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

namespace {

// The first bytes of a file ("" if it cannot be read).
std::string Head(const std::string& path, size_t n) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out(n, '\0');
  ssize_t got = read(fd, out.data(), n);
  close(fd);
  out.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return out;
}

// The manifest in `dir`: Redis's default name, or the only *.manifest
// (not a temp-* one a switch left); "" when there is none.
base::Result<std::string> FindManifest(const std::string& dir) {
  if (Exists(dir + "/appendonly.aof.manifest")) return std::string("appendonly.aof.manifest");
  std::vector<std::string> found;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.ends_with(".manifest") && !name.starts_with("temp-")) found.push_back(name);
    }
    closedir(d);
  }
  if (found.size() > 1) {
    return base::Status::InvalidArgument(dir + " holds several manifests (" + found[0] + ", " +
                                         found[1] + "): name the one to read");
  }
  return found.empty() ? std::string() : found[0];
}

// Subdirectories of `dir` (appenddirname need not be appendonlydir).
std::vector<std::string> SubDirs(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != ".." && IsDir(dir + "/" + name)) out.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  return out;
}

}  // namespace

base::Result<Input> ResolveInput(const std::string& path) {
  Input in;
  if (!Exists(path)) return base::Status::NotFound(path + ": no such file or directory");
  if (IsDir(path)) {
    if (Exists(path + "/dump.rdb")) in.dump_rdb = path + "/dump.rdb";
    // The log: in appendonlydir, in the directory itself (PATH is an
    // appendonlydir), or in another subdirectory (another appenddirname).
    std::vector<std::string> dirs = {path + "/appendonlydir", path};
    std::vector<std::string> others;
    for (const std::string& sub : SubDirs(path)) {
      if (sub != dirs[0]) others.push_back(sub);
    }
    for (int round = 0; round < 2; round++) {
      std::vector<std::pair<std::string, std::string>> found;
      for (const std::string& dir : round == 0 ? dirs : others) {
        if (!IsDir(dir)) continue;
        auto m = FindManifest(dir);
        if (!m.ok()) return m.status();
        if (!m.value().empty()) found.emplace_back(dir, m.value());
        if (round == 0 && !found.empty()) break;
      }
      if (found.size() > 1) {
        return base::Status::InvalidArgument(path + " holds several logs (" + found[0].first +
                                             ", " + found[1].first + "): name the one to read");
      }
      if (found.size() == 1) {
        in.kind = Input::kManifest;
        in.dir = found[0].first;
        in.manifest = found[0].second;
        return in;
      }
    }
    if (!in.dump_rdb.empty()) {
      in.kind = Input::kRdb;
      in.path = in.dump_rdb;
      return in;
    }
    return base::Status::NotFound(path + ": no appendonlydir, manifest or dump.rdb in it");
  }
  if (path.ends_with(".manifest")) {
    in.kind = Input::kManifest;
    in.dir = DirOf(path);
    in.manifest = BaseName(path);
    return in;
  }
  in.path = path;
  // A *.rdb is read as one whatever it holds (an empty or damaged file is
  // a damaged snapshot, not an empty log).
  const bool rdb = Head(path, 5) == "REDIS" || path.ends_with(".rdb");
  if (rdb && !path.ends_with(".aof")) {
    in.kind = Input::kRdb;
  } else {
    in.kind = Input::kAof;
    in.preamble = rdb;
  }
  return in;
}

base::Result<std::vector<LogFile>> LogFilesOf(const Input& in) {
  std::vector<LogFile> files;
  if (in.kind == Input::kRdb) {
    files.push_back({.path = in.path, .name = BaseName(in.path), .rdb = true, .base = true});
    return files;
  }
  if (in.kind == Input::kAof) {
    files.push_back(
        {.path = in.path, .name = BaseName(in.path), .preamble = in.preamble, .last = true});
    return files;
  }
  auto m = wal::ReadManifest(in.dir, in.manifest);
  if (!m.ok()) {
    if (m.status().code() == base::StatusCode::kNotFound) {
      return base::Status::NotFound(in.dir + "/" + in.manifest + ": no such file");
    }
    return m.status();
  }
  if (const wal::ManifestEntry* b = m.value().base()) {
    const std::string p = in.dir + "/" + b->name;
    const bool rdb = b->name.ends_with(".rdb");
    files.push_back({.path = p,
                     .name = b->name,
                     .rdb = rdb,
                     .base = true,
                     .preamble = !rdb && Head(p, 5) == "REDIS"});
  }
  for (const wal::ManifestEntry* e : m.value().incrs()) {
    files.push_back({.path = in.dir + "/" + e->name, .name = e->name});
  }
  for (LogFile& f : files) {
    if (!Exists(f.path)) {
      return base::Status::Corruption(f.name + ": named by " + in.manifest + " but missing");
    }
  }
  if (!files.empty() && !files.back().rdb && m.value().incrs().size() > 0) files.back().last = true;
  return files;
}

// ---- times -------------------------------------------------------------------

base::Result<Until> ParseUntil(std::string_view s) {
  Until u;
  auto bad = [&] {
    return base::Status::InvalidArgument(
        "--until " + std::string(s) +
        ": expected a sequence number, @<unix ms>, or a UTC time like 2026-11-30T21:54:41.123Z");
  };
  if (s.starts_with('@')) {
    auto ms = base::ParseInt64(s.substr(1));
    if (!ms || *ms < 0) return bad();
    u.ms = *ms;
    return u;
  }
  if (auto n = base::ParseInt64(s)) {
    if (*n < 0) return bad();
    u.seq = static_cast<uint64_t>(*n);
    return u;
  }
  // YYYY-MM-DD[T ]HH:MM:SS[.fff][Z]
  std::string t(s);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  struct tm tm = {};
  int frac_at = 0;
  int year, mon, day, hour, min, sec;
  char sep;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &year, &mon, &day, &sep, &hour, &min,
                  &sec, &frac_at) != 7 ||
      (sep != 'T' && sep != ' ') || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 ||
      min > 59 || sec > 60) {
    return bad();
  }
  int64_t ms = 0;
  std::string_view rest = std::string_view(t).substr(static_cast<size_t>(frac_at));
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2 || rest.size() > 4) return bad();
    std::string digits(rest.substr(1));
    for (char c : digits) {
      if (c < '0' || c > '9') return bad();
    }
    while (digits.size() < 3) digits += '0';
    ms = std::stoi(digits);
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const time_t secs = timegm(&tm);
  // Reject what timegm would normalise (February 31st, hour -1).
  struct tm back;
  if (secs < 0 || gmtime_r(&secs, &back) == nullptr || back.tm_year != year - 1900 ||
      back.tm_mon != mon - 1 || back.tm_mday != day || back.tm_hour != hour || back.tm_min != min ||
      back.tm_sec != sec) {
    return bad();
  }
  u.ms = static_cast<int64_t>(secs) * 1000 + ms;
  return u;
}

std::string FormatTime(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

std::string Human(uint64_t bytes) {
  char buf[32];
  if (bytes < 10000) {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < 10 * 1000 * 1000) {
    std::snprintf(buf, sizeof(buf), "%.1f kB", static_cast<double>(bytes) / 1e3);
  } else if (bytes < 10ULL * 1000 * 1000 * 1000) {
    std::snprintf(buf, sizeof(buf), "%.1f MB", static_cast<double>(bytes) / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f GB", static_cast<double>(bytes) / 1e9);
  }
  return buf;
}

// ---- progress ----------------------------------------------------------------

Progress::Progress(std::string what, uint64_t total_bytes, bool quiet)
    : what_(std::move(what)),
      total_(total_bytes),
      quiet_(quiet),
      tty_(isatty(2) != 0),
      start_us_(base::MonotonicUs()) {
  last_us_ = start_us_;
}

void Progress::Show(uint64_t bytes, uint64_t keys, bool final) {
  if (quiet_) return;
  const int64_t now = base::MonotonicUs();
  // A terminal is redrawn ten times a second; a log gets a line every 5 s.
  if (!final && now - last_us_ < (tty_ ? 100000 : 5000000)) return;
  last_us_ = now;
  const double secs = static_cast<double>(now - start_us_) / 1e6;
  const double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0;
  const double frac = total_ > 0 ? std::min(1.0, static_cast<double>(bytes) / total_) : 1.0;
  char line[256];
  if (final) {
    std::snprintf(line, sizeof(line), "%s: done: %llu keys, %s in %.1f s (%s/s)", what_.c_str(),
                  static_cast<unsigned long long>(keys), Human(bytes).c_str(), secs,
                  Human(static_cast<uint64_t>(rate)).c_str());
  } else {
    const double eta = rate > 0 ? static_cast<double>(total_ - std::min(total_, bytes)) / rate : 0;
    char bar[33] = {};
    if (tty_) {
      const int filled = static_cast<int>(frac * 30);
      for (int i = 0; i < 30; i++) bar[i] = i < filled ? '#' : '.';
    }
    std::snprintf(line, sizeof(line), "%s: %s%s%3d%%  %s / %s  %llu keys  %s/s  ETA %.0f s",
                  what_.c_str(), tty_ ? bar : "", tty_ ? " " : "", static_cast<int>(frac * 100),
                  Human(bytes).c_str(), Human(total_).c_str(),
                  static_cast<unsigned long long>(keys), Human(static_cast<uint64_t>(rate)).c_str(),
                  eta);
  }
  std::string out = line;
  if (tty_) {
    // Redraw in place; the final line stays.
    const size_t len = out.size();
    if (drawn_ > len) out.append(drawn_ - len, ' ');
    out = "\r" + out + (final ? "\n" : "");
    drawn_ = final ? 0 : len;
  } else {
    out += "\n";
  }
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
}

// ---- output ------------------------------------------------------------------

Output::~Output() {
  if (!temp_.empty()) {
    if (fd_ >= 0) close(fd_);
    unlink(temp_.c_str());
  }
}

base::Status Output::Open(const std::string& path) {
  if (path.empty() || path == "-") return base::Status::Ok();
  path_ = path;
  temp_ = path + ".tmp-" + std::to_string(getpid());
  fd_ = open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    temp_.clear();
    return base::Status::IoErrorFromErrno("creating " + path, errno);
  }
  return base::Status::Ok();
}

void Output::Flush() {
  // After a failed write the rest is dropped: Commit reports the error.
  if (error_.ok() && !buf_.empty())
    error_ = base::WriteAll(fd_, buf_, path_.empty() ? "stdout" : path_);
  buf_.clear();
}

base::Status Output::Commit() {
  Flush();
  CAIRN_RETURN_IF_ERROR(error_);
  if (temp_.empty()) return base::Status::Ok();
  if (fsync(fd_) != 0) return base::Status::IoErrorFromErrno("fsync of " + path_, errno);
  close(fd_);
  fd_ = -1;
  if (rename(temp_.c_str(), path_.c_str()) != 0) {
    return base::Status::IoErrorFromErrno("renaming to " + path_, errno);
  }
  temp_.clear();
  return base::Status::Ok();
}

const char* TypeName(const types::Value& v) {
  switch (v.type) {
    case types::ValueType::kString:
      return "string";
    case types::ValueType::kList:
      return "list";
    case types::ValueType::kSet:
      return "set";
    case types::ValueType::kZSet:
      return "zset";
    case types::ValueType::kHash:
      return "hash";
    case types::ValueType::kStream:
      return "stream";
  }
  return "unknown";
}

uint64_t Elements(const types::Value& v) {
  switch (v.type) {
    case types::ValueType::kString:
      return v.str.view().size();
    case types::ValueType::kList:
      return v.quicklist()->size();
    case types::ValueType::kSet:
      return types::set::Card(v);
    case types::ValueType::kZSet:
      return types::zset::Card(v);
    case types::ValueType::kHash:
      return types::hash::Len(v);
    case types::ValueType::kStream:
      return v.stream()->length();
  }
  return 0;
}

base::Result<std::string> SnapshotPath(const Input& in) {
  if (in.kind == Input::kRdb) return in.path;
  auto files = LogFilesOf(in);
  if (!files.ok()) return files.status();
  std::string rdb;
  uint64_t commands = 0;
  for (const LogFile& f : files.value()) {
    if (f.rdb) {
      rdb = f.path;
      continue;
    }
    if (f.preamble) {
      commands++;  // a preamble AOF: values and commands in one file
      continue;
    }
    auto r = wal::ScanLogFile(f.path, f.name, [&](std::vector<std::string>&, uint64_t) {
      commands++;
      return base::Status::Ok();
    });
    if (!r.ok()) return r.status();
  }
  if (!rdb.empty() && commands == 0) return rdb;
  std::string why =
      rdb.empty() ? "the log has no RDB base" : "the log holds commands after its base";
  std::string hint = "restore it (cairn restore PATH --dir NEWDIR, or --to HOST:PORT) and SAVE";
  if (!in.dump_rdb.empty()) hint += ", or export the older snapshot " + in.dump_rdb;
  return base::Status::InvalidArgument(
      why + ": export and report read values, which only a snapshot holds; " + hint +
      " (export --format resp writes a log's commands as they are)");
}

}  // namespace cairn::tools
