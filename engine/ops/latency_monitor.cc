#include "engine/ops/latency_monitor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace cairn::engine {

std::vector<LatencyMonitor::Sample> LatencyMonitor::Series::InOrder() const {
  std::vector<Sample> out;
  for (size_t j = 0; j < kSamples; j++) {
    const Sample& s = samples[(next + j) % kSamples];
    if (s.time_sec != 0) out.push_back(s);
  }
  return out;
}

void LatencyMonitor::MaybeAdd(int64_t threshold_ms, std::string_view event, int64_t ms,
                              int64_t now_ms) {
  if (threshold_ms <= 0 || ms < threshold_ms) return;
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), Series{}).first;
  Series& s = it->second;
  const int64_t now_sec = now_ms / 1000;
  const uint32_t v = static_cast<uint32_t>(std::min<int64_t>(ms, UINT32_MAX));
  if (v > s.max) s.max = v;
  // One sample a second: a second's later events only raise its worst.
  Sample& last = s.samples[(s.next + kSamples - 1) % kSamples];
  if (last.time_sec == now_sec) {
    last.ms = std::max(last.ms, v);
    return;
  }
  s.samples[s.next] = Sample{now_sec, v};
  s.next = (s.next + 1) % kSamples;
}

bool LatencyMonitor::Reset(std::string_view event) {
  auto it = events_.find(event);
  if (it == events_.end()) return false;
  events_.erase(it);
  return true;
}

size_t LatencyMonitor::ResetAll() {
  const size_t n = events_.size();
  events_.clear();
  return n;
}

namespace {

// Redis's sparkline, drawn with SPARKLINE_FILL: `rows` rows of bars whose
// height is the sample's place between the lowest and highest, then one
// blank row and each sample's label written downwards.
void RenderRange(std::string& out, const std::vector<double>& values,
                 const std::vector<std::string>& labels, double lo, double hi, size_t offset,
                 size_t len) {
  constexpr int kRows = 4;
  constexpr const char* kFill = "_o#";
  constexpr int kCharset = 3;
  constexpr int kSteps = kCharset * kRows;
  double relmax = hi - lo;
  if (relmax == 0) relmax = 1;
  std::string chars;
  for (int row = 0;; row++) {
    bool more = false;
    chars.assign(len, ' ');
    for (size_t j = 0; j < len; j++) {
      const double rel = values[offset + j] - lo;
      int step = static_cast<int>(rel * kSteps / relmax);
      step = std::clamp(step, 0, kSteps - 1);
      if (row < kRows) {
        more = true;
        const int idx = step - (kRows - row - 1) * kCharset;
        if (idx >= 0 && idx < kCharset) {
          chars[j] = kFill[idx];
        } else if (idx >= kCharset) {
          chars[j] = '|';
        }
      } else if (row == kRows) {
        more = true;  // the blank row between bars and labels
        break;
      } else {
        const std::string& label = labels[offset + j];
        const size_t at = static_cast<size_t>(row - kRows - 1);
        if (label.size() > at) {
          more = true;
          chars[j] = label[at];
        }
      }
    }
    if (!more) break;
    if (row == kRows) chars.assign(len, ' ');
    out += chars;
    out += '\n';
  }
}

}  // namespace

std::string LatencyMonitor::Graph(std::string_view event, const Series& s, int64_t now_sec) {
  constexpr size_t kCols = 80;
  std::vector<double> values;
  std::vector<std::string> labels;
  uint32_t lo = 0, hi = 0;
  for (const Sample& x : s.InOrder()) {
    if (values.empty()) {
      lo = hi = x.ms;
    } else {
      lo = std::min(lo, x.ms);
      hi = std::max(hi, x.ms);
    }
    const int64_t ago = now_sec - x.time_sec;
    char buf[32];
    if (ago < 60) {
      std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(ago));
    } else if (ago < 3600) {
      std::snprintf(buf, sizeof(buf), "%lldm", static_cast<long long>(ago / 60));
    } else if (ago < 86400) {
      std::snprintf(buf, sizeof(buf), "%lldh", static_cast<long long>(ago / 3600));
    } else {
      std::snprintf(buf, sizeof(buf), "%lldd", static_cast<long long>(ago / 86400));
    }
    values.push_back(x.ms);
    labels.emplace_back(buf);
  }
  std::string out = std::string(event) + " - high " + std::to_string(hi) + " ms, low " +
                    std::to_string(lo) + " ms (all time high " + std::to_string(s.max) + " ms)\n";
  out.append(kCols, '-');
  out += '\n';
  for (size_t off = 0; off < values.size(); off += kCols) {
    RenderRange(out, values, labels, lo, hi, off, std::min(kCols, values.size() - off));
  }
  return out;
}

std::string LatencyMonitor::Doctor(int64_t threshold_ms, int64_t slowlog_threshold_us) const {
  if (threshold_ms <= 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
           "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
           "order to enable it. If we weren't in a deep space mission I'd suggest to take a "
           "look at https://redis.io/topics/latency-monitor.\n";
  }
  if (events_.empty()) {
    return "Dave, no latency spike was observed during the lifetime of this Redis instance, "
           "not in the slightest bit. I honestly think you ought to sit down calmly, take a "
           "stress pill, and think things over.\n";
  }
  std::string out =
      "Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
      "about it, do you Dave?\n\n";
  const int64_t now_sec = static_cast<int64_t>(std::time(nullptr));
  int n = 1;
  bool commands = false;
  for (const auto& [name, s] : events_) {
    const std::vector<Sample> xs = s.InOrder();
    if (xs.empty()) continue;
    double avg = 0;
    for (const Sample& x : xs) avg += x.ms;
    avg /= static_cast<double>(xs.size());
    double mad = 0;
    for (const Sample& x : xs) mad += std::fabs(x.ms - avg);
    mad /= static_cast<double>(xs.size());
    int64_t span = now_sec - xs.front().time_sec;
    if (span <= 0) span = 1;
    const double period = static_cast<double>(span) / static_cast<double>(xs.size());
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%d. %s: %zu latency spikes (average %.0fms, mean deviation %.0fms, period "
                  "%.2f sec). Worst all time event %ums.\n",
                  n++, name.c_str(), xs.size(), avg, mad, period < 1 ? 1.0 : period, s.max);
    out += line;
    if (name == "command" || name == "fast-command") commands = true;
  }
  out += "\nI have a few advices for you:\n\n";
  if (slowlog_threshold_us < 0 || slowlog_threshold_us / 1000 > threshold_ms) {
    out += "- Your current Slow Log configuration only logs events that are slower than your "
           "configured latency monitor threshold. Please use 'CONFIG SET "
           "slowlog-log-slower-than " +
           std::to_string(threshold_ms * 1000) + "'.\n";
  }
  if (commands) {
    out += "- Check your Slow Log to understand what are the commands you are running which "
           "are too slow to execute. Please check https://redis.io/commands/slowlog for more "
           "information.\n";
  }
  out += "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a "
         "blocking operation. If you have very large objects that are often deleted, expired, "
         "or evicted, try to fragment those objects into multiple smaller objects.\n";
  return out;
}

}  // namespace cairn::engine
