// How a key's accesses are recorded, for OBJECT IDLETIME / FREQ and for
// choosing what maxmemory evicts: types::Value::lru holds Redis's LRU clock
// (the last access, in seconds) or, under an LFU maxmemory-policy, Redis's
// LFU field: the minute of the last decrement in the top 16 bits and a
// logarithmic access counter in the low 8 (evict.c's layout, so that
// switching policy at run time behaves as in Redis: the field is read the
// other way until accesses rewrite it).
#pragma once

#include <cstdint>

#include "types/value.h"

namespace cairn::engine {

struct AccessPolicy {
  bool lfu = false;              // an *-lfu maxmemory-policy
  int64_t lfu_log_factor = 10;   // lfu-log-factor
  int64_t lfu_decay_time = 1;    // lfu-decay-time (minutes per decrement; 0: never)
};

namespace lfu {
// A new key's counter (LFU_INIT_VAL): high enough that it is not evicted
// before it had a chance to be used.
inline constexpr uint8_t kInitial = 5;
// Minutes, modulo 2^16, as the field keeps them.
inline uint32_t Minutes(int64_t now_ms) { return static_cast<uint32_t>((now_ms / 60000) & 0xffff); }
// The counter, decayed by the minutes since its last decrement.
uint8_t Counter(uint32_t field, int64_t now_ms, int64_t decay_time);
}  // namespace lfu

// The field for a key stored now.
inline uint32_t NewAccessField(const AccessPolicy& p, int64_t now_ms) {
  if (p.lfu) return (lfu::Minutes(now_ms) << 8) | lfu::kInitial;
  return static_cast<uint32_t>(now_ms / 1000);
}
// Seconds since the access an LRU field records, on Redis's 24-bit clock
// (so that a field written as LFU reads as Redis would read it).
inline int64_t LruIdleSeconds(uint32_t field, int64_t now_ms) {
  constexpr int64_t kMax = (1 << 24) - 1;
  const int64_t clock = (now_ms / 1000) & kMax;
  const int64_t then = static_cast<int64_t>(field) & kMax;
  return clock >= then ? clock - then : clock + (kMax - then);
}
// Records an access to `v`.
void TouchValue(types::Value& v, const AccessPolicy& p, int64_t now_ms);

}  // namespace cairn::engine
