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

struct Annotation {
  uint64_t first_seq = 0;
  uint64_t length = 0;  // bytes of the batch after the annotation line
  uint64_t checksum = 0;
};

// "#cairn 17 4096 0123456789abcdef\r\n"
std::string FormatAnnotation(const Annotation& a);
// Parses one annotation line (without its line ending). nullopt if `line`
// is not a Cairn annotation (other '#' lines are legal and skipped).
std::optional<Annotation> ParseAnnotation(std::string_view line);

// Longest annotation line, so readers can bound their search for "\n".
inline constexpr size_t kMaxAnnotationLen = 96;

}  // namespace cairn::wal
