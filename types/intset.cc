#include "types/intset.h"

#include <cstdlib>
#include <cstring>

#include "base/check.h"
#include "base/memory.h"

namespace cairn::types::intset {
namespace {

constexpr size_t kHeader = 8;

uint32_t Load32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
void Store32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (v >> (8 * i)) & 0xff;
}
uint32_t Width(const unsigned char* is) { return Load32(is); }
int64_t Read(const unsigned char* p, uint32_t width) {
  uint64_t u = 0;
  for (uint32_t i = 0; i < width; i++) u |= uint64_t{p[i]} << (8 * i);
  if (width < 8 && (u >> (8 * width - 1)) & 1) u |= ~uint64_t{0} << (8 * width);  // sign
  return static_cast<int64_t>(u);
}
void Write(unsigned char* p, uint32_t width, int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  for (uint32_t i = 0; i < width; i++) p[i] = (u >> (8 * i)) & 0xff;
}
uint32_t WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}
// Binary search: true and the index when found, else false and where it
// would go.
bool Search(const unsigned char* is, int64_t v, size_t* pos) {
  size_t lo = 0, hi = Length(is);
  const uint32_t w = Width(is);
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t x = Read(is + kHeader + mid * w, w);
    if (x == v) {
      *pos = mid;
      return true;
    }
    if (x < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *pos = lo;
  return false;
}

}  // namespace

unsigned char* New() {
  auto* is = static_cast<unsigned char*>(base::Malloc(kHeader));
  CAIRN_CHECK(is != nullptr);
  Store32(is, 2);
  Store32(is + 4, 0);
  return is;
}

void Free(unsigned char* is) { base::Free(is); }

size_t Bytes(const unsigned char* is) { return kHeader + size_t{Width(is)} * Length(is); }
size_t Length(const unsigned char* is) { return Load32(is + 4); }

unsigned char* Copy(const unsigned char* is) {
  auto* out = static_cast<unsigned char*>(base::Malloc(Bytes(is)));
  CAIRN_CHECK(out != nullptr);
  std::memcpy(out, is, Bytes(is));
  return out;
}

int64_t At(const unsigned char* is, size_t i) {
  const uint32_t w = Width(is);
  return Read(is + kHeader + i * w, w);
}

bool Contains(const unsigned char* is, int64_t v) {
  size_t pos;
  return WidthFor(v) <= Width(is) && Search(is, v, &pos);
}

unsigned char* Add(unsigned char* is, int64_t v, bool* added) {
  const size_t n = Length(is);
  const uint32_t w = Width(is);
  const uint32_t need = WidthFor(v);
  if (need > w) {
    // Upgrade: the new value is below or above every old one.
    auto* up = static_cast<unsigned char*>(base::Malloc(kHeader + (n + 1) * need));
    CAIRN_CHECK(up != nullptr);
    Store32(up, need);
    Store32(up + 4, static_cast<uint32_t>(n + 1));
    const size_t offset = v < 0 ? 1 : 0;
    for (size_t i = 0; i < n; i++) Write(up + kHeader + (i + offset) * need, need, At(is, i));
    Write(up + kHeader + (v < 0 ? 0 : n) * need, need, v);
    base::Free(is);
    *added = true;
    return up;
  }
  size_t pos;
  if (Search(is, v, &pos)) {
    *added = false;
    return is;
  }
  is = static_cast<unsigned char*>(base::Realloc(is, kHeader + (n + 1) * w));
  CAIRN_CHECK(is != nullptr);
  std::memmove(is + kHeader + (pos + 1) * w, is + kHeader + pos * w, (n - pos) * w);
  Write(is + kHeader + pos * w, w, v);
  Store32(is + 4, static_cast<uint32_t>(n + 1));
  *added = true;
  return is;
}

unsigned char* Remove(unsigned char* is, int64_t v, bool* removed) {
  size_t pos;
  if (WidthFor(v) > Width(is) || !Search(is, v, &pos)) {
    *removed = false;
    return is;
  }
  const size_t n = Length(is);
  const uint32_t w = Width(is);
  std::memmove(is + kHeader + pos * w, is + kHeader + (pos + 1) * w, (n - pos - 1) * w);
  Store32(is + 4, static_cast<uint32_t>(n - 1));
  auto* shrunk = static_cast<unsigned char*>(base::Realloc(is, kHeader + (n - 1) * w));
  if (shrunk != nullptr) is = shrunk;
  *removed = true;
  return is;
}

int64_t Random(const unsigned char* is, std::mt19937_64& rng) {
  return At(is, rng() % Length(is));
}

bool Validate(std::string_view bytes) {
  if (bytes.size() < kHeader) return false;
  const auto* is = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint32_t w = Width(is);
  if (w != 2 && w != 4 && w != 8) return false;
  const uint64_t n = Length(is);
  if (kHeader + n * w != bytes.size() || n == 0) return false;
  for (uint64_t i = 1; i < n; i++) {
    if (Read(is + kHeader + (i - 1) * w, w) >= Read(is + kHeader + i * w, w)) return false;
  }
  return true;
}

unsigned char* FromBytes(std::string_view bytes) {
  auto* out = static_cast<unsigned char*>(base::Malloc(bytes.size()));
  CAIRN_CHECK(out != nullptr);
  std::memcpy(out, bytes.data(), bytes.size());
  return out;
}

}  // namespace cairn::types::intset
