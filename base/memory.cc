#include "base/memory.h"

#include <malloc.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

// From jemalloc (base/CMakeLists.txt links it); its header redeclares malloc
// with attributes that clash with glibc's in C++, so only this is declared.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen);
extern "C" void malloc_stats_print(void (*write_cb)(void*, const char*), void* cbopaque,
                                   const char* opts);

namespace cairn::base {
namespace {

// Signed: a block allocated before the count started (none today) and freed
// after would otherwise wrap it.
std::atomic<int64_t> g_used{0};

inline void Add(void* p) {
  if (p != nullptr) g_used.fetch_add(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
}

inline void Sub(void* p) {
  if (p != nullptr) g_used.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
}

[[noreturn]] void OutOfMemory(size_t n) {
  std::fprintf(stderr, "Out of memory allocating %zu bytes\n", n);
  std::abort();
}

// operator new's contract: call the new-handler until it gives up, then throw.
void* NewBlock(size_t n, size_t align) {
  if (n == 0) n = 1;
  for (;;) {
    void* p = align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__
                  ? std::malloc(n)
                  : std::aligned_alloc(align, (n + align - 1) / align * align);
    if (p != nullptr) {
      Add(p);
      return p;
    }
    std::new_handler h = std::get_new_handler();
    if (h == nullptr) throw std::bad_alloc();
    h();
  }
}

void* NewBlockNoThrow(size_t n, size_t align) noexcept {
  try {
    return NewBlock(n, align);
  } catch (...) {
    return nullptr;
  }
}

void DeleteBlock(void* p) noexcept {
  Sub(p);
  std::free(p);
}

}  // namespace

size_t UsedMemory() {
  int64_t v = g_used.load(std::memory_order_relaxed);
  return v > 0 ? static_cast<size_t>(v) : 0;
}

const char* AllocatorName() {
  static const std::string name = [] {
    const char* version = nullptr;
    size_t len = sizeof(version);
    if (mallctl("version", &version, &len, nullptr, 0) != 0 || version == nullptr) return std::string("jemalloc");
    // "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c": Redis prints the
    // release only.
    std::string v(version);
    return "jemalloc-" + v.substr(0, v.find('-'));
  }();
  return name.c_str();
}

void PurgeAllocator() {
  // "arena.<MALLCTL_ARENAS_ALL>.purge" (4096 is jemalloc's all-arenas index).
  mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
}

AllocatorFigures AllocatorNumbers() {
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the statistics
  AllocatorFigures f;
  len = sizeof(size_t);
  mallctl("stats.allocated", &f.allocated, &len, nullptr, 0);
  mallctl("stats.active", &f.active, &len, nullptr, 0);
  mallctl("stats.resident", &f.resident, &len, nullptr, 0);
  return f;
}

void SetAllocatorBackgroundThread(bool on) {
  mallctl("background_thread", nullptr, nullptr, &on, sizeof(on));
}

std::string AllocatorStats() {
  std::string out;
  malloc_stats_print(
      [](void* opaque, const char* s) { static_cast<std::string*>(opaque)->append(s); }, &out,
      nullptr);
  return out;
}

void* Malloc(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) OutOfMemory(n);
  Add(p);
  return p;
}

void* Realloc(void* p, size_t n) {
  if (p == nullptr) return Malloc(n);
  const size_t before = malloc_usable_size(p);
  void* q = std::realloc(p, n == 0 ? 1 : n);
  if (q == nullptr) OutOfMemory(n);
  g_used.fetch_add(static_cast<int64_t>(malloc_usable_size(q)) - static_cast<int64_t>(before),
                   std::memory_order_relaxed);
  return q;
}

void Free(void* p) {
  Sub(p);
  std::free(p);
}

}  // namespace cairn::base

// The replaceable global allocation functions ([new.delete]). They live in
// the same object file as UsedMemory(), which the server references, so the
// linker always takes them from the static library.
using cairn::base::DeleteBlock;
using cairn::base::NewBlock;
using cairn::base::NewBlockNoThrow;

void* operator new(size_t n) { return NewBlock(n, 0); }
void* operator new[](size_t n) { return NewBlock(n, 0); }
void* operator new(size_t n, std::align_val_t a) { return NewBlock(n, static_cast<size_t>(a)); }
void* operator new[](size_t n, std::align_val_t a) { return NewBlock(n, static_cast<size_t>(a)); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return NewBlockNoThrow(n, 0); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return NewBlockNoThrow(n, 0); }
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return NewBlockNoThrow(n, static_cast<size_t>(a));
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return NewBlockNoThrow(n, static_cast<size_t>(a));
}

void operator delete(void* p) noexcept { DeleteBlock(p); }
void operator delete[](void* p) noexcept { DeleteBlock(p); }
void operator delete(void* p, size_t) noexcept { DeleteBlock(p); }
void operator delete[](void* p, size_t) noexcept { DeleteBlock(p); }
void operator delete(void* p, std::align_val_t) noexcept { DeleteBlock(p); }
void operator delete[](void* p, std::align_val_t) noexcept { DeleteBlock(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { DeleteBlock(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { DeleteBlock(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { DeleteBlock(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { DeleteBlock(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { DeleteBlock(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { DeleteBlock(p); }
