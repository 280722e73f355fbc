#include "engine/ops/latency_histogram.h"

#include <algorithm>
#include <bit>

namespace cairn::engine {

size_t LatencyHistogram::IndexOf(int64_t ns) {
  const uint64_t v = static_cast<uint64_t>(
      std::clamp<int64_t>(ns, int64_t{1} << kMinMagnitude, (int64_t{1} << (kMaxMagnitude + 1)) - 1));
  const int m = 63 - std::countl_zero(v);
  const uint64_t sub = (v >> (m - kSubBits)) - (uint64_t{1} << kSubBits);  // 0..127
  return (static_cast<size_t>(m - kMinMagnitude) << kSubBits) + sub;
}

int64_t LatencyHistogram::LowestOf(size_t index) {
  const int m = static_cast<int>(index >> kSubBits) + kMinMagnitude;
  const uint64_t sub = (index & ((size_t{1} << kSubBits) - 1)) + (uint64_t{1} << kSubBits);
  return static_cast<int64_t>(sub << (m - kSubBits));
}

int64_t LatencyHistogram::HighestOf(size_t index) {
  const int m = static_cast<int>(index >> kSubBits) + kMinMagnitude;
  return LowestOf(index) + (int64_t{1} << (m - kSubBits)) - 1;
}

void LatencyHistogram::Record(int64_t ns) {
  counts_[IndexOf(ns)]++;
  count_++;
}

int64_t LatencyHistogram::ValueAtPercentile(double p) const {
  if (count_ == 0) return 0;
  if (p <= 0) {  // the lowest value seen, as hdr_value_at_percentile(0) gives
    for (size_t i = 0; i < counts_.size(); i++) {
      if (counts_[i] != 0) return LowestOf(i);
    }
  }
  p = std::min(p, 100.0);
  const uint64_t want =
      std::max<uint64_t>(1, static_cast<uint64_t>(p / 100 * static_cast<double>(count_) + 0.5));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); i++) {
    seen += counts_[i];
    if (seen >= want) return HighestOf(i);
  }
  return HighestOf(counts_.size() - 1);
}

std::vector<std::pair<int64_t, uint64_t>> LatencyHistogram::LogSteps() const {
  std::vector<std::pair<int64_t, uint64_t>> out;
  uint64_t cumulative = 0, reported = 0;
  size_t i = 0;
  for (int m = kMinMagnitude; m <= kMaxMagnitude && reported < count_; m++) {
    // The step at 2^m takes every bucket up to and including 2^m's own.
    const size_t last = IndexOf(int64_t{1} << m);
    for (; i <= last; i++) cumulative += counts_[i];
    if (cumulative != reported) {
      out.emplace_back(HighestOf(last) / 1000, cumulative);
      reported = cumulative;
    }
  }
  return out;
}

}  // namespace cairn::engine
