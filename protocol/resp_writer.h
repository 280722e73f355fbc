// RespWriter: the one way replies are produced. Callers say what they mean
// (Bulk, Int, Map, Null, Double…) and the writer encodes it for the client's
// protocol: RESP2, or RESP3 after HELLO 3 (maps, sets, doubles, booleans,
// nulls and pushes have their own types there and degrade to arrays, bulk
// strings and integers in RESP2, as in Redis 7). Grammar: doc/resp.md.
//
// Writes append to a caller-owned std::string (a connection's output buffer,
// or a capture buffer for MULTI, Lua and tests). Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::protocol {

class RespWriter {
 public:
  // REQUIRES: `out` outlives the writer.
  explicit RespWriter(std::string* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  std::string* buffer() { return out_; }

  void Simple(std::string_view s);  // +s
  // `msg` is the full error text, prefix included: "ERR unknown command…".
  void Error(std::string_view msg);
  void Int(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // RESP2 $-1, RESP3 _
  void NullArray();  // RESP2 *-1, RESP3 _
  void Array(size_t n);
  void Map(size_t n);  // n pairs; RESP2: an array of 2n
  void Set(size_t n);  // RESP2: an array
  void Push(size_t n);  // RESP2: an array (pub/sub messages)
  void Double(double d);  // RESP2: a bulk string
  void Bool(bool b);  // RESP2: 1 or 0
  void Verbatim(std::string_view format, std::string_view text);  // RESP2: bulk
  void BigNumber(std::string_view digits);  // RESP3 (; RESP2: a bulk string
  void Ok() { Simple("OK"); }

  // Appends bytes that are already a complete RESP reply (e.g. a captured
  // MULTI reply).
  void Raw(std::string_view bytes) { out_->append(bytes); }

 private:
  void Header(char type, int64_t n);

  std::string* out_;
  int protocol_;
};

// Formats a double as Redis 7.0 does in replies ("%.17g", "inf", "-inf").
std::string FormatDouble(double d);

}  // namespace cairn::protocol
