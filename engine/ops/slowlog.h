// SLOWLOG: the last slowlog-max-len commands that ran longer than
// slowlog-log-slower-than microseconds, as Redis keeps them (its
// slowlog.c): newest first, ids that never restart, long argument lists
// and long arguments shortened, passwords never stored.
//
// Engine thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::engine {

// Whether argv[i] holds a secret that SLOWLOG and MONITOR show as
// "(redacted)", as Redis does: AUTH's arguments, HELLO AUTH's user and
// password. `command` is the full name ("auth", "hello").
bool RedactedArg(std::string_view command, std::span<const std::string> argv, size_t i);

struct SlowLogEntry {
  uint64_t id;
  int64_t time_sec;     // when the command ended, unix seconds
  int64_t duration_us;  // how long it ran
  std::vector<std::string> argv;  // shortened and redacted
  std::string client_addr;
  std::string client_name;
};

class SlowLog {
 public:
  // Logs a command that ran `duration_us` if that is at least
  // `threshold_us` (negative: the log is off), keeping at most `max_len`.
  // `command` is its full name ("auth", "config|set"), for redaction.
  void MaybeAdd(int64_t threshold_us, int64_t max_len, int64_t duration_us,
                std::string_view command, std::span<const std::string> argv,
                std::string_view client_addr, std::string_view client_name, int64_t now_ms);
  // Newest first.
  const std::deque<SlowLogEntry>& entries() const { return entries_; }
  void Reset() { entries_.clear(); }

 private:
  std::deque<SlowLogEntry> entries_;
  uint64_t next_id_ = 0;
};

}  // namespace cairn::engine
