// The RDB value codec: one encoding of a value, shared by the RDB file,
// DUMP/RESTORE, the log's RDB base and (later) the cold tier and full
// resync (ARCHITECTURE.md "Snapshots"). Grammar: doc/rdb.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "types/value.h"

namespace cairn::snapshot {

// ---- encoding ---------------------------------------------------------------

void EncodeLength(std::string* out, uint64_t len);
// A string as Redis's rdbSaveRawString writes it: as an integer when it is
// the canonical form of one that fits 32 bits, LZF-compressed when
// `compress` and that saves space (strings over 20 bytes), raw otherwise.
void EncodeString(std::string* out, std::string_view s, bool compress);
uint8_t RdbTypeOf(const types::Value& v);
// The value's body (after its type byte).
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

// kNotSupported (naming the type) when Cairn cannot hold values of RDB type
// `type` yet; Corruption for an id no Redis writes. `pos` is reported.
base::Status CheckLoadableType(const RdbInput& in, size_t pos, uint8_t type);
// Decodes a value body of RDB type `type` (checked as above).
base::Result<types::Value> DecodeValue(RdbInput& in, uint8_t type);

// RESTORE's check and decode. kInvalidArgument: version or checksum wrong;
// kCorruption: bad data format (Redis's two RESTORE errors).
base::Result<types::Value> RestorePayload(std::string_view payload);

}  // namespace cairn::snapshot
