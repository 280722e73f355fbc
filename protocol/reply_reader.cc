#include "protocol/reply_reader.h"

#include "base/string_util.h"

namespace cairn::protocol {
namespace {

struct Reader {
  std::string_view in;
  size_t pos;
  bool malformed = false;

  std::optional<std::string_view> Line() {
    size_t cr = in.find("\r\n", pos);
    if (cr == std::string_view::npos) return std::nullopt;
    std::string_view line = in.substr(pos, cr - pos);
    pos = cr + 2;
    return line;
  }

  std::optional<Reply> Read(int depth) {
    if (depth > 64) {
      malformed = true;
      return std::nullopt;
    }
    if (pos >= in.size()) return std::nullopt;
    char type = in[pos++];
    auto line = Line();
    if (!line) return std::nullopt;
    Reply r;
    auto aggregate = [&](Reply::Type t, int64_t per_entry) -> std::optional<Reply> {
      auto n = base::ParseInt64(*line);
      if (!n) {
        malformed = true;
        return std::nullopt;
      }
      if (*n < 0) {
        r.type = Reply::Type::kNull;
        return r;
      }
      r.type = t;
      for (int64_t i = 0; i < *n * per_entry; i++) {
        auto e = Read(depth + 1);
        if (!e) return std::nullopt;
        r.elements.push_back(std::move(*e));
      }
      return r;
    };
    switch (type) {
      case '+': r.type = Reply::Type::kSimple; r.str = *line; return r;
      case '-': r.type = Reply::Type::kError; r.str = *line; return r;
      case ',': r.type = Reply::Type::kDouble; r.str = *line; return r;
      case '(': r.type = Reply::Type::kBigNumber; r.str = *line; return r;
      case '_': r.type = Reply::Type::kNull; return r;
      case '#':
        r.type = Reply::Type::kBool;
        r.integer = (*line == "t") ? 1 : 0;
        return r;
      case ':': {
        auto v = base::ParseInt64(*line);
        if (!v) {
          malformed = true;
          return std::nullopt;
        }
        r.type = Reply::Type::kInt;
        r.integer = *v;
        return r;
      }
      case '$':
      case '=': {
        auto n = base::ParseInt64(*line);
        if (!n) {
          malformed = true;
          return std::nullopt;
        }
        if (*n < 0) {
          r.type = Reply::Type::kNull;
          return r;
        }
        if (in.size() - pos < static_cast<size_t>(*n) + 2) return std::nullopt;
        r.str = in.substr(pos, static_cast<size_t>(*n));
        pos += static_cast<size_t>(*n) + 2;
        r.type = Reply::Type::kBulk;
        if (type == '=') {
          r.type = Reply::Type::kVerbatim;
          r.str = r.str.size() >= 4 ? r.str.substr(4) : "";
        }
        return r;
      }
      case '*': return aggregate(Reply::Type::kArray, 1);
      case '~': return aggregate(Reply::Type::kSet, 1);
      case '>': return aggregate(Reply::Type::kPush, 1);
      case '%': return aggregate(Reply::Type::kMap, 2);
      default:
        malformed = true;
        return std::nullopt;
    }
  }
};

}  // namespace

std::optional<Reply> ReadReply(std::string_view in, size_t* pos, bool* malformed) {
  Reader r{in, *pos};
  auto reply = r.Read(0);
  if (malformed) *malformed = r.malformed;
  if (reply) *pos = r.pos;
  return reply;
}

std::string Reply::DebugString() const {
  switch (type) {
    case Type::kSimple: return "+" + str;
    case Type::kError: return "-" + str;
    case Type::kInt: return ":" + std::to_string(integer);
    case Type::kBulk: return "\"" + str + "\"";
    case Type::kVerbatim: return "=\"" + str + "\"";
    case Type::kDouble: return "," + str;
    case Type::kBigNumber: return "(" + str;
    case Type::kNull: return "(nil)";
    case Type::kBool: return integer ? "#t" : "#f";
    default: break;
  }
  const char* open = type == Type::kMap ? "%{" : type == Type::kSet ? "~{" : type == Type::kPush ? ">[" : "[";
  std::string s = open;
  for (size_t i = 0; i < elements.size(); i++) {
    if (i) s += ", ";
    s += elements[i].DebugString();
  }
  s += type == Type::kMap || type == Type::kSet ? "}" : "]";
  return s;
}

}  // namespace cairn::protocol
