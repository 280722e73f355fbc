#include "engine/memory/lazy_free.h"

#include "types/quicklist.h"

namespace cairn::engine {

LazyFree::~LazyFree() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

size_t LazyFree::Effort(const types::Value& v) {
  using types::Encoding;
  switch (v.enc) {
    case Encoding::kQuicklist: return v.quicklist()->node_count();
    case Encoding::kHashtable:
      return v.type == types::ValueType::kSet ? v.set_table()->size() : v.hash_table()->size();
    case Encoding::kSkiplist: return v.zset_index()->order.size();
    default: return 1;  // one allocation (a string, a listpack, an intset)
  }
}

void LazyFree::Free(types::Value v) {
  if (Effort(v) <= kThreshold) return;  // freed here, by v's destructor
  auto job = std::make_unique<Holder<types::Value>>(std::move(v));
  job->objects = 1;
  Enqueue(std::move(job));
}

void LazyFree::FreeTable(KeyTable table) {
  if (table.empty()) return;
  const uint64_t n = table.size();
  auto job = std::make_unique<Holder<KeyTable>>(std::move(table));
  job->objects = n;
  Enqueue(std::move(job));
}

void LazyFree::Enqueue(std::unique_ptr<Job> job) {
  pending_.fetch_add(job->objects, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  cv_.notify_one();
}

void LazyFree::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is freed
    std::unique_ptr<Job> job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    const uint64_t n = job->objects;
    job.reset();
    pending_.fetch_sub(n, std::memory_order_relaxed);
    freed_.fetch_add(n, std::memory_order_relaxed);
    lock.lock();
  }
}

}  // namespace cairn::engine
