// The RDB value codec: one encoding of a value, shared by the RDB file,
// DUMP/RESTORE, the log's RDB base and (later) the cold tier and full
// resync (ARCHITECTURE.md "Snapshots"). Grammar: doc/rdb.md.
//
// Writing follows Redis 7.0.15 byte for byte: lists as QUICKLIST_2 (18),
// hashes as listpack (16) or hashtable (4), sorted sets as listpack (17) or
// ZSET_2 (5, highest score first), sets as intset (11) or hashtable (2).
// A listpack or intset is Redis's own byte format in memory too, so it is
// written as the blob it is. Hashtable sets and hashes come out in table
// order, which no two processes share (Redis's neither).
//
// Reading takes every collection type Redis 7.0 reads (1-5, 9-14, 16-18)
// and type 20 (Redis 7.2's listpack set), converts old encodings (ziplist,
// zipmap, intset beyond its limit...) as Redis 7.0 does on load under the
// given LoadLimits, and validates every blob completely before adopting it:
// damaged input is a Corruption status, never a crash nor a half-built
// value. Streams and module values are refused (kNotSupported).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "types/hash.h"
#include "types/set.h"
#include "types/value.h"
#include "types/zset.h"

namespace cairn::snapshot {

// ---- encoding ---------------------------------------------------------------

void EncodeLength(std::string* out, uint64_t len);
// A string as Redis's rdbSaveRawString writes it: as an integer when it is
// the canonical form of one that fits 32 bits, LZF-compressed when
// `compress` and that saves space (strings over 20 bytes), raw otherwise.
void EncodeString(std::string* out, std::string_view s, bool compress);
uint8_t RdbTypeOf(const types::Value& v);
// The value's body (after its type byte). `compress` is rdbcompression.
// A list's own compress depth (Quicklist::compress) counts too: Redis keeps
// a list's nodes LZF-compressed in memory except that many at each end, and
// writes those compressed bytes whatever rdbcompression says; Cairn's lists
// are not compressed in memory, so the nodes Redis would hold compressed are
// compressed here, with its in-memory rule, to give the same bytes.
void EncodeValue(std::string* out, const types::Value& v, bool compress);

// DUMP's payload: type, body, RDB version (2 bytes LE), CRC-64 (8 bytes LE).
// `compress` follows rdbcompression, as Redis's DUMP does.
std::string DumpPayload(const types::Value& v, bool compress);

// ---- decoding ---------------------------------------------------------------

// A cursor over bytes being decoded. Errors are Corruption statuses naming
// `name` and the offset: "dump.rdb: unexpected end of file at offset 812".
class RdbInput {
 public:
  RdbInput(std::string_view data, std::string name, uint64_t base_offset = 0)
      : data_(data), name_(std::move(name)), base_(base_offset) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  std::string_view data() const { return data_; }

  base::Result<uint8_t> Byte();
  base::Result<std::string_view> Bytes(size_t n);
  // A length; `*encoded` is set (and the special encoding returned) for
  // the 0b11 prefix.
  base::Result<uint64_t> Length(bool* encoded = nullptr);
  base::Result<std::string> String();
  base::Status Error(const std::string& what) const;  // at the current offset
  base::Status ErrorAt(size_t pos, const std::string& what) const;

 private:
  std::string_view data_;
  std::string name_;
  uint64_t base_;
  size_t pos_ = 0;
};

// The configuration a loaded collection is converted under (Redis 7.0
// converts on load by the server's current settings). The defaults are
// Redis's: list-max-listpack-size -2, set-max-intset-entries 512,
// hash-max-listpack-entries 512 / -value 64, zset-max-listpack-entries 128 /
// -value 64.
struct LoadLimits {
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  types::set::Limits set;
  types::hash::Limits hash;
  types::zset::Limits zset;
  // How RDB_OPCODE_IDLE / FREQ are kept: the counter under an LFU policy,
  // the idle time otherwise (types/value_access.h).
  bool lfu = false;
};

// kNotSupported (naming the type) when Cairn cannot hold values of RDB type
// `type` (streams, modules); Corruption for an id no Redis writes. `pos` is
// reported.
base::Status CheckLoadableType(const RdbInput& in, size_t pos, uint8_t type);
// Decodes a value body of RDB type `type` (checked as above). nullopt for an
// empty collection (a length of 0, or blobs holding no element): Redis
// skips such a key in a file and refuses it in RESTORE. Corruption names
// the offset where the value's body starts.
base::Result<std::optional<types::Value>> DecodeValue(RdbInput& in, uint8_t type,
                                                      const LoadLimits& limits = {});

// RESTORE's check and decode. kInvalidArgument: version or checksum wrong;
// kCorruption: bad data format (Redis's two RESTORE errors), which includes
// an empty collection and a type Redis 7.0 does not know.
// FUNCTION DUMP / FUNCTION RESTORE: the libraries' code as RDB_OPCODE_FUNCTION2
// records, with DUMP's footer (RDB version, CRC-64). Restore gives the codes
// back, or Redis's error text (without "ERR ").
std::string FunctionsDumpPayload(const std::vector<std::string>& codes, bool compress);
base::Result<std::vector<std::string>> FunctionsRestorePayload(std::string_view payload);

base::Result<types::Value> RestorePayload(std::string_view payload,
                                          const LoadLimits& limits = {});

}  // namespace cairn::snapshot
