// What OBJECT and DEBUG OBJECT report about a value, in one place.
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/string_util.h"
#include "engine/config.h"
#include "engine/memory/eviction.h"
#include "types/value.h"

namespace cairn::engine {

// OBJECT ENCODING (types::Value::ObjectEncoding).
inline std::string_view EncodingName(const types::Value& v) { return v.ObjectEncoding(); }

// OBJECT REFCOUNT: Redis shares the integers 0..9999 (refcount INT_MAX)
// unless maxmemory is set with an LRU or LFU policy (each key then needs
// its own access field): `shared_ints`. (Redis decides when the value is
// made; this answers by the configuration now.)
inline bool SharedIntegers(const ConfigValues& v) {
  const auto p = static_cast<Evictor::Policy>(v.maxmemory_policy);
  const bool lru_or_lfu = p == Evictor::Policy::kAllkeysLru || p == Evictor::Policy::kVolatileLru ||
                          Evictor::IsLfu(p);
  return v.maxmemory == 0 || !lru_or_lfu;
}
inline int64_t RefCount(const types::Value& v, bool shared_ints) {
  if (!shared_ints || EncodingName(v) != "int") return 1;
  auto n = base::ParseInt64(v.str);
  return n && *n >= 0 && *n < 10000 ? INT32_MAX : 1;
}

// OBJECT IDLETIME: seconds since the last access (engine/memory/access.h).
inline int64_t IdleSeconds(const types::Value& v, int64_t now_ms) {
  return LruIdleSeconds(v.lru, now_ms);
}

}  // namespace cairn::engine
