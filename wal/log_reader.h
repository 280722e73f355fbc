// Reading a log file back (recovery, cairn-check): RESP command records,
// with or without Cairn's batch annotations (wal/format.h). A file written
// by Redis itself has no annotations and is read as plain commands.
//
// Annotated batches are verified (length and XXH3-64) before any of their
// commands is handed out, so a batch applies whole or not at all. Filler
// lines the writer preallocated (wal/format.h) are skipped; the content ends
// before the filler at the end of the file.
//
// Damage is classified (doc/aof.md, "What recovery does"):
//  - a torn tail: the content ends inside a batch or command; or, in a file
//    of Cairn's (with batches, or preallocated), damage that no later batch
//    proves was synced (wal/format.h, Annotation::durable): a batch failing its checksum, a damaged annotation, a
//    gap in the batches' sequence numbers (a lost page reads as filler), or
//    records outside batches that are not where Redis appends (after the
//    filler at the end of the file, closed by an empty batch when Cairn
//    writes after them). The result says where the valid prefix ends; the
//    caller may truncate there. Nothing after that point has been handed
//    out (but see doc/aof.md on values crafted to look like records).
//  - corruption: damage a later batch proves was synced, or bytes that are
//    not records among Redis's records. An error naming the file and offset.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_util.h"
#include "base/status.h"
#include "wal/format.h"

namespace cairn::wal {

struct ScanResult {
  uint64_t file_bytes = 0;
  uint64_t content_bytes = 0;  // file_bytes less the preallocated filler at its end
  uint64_t valid_bytes = 0;    // end of the last whole batch or command
  uint64_t batches = 0;      // annotated batches verified
  uint64_t commands = 0;
  uint64_t last_seq = 0;     // highest seq covered by an annotation (0: none)
  // The replication history of the last batch that has one (wal/format.h).
  std::optional<History> last_history;
  bool torn_tail = false;
  std::string torn_reason;   // e.g. "incomplete batch at offset 4096"
  bool stopped = false;      // a hook stopped the scan at valid_bytes
  // Filled for ScanHooks::damage: where the damage was found, and the seq
  // the next batch should have carried (0: not known).
  uint64_t damage_at = 0;
  uint64_t next_seq = 0;
};

// Called for each command, in order. A non-ok Status stops the scan and is
// returned as is.
using CommandFn = std::function<base::Status(std::vector<std::string>& argv, uint64_t offset)>;

// What the offline tools (doc/tools.md) learn beside the commands. Each
// hook returns false to stop the scan right before what it was shown (the
// result says `stopped`, valid_bytes is where it stopped).
struct ScanHooks {
  // Each verified batch, its annotation at `offset`, before its commands
  // are handed out.
  std::function<bool(const Annotation& a, uint64_t offset, std::string_view body)> batch;
  // Other tools' '#' lines, e.g. Redis's "#TS:<unix seconds>".
  std::function<bool(std::string_view line, uint64_t offset)> comment;
  // Where the log starts: after an RDB preamble the caller has read.
  uint64_t start = 0;
  // On corruption, set to the result as it stood (valid_bytes: the end of
  // the last good batch before the damage), with torn_reason the error.
  ScanResult* damage = nullptr;
};

// The records of a batch's body, in order: `fn` gets each command and the
// offset just after it, and returns false to stop. Returns the offset where
// reading stopped (bytes.size() when every record was read whole).
using RecordFn = std::function<bool(std::vector<std::string>& argv, size_t end)>;
size_t ForEachRecord(std::string_view bytes, const RecordFn& fn);

// Scans `path`. `display_name` names the file in messages. A torn tail is
// reported in the result (never an error); corruption is an error.
base::Result<ScanResult> ScanLogFile(const std::string& path, const std::string& display_name,
                                     const CommandFn& fn, const ScanHooks& hooks = {});

using MappedFile = base::MappedFile;  // (wal::MappedFile, as callers name it)

// A log file's batches, one at a time, verified, as the file is when
// opened: replication's catch-up from the log (replication/primary.h)
// reads a segment this way, a little at a time. Filler and other tools'
// '#' lines are skipped.
class BatchCursor {
 public:
  // Reads from byte `from` (a position() of an earlier cursor) on.
  base::Status Open(const std::string& path, size_t from = 0);
  size_t position() const { return pos_; }
  enum class Next {
    kBatch,    // *a and *body (valid while the cursor lives)
    kEnd,      // the end of the content
    kDamaged,  // a batch that does not verify, records outside batches
  };
  // verify: check the batch's checksum (without it, a batch that does
  // not verify is handed out as it is; its length is still checked).
  Next Read(Annotation* a, std::string_view* body, bool verify = true);

 private:
  MappedFile file_;
  std::string_view in_;
  size_t pos_ = 0;
};

// Truncates `path` to `length` bytes and syncs it (torn-tail repair).
base::Status TruncateFile(const std::string& path, uint64_t length);

}  // namespace cairn::wal
