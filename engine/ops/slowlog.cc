#include "engine/ops/slowlog.h"

#include "base/string_util.h"

namespace cairn::engine {

namespace {

// Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING.
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgBytes = 128;

}  // namespace

bool RedactedArg(std::string_view command, std::span<const std::string> argv, size_t i) {
  if (command == "auth") return i >= 1;
  if (command == "hello") {
    for (size_t j = 2; j < argv.size(); j++) {
      if (base::EqualsIgnoreCase(argv[j], "auth") && j + 2 < argv.size()) {
        if (i == j + 1 || i == j + 2) return true;
        j += 2;
      } else if (base::EqualsIgnoreCase(argv[j], "setname")) {
        j++;
      }
    }
  }
  return false;
}


void SlowLog::MaybeAdd(int64_t threshold_us, int64_t max_len, int64_t duration_us,
                       std::string_view command, std::span<const std::string> argv,
                       std::string_view client_addr, std::string_view client_name,
                       int64_t now_ms) {
  if (threshold_us < 0 || duration_us < threshold_us) return;
  SlowLogEntry e{.id = next_id_++, .time_sec = now_ms / 1000, .duration_us = duration_us,
                 .argv = {}, .client_addr = std::string(client_addr),
                 .client_name = std::string(client_name)};
  const size_t kept = argv.size() > kMaxArgs ? kMaxArgs - 1 : argv.size();
  e.argv.reserve(kept + 1);
  for (size_t i = 0; i < kept; i++) {
    if (RedactedArg(command, argv, i)) {
      e.argv.emplace_back("(redacted)");
    } else if (argv[i].size() > kMaxArgBytes) {
      e.argv.push_back(argv[i].substr(0, kMaxArgBytes) + "... (" +
                       std::to_string(argv[i].size() - kMaxArgBytes) + " more bytes)");
    } else {
      e.argv.push_back(argv[i]);
    }
  }
  if (kept < argv.size()) {
    e.argv.push_back("... (" + std::to_string(argv.size() - kept) + " more arguments)");
  }
  entries_.push_front(std::move(e));
  while (static_cast<int64_t>(entries_.size()) > max_len) entries_.pop_back();
}

}  // namespace cairn::engine
