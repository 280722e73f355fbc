// LazyFree: frees big values and whole databases on a background thread,
// so that UNLINK, FLUSHALL ASYNC and the lazyfree-lazy-* options cost the
// engine thread O(1) however large the value (Redis's lazyfree.c). A value
// is worth sending only when freeing it is real work: more than 64
// allocations (Redis's LAZYFREE_THRESHOLD), counted as Redis counts them
// (list nodes, set/hash/zset elements of the table encodings).
//
// Thread: Free/FreeTable on the engine thread; the counters from anywhere.
// The destructor waits for everything queued to be freed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/key_table.h"
#include "types/value.h"

namespace cairn::engine {

class LazyFree {
 public:
  static constexpr size_t kThreshold = 64;

  LazyFree() = default;
  ~LazyFree();
  LazyFree(const LazyFree&) = delete;
  LazyFree& operator=(const LazyFree&) = delete;

  // How many allocations freeing v takes, about (lazyfreeGetFreeEffort).
  static size_t Effort(const types::Value& v);

  // Frees v here when that is cheap, on the background thread otherwise.
  void Free(types::Value v);
  // Frees a whole table (FLUSHALL/FLUSHDB ASYNC) on the background thread.
  void FreeTable(KeyTable table);

  // INFO: objects queued and not yet freed; objects freed so far.
  uint64_t pending() const { return pending_.load(std::memory_order_relaxed); }
  uint64_t freed() const { return freed_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    virtual ~Job() = default;
    uint64_t objects = 0;
  };
  template <typename T>
  struct Holder : Job {
    explicit Holder(T o) : obj(std::move(o)) {}
    T obj;
  };
  void Enqueue(std::unique_ptr<Job> job);
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stop_ = false;
  std::thread thread_;  // started with the first job
  std::atomic<uint64_t> pending_{0};
  std::atomic<uint64_t> freed_{0};
};

}  // namespace cairn::engine
