// What OBJECT and DEBUG OBJECT report about a value, in one place.
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/string_util.h"
#include "types/value.h"

namespace cairn::engine {

// Redis 7.0's OBJECT ENCODING for a string: "int" when it holds a long of
// at most 20 characters, "embstr" up to 44 bytes, "raw" beyond, unless the
// command that wrote it decided otherwise (types::StringForm).
// A collection's is its representation's (types::Value::EncodingName).
inline std::string_view EncodingName(const types::Value& v) {
  if (v.is_collection()) return v.EncodingName();
  const std::string_view s = v.str;
  if (v.form == types::StringForm::kRaw) return "raw";
  if (v.form == types::StringForm::kByContent && s.size() <= 20 && base::ParseInt64(s)) {
    return "int";
  }
  return s.size() <= 44 ? "embstr" : "raw";
}

// OBJECT REFCOUNT: Redis shares the integers 0..9999 (refcount INT_MAX)
// when no LRU/LFU maxmemory policy is set, as is the case in Cairn.
inline int64_t RefCount(const types::Value& v) {
  if (EncodingName(v) != "int") return 1;
  auto n = base::ParseInt64(v.str);
  return n && *n >= 0 && *n < 10000 ? INT32_MAX : 1;
}

// OBJECT IDLETIME: seconds since the last access.
inline int64_t IdleSeconds(const types::Value& v, int64_t now_ms) {
  const int64_t idle = now_ms / 1000 - static_cast<int64_t>(v.lru);
  return idle < 0 ? 0 : idle;
}

}  // namespace cairn::engine
