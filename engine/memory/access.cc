#include "engine/memory/access.h"

#include <random>

namespace cairn::engine {

namespace lfu {

namespace {
// One more access makes the counter grow with probability
// 1 / ((counter - kInitial) * log_factor + 1): a counter of 255 takes about
// a million accesses at the default factor of 10.
uint8_t LogIncrement(uint8_t counter, int64_t log_factor) {
  if (counter == 255) return counter;
  static std::minstd_rand rng{std::random_device{}()};
  const double r = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  double base = static_cast<double>(counter) - kInitial;
  if (base < 0) base = 0;
  const double p = 1.0 / (base * static_cast<double>(log_factor) + 1);
  return r < p ? static_cast<uint8_t>(counter + 1) : counter;
}
}  // namespace

}  // namespace lfu

void TouchValue(types::Value& v, const AccessPolicy& p, int64_t now_ms) {
  if (!p.lfu) {
    v.lru = static_cast<uint32_t>(now_ms / 1000);
    return;
  }
  const uint8_t counter =
      lfu::LogIncrement(lfu::Counter(v.lru, now_ms, p.lfu_decay_time), p.lfu_log_factor);
  v.lru = types::lfu::Field(counter, now_ms);
}

}  // namespace cairn::engine
