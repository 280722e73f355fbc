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

// RDB value type ids (Redis's RDB_TYPE_*).
inline constexpr uint8_t kRdbTypeString = 0;
inline constexpr uint8_t kRdbTypeList = 1;
inline constexpr uint8_t kRdbTypeSet = 2;
inline constexpr uint8_t kRdbTypeZSet = 3;
inline constexpr uint8_t kRdbTypeHash = 4;
inline constexpr uint8_t kRdbTypeZSet2 = 5;
inline constexpr uint8_t kRdbTypeHashZipmap = 9;
inline constexpr uint8_t kRdbTypeListZiplist = 10;
inline constexpr uint8_t kRdbTypeSetIntset = 11;
inline constexpr uint8_t kRdbTypeZSetZiplist = 12;
inline constexpr uint8_t kRdbTypeHashZiplist = 13;
inline constexpr uint8_t kRdbTypeListQuicklist = 14;
inline constexpr uint8_t kRdbTypeHashListpack = 16;
inline constexpr uint8_t kRdbTypeZSetListpack = 17;
inline constexpr uint8_t kRdbTypeListQuicklist2 = 18;
inline constexpr uint8_t kRdbTypeStreamListpacks = 15;    // Redis 5, 6
inline constexpr uint8_t kRdbTypeStreamListpacks2 = 19;   // Redis 7.0
inline constexpr uint8_t kRdbTypeSetListpack = 20;
inline constexpr uint8_t kRdbTypeStreamListpacks3 = 21;   // Redis 7.2

// A QUICKLIST_2 node's container: one element's bytes, or a listpack.
inline constexpr uint64_t kQuicklistNodePlain = 1;
inline constexpr uint64_t kQuicklistNodePacked = 2;

// Every RDB value type Redis 7.0 and 7.2 write. `loadable` says whether
// Cairn can hold it (others are refused by name when met); `redis70` whether
// Redis 7.0 knows it (RESTORE refuses the rest, as Redis 7.0 does).
struct RdbTypeInfo {
  uint8_t id;
  std::string_view name;
  bool loadable;
  bool redis70;
};

inline constexpr std::array<RdbTypeInfo, 21> kRdbTypes = {{
    {kRdbTypeString, "string", true, true},
    {kRdbTypeList, "list", true, true},
    {kRdbTypeSet, "set", true, true},
    {kRdbTypeZSet, "zset", true, true},
    {kRdbTypeHash, "hash", true, true},
    {kRdbTypeZSet2, "zset-2", true, true},
    {6, "module", false, true},
    {7, "module-2", false, true},
    {kRdbTypeHashZipmap, "hash-zipmap", true, true},
    {kRdbTypeListZiplist, "list-ziplist", true, true},
    {kRdbTypeSetIntset, "set-intset", true, true},
    {kRdbTypeZSetZiplist, "zset-ziplist", true, true},
    {kRdbTypeHashZiplist, "hash-ziplist", true, true},
    {kRdbTypeListQuicklist, "list-quicklist", true, true},
    {kRdbTypeStreamListpacks, "stream-listpacks", true, true},
    {kRdbTypeHashListpack, "hash-listpack", true, true},
    {kRdbTypeZSetListpack, "zset-listpack", true, true},
    {kRdbTypeListQuicklist2, "list-quicklist-2", true, true},
    {kRdbTypeStreamListpacks2, "stream-listpacks-2", true, true},
    {kRdbTypeSetListpack, "set-listpack", true, false},
    {kRdbTypeStreamListpacks3, "stream-listpacks-3", true, false},
}};
static_assert(kRdbTypes.size() == 21, "one entry per RDB type id Redis 7.0/7.2 writes");

// nullptr for an id no Redis writes.
inline const RdbTypeInfo* FindRdbType(uint8_t id) {
  for (const auto& t : kRdbTypes) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

}  // namespace cairn::snapshot
