#include "protocol/resp_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace cairn::protocol {

void RespWriter::Header(char type, int64_t n) {
  char buf[32];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, static_cast<size_t>(end - buf));
}

void RespWriter::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void RespWriter::Error(std::string_view msg) {
  out_->push_back('-');
  // An error must be one line: Redis replaces newlines in error texts too.
  for (char c : msg) out_->push_back(c == '\r' || c == '\n' ? ' ' : c);
  out_->append("\r\n");
}

void RespWriter::Int(int64_t v) { Header(':', v); }

void RespWriter::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void RespWriter::Null() { out_->append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }

void RespWriter::NullArray() { out_->append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }

void RespWriter::Array(size_t n) { Header('*', static_cast<int64_t>(n)); }

void RespWriter::Map(size_t n) {
  if (protocol_ >= 3) {
    Header('%', static_cast<int64_t>(n));
  } else {
    Header('*', static_cast<int64_t>(2 * n));
  }
}

void RespWriter::Set(size_t n) { Header(protocol_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }

void RespWriter::Push(size_t n) { Header(protocol_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void RespWriter::Double(double d) {
  std::string s = FormatDouble(d);
  if (protocol_ >= 3) {
    out_->push_back(',');
    out_->append(s);
    out_->append("\r\n");
  } else {
    Bulk(s);
  }
}

void RespWriter::Bool(bool b) {
  if (protocol_ >= 3) {
    out_->append(b ? "#t\r\n" : "#f\r\n");
  } else {
    Int(b ? 1 : 0);
  }
}

void RespWriter::BigNumber(std::string_view digits) {
  if (protocol_ < 3) return Bulk(digits);
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n");
}

void RespWriter::Verbatim(std::string_view format, std::string_view text) {
  if (protocol_ >= 3) {
    Header('=', static_cast<int64_t>(text.size() + 4));
    out_->append(format.substr(0, 3));
    out_->push_back(':');
    out_->append(text);
    out_->append("\r\n");
  } else {
    Bulk(text);
  }
}

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (std::isnan(d)) return "nan";
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace cairn::protocol
