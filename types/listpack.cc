#include "types/listpack.h"

#include <cstdlib>
#include <cstring>

#include "base/check.h"
#include "base/memory.h"
#include "base/string_util.h"

namespace cairn::types::lp {
namespace {

constexpr size_t kHeader = 6;
constexpr uint16_t kCountUnknown = 65535;
constexpr uint8_t kEnd = 0xff;

constexpr uint8_t k16BitInt = 0xf1;
constexpr uint8_t k24BitInt = 0xf2;
constexpr uint8_t k32BitInt = 0xf3;
constexpr uint8_t k64BitInt = 0xf4;
constexpr uint8_t k32BitStr = 0xf0;

uint32_t Load32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
void Store32(unsigned char* p, uint32_t v) {
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}
uint16_t Count(const unsigned char* lp) { return uint16_t(lp[4] | lp[5] << 8); }
void SetCount(unsigned char* lp, uint16_t n) {
  lp[4] = n & 0xff;
  lp[5] = n >> 8;
}
void SetBytes(unsigned char* lp, size_t n) { Store32(lp, static_cast<uint32_t>(n)); }

size_t BacklenSize(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

// Writes the backlen of an entry of `l` bytes at `out`; returns its size.
size_t EncodeBacklen(unsigned char* out, uint64_t l) {
  const size_t n = BacklenSize(l);
  // The first byte holds the highest bits with bit 7 clear; every later one
  // has bit 7 set, so that reading backwards stops at the first byte.
  for (size_t i = 0; i < n; i++) {
    const unsigned shift = static_cast<unsigned>(7 * (n - 1 - i));
    out[i] = static_cast<unsigned char>((l >> shift) & 127) | (i == 0 ? 0 : 128);
  }
  return n;
}

// Reads the backlen that ends at `p` (its last byte). *bytes: its size.
uint64_t DecodeBacklen(const unsigned char* p, size_t* bytes) {
  uint64_t v = 0;
  unsigned shift = 0;
  size_t n = 0;
  while (true) {
    v |= uint64_t(p[0] & 127) << shift;
    n++;
    if (!(p[0] & 128)) break;
    shift += 7;
    p--;
    if (n > 5) return UINT64_MAX;
  }
  *bytes = n;
  return v;
}

// The size of the encoding and data of the entry at `p`, 0 for a byte that
// starts none (the end marker).
size_t EncodedSize(const unsigned char* p) {
  const uint8_t b = p[0];
  if ((b & 0x80) == 0) return 1;                                  // 7-bit uint
  if ((b & 0xc0) == 0x80) return 1 + (b & 0x3f);                   // 6-bit str
  if ((b & 0xe0) == 0xc0) return 2;                               // 13-bit int
  if ((b & 0xf0) == 0xe0) return 2 + ((size_t(b & 0x0f) << 8) | p[1]);  // 12-bit str
  switch (b) {
    case k16BitInt: return 3;
    case k24BitInt: return 4;
    case k32BitInt: return 5;
    case k64BitInt: return 9;
    case k32BitStr: return 5 + Load32(p + 1);
    default: return 0;
  }
}

size_t EntryBytes(const unsigned char* p) {
  const size_t l = EncodedSize(p);
  return l + BacklenSize(l);
}

// The entry `s` encodes to (encoding, data, backlen).
std::string Encode(std::string_view s) {
  std::string out;
  auto v = s.size() <= 20 ? base::ParseInt64(s) : std::nullopt;
  unsigned char buf[9];
  size_t n;
  if (v) {
    const int64_t x = *v;
    const uint64_t u = static_cast<uint64_t>(x);
    if (x >= 0 && x <= 127) {
      buf[0] = static_cast<unsigned char>(x);
      n = 1;
    } else if (x >= -4096 && x <= 4095) {
      const uint64_t t = x < 0 ? (uint64_t{1} << 13) + x : u;
      buf[0] = static_cast<unsigned char>(0xc0 | (t >> 8));
      buf[1] = t & 0xff;
      n = 2;
    } else if (x >= -32768 && x <= 32767) {
      buf[0] = k16BitInt;
      buf[1] = u & 0xff;
      buf[2] = (u >> 8) & 0xff;
      n = 3;
    } else if (x >= -8388608 && x <= 8388607) {
      buf[0] = k24BitInt;
      for (int i = 0; i < 3; i++) buf[1 + i] = (u >> (8 * i)) & 0xff;
      n = 4;
    } else if (x >= INT32_MIN && x <= INT32_MAX) {
      buf[0] = k32BitInt;
      for (int i = 0; i < 4; i++) buf[1 + i] = (u >> (8 * i)) & 0xff;
      n = 5;
    } else {
      buf[0] = k64BitInt;
      for (int i = 0; i < 8; i++) buf[1 + i] = (u >> (8 * i)) & 0xff;
      n = 9;
    }
    out.assign(reinterpret_cast<char*>(buf), n);
  } else {
    const size_t len = s.size();
    if (len < 64) {
      out.push_back(static_cast<char>(0x80 | len));
    } else if (len < 4096) {
      out.push_back(static_cast<char>(0xe0 | (len >> 8)));
      out.push_back(static_cast<char>(len & 0xff));
    } else {
      unsigned char h[5] = {k32BitStr};
      Store32(h + 1, static_cast<uint32_t>(len));
      out.append(reinterpret_cast<char*>(h), 5);
    }
    out.append(s);
  }
  unsigned char back[5];
  const size_t bl = EncodeBacklen(back, out.size());
  out.append(reinterpret_cast<char*>(back), bl);
  return out;
}

void CountChange(unsigned char* lp, int delta) {
  const uint16_t c = Count(lp);
  if (c == kCountUnknown) return;
  const int64_t n = int64_t{c} + delta;
  SetCount(lp, n >= kCountUnknown ? kCountUnknown : static_cast<uint16_t>(n));
}

// Replaces `old_bytes` bytes at offset `at` by `entry` (an insert when
// old_bytes is 0).
unsigned char* Splice(unsigned char* lp, size_t at, size_t old_bytes, std::string_view entry) {
  const size_t total = Bytes(lp);
  const size_t next_total = total - old_bytes + entry.size();
  CAIRN_CHECK(next_total <= UINT32_MAX);
  if (next_total > total) {
    lp = static_cast<unsigned char*>(base::Realloc(lp, next_total));
    CAIRN_CHECK(lp != nullptr);
  }
  std::memmove(lp + at + entry.size(), lp + at + old_bytes, total - at - old_bytes);
  std::memcpy(lp + at, entry.data(), entry.size());
  if (next_total < total) {
    auto* shrunk = static_cast<unsigned char*>(base::Realloc(lp, next_total));
    if (shrunk != nullptr) lp = shrunk;
  }
  SetBytes(lp, next_total);
  return lp;
}

}  // namespace

std::string Element::ToString() const {
  return is_int ? std::to_string(ival) : std::string(sval);
}

bool Element::Equals(std::string_view s) const {
  if (!is_int) return sval == s;
  auto v = s.size() <= 20 ? base::ParseInt64(s) : std::nullopt;
  return v && *v == ival;
}

unsigned char* New(size_t capacity_hint) {
  auto* lp = static_cast<unsigned char*>(base::Malloc(std::max<size_t>(kHeader + 1, capacity_hint)));
  CAIRN_CHECK(lp != nullptr);
  SetBytes(lp, kHeader + 1);
  SetCount(lp, 0);
  lp[kHeader] = kEnd;
  return lp;
}

void Free(unsigned char* lp) { base::Free(lp); }

unsigned char* Copy(const unsigned char* lp) {
  const size_t n = Bytes(lp);
  auto* out = static_cast<unsigned char*>(base::Malloc(n));
  CAIRN_CHECK(out != nullptr);
  std::memcpy(out, lp, n);
  return out;
}

unsigned char* FromBytes(std::string_view bytes) {
  auto* out = static_cast<unsigned char*>(base::Malloc(bytes.size()));
  CAIRN_CHECK(out != nullptr);
  std::memcpy(out, bytes.data(), bytes.size());
  return out;
}

size_t Bytes(const unsigned char* lp) { return Load32(lp); }

size_t Length(const unsigned char* lp) {
  const uint16_t c = Count(lp);
  if (c != kCountUnknown) return c;
  size_t n = 0;
  for (unsigned char* p = First(lp); p != nullptr; p = Next(lp, p)) n++;
  return n;
}

unsigned char* First(const unsigned char* lp) {
  auto* p = const_cast<unsigned char*>(lp) + kHeader;
  return *p == kEnd ? nullptr : p;
}

unsigned char* Next(const unsigned char*, const unsigned char* p) {
  auto* q = const_cast<unsigned char*>(p) + EntryBytes(p);
  return *q == kEnd ? nullptr : q;
}

unsigned char* Prev(const unsigned char* lp, const unsigned char* p) {
  if (p == lp + kHeader) return nullptr;
  size_t bl;
  const uint64_t l = DecodeBacklen(p - 1, &bl);
  return const_cast<unsigned char*>(p) - bl - l;
}

unsigned char* Last(const unsigned char* lp) {
  const unsigned char* end = lp + Bytes(lp) - 1;
  return Prev(lp, end);
}

unsigned char* Seek(const unsigned char* lp, int64_t index) {
  if (index < 0) {
    unsigned char* p = Last(lp);
    for (int64_t i = -1; p != nullptr && i > index; i--) p = Prev(lp, p);
    return p;
  }
  unsigned char* p = First(lp);
  for (int64_t i = 0; p != nullptr && i < index; i++) p = Next(lp, p);
  return p;
}

Element Get(const unsigned char* p) {
  Element e;
  const uint8_t b = p[0];
  auto str = [&](size_t hdr, size_t len) {
    e.sval = std::string_view(reinterpret_cast<const char*>(p + hdr), len);
  };
  auto sign = [](uint64_t u, int bits) {
    const uint64_t m = uint64_t{1} << (bits - 1);
    return static_cast<int64_t>(u >= m ? u - (m << 1) : u);
  };
  if ((b & 0x80) == 0) {
    e.is_int = true;
    e.ival = b;
  } else if ((b & 0xc0) == 0x80) {
    str(1, b & 0x3f);
  } else if ((b & 0xe0) == 0xc0) {
    e.is_int = true;
    e.ival = sign((uint64_t(b & 0x1f) << 8) | p[1], 13);
  } else if ((b & 0xf0) == 0xe0) {
    str(2, (size_t(b & 0x0f) << 8) | p[1]);
  } else if (b == k32BitStr) {
    str(5, Load32(p + 1));
  } else {
    e.is_int = true;
    int bytes = b == k16BitInt ? 2 : b == k24BitInt ? 3 : b == k32BitInt ? 4 : 8;
    uint64_t u = 0;
    for (int i = 0; i < bytes; i++) u |= uint64_t{p[1 + i]} << (8 * i);
    e.ival = bytes == 8 ? static_cast<int64_t>(u) : sign(u, 8 * bytes);
  }
  return e;
}

unsigned char* Append(unsigned char* lp, std::string_view s) {
  const size_t at = Bytes(lp) - 1;
  lp = Splice(lp, at, 0, Encode(s));
  CountChange(lp, 1);
  return lp;
}

unsigned char* AppendInt(unsigned char* lp, int64_t v) { return Append(lp, std::to_string(v)); }

unsigned char* Prepend(unsigned char* lp, std::string_view s) {
  lp = Splice(lp, kHeader, 0, Encode(s));
  CountChange(lp, 1);
  return lp;
}

unsigned char* InsertBefore(unsigned char* lp, unsigned char* p, std::string_view s,
                            unsigned char** newp) {
  const size_t at = static_cast<size_t>(p - lp);
  lp = Splice(lp, at, 0, Encode(s));
  CountChange(lp, 1);
  if (newp) *newp = lp + at;
  return lp;
}

unsigned char* InsertAfter(unsigned char* lp, unsigned char* p, std::string_view s,
                           unsigned char** newp) {
  const size_t at = static_cast<size_t>(p - lp) + EntryBytes(p);
  lp = Splice(lp, at, 0, Encode(s));
  CountChange(lp, 1);
  if (newp) *newp = lp + at;
  return lp;
}

unsigned char* Replace(unsigned char* lp, unsigned char* p, std::string_view s,
                       unsigned char** newp) {
  const size_t at = static_cast<size_t>(p - lp);
  lp = Splice(lp, at, EntryBytes(p), Encode(s));
  if (newp) *newp = lp + at;
  return lp;
}

unsigned char* Delete(unsigned char* lp, unsigned char* p, unsigned char** next) {
  const size_t at = static_cast<size_t>(p - lp);
  lp = Splice(lp, at, EntryBytes(p), "");
  CountChange(lp, -1);
  if (next) *next = lp[at] == kEnd ? nullptr : lp + at;
  return lp;
}

unsigned char* DeleteRange(unsigned char* lp, unsigned char* p, size_t count) {
  if (count == 0 || p == nullptr) return lp;
  const size_t at = static_cast<size_t>(p - lp);
  unsigned char* q = p;
  size_t n = 0;
  while (n < count && *q != kEnd) {
    q += EntryBytes(q);
    n++;
  }
  lp = Splice(lp, at, static_cast<size_t>(q - p), "");
  CountChange(lp, -static_cast<int>(n));
  return lp;
}

unsigned char* Find(const unsigned char* lp, unsigned char* p, std::string_view s, size_t skip) {
  auto v = s.size() <= 20 ? base::ParseInt64(s) : std::nullopt;
  size_t to_skip = 0;
  while (p != nullptr) {
    if (to_skip == 0) {
      Element e = Get(p);
      // A string entry compares by bytes even when `s` reads as an integer:
      // Redis never writes "12" as a string, but a RESTORE payload may, and
      // Redis 7.0's lpFind still finds it.
      if (e.is_int ? (v && e.ival == *v) : e.sval == s) return p;
      to_skip = skip;
    } else {
      to_skip--;
    }
    p = Next(lp, p);
  }
  return nullptr;
}

size_t EntrySize(std::string_view s) { return Encode(s).size(); }

bool Validate(std::string_view bytes, size_t* count) {
  const auto* lp = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t size = bytes.size();
  if (size < kHeader + 1 || Bytes(lp) != size || lp[size - 1] != kEnd) return false;
  size_t n = 0;
  size_t pos = kHeader;
  while (pos < size - 1) {
    const unsigned char* p = lp + pos;
    // The encoding's own header must fit before its length can be read.
    const uint8_t b = p[0];
    size_t need = 1;
    if ((b & 0xf0) == 0xe0 || (b & 0xe0) == 0xc0) need = 2;
    if (b == k32BitStr) need = 5;
    if (pos + need > size - 1) return false;
    const size_t l = EncodedSize(p);
    if (l == 0) return false;
    const size_t bl = BacklenSize(l);
    if (l > size || pos + l + bl > size - 1) return false;
    size_t got_bl;
    if (DecodeBacklen(p + l + bl - 1, &got_bl) != l || got_bl != bl) return false;
    pos += l + bl;
    n++;
  }
  if (pos != size - 1) return false;
  if (Count(lp) != kCountUnknown && Count(lp) != n) return false;
  *count = n;
  return true;
}

}  // namespace cairn::types::lp
