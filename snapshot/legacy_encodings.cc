#include "snapshot/legacy_encodings.h"

#include <cstdint>

namespace cairn::snapshot {
namespace {

uint64_t Le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

int64_t SignExtend(uint64_t u, int bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((u ^ m) - m);
}

constexpr size_t kZiplistHeader = 10;
constexpr uint8_t kZiplistEnd = 0xff;
constexpr uint8_t kZiplistBigPrevlen = 0xfe;

}  // namespace

std::optional<std::vector<std::string>> ZiplistEntries(std::string_view blob) {
  const auto* zl = reinterpret_cast<const unsigned char*>(blob.data());
  const uint64_t size = blob.size();
  if (size < kZiplistHeader + 1 || Le(zl, 4) != size || zl[size - 1] != kZiplistEnd) {
    return std::nullopt;
  }
  const uint64_t tail = Le(zl + 4, 4);
  const uint64_t header_count = Le(zl + 8, 2);
  if (tail > size - 1) return std::nullopt;
  // Entries must lie within [first entry, end byte).
  const uint64_t last = size - 1;
  std::vector<std::string> out;
  uint64_t pos = kZiplistHeader;
  uint64_t prev_raw = 0;
  uint64_t prev_pos = 0;
  while (zl[pos] != kZiplistEnd) {
    const uint64_t start = pos;
    // prevlen: one byte below 254, else 0xfe and a u32 (Redis < 7 leaves
    // the long form in place even for small values, so it is accepted).
    uint64_t prevlen;
    if (zl[pos] < kZiplistBigPrevlen) {
      prevlen = zl[pos];
      pos += 1;
    } else {
      if (pos + 5 > last) return std::nullopt;
      prevlen = Le(zl + pos + 1, 4);
      pos += 5;
    }
    if (prevlen != prev_raw) return std::nullopt;
    if (pos >= last) return std::nullopt;
    const uint8_t enc = zl[pos];
    uint64_t header = 1, len = 0;
    bool is_str = true;
    if (enc < 0xc0) {
      switch (enc >> 6) {
        case 0:
          len = enc & 0x3f;
          break;
        case 1:
          if (pos + 2 > last) return std::nullopt;
          len = (uint64_t{enc & 0x3fu} << 8) | zl[pos + 1];  // big-endian
          header = 2;
          break;
        default:  // 10xxxxxx: Redis masks the low bits and reads a u32 BE
          if (pos + 5 > last) return std::nullopt;
          len = (uint64_t{zl[pos + 1]} << 24) | (uint64_t{zl[pos + 2]} << 16) |
                (uint64_t{zl[pos + 3]} << 8) | zl[pos + 4];
          header = 5;
          break;
      }
    } else {
      is_str = false;
      switch (enc) {
        case 0xc0: len = 2; break;  // int16
        case 0xd0: len = 4; break;  // int32
        case 0xe0: len = 8; break;  // int64
        case 0xf0: len = 3; break;  // int24
        case 0xfe: len = 1; break;  // int8
        default:
          if (enc >= 0xf1 && enc <= 0xfd) break;  // immediate 0..12
          return std::nullopt;
      }
    }
    const uint64_t data = pos + header;
    if (data > last || len > last - data) return std::nullopt;
    const unsigned char* d = zl + data;
    if (is_str) {
      out.emplace_back(reinterpret_cast<const char*>(d), len);
    } else {
      int64_t v;
      switch (enc) {
        case 0xc0: v = SignExtend(Le(d, 2), 16); break;
        case 0xd0: v = SignExtend(Le(d, 4), 32); break;
        case 0xe0: v = static_cast<int64_t>(Le(d, 8)); break;
        case 0xf0: v = SignExtend(Le(d, 3), 24); break;
        case 0xfe: v = SignExtend(d[0], 8); break;
        default: v = (enc & 0x0f) - 1; break;
      }
      out.push_back(std::to_string(v));
    }
    pos = data + len;
    prev_raw = pos - start;
    prev_pos = start;
  }
  if (pos != last) return std::nullopt;
  if (!out.empty() && prev_pos != tail) return std::nullopt;
  if (header_count != 0xffff && header_count != out.size()) return std::nullopt;
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ZipmapPairs(
    std::string_view blob) {
  constexpr uint8_t kBigLen = 254;
  constexpr uint8_t kEnd = 0xff;
  const auto* zm = reinterpret_cast<const unsigned char*>(blob.data());
  const uint64_t size = blob.size();
  if (size < 2 || zm[size - 1] != kEnd) return std::nullopt;
  const uint64_t last = size - 1;
  uint64_t pos = 1;
  // A length: one byte up to 253, else 254 and a u32 (little-endian).
  auto length = [&](uint64_t* len) {
    if (pos >= last || zm[pos] == kEnd) return false;
    if (zm[pos] < kBigLen) {
      *len = zm[pos];
      pos += 1;
      return true;
    }
    if (pos + 5 > last) return false;
    *len = Le(zm + pos + 1, 4);
    pos += 5;
    return true;
  };
  std::vector<std::pair<std::string, std::string>> out;
  while (pos < last && zm[pos] != kEnd) {
    uint64_t flen, vlen;
    if (!length(&flen) || flen > last - pos) return std::nullopt;
    std::string field(reinterpret_cast<const char*>(zm + pos), flen);
    pos += flen;
    if (!length(&vlen) || pos >= last) return std::nullopt;
    const uint64_t free = zm[pos++];
    if (vlen > last - pos || free > last - pos - vlen) return std::nullopt;
    out.emplace_back(std::move(field), std::string(reinterpret_cast<const char*>(zm + pos), vlen));
    pos += vlen + free;
  }
  if (pos != last || out.empty()) return std::nullopt;
  if (zm[0] != kBigLen && zm[0] != out.size()) return std::nullopt;
  return out;
}

}  // namespace cairn::snapshot
