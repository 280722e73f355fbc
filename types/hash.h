// Hashes: field -> value, in a listpack (field, value, field, value...; in
// insertion order) while small, in a hash table beyond
// hash-max-listpack-entries fields or once a field or value is longer than
// hash-max-listpack-value bytes. Never converts back, as in Redis 7.0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "types/value.h"

namespace cairn::types::hash {

struct Limits {
  size_t max_listpack_entries = 512;
  size_t max_listpack_value = 64;
};

// An empty hash (listpack). REQUIRES: a field is added before it is stored.
Value New();
size_t Len(const Value& h);
std::optional<std::string> Get(const Value& h, std::string_view field);
bool Exists(const Value& h, std::string_view field);
// Sets field to value; true when the field is new.
bool Set(Value& h, std::string_view field, std::string_view value, const Limits& limits);
// Converts to a hash table now if `field` or `value` would not fit the
// listpack limits (Redis checks all of a command's arguments first).
void ConvertIfLong(Value& h, std::string_view s, const Limits& limits);
bool Delete(Value& h, std::string_view field);
// fn(field, value); return false to stop.
void ForEach(const Value& h, const std::function<bool(std::string_view, std::string_view)>& fn);
// HSCAN: a listpack is returned whole with cursor 0; a table one bucket
// at a time (see HashTable::Scan).
uint64_t Scan(const Value& h, uint64_t cursor,
              const std::function<void(std::string_view, std::string_view)>& fn);
// A random (field, value), for HRANDFIELD. REQUIRES: Len(h) > 0.
std::pair<std::string, std::string> Random(const Value& h, std::mt19937_64& rng);
void ConvertToTable(Value& h);

}  // namespace cairn::types::hash
