#include "types/hyperloglog.h"

#include <cmath>
#include <cstring>

namespace cairn::types::hll {
namespace {

constexpr char kMagic[4] = {'H', 'Y', 'L', 'L'};
constexpr uint8_t kEncDense = 0;
constexpr uint8_t kEncSparse = 1;
constexpr size_t kEncodingOffset = 4;
constexpr size_t kCardOffset = 8;
constexpr int kP = 14;       // register index bits
constexpr int kQ = 64 - kP;  // bits left for the run of zeros
constexpr uint64_t kSeed = 0xadc83b19ULL;
constexpr int kSparseValMax = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr int kSparseXZeroMaxLen = 16384;
constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)

// --- sparse opcodes ----------------------------------------------------------
bool IsZero(uint8_t b) { return (b & 0xc0) == 0x00; }
bool IsXZero(uint8_t b) { return (b & 0xc0) == 0x40; }
int ZeroLen(uint8_t b) { return (b & 0x3f) + 1; }
int XZeroLen(uint8_t b0, uint8_t b1) { return (((b0 & 0x3f) << 8) | b1) + 1; }
int ValValue(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
int ValLen(uint8_t b) { return (b & 0x3) + 1; }
uint8_t MakeVal(int value, int len) {
  return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1));
}
uint8_t MakeZero(int len) { return static_cast<uint8_t>(len - 1); }

uint8_t* Bytes(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()); }
const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// The second byte of an XZERO at `pos`. Redis reads the sds terminator
// when a corrupt body ends after the first byte; that terminator is 0.
uint8_t Next(const uint8_t* p, size_t pos, size_t end) { return pos + 1 < end ? p[pos + 1] : 0; }

// Appends a ZERO or an XZERO run of `len` zero registers.
void PutZeros(uint8_t*& n, int len) {
  if (len > kSparseZeroMaxLen) {
    const int l = len - 1;
    *n++ = static_cast<uint8_t>((l >> 8) | 0x40);
    *n++ = static_cast<uint8_t>(l & 0xff);
  } else {
    *n++ = MakeZero(len);
  }
}

// --- dense registers ---------------------------------------------------------
// Register i is the 6 bits starting at bit 6*i, least significant first.
uint8_t DenseGet(const uint8_t* regs, int i) {
  const size_t byte = static_cast<size_t>(i) * 6 / 8;
  const unsigned fb = (static_cast<unsigned>(i) * 6) & 7;
  unsigned v = regs[byte] >> fb;
  if (fb > 2) v |= static_cast<unsigned>(regs[byte + 1]) << (8 - fb);
  return static_cast<uint8_t>(v & 63);
}

void DenseSetRaw(uint8_t* regs, int i, uint8_t val) {
  const size_t byte = static_cast<size_t>(i) * 6 / 8;
  const unsigned fb = (static_cast<unsigned>(i) * 6) & 7;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(63u << fb)) | (val << fb));
  if (fb > 2) {
    const unsigned fb8 = 8 - fb;
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(63u >> fb8)) | (val >> fb8));
  }
}

bool DenseSet(uint8_t* regs, int i, uint8_t count) {
  if (count <= DenseGet(regs, i)) return false;
  DenseSetRaw(regs, i, count);
  return true;
}

// Register index and value for an element (Redis's hllPatLen).
int PatLen(std::string_view element, int* index) {
  uint64_t hash = MurmurHash64A(element, kSeed);
  *index = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // ends the count at kQ + 1
  int count = 1;
  uint64_t bit = 1;
  while ((hash & bit) == 0) {
    count++;
    bit <<= 1;
  }
  return count;
}

// Redis's hllSparseSet, step for step: locate the opcode covering `index`,
// replace it by up to 5 opcodes, then merge adjacent equal VALs near it.
// The exact opcode sequence matters: the bytes must equal Redis's.
AddResult SparseSet(std::string& s, int index, int count, size_t sparse_max_bytes) {
  if (count > kSparseValMax) {
    if (!ToDense(s)) return AddResult::kCorrupt;
    // A register above the sparse maximum is always a raise.
    DenseSet(Bytes(s) + kHeaderSize, index, static_cast<uint8_t>(count));
    return AddResult::kChanged;
  }
  uint8_t* p = Bytes(s);
  size_t end = s.size();
  size_t pos = kHeaderSize;
  size_t prev = std::string::npos;
  long first = 0, span = 0;
  while (pos < end) {
    size_t oplen = 1;
    const uint8_t b = p[pos];
    if (IsZero(b)) {
      span = ZeroLen(b);
    } else if (!IsXZero(b)) {
      span = ValLen(b);
    } else {
      span = XZeroLen(b, Next(p, pos, end));
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = pos;
    pos += oplen;
    first += span;
  }
  if (span == 0 || pos >= end) return AddResult::kCorrupt;

  const uint8_t op = p[pos];
  const bool is_zero = IsZero(op), is_xzero = IsXZero(op), is_val = !is_zero && !is_xzero;
  const int runlen = is_zero    ? ZeroLen(op)
                     : is_xzero ? XZeroLen(op, Next(p, pos, end))
                                : ValLen(op);

  bool done = false;
  if (is_val) {
    if (ValValue(op) >= count) return AddResult::kUnchanged;
    if (runlen == 1) {
      p[pos] = MakeVal(count, 1);
      done = true;
    }
  }
  if (!done && is_zero && runlen == 1) {
    p[pos] = MakeVal(count, 1);
    done = true;
  }
  if (!done) {
    uint8_t seq[5];
    uint8_t* n = seq;
    const long last = first + span - 1;
    if (is_zero || is_xzero) {
      if (index != first) PutZeros(n, static_cast<int>(index - first));
      *n++ = MakeVal(count, 1);
      if (index != last) PutZeros(n, static_cast<int>(last - index));
    } else {
      const int curval = ValValue(op);
      if (index != first) *n++ = MakeVal(curval, static_cast<int>(index - first));
      *n++ = MakeVal(count, 1);
      if (index != last) *n++ = MakeVal(curval, static_cast<int>(last - index));
    }
    const size_t seqlen = static_cast<size_t>(n - seq);
    const size_t oldlen = is_xzero ? 2 : 1;
    if (seqlen > oldlen && s.size() + (seqlen - oldlen) > sparse_max_bytes) {
      if (!ToDense(s)) return AddResult::kCorrupt;
      DenseSet(Bytes(s) + kHeaderSize, index, static_cast<uint8_t>(count));
      return AddResult::kChanged;
    }
    s.replace(pos, std::min(oldlen, end - pos), reinterpret_cast<const char*>(seq), seqlen);
    p = Bytes(s);
    end = s.size();
  }

  // Merge adjacent VALs of the same value, scanning up to 5 opcodes from
  // the one before the change (a merge re-examines the same position).
  size_t q = prev != std::string::npos ? prev : kHeaderSize;
  int scanlen = 5;
  while (q < end && scanlen--) {
    if (IsXZero(p[q])) {
      q += 2;
      continue;
    }
    if (IsZero(p[q])) {
      q++;
      continue;
    }
    if (q + 1 < end && !IsZero(p[q + 1]) && !IsXZero(p[q + 1])) {
      const int v1 = ValValue(p[q]), v2 = ValValue(p[q + 1]);
      if (v1 == v2) {
        const int len = ValLen(p[q]) + ValLen(p[q + 1]);
        if (len <= kSparseValMaxLen) {
          p[q + 1] = MakeVal(v1, len);
          s.erase(q, 1);
          p = Bytes(s);
          end = s.size();
          continue;
        }
      }
    }
    q++;
  }
  InvalidateCache(s);
  return AddResult::kChanged;
}

// Register-value histograms for the estimator. Values reach 63 at most.
using Histogram = std::array<int, 64>;

// Walks a sparse body, calling fn(first_register, run_length, value) for
// each opcode (value 0 for ZERO and XZERO runs). Returns whether the runs
// cover exactly kRegisters registers; a run reaching past the last one ends
// the walk before fn sees it. (Redis 7.0.15 as Debian ships it, with the fix
// for CVE-2025-32023, fails PFMERGE, PFCOUNT and a promotion to dense there;
// before that fix it merged what came before such a VAL run.)
template <typename Fn>
bool WalkSparse(std::string_view s, Fn&& fn) {
  const uint8_t* p = Bytes(s);
  const size_t end = s.size();
  size_t pos = kHeaderSize;
  long idx = 0;
  while (pos < end) {
    const uint8_t b = p[pos];
    int len, value = 0;
    if (IsZero(b)) {
      len = ZeroLen(b);
      pos++;
    } else if (IsXZero(b)) {
      len = XZeroLen(b, Next(p, pos, end));
      pos += 2;
    } else {
      len = ValLen(b);
      value = ValValue(b);
      pos++;
    }
    if (idx + len > kRegisters) return false;
    fn(idx, len, value);
    idx += len;
  }
  return idx == kRegisters;
}

// false when the body does not cover exactly kRegisters registers.
bool SparseHistogram(std::string_view s, Histogram& h) {
  return WalkSparse(s, [&](long, int len, int value) { h[value] += len; });
}

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prime;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prime = z;
    z += x * y;
    y += y;
  } while (z_prime != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prime;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prime = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prime != z);
  return z / 3;
}

// The operations are Redis 7.0's hllCount in the same order, so the
// floating-point result, and so PFCOUNT, is the same to the unit.
uint64_t Estimate(const Histogram& h) {
  const double m = kRegisters;
  double z = m * Tau((m - h[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += h[j];
    z *= 0.5;
  }
  z += m * Sigma(h[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

}  // namespace

uint64_t MurmurHash64A(std::string_view data, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const auto* p = Bytes(data);
  const size_t len = data.size();
  uint64_t h = seed ^ (len * m);
  const size_t blocks = len / 8;
  for (size_t i = 0; i < blocks; i++) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; b--) k = (k << 8) | p[i * 8 + b];
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const uint8_t* tail = p + blocks * 8;
  const size_t rest = len & 7;
  if (rest > 0) {
    for (size_t b = rest; b-- > 0;) h ^= static_cast<uint64_t>(tail[b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

bool IsHll(std::string_view s) {
  if (s.size() < kHeaderSize) return false;
  if (std::memcmp(s.data(), kMagic, 4) != 0) return false;
  const auto enc = static_cast<uint8_t>(s[kEncodingOffset]);
  if (enc > kEncSparse) return false;
  return enc != kEncDense || s.size() == kDenseSize;
}

std::string CreateEmpty() {
  std::string s(kHeaderSize + 2, '\0');
  std::memcpy(s.data(), kMagic, 4);
  s[kEncodingOffset] = static_cast<char>(kEncSparse);
  const int l = kSparseXZeroMaxLen - 1;
  s[kHeaderSize] = static_cast<char>((l >> 8) | 0x40);
  s[kHeaderSize + 1] = static_cast<char>(l & 0xff);
  return s;
}

bool IsDense(std::string_view hll) {
  return static_cast<uint8_t>(hll[kEncodingOffset]) == kEncDense;
}

std::optional<uint64_t> CachedCardinality(std::string_view hll) {
  const uint8_t* card = Bytes(hll) + kCardOffset;
  if (card[7] & 0x80) return std::nullopt;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | card[i];
  return v;
}

void SetCachedCardinality(std::string& hll, uint64_t card) {
  for (int i = 0; i < 8; i++) hll[kCardOffset + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

void InvalidateCache(std::string& hll) { Bytes(hll)[kCardOffset + 7] |= 0x80; }

AddResult Add(std::string& hll, std::string_view element, size_t sparse_max_bytes) {
  int index;
  const int count = PatLen(element, &index);
  return SetRegister(hll, index, static_cast<uint8_t>(count), sparse_max_bytes);
}

AddResult SetRegister(std::string& hll, int index, uint8_t count, size_t sparse_max_bytes) {
  if (IsDense(hll)) {
    return DenseSet(Bytes(hll) + kHeaderSize, index, count) ? AddResult::kChanged
                                                            : AddResult::kUnchanged;
  }
  return SparseSet(hll, index, count, sparse_max_bytes);
}

bool ToDense(std::string& hll) {
  if (IsDense(hll)) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), hll.data(), kHeaderSize);  // magic and cache
  dense[kEncodingOffset] = static_cast<char>(kEncDense);
  uint8_t* regs = Bytes(dense) + kHeaderSize;
  const bool whole = WalkSparse(hll, [&](long first, int len, int value) {
    if (value == 0) return;  // the dense registers start at zero
    for (int j = 0; j < len; j++) {
      DenseSetRaw(regs, static_cast<int>(first + j), static_cast<uint8_t>(value));
    }
  });
  if (!whole) return false;
  hll = std::move(dense);
  return true;
}

bool MergeInto(RawRegisters& max, std::string_view hll) {
  if (IsDense(hll)) {
    const uint8_t* regs = Bytes(hll) + kHeaderSize;
    for (int i = 0; i < kRegisters; i++) {
      const uint8_t v = DenseGet(regs, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  return WalkSparse(hll, [&](long first, int len, int value) {
    if (value == 0) return;  // zero runs raise nothing
    const auto v = static_cast<uint8_t>(value);
    for (int j = 0; j < len; j++) {
      if (v > max[first + j]) max[first + j] = v;
    }
  });
}

std::optional<uint64_t> Count(std::string_view hll) {
  Histogram h{};
  if (IsDense(hll)) {
    const uint8_t* regs = Bytes(hll) + kHeaderSize;
    for (int i = 0; i < kRegisters; i++) h[DenseGet(regs, i)]++;
  } else if (!SparseHistogram(hll, h)) {
    return std::nullopt;
  }
  return Estimate(h);
}

uint64_t CountRaw(const RawRegisters& registers) {
  Histogram h{};
  for (uint8_t v : registers) h[v & 63]++;
  return Estimate(h);
}

}  // namespace cairn::types::hll
