// A command's latency distribution, for LATENCY HISTOGRAM and INFO
// latencystats. Redis keeps an HdrHistogram per command (1 µs to 1000 s in
// ns, 2 significant digits); this keeps the same buckets, so percentiles
// and bucket edges print the same numbers: a value falls in a bucket of
// 1/128th of its power of two, and a bucket reports its highest value.
//
// Engine thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace cairn::engine {

class LatencyHistogram {
 public:
  void Record(int64_t ns);
  uint64_t count() const { return count_; }
  // The highest value of the bucket holding the p-th percentile, in ns
  // (hdr_value_at_percentile).
  int64_t ValueAtPercentile(double p) const;
  // LATENCY HISTOGRAM's histogram_usec: at 1024 ns and each power of two
  // above, (bucket's highest value in µs, values up to there), where that
  // count grew.
  std::vector<std::pair<int64_t, uint64_t>> LogSteps() const;

 private:
  static constexpr int kSubBits = 7;                 // 128 buckets per power of two
  static constexpr int kMinMagnitude = 10;           // 1024 ns, Redis's lowest value
  static constexpr int kMaxMagnitude = 39;           // up to 2^40 ns (> 1000 s)
  static constexpr int kBuckets = (kMaxMagnitude - kMinMagnitude + 1) << kSubBits;
  static size_t IndexOf(int64_t ns);
  static int64_t LowestOf(size_t index);
  static int64_t HighestOf(size_t index);

  std::vector<uint64_t> counts_ = std::vector<uint64_t>(kBuckets, 0);
  uint64_t count_ = 0;
};

}  // namespace cairn::engine
