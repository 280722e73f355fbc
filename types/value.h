// The values a key can hold. Strings only so far; each data-type issue adds
// its type here, to the per-type table in snapshot/rdb_format.h, and to the
// value codec. No I/O and no commands in this layer.
#pragma once

#include <cstdint>
#include <string>

#include "types/value_string.h"

namespace cairn::types {

enum class ValueType : unsigned char { kString };

// What OBJECT ENCODING reports for a string depends, in Redis, on the
// command that wrote it, not only on its bytes: SET and friends pick int,
// embstr or raw by content (kByContent); APPEND to an existing key, SETRANGE
// and bit writes leave a raw string (kRaw); INCRBYFLOAT stores a plain
// string, embstr or raw by length but never int (kNoInt).
enum class StringForm : unsigned char { kByContent, kRaw, kNoInt };

// 40 bytes: type, form, the string (inline up to 32 bytes) and the access
// clock packed together (see ValueString).
struct Value {
  ValueType type = ValueType::kString;
  StringForm form = StringForm::kByContent;
  ValueString str;
  // Last access, in seconds (Redis's LRU clock): OBJECT IDLETIME.
  uint32_t lru = 0;

  Value() = default;
  Value(ValueType t, std::string s, StringForm f = StringForm::kByContent)
      : type(t), form(f), str(std::move(s)) {}
};
static_assert(sizeof(Value) == 40, "keep a key's table node within 96 bytes");

}  // namespace cairn::types
