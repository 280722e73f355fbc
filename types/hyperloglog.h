// HyperLogLog strings, byte-compatible with Redis 7.0 so that a value made
// by PFADD here reads the same in redis-server (RDB, DUMP/RESTORE) and the
// other way round. No client and no keyspace here: the commands live in
// engine/commands/hyperloglog_commands.cc.
//
// Format (all of it is Redis's):
//   header   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes |
//            8-byte cached cardinality, little endian; the MSB of the last
//            byte set means "cache invalid".
//   dense    16384 registers of 6 bits, register 0 in the low bits of the
//            first byte, packed LSB first (12288 bytes; 12304 in all).
//   sparse   a run-length list of opcodes covering all 16384 registers:
//            ZERO  00xxxxxx           xxxxxx+1 zero registers (1..64)
//            XZERO 01xxxxxx yyyyyyyy  14-bit length+1 zero registers
//            VAL   1vvvvvxx           xx+1 registers of value vvvvv+1 (1..32)
//            It turns dense when a register needs more than 32 or the
//            string would grow past hll-sparse-max-bytes.
// An element goes to register (hash & 16383) with the value "1 + trailing
// zeros of the remaining 50 hash bits" (at most 51), the hash being
// MurmurHash64A with seed 0xadc83b19.
//
// Thread: none; every function works on the bytes it is given.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::types::hll {

inline constexpr size_t kHeaderSize = 16;
inline constexpr int kRegisters = 16384;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;

// One byte per register: the accumulator of a union (PFCOUNT of several
// keys, PFMERGE).
using RawRegisters = std::array<uint8_t, kRegisters>;

// MurmurHash64A (Austin Appleby), reading 8-byte blocks little endian.
uint64_t MurmurHash64A(std::string_view data, uint64_t seed);

// Whether `s` has the shape Redis 7.0's isHLLObjectOrReply accepts: a
// header with the magic, a known encoding, and exactly kDenseSize bytes
// when dense. The sparse body is only checked when it is read.
bool IsHll(std::string_view s);

// A new, empty sparse HLL (one XZERO of 16384), cache valid and zero, as
// Redis's createHLLObject.
std::string CreateEmpty();

bool IsDense(std::string_view hll);

// Cache: the cached cardinality, or nullopt when it is marked invalid.
// REQUIRES: IsHll(hll).
std::optional<uint64_t> CachedCardinality(std::string_view hll);
void SetCachedCardinality(std::string& hll, uint64_t card);
void InvalidateCache(std::string& hll);

enum class AddResult { kUnchanged, kChanged, kCorrupt };

// Adds one element (Redis's hllAdd). A sparse HLL may turn dense; the
// cache is not invalidated by a dense change (the caller does that, as
// PFADD does once per command). kCorrupt when the sparse body does not
// cover the registers. REQUIRES: IsHll(hll).
AddResult Add(std::string& hll, std::string_view element, size_t sparse_max_bytes);

// Raises register `index` to `count` if that is higher (Redis's
// hllDenseSet / hllSparseSet). Same results as Add.
AddResult SetRegister(std::string& hll, int index, uint8_t count, size_t sparse_max_bytes);

// Converts a sparse HLL to dense in place (no-op when dense), keeping the
// header's cache bytes. false, leaving `hll` unchanged, when corrupt.
bool ToDense(std::string& hll);

// max[i] = MAX(max[i], register i) (Redis's hllMerge). false when the
// sparse body is corrupt. REQUIRES: IsHll(hll).
bool MergeInto(RawRegisters& max, std::string_view hll);

// The estimate of Redis 7.0's hllCount (Otmar Ertl's improved estimator,
// arXiv:1702.01284). nullopt when a sparse body does not cover exactly
// kRegisters registers. REQUIRES: IsHll(hll).
std::optional<uint64_t> Count(std::string_view hll);
uint64_t CountRaw(const RawRegisters& registers);

}  // namespace cairn::types::hll
