// RequestParser: turns the bytes a client sends into commands (argument
// vectors). Speaks RESP2 multibulk (`*2\r\n$3\r\nGET\r\n$1\r\na\r\n`) and the
// inline form (`GET a\n`, what telnet and nc send), with Redis 7.0's limits
// and its exact protocol error texts. Grammar: doc/resp.md.
//
// Incremental: a multibulk command split across reads keeps its parsed
// arguments between calls, so a large value is copied once. No sockets here;
// the frontend feeds buffers and acts on the result. Not thread-safe; one
// parser per connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  size_t max_inline_len = 64 * 1024;           // PROTO_INLINE_MAX_SIZE in Redis
  int64_t max_multibulk_len = 1024LL * 1024 * 1024;  // Redis: INT_MAX
};

class RequestParser {
 public:
  enum class Status {
    kNeedMore,  // everything in the input was consumed; feed more bytes
    kCommand,   // args() holds one complete command
    kError,     // protocol error; error() has the text; the connection must close
  };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses from in[*pos...]. Advances *pos past what was consumed. On kCommand
  // the arguments are in args() until the next call. Empty commands (blank
  // inline lines, `*0`) are skipped, as Redis does.
  Status Parse(std::string_view in, size_t* pos);

  std::vector<std::string>& args() { return args_; }
  // E.g. "Protocol error: invalid bulk length" (sent as "-ERR " + error()).
  const std::string& error() const { return error_; }

  void set_limits(ParserLimits limits) { limits_ = limits; }
  // Bytes held for a command not yet complete: its arguments' bytes and
  // the argument slots themselves (so that millions of empty arguments
  // count too); with the connection's unparsed input, what
  // client-query-buffer-limit bounds.
  size_t pending_bytes() const {
    return multibulk_left_ > 0 ? pending_bytes_ + args_.capacity() * sizeof(std::string) : 0;
  }

 private:
  Status ParseInline(std::string_view in, size_t* pos);
  Status ParseMultibulk(std::string_view in, size_t* pos);
  Status Fail(const char* msg);

  ParserLimits limits_;
  std::vector<std::string> args_;
  int64_t multibulk_left_ = 0;  // arguments still to read of the current command
  int64_t bulk_len_ = -1;       // length of the argument being read, -1 before its header
  size_t pending_bytes_ = 0;    // argument bytes read so far of the current command
  std::string error_;
};

// Splits an inline command line like Redis's sdssplitargs: spaces separate
// arguments, "double quotes" take \n \r \t \b \a \\ \" \xHH escapes, 'single
// quotes' take \'. Returns false on unbalanced quotes or a closing quote not
// followed by a space.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace cairn::protocol
