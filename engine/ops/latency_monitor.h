// LATENCY: Redis's latency monitor. Events ("command", "fast-command",
// "expire-cycle", ...) that took at least latency-monitor-threshold ms are
// kept per event as the last 160 samples, one per second (a second's
// worst), with the all-time worst; LATENCY LATEST, HISTORY, RESET, GRAPH
// and DOCTOR read them.
//
// Engine thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::engine {

class LatencyMonitor {
 public:
  static constexpr size_t kSamples = 160;  // Redis's LATENCY_TS_LEN

  struct Sample {
    int64_t time_sec = 0;  // 0: unused slot
    uint32_t ms = 0;
  };
  struct Series {
    Sample samples[kSamples];
    size_t next = 0;  // slot the next sample goes to (the oldest)
    uint32_t max = 0;
    // Samples in time order, oldest first.
    std::vector<Sample> InOrder() const;
    const Sample& Latest() const { return samples[(next + kSamples - 1) % kSamples]; }
  };

  // Records `ms` for `event` if the monitor is on (threshold_ms > 0) and
  // ms >= threshold_ms.
  void MaybeAdd(int64_t threshold_ms, std::string_view event, int64_t ms, int64_t now_ms);
  const std::map<std::string, Series, std::less<>>& events() const { return events_; }
  // Forgets `event`; returns whether it was there.
  bool Reset(std::string_view event);
  size_t ResetAll();

  // LATENCY GRAPH's ASCII art for one event, as Redis draws it.
  static std::string Graph(std::string_view event, const Series& s, int64_t now_sec);
  // LATENCY DOCTOR's report.
  std::string Doctor(int64_t threshold_ms, int64_t slowlog_threshold_us) const;

 private:
  std::map<std::string, Series, std::less<>> events_;
};

}  // namespace cairn::engine
