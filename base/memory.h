// used_memory as Redis reports it: the bytes the process holds from the
// allocator, kept as a running count instead of asked of the allocator.
//
// The allocator is jemalloc, as in Redis (linked through base, so it replaces
// malloc in every binary). With glibc's malloc a thread freeing a big value
// holds the main arena's lock nearly all the time: the engine thread's first
// allocation that misses its small per-thread cache (a 4 KiB SET, INFO's file
// buffer) waited 130 ms behind the lazy-free thread (bench/lazyfree.sh, case
// unlink-zset:info); jemalloc's per-thread caches and per-size-class locks
// keep that under the target. glibc's mallinfo2() also walked every free
// chunk under those locks on each INFO. The count is kept by this file's replacements of the global operator new and
// delete (every C++ allocation) and by Malloc/Realloc/Free below, which the
// raw-byte encodings (listpack, intset) use instead of std::malloc.
// Allocations by C libraries (liburing, libc itself) are not counted, as
// Redis does not count what bypasses zmalloc.
#pragma once

#include <cstddef>
#include <string>

namespace cairn::base {

// Bytes held: the allocator's usable size of every live counted block, so
// that it matches what the allocator really set aside.
size_t UsedMemory();

// INFO's mem_allocator: "jemalloc-<version>".
const char* AllocatorName();
// MEMORY PURGE: dirty pages back to the system. MEMORY MALLOC-STATS: the
// allocator's own report.
void PurgeAllocator();
std::string AllocatorStats();
// jemalloc-bg-thread: jemalloc's background threads return freed pages to
// the system on their own, instead of only when this process next calls
// malloc; Redis turns them on by default, and so does Cairn.
void SetAllocatorBackgroundThread(bool on);
// jemalloc's own view (INFO memory's allocator_*, MEMORY STATS): bytes
// allocated, in active pages, and resident.
struct AllocatorFigures {
  size_t allocated = 0, active = 0, resident = 0;
};
AllocatorFigures AllocatorNumbers();

void* Malloc(size_t n);               // never nullptr: aborts when out of memory
void* Realloc(void* p, size_t n);     // as realloc; p may be nullptr
void Free(void* p);                   // p may be nullptr

}  // namespace cairn::base
