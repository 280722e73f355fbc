// ReplyReader: decodes one RESP2/RESP3 reply into a tree. Used where Cairn
// must read replies rather than write them: the engine test harness, and
// later Lua's redis.call() and the replica link. Grammar: doc/resp.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::protocol {

struct Reply {
  enum class Type { kSimple, kError, kInt, kBulk, kNull, kArray, kMap, kSet, kPush, kDouble,
                    kBool, kVerbatim, kBigNumber };
  Type type = Type::kNull;
  std::string str;  // simple, error, bulk, verbatim (without "txt:"), double/bignum text
  int64_t integer = 0;  // int, bool (0/1)
  std::vector<Reply> elements;  // aggregates; maps hold key, value, key, value…

  bool operator==(const Reply& o) const = default;
  // A compact human-readable form for test failure messages.
  std::string DebugString() const;
};

// Parses one complete reply from in[*pos…]; advances *pos. Returns nullopt
// when the input ends before the reply does (nothing is consumed then) or is
// malformed (`*malformed` is set).
std::optional<Reply> ReadReply(std::string_view in, size_t* pos, bool* malformed = nullptr);

}  // namespace cairn::protocol
