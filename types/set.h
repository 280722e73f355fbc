// Sets: members in an intset while every member is an integer and there are
// at most set-max-intset-entries of them, in a hash table otherwise. Never
// converts back, as in Redis 7.0 (which has no listpack sets yet).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>

#include "types/value.h"

namespace cairn::types::set {

struct Limits {
  size_t max_intset_entries = 512;
};

// An empty set in the encoding Redis 7.0 would create for a first member
// `first` (intset when it is an integer). REQUIRES: a member is added
// before it is stored.
Value NewFor(std::string_view first);
// An empty intset set, as SINTERSTORE and friends start their results.
Value NewIntset();
size_t Card(const Value& s);
bool Contains(const Value& s, std::string_view member);
// Adds; true when new.
bool Add(Value& s, std::string_view member, const Limits& limits);
bool Remove(Value& s, std::string_view member);
// fn(member); return false to stop. An intset goes in ascending order.
void ForEach(const Value& s, const std::function<bool(std::string_view)>& fn);
uint64_t Scan(const Value& s, uint64_t cursor, const std::function<void(std::string_view)>& fn);
// A random member. REQUIRES: Card(s) > 0.
std::string Random(const Value& s, std::mt19937_64& rng);
void ConvertToTable(Value& s);

}  // namespace cairn::types::set
