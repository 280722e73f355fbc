// What types::Value::lru holds, as Redis's objects hold it (evict.c): under
// an LRU (or no) maxmemory-policy, the last access on Redis's LRU clock (in
// seconds, read modulo 2^24); under an LFU policy, the minute of the last
// decrement in bits 8-23 and a logarithmic access counter in bits 0-7. The
// engine records accesses (engine/memory/access.h); RDB files carry the
// idle time or the counter (RDB_OPCODE_IDLE / FREQ), both read here.
#pragma once

#include <algorithm>
#include <cstdint>

namespace cairn::types {

// Bit 24 is read by neither form: set in a field made from a count or an
// idle time, it keeps the field from being 0, which Db::Put takes for "no
// access recorded yet".
inline constexpr uint32_t kAccessSet = 1u << 24;

// Seconds since the access an LRU field records.
inline int64_t LruIdleSeconds(uint32_t field, int64_t now_ms) {
  constexpr int64_t kMax = (1 << 24) - 1;
  const int64_t clock = (now_ms / 1000) & kMax;
  const int64_t then = static_cast<int64_t>(field) & kMax;
  return clock >= then ? clock - then : clock + (kMax - then);
}
// The LRU field of an access `idle` seconds ago: on the 24-bit clock,
// wrapping as Redis's objectSetLRUOrLFU does.
inline uint32_t LruFieldIdle(int64_t idle_s, int64_t now_ms) {
  constexpr int64_t kMax = (1 << 24) - 1;
  idle_s = std::clamp<int64_t>(idle_s, 0, kMax);
  const int64_t clock = (now_ms / 1000) & kMax;
  const int64_t at = clock >= idle_s ? clock - idle_s : clock + kMax + 1 - idle_s;
  return static_cast<uint32_t>(at) | kAccessSet;
}

namespace lfu {
// A new key's counter (LFU_INIT_VAL): high enough that it is not evicted
// before it had a chance to be used.
inline constexpr uint8_t kInitial = 5;
// Minutes, modulo 2^16, as the field keeps them.
inline uint32_t Minutes(int64_t now_ms) { return static_cast<uint32_t>((now_ms / 60000) & 0xffff); }
// The counter, decayed by one for each `decay_time` minutes since its last
// decrement (0: never decays).
inline uint8_t Counter(uint32_t field, int64_t now_ms, int64_t decay_time) {
  const uint32_t then = (field >> 8) & 0xffff;  // (an LRU field read as LFU: any value)
  const uint32_t now = Minutes(now_ms);
  const uint32_t elapsed = now >= then ? now - then : 65535 - then + now;
  const uint32_t counter = field & 0xff;
  if (decay_time <= 0) return static_cast<uint8_t>(counter);
  const uint64_t periods = elapsed / static_cast<uint64_t>(decay_time);
  return static_cast<uint8_t>(periods >= counter ? 0 : counter - periods);
}
// The field of a counter set now.
inline uint32_t Field(uint8_t counter, int64_t now_ms) {
  return (Minutes(now_ms) << 8) | counter | kAccessSet;
}
}  // namespace lfu

}  // namespace cairn::types
