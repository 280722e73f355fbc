#include "snapshot/value_codec.h"

#include <liblzf/lzf.h>

#include <cstring>

#include "base/crc64.h"
#include "base/string_util.h"
#include "snapshot/rdb_format.h"

namespace cairn::snapshot {

namespace {

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < b.size(); i++) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
  return v;
}

uint64_t GetBe(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

// Redis's rdbTryIntegerEncoding: only a string that is exactly the decimal
// form of its value (no leading zeros, no "+") is stored as an integer.
bool TryIntEncoding(std::string* out, std::string_view s) {
  if (s.size() > 11) return false;
  auto v = base::ParseInt64(s);
  if (!v || std::to_string(*v) != s) return false;
  if (*v >= INT8_MIN && *v <= INT8_MAX) {
    out->push_back(static_cast<char>(0xC0 | kEncInt8));
    PutLe(out, static_cast<uint64_t>(*v), 1);
  } else if (*v >= INT16_MIN && *v <= INT16_MAX) {
    out->push_back(static_cast<char>(0xC0 | kEncInt16));
    PutLe(out, static_cast<uint64_t>(*v), 2);
  } else if (*v >= INT32_MIN && *v <= INT32_MAX) {
    out->push_back(static_cast<char>(0xC0 | kEncInt32));
    PutLe(out, static_cast<uint64_t>(*v), 4);
  } else {
    return false;
  }
  return true;
}

bool TryLzf(std::string* out, std::string_view s) {
  if (s.size() <= 4 || s.size() > UINT32_MAX) return false;
  std::string buf(s.size() - 4, '\0');
  unsigned int n = lzf_compress(s.data(), static_cast<unsigned>(s.size()), buf.data(),
                                static_cast<unsigned>(buf.size()));
  if (n == 0) return false;
  out->push_back(static_cast<char>(0xC0 | kEncLzf));
  EncodeLength(out, n);
  EncodeLength(out, s.size());
  out->append(buf.data(), n);
  return true;
}

}  // namespace

void EncodeLength(std::string* out, uint64_t len) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out->push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; i--) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  } else {
    out->push_back(static_cast<char>(0x81));
    for (int i = 7; i >= 0; i--) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
}

void EncodeString(std::string* out, std::string_view s, bool compress) {
  if (TryIntEncoding(out, s)) return;
  if (compress && s.size() > 20 && TryLzf(out, s)) return;
  EncodeLength(out, s.size());
  out->append(s);
}

uint8_t RdbTypeOf(const types::Value& v) {
  switch (v.type) {
    case types::ValueType::kString:
      return kRdbTypeString;
  }
  return kRdbTypeString;
}

void EncodeValue(std::string* out, const types::Value& v, bool compress) {
  switch (v.type) {
    case types::ValueType::kString:
      EncodeString(out, v.str, compress);
      return;
  }
}

std::string DumpPayload(const types::Value& v, bool compress) {
  std::string out;
  out.push_back(static_cast<char>(RdbTypeOf(v)));
  EncodeValue(&out, v, compress);
  PutLe(&out, kRdbVersion, 2);
  PutLe(&out, base::Crc64(0, out.data(), out.size()), 8);
  return out;
}

base::Status RdbInput::ErrorAt(size_t pos, const std::string& what) const {
  return base::Status::Corruption(name_ + ": " + what + " at offset " +
                                  std::to_string(base_ + pos));
}

base::Status RdbInput::Error(const std::string& what) const { return ErrorAt(pos_, what); }

base::Result<uint8_t> RdbInput::Byte() {
  if (pos_ >= data_.size()) return Error("unexpected end of file");
  return static_cast<uint8_t>(data_[pos_++]);
}

base::Result<std::string_view> RdbInput::Bytes(size_t n) {
  if (n > data_.size() - pos_) return Error("unexpected end of file");
  std::string_view b = data_.substr(pos_, n);
  pos_ += n;
  return b;
}

base::Result<uint64_t> RdbInput::Length(bool* encoded) {
  if (encoded) *encoded = false;
  auto first = Byte();
  if (!first.ok()) return first.status();
  const uint8_t b = first.value();
  switch (b >> 6) {
    case 0:
      return b & 0x3f;
    case 1: {
      auto next = Byte();
      if (!next.ok()) return next.status();
      return (static_cast<uint64_t>(b & 0x3f) << 8) | next.value();
    }
    case 2: {
      size_t n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
      if (n == 0) return ErrorAt(pos_ - 1, "bad length encoding");
      auto bytes = Bytes(n);
      if (!bytes.ok()) return bytes.status();
      return GetBe(bytes.value());
    }
    default:
      if (encoded == nullptr) return ErrorAt(pos_ - 1, "unexpected encoded length");
      *encoded = true;
      return b & 0x3f;
  }
}

base::Result<std::string> RdbInput::String() {
  const size_t start = pos_;
  bool encoded = false;
  auto len = Length(&encoded);
  if (!len.ok()) return len.status();
  if (!encoded) {
    if (len.value() > remaining()) return Error("string length " + std::to_string(len.value()) +
                                                " beyond the end of the file");
    auto b = Bytes(len.value());
    if (!b.ok()) return b.status();
    return std::string(b.value());
  }
  switch (len.value()) {
    case kEncInt8:
    case kEncInt16:
    case kEncInt32: {
      const size_t n = len.value() == kEncInt8 ? 1 : len.value() == kEncInt16 ? 2 : 4;
      auto b = Bytes(n);
      if (!b.ok()) return b.status();
      uint64_t raw = GetLe(b.value());
      int64_t v = n == 1 ? static_cast<int8_t>(raw) : n == 2 ? static_cast<int16_t>(raw)
                                                             : static_cast<int32_t>(raw);
      return std::to_string(v);
    }
    case kEncLzf: {
      auto clen = Length();
      if (!clen.ok()) return clen.status();
      auto ulen = Length();
      if (!ulen.ok()) return ulen.status();
      if (clen.value() > remaining()) return Error("compressed string beyond the end of the file");
      if (ulen.value() > (1ULL << 32) - 1 || clen.value() == 0) {
        return ErrorAt(start, "bad compressed string lengths");
      }
      auto b = Bytes(clen.value());
      if (!b.ok()) return b.status();
      std::string out(ulen.value(), '\0');
      unsigned int n = lzf_decompress(b.value().data(), static_cast<unsigned>(clen.value()),
                                      out.data(), static_cast<unsigned>(out.size()));
      if (n != ulen.value()) return ErrorAt(start, "invalid LZF compressed string");
      return out;
    }
    default:
      return ErrorAt(start, "unknown string encoding " + std::to_string(len.value()));
  }
}

base::Status CheckLoadableType(const RdbInput& in, size_t pos, uint8_t type) {
  const RdbTypeInfo* info = FindRdbType(type);
  if (info == nullptr) return in.ErrorAt(pos, "unknown value type " + std::to_string(type));
  if (!info->loadable) {
    return base::Status::NotSupported(
        in.ErrorAt(pos, "a value of type '" + std::string(info->name) +
                            "', which this version of Cairn cannot hold yet,")
            .message());
  }
  return base::Status::Ok();
}

base::Result<types::Value> DecodeValue(RdbInput& in, uint8_t type) {
  CAIRN_RETURN_IF_ERROR(CheckLoadableType(in, in.pos(), type));
  auto s = in.String();
  if (!s.ok()) return s.status();
  return types::Value{types::ValueType::kString, std::move(s).value()};
}

base::Result<types::Value> RestorePayload(std::string_view payload) {
  // Footer: RDB version (2 bytes LE), then CRC-64 of everything before it.
  if (payload.size() < 10) return base::Status::InvalidArgument("payload too short");
  const uint64_t version = GetLe(payload.substr(payload.size() - 10, 2));
  const uint64_t crc = GetLe(payload.substr(payload.size() - 8, 8));
  if (version > kRdbVersion ||
      base::Crc64(0, payload.data(), payload.size() - 8) != crc) {
    return base::Status::InvalidArgument("DUMP payload version or checksum are wrong");
  }
  RdbInput in(payload.substr(0, payload.size() - 10), "payload");
  auto type = in.Byte();
  if (!type.ok()) return base::Status::Corruption("Bad data format");
  auto v = DecodeValue(in, type.value());
  if (!v.ok() || in.remaining() != 0) return base::Status::Corruption("Bad data format");
  return v;
}

}  // namespace cairn::snapshot
