#include "protocol/request_parser.h"

#include <cctype>
#include <cstring>

#include "base/string_util.h"

namespace cairn::protocol {

RequestParser::Status RequestParser::Fail(const char* msg) {
  error_ = std::string("Protocol error: ") + msg;
  return Status::kError;
}

RequestParser::Status RequestParser::Parse(std::string_view in, size_t* pos) {
  while (*pos < in.size()) {
    if (multibulk_left_ == 0) args_.clear();
    Status s = (multibulk_left_ > 0 || in[*pos] == '*') ? ParseMultibulk(in, pos)
                                                         : ParseInline(in, pos);
    if (s != Status::kCommand || !args_.empty()) return s;
    // An empty command: keep going, like Redis's processInputBuffer.
  }
  return Status::kNeedMore;
}

namespace {

// Redis finds a line's end with strchr, which stops at a NUL byte: a line
// with one is never complete (the client is cut off at the line length
// limit instead), and the same bytes must not mean more to Cairn.
bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

RequestParser::Status RequestParser::ParseInline(std::string_view in, size_t* pos) {
  std::string_view rest = in.substr(*pos);
  size_t nl = rest.find('\n');
  if (nl != std::string_view::npos && HasNul(rest.substr(0, nl))) nl = std::string_view::npos;
  if (nl == std::string_view::npos) {
    if (rest.size() > limits_.max_inline_len) return Fail("too big inline request");
    return Status::kNeedMore;
  }
  std::string_view line = rest.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!SplitInlineArgs(line, &args_)) return Fail("unbalanced quotes in request");
  *pos += nl + 1;
  return Status::kCommand;
}

namespace {

// Reads a "<prefix><integer>\r\n" header starting at in[pos]. Returns the
// number of bytes it spans, 0 when the line is incomplete.
size_t FindLine(std::string_view in, size_t pos) {
  size_t cr = in.find('\r', pos);
  if (cr == std::string_view::npos || cr + 1 >= in.size()) return 0;
  if (HasNul(in.substr(pos, cr - pos))) return 0;
  return cr + 2 - pos;
}

}  // namespace

RequestParser::Status RequestParser::ParseMultibulk(std::string_view in, size_t* pos) {
  if (multibulk_left_ == 0) {
    size_t n = FindLine(in, *pos);
    if (n == 0) {
      if (in.size() - *pos > limits_.max_inline_len) return Fail("too big mbulk count string");
      return Status::kNeedMore;
    }
    auto count = base::ParseInt64(in.substr(*pos + 1, n - 3));
    if (!count || *count > limits_.max_multibulk_len) return Fail("invalid multibulk length");
    *pos += n;
    if (*count <= 0) return Status::kCommand;  // empty command
    multibulk_left_ = *count;
    bulk_len_ = -1;
    pending_bytes_ = 0;
    args_.reserve(static_cast<size_t>(std::min<int64_t>(*count, 1024)));
  }
  while (multibulk_left_ > 0) {
    if (bulk_len_ < 0) {
      if (*pos >= in.size()) return Status::kNeedMore;
      size_t n = FindLine(in, *pos);
      if (n == 0) {
        if (in.size() - *pos > limits_.max_inline_len) return Fail("too big bulk count string");
        return Status::kNeedMore;
      }
      if (in[*pos] != '$') {
        error_ = "Protocol error: expected '$', got '";
        error_ += in[*pos];
        error_ += "'";
        return Status::kError;
      }
      auto len = base::ParseInt64(in.substr(*pos + 1, n - 3));
      if (!len || *len < 0 || *len > limits_.max_bulk_len) return Fail("invalid bulk length");
      *pos += n;
      bulk_len_ = *len;
      args_.emplace_back();
      // Large values: reserve once so the value is copied a single time.
      if (bulk_len_ >= 32 * 1024) args_.back().reserve(static_cast<size_t>(bulk_len_));
    }
    std::string& arg = args_.back();
    size_t want = static_cast<size_t>(bulk_len_) - arg.size();
    size_t avail = in.size() - *pos;
    size_t take = std::min(want, avail);
    arg.append(in.data() + *pos, take);
    *pos += take;
    pending_bytes_ += take;
    if (arg.size() < static_cast<size_t>(bulk_len_)) return Status::kNeedMore;
    // Redis skips the two bytes after the payload without looking at them.
    if (in.size() - *pos < 2) return Status::kNeedMore;
    *pos += 2;
    bulk_len_ = -1;
    multibulk_left_--;
  }
  return Status::kCommand;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && std::isspace(static_cast<unsigned char>(line[i]))) i++;
    if (i >= n) return true;
    std::string cur;
    bool in_dq = false, in_sq = false, done = false;
    while (!done) {
      if (in_dq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          cur += static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3]));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          i++;
          switch (line[i]) {
            case 'n': cur += '\n'; break;
            case 'r': cur += '\r'; break;
            case 't': cur += '\t'; break;
            case 'b': cur += '\b'; break;
            case 'a': cur += '\a'; break;
            default: cur += line[i]; break;
          }
        } else if (line[i] == '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur += line[i];
        }
      } else if (in_sq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          i++;
          cur += '\'';
        } else if (line[i] == '\'') {
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur += line[i];
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        switch (line[i]) {
          case ' ': case '\n': case '\r': case '\t': case '\0':
            done = true;
            break;
          case '"':
            in_dq = true;
            break;
          case '\'':
            in_sq = true;
            break;
          default:
            cur += line[i];
            break;
        }
      }
      if (i < n) i++;
    }
    out->push_back(std::move(cur));
  }
}

}  // namespace cairn::protocol
