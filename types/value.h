// The values a key can hold. Strings only so far; each data-type issue adds
// its type here, to the per-type table in snapshot/rdb_format.h, and to the
// value codec. No I/O and no commands in this layer.
#pragma once

#include <string>

namespace cairn::types {

enum class ValueType { kString };

struct Value {
  ValueType type = ValueType::kString;
  std::string str;
};

}  // namespace cairn::types
