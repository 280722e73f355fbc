// Intset: a sorted set of integers in one malloc'ed block, in Redis's byte
// format (so RDB and DUMP carry it as it is): the "intset" encoding of sets
// whose members are all integers.
//
//   <encoding:u32le = 2, 4 or 8> <length:u32le> <values, little-endian, ascending>
//
// The encoding is the width of the widest value; adding a wider one
// rewrites every value at the new width. Functions that change an intset
// may move it and return the new address. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

namespace cairn::types::intset {

unsigned char* New();
void Free(unsigned char* is);
unsigned char* Copy(const unsigned char* is);
size_t Bytes(const unsigned char* is);
size_t Length(const unsigned char* is);
int64_t At(const unsigned char* is, size_t i);  // REQUIRES: i < Length
bool Contains(const unsigned char* is, int64_t v);
// Adds v; *added says whether it was new.
unsigned char* Add(unsigned char* is, int64_t v, bool* added);
// Removes v; *removed says whether it was there.
unsigned char* Remove(unsigned char* is, int64_t v, bool* removed);
int64_t Random(const unsigned char* is, std::mt19937_64& rng);
// Checks an intset received from outside (RDB, RESTORE): encoding, length,
// strictly ascending values.
bool Validate(std::string_view bytes);
// Adopts a copy of bytes that Validate accepted.
unsigned char* FromBytes(std::string_view bytes);

}  // namespace cairn::types::intset
