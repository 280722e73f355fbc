// What the `cairn` commands share (doc/tools.md): reading a PATH, the
// progress display, output files that appear only when complete, and the
// exit codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_util.h"
#include "base/status.h"
#include "types/value.h"

namespace cairn::tools {

// Exit codes (doc/tools.md).
inline constexpr int kOk = 0;
inline constexpr int kDamaged = 1;
inline constexpr int kUsage = 2;
inline constexpr int kRefused = 3;

// Prints "cairn <command>: <message>" on stderr and returns `code`.
int Fail(int code, const std::string& message);
// The exit code for a failed read: damage (1) or I/O and missing files (2).
int CodeFor(const base::Status& s);
// The command being run ("export"), for messages.
void SetCommandName(std::string name);

// A command line: flags with values, repeatable flags, and positionals.
class Args {
 public:
  Args(int argc, char** argv, int first);
  // The value of --name (the last one given), or nullopt.
  std::optional<std::string> Value(std::string_view name);
  std::vector<std::string> Values(std::string_view name);
  bool Flag(std::string_view name);
  // What no Value or Flag took (call after them).
  std::vector<std::string> positional() const;
  // After every Value/Values/Flag: an error naming what was not understood.
  std::optional<std::string> Leftover() const;

 private:
  std::vector<std::string> args_;
  std::vector<bool> used_;
};

// What a PATH is (doc/tools.md, "What PATH may be").
struct Input {
  enum Kind { kRdb, kAof, kManifest } kind = kRdb;
  std::string path;           // kRdb, kAof: the file
  std::string dir, manifest;  // kManifest: its directory and file name
  std::string dump_rdb;       // a data directory's dump.rdb, beside its log
  bool preamble = false;      // kAof starting with an RDB image
};
base::Result<Input> ResolveInput(const std::string& path);

// One file of a log, in replay order.
struct LogFile {
  std::string path;
  std::string name;   // as messages call it
  bool rdb = false;   // a whole RDB
  bool base = false;  // the manifest's base: the dataset the log starts from
  bool preamble = false;
  bool last = false;  // the file appends went to (may end in a torn tail)
};
// The files a log input is made of; a kRdb input is one RDB file.
base::Result<std::vector<LogFile>> LogFilesOf(const Input& in);

// --until: a sequence number, or a time (Unix ms).
struct Until {
  std::optional<uint64_t> seq;
  std::optional<int64_t> ms;
};
base::Result<Until> ParseUntil(std::string_view s);
// "2026-11-30T21:54:41.123Z"
std::string FormatTime(int64_t unix_ms);
std::string Human(uint64_t bytes);  // "12.3 MB"

using base::FileSize;
bool IsDir(const std::string& path);
bool Exists(const std::string& path);
// "a/b/c" -> "a/b" ("." without a slash, "/" for "/c"); "a/b/c" -> "c".
std::string DirOf(const std::string& path);
std::string BaseName(const std::string& path);

// Progress on stderr (doc/tools.md, "Progress").
class Progress {
 public:
  Progress(std::string what, uint64_t total_bytes, bool quiet);
  // `bytes` into the current file; FileDone moves on to the next.
  void Update(uint64_t bytes, uint64_t keys) {
    if ((++calls_ & 1023) == 0) Show(base_ + bytes, keys, false);
  }
  void FileDone(uint64_t size) { base_ += size; }
  void Done(uint64_t keys) { Show(total_, keys, true); }

 private:
  void Show(uint64_t bytes, uint64_t keys, bool final);

  std::string what_;
  uint64_t total_;
  bool quiet_;
  bool tty_;
  uint64_t calls_ = 0;
  uint64_t base_ = 0;
  int64_t start_us_;
  int64_t last_us_ = 0;
  size_t drawn_ = 0;
};

// Output to a file (built as FILE.tmp-<pid>, renamed by Commit) or stdout
// ("-" or empty), buffered.
class Output {
 public:
  Output() = default;
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  base::Status Open(const std::string& path);
  void Write(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= (1 << 20)) Flush();
  }
  std::string& buffer() { return buf_; }  // appends, then MaybeFlush()
  void MaybeFlush() {
    if (buf_.size() >= (1 << 20)) Flush();
  }
  base::Status Commit();

 private:
  void Flush();

  int fd_ = 1;
  std::string path_, temp_;
  std::string buf_;
  base::Status error_ = base::Status::Ok();
};

// The RDB file that holds an input's values, for export and report: an RDB
// file, or a log whose files after its RDB base hold no commands. Refused
// otherwise, with the way out.
base::Result<std::string> SnapshotPath(const Input& in);

// "string", "list", "set", "zset", "hash", "stream" (Redis's TYPE).
const char* TypeName(const types::Value& v);
// Elements: a string's length in bytes, a collection's size.
uint64_t Elements(const types::Value& v);

}  // namespace cairn::tools
