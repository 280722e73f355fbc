// RDB constants and the per-type table (doc/rdb.md has the grammar).
// Cairn writes version 10, what Redis 7.0 loads, and reads 1 to 11.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace cairn::snapshot {

inline constexpr int kRdbVersion = 10;
inline constexpr int kRdbMaxReadVersion = 11;

enum Opcode : uint8_t {
  kOpFunction2 = 245,
  kOpFunction = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// String encodings (the low 6 bits after a 0b11 length prefix).
enum StringEncoding : uint8_t { kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3 };

// Every RDB value type Redis 7 writes. `loadable` says whether this version
// of Cairn can hold it; others are refused by name when met.
struct RdbTypeInfo {
  uint8_t id;
  std::string_view name;
  bool loadable;
};

inline constexpr std::array<RdbTypeInfo, 19> kRdbTypes = {{
    {0, "string", true},
    {1, "list", false},
    {2, "set", false},
    {3, "zset", false},
    {4, "hash", false},
    {5, "zset-2", false},
    {6, "module", false},
    {7, "module-2", false},
    {9, "hash-zipmap", false},
    {10, "list-ziplist", false},
    {11, "set-intset", false},
    {12, "zset-ziplist", false},
    {13, "hash-ziplist", false},
    {14, "list-quicklist", false},
    {15, "stream-listpacks", false},
    {16, "hash-listpack", false},
    {17, "zset-listpack", false},
    {18, "list-quicklist-2", false},
    {19, "stream-listpacks-2", false},
}};
static_assert(kRdbTypes.size() == 19, "one entry per RDB type id Redis 7.0/7.2 writes");

inline constexpr uint8_t kRdbTypeString = 0;

// nullptr for an id no Redis writes.
inline const RdbTypeInfo* FindRdbType(uint8_t id) {
  for (const auto& t : kRdbTypes) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

}  // namespace cairn::snapshot
