// The log's record and batch framing (doc/aof.md has the grammar).
//
// A record is one command as a RESP array, exactly as in a Redis AOF. Records
// are written in batches; each batch is preceded by an annotation line
//   "#cairn <first-seq> <length> <xxh3-64 hex>\r\n"
// which Redis 7's loader and redis-check-aof skip (any line starting with
// '#'), and which lets recovery verify every batch and tell a torn tail from
// corruption. Every batch starts with a SELECT so it replays on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cairn::wal {

// Appends `argv` as a RESP array of bulk strings.
void AppendCommand(std::string* out, std::span<const std::string> argv);
void AppendSelect(std::string* out, int db);

uint64_t Checksum(std::string_view bytes);  // XXH3-64

struct Annotation;
// A batch's checksum: XXH3-64 of its body, seeded, when the annotation has
// a seal time or a History, with the XXH3-64 of those fields' text, so that
// damage to them is caught like damage to the body.
uint64_t BatchChecksum(std::string_view body, const Annotation& a);

// Where a batch stands in replication (replication/primary.h): the stream
// offset after it, under replication ID `replid`. On a primary the batch's
// body is the stream itself, its last byte at `offset` (kind kStream): the
// log is the replication backlog. On a replica the body is what it applied,
// and `offset` is how far into its primary's stream that took it, `db` the
// stream's database then (kApplied): a restart resumes from there.
struct History {
  enum Kind : char { kStream = 'p', kApplied = 'r' };
  Kind kind = kStream;
  int64_t offset = 0;
  int db = 0;
  std::string replid;
  bool operator==(const History&) const = default;
};

struct Annotation {
  uint64_t first_seq = 0;
  uint64_t length = 0;  // bytes of the batch after the annotation line
  uint64_t checksum = 0;
  // The live log's batches say how far the log was durable when they were
  // sealed, so recovery can tell damage no sync ever covered (a crash's)
  // from damage to what was on disk (doc/aof.md). Base files leave it out.
  std::optional<uint64_t> durable;
  // Only with `durable`: the wall-clock time (Unix ms) the batch was
  // sealed, before any write in it was acknowledged (point-in-time restore,
  // doc/tools.md). Added after logs without it were written: those read on.
  std::optional<int64_t> sealed_ms;
  // Only with `durable`.
  std::optional<History> history;
};

// "#cairn 17 4096 0123456789abcdef\r\n", or with `durable`
// "#cairn 17 4096 0123456789abcdef 16\r\n", then `sealed_ms` and `history`
// "#cairn 17 4096 0123456789abcdef 16 t1764539681123 p5120.0.<40 hex>\r\n".
std::string FormatAnnotation(const Annotation& a);
// Parses one annotation line (without its line ending). nullopt if `line`
// is not a Cairn annotation (other '#' lines are legal and skipped).
std::optional<Annotation> ParseAnnotation(std::string_view line);

// Longest annotation line, so readers can bound their search for "\n".
inline constexpr size_t kMaxAnnotationLen = 224;

// Preallocated space. The writer extends a segment ahead of its records
// with filler, so that a batch overwrites blocks the file already has and
// its fdatasync needs no metadata update (doc/aof.md, "Preallocation").
// Filler is lines of '#' (annotations to Redis, so its loader and
// redis-check-aof skip them) whose '\n' sits at every file offset that is
// kFillLine - 1 modulo kFillLine. The first byte of an extension, and the
// byte right after the last batch, are always '#' (never a bare "\n", which
// Redis would reject), so a line may run to 2 * kFillLine bytes; Redis reads
// annotation lines of up to 1023.
inline constexpr uint64_t kFillLine = 64;

// The filler for file offsets [from, to), its first byte '#'.
// REQUIRES: to is a multiple of kFillLine and greater than from.
std::string MakeFill(uint64_t from, uint64_t to);
// True if `bytes`, found at file offset `from`, are filler as the writer
// leaves it (so appending may overwrite it): '#' lines ending with '\n',
// newlines only where MakeFill puts them.
bool IsFill(std::string_view bytes, uint64_t from);
// Where a file's content ends: the file minus its trailing filler (lines of
// '#' that IsFill accepts; anything else there makes all of it content).
size_t ContentEnd(std::string_view file);

}  // namespace cairn::wal
