// How a key's accesses are recorded, for OBJECT IDLETIME / FREQ and for
// choosing what maxmemory evicts: types::Value::lru holds Redis's LRU clock
// or, under an LFU maxmemory-policy, Redis's LFU field (the layout, and
// how both are read: types/value_access.h). Switching policy at run time
// behaves as in Redis: the field is read the other way until accesses
// rewrite it.
#pragma once

#include <cstdint>

#include "types/value.h"
#include "types/value_access.h"

namespace cairn::engine {

struct AccessPolicy {
  bool lfu = false;              // an *-lfu maxmemory-policy
  int64_t lfu_log_factor = 10;   // lfu-log-factor
  int64_t lfu_decay_time = 1;    // lfu-decay-time (minutes per decrement; 0: never)
};

namespace lfu {
using types::lfu::Counter;
using types::lfu::kInitial;
}  // namespace lfu
using types::LruIdleSeconds;

// The field for a key stored now.
inline uint32_t NewAccessField(const AccessPolicy& p, int64_t now_ms) {
  if (p.lfu) return types::lfu::Field(lfu::kInitial, now_ms);
  return static_cast<uint32_t>(now_ms / 1000);
}
// Records an access to `v`.
void TouchValue(types::Value& v, const AccessPolicy& p, int64_t now_ms);

}  // namespace cairn::engine
