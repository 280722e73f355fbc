// Whole RDB files: writing one from a visitor over (db, key, value, expiry),
// and reading one back into a callback. snapshot/ never calls the engine;
// the engine drives SAVE/BGSAVE and decides what loaded entries mean.
// Grammar: doc/rdb.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "snapshot/value_codec.h"
#include "types/value.h"

namespace cairn::snapshot {

struct RdbWriteOptions {
  bool compress = true;   // rdbcompression
  bool checksum = true;   // rdbchecksum (false writes a zero checksum)
  std::vector<std::pair<std::string, std::string>> aux;  // after Redis's own
  std::vector<std::string> functions;  // FUNCTION libraries' code, after the aux fields
  // Each key's access before it, as Redis writes it under an LRU policy
  // (RDB_OPCODE_IDLE: seconds idle) or an LFU one (RDB_OPCODE_FREQ: the
  // counter, decayed by lfu_decay_time): types/value_access.h.
  enum class Access { kNone, kIdle, kFreq } access = Access::kNone;
  int64_t lfu_decay_time = 1;
};

// Streams an RDB file to `path` (created or truncated) with a running
// CRC-64. Finish() writes the EOF opcode and checksum, fsyncs and closes.
// Synchronous I/O: used by SAVE, the BGSAVE child and the rewrite child.
// Attach writes to a descriptor instead (a replica's full resync: a pipe
// or a temporary file), which Finish closes without syncing.
class RdbFileWriter {
 public:
  RdbFileWriter() = default;
  ~RdbFileWriter();
  RdbFileWriter(const RdbFileWriter&) = delete;
  RdbFileWriter& operator=(const RdbFileWriter&) = delete;

  base::Status Open(const std::string& path, const RdbWriteOptions& options);
  // Takes `fd`; `name` is what errors call it.
  base::Status Attach(int fd, std::string name, const RdbWriteOptions& options);
  // Starts database `db`, which holds `size` keys of which `expires` expire.
  base::Status BeginDb(int db, uint64_t size, uint64_t expires);
  base::Status Put(std::string_view key, const types::Value& value, int64_t expire_ms);
  // A value already encoded (type byte, then body: how the cold tier keeps
  // it); `access` is the value's access field (types::Value::lru).
  base::Status PutEncoded(std::string_view key, std::string_view encoded, uint32_t access,
                          int64_t expire_ms);
  base::Status Finish();
  uint64_t bytes() const { return written_ + buf_.size(); }

 private:
  base::Status FlushBuffer();
  // What precedes a value's type byte: expiry, idle time or counter.
  void PutPrefix(uint32_t access, int64_t expire_ms);

  std::string path_;
  int fd_ = -1;
  bool sync_ = true;
  RdbWriteOptions options_;
  std::string buf_;
  int64_t now_ms_ = 0;  // the clock idle times are taken against
  uint64_t crc_ = 0;
  uint64_t written_ = 0;
};

struct RdbInfo {
  int version = 0;
  uint64_t keys = 0;
  // Empty collections, which Redis 7.0 skips too (and logs the first ten).
  uint64_t empty_keys_skipped = 0;
  std::vector<std::pair<std::string, std::string>> aux;
  // FUNCTION libraries (RDB_OPCODE_FUNCTION2): each library's code, in file
  // order, for the caller to load (FUNCTION LOAD semantics).
  std::vector<std::string> functions;
  // Where the image ends, after its checksum: in an AOF with an RDB
  // preamble, where the commands start.
  uint64_t end = 0;
};

// Called per key: database, key, value, absolute expiry in ms (-1: none).
using RdbEntryFn =
    std::function<base::Status(int db, std::string key, types::Value value, int64_t expire_ms)>;

// Reads a whole RDB image. Every value is decoded and checked, and the
// checksum (when the file carries one) verified, before any entry is handed
// out, so a damaged file delivers nothing; errors name `name` and the
// offset. Collections are converted under `limits` (the server's config),
// as Redis converts them on load.
base::Result<RdbInfo> ReadRdb(std::string_view data, const std::string& name,
                              const RdbEntryFn& fn, const LoadLimits& limits = {});
base::Result<RdbInfo> ReadRdbFile(const std::string& path, const std::string& name,
                                  const RdbEntryFn& fn, const LoadLimits& limits = {});

// One key as a scan hands it out.
struct RdbEntry {
  int db = 0;
  std::string key;
  types::Value value;
  int64_t expire_ms = -1;
  uint64_t offset = 0;       // of the value's type byte in the file
  uint64_t value_bytes = 0;  // its type byte and body there: its serialized size
};

// The offline tools' single pass (doc/tools.md): each key is handed out as
// soon as it is decoded and the checksum is verified at the end, so a
// damaged file has handed out the keys before the damage when the error
// comes. `aux` and `function` are optional.
struct RdbScan {
  std::function<base::Status(RdbEntry& entry)> entry;
  std::function<base::Status(const std::string& key, const std::string& value)> aux;
  std::function<base::Status(const std::string& code)> function;
};
base::Result<RdbInfo> ScanRdb(std::string_view data, const std::string& name,
                              const RdbScan& scan, const LoadLimits& limits = {});
// The file is mapped and the pages behind the scan are released, so memory
// stays flat whatever the file's size.
base::Result<RdbInfo> ScanRdbFile(const std::string& path, const std::string& name,
                                  const RdbScan& scan, const LoadLimits& limits = {});

}  // namespace cairn::snapshot
