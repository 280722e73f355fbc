#include "base/string_util.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>

#include "base/clock.h"

namespace cairn::base {

std::optional<int64_t> ParseInt64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (s.size() == 1 && s[0] == '0') return 0;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return std::nullopt;
  }
  if (s[i] < '1' || s[i] > '9') return std::nullopt;
  uint64_t v = 0;
  for (; i < s.size(); i++) {
    char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - v);
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty() || s.size() > 5000) return std::nullopt;
  if (std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back()))) {
    return std::nullopt;
  }
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return std::nullopt;
  // Redis's getDoubleFromObject: overflow (inf) and underflow to zero are
  // errors; a denormal result, though ERANGE, is kept.
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return std::nullopt;
  return v;
}

std::optional<long double> ParseLongDouble(std::string_view s) {
  if (s.empty() || s.size() > 5 * 1024 || std::isspace(static_cast<unsigned char>(s[0]))) {
    return std::nullopt;
  }
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = std::strtold(buf.c_str(), &end);
  // Redis's string2ld: out of range (overflow to inf, underflow to 0) is
  // not a valid float, though a literal "inf" is.
  if (end != buf.c_str() + buf.size() || std::isnan(v) ||
      (errno == ERANGE && (std::isinf(v) || std::fpclassify(v) == FP_ZERO))) {
    return std::nullopt;
  }
  return v;
}

std::string FormatLongDouble(long double v) {
  char buf[5 * 1024 + 64];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  std::string out(buf, static_cast<size_t>(n));
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

namespace {

char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches one pattern token (a literal, an escape, '?', or a [...] class)
// against c. Sets *len to the token's length in the pattern. Returns false if
// c does not match.
bool MatchOne(std::string_view p, char c, bool nocase, size_t* len) {
  if (p[0] == '?') {
    *len = 1;
    return true;
  }
  if (p[0] == '\\' && p.size() >= 2) {
    *len = 2;
    return Fold(p[1], nocase) == Fold(c, nocase);
  }
  if (p[0] != '[') {
    *len = 1;
    return Fold(p[0], nocase) == Fold(c, nocase);
  }
  size_t i = 1;
  bool negate = i < p.size() && p[i] == '^';
  if (negate) i++;
  bool matched = false;
  const char fc = Fold(c, nocase);
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\' && i + 1 < p.size()) {
      if (Fold(p[i + 1], nocase) == fc) matched = true;
      i += 2;
    } else if (i + 2 < p.size() && p[i + 1] == '-') {
      char lo = Fold(p[i], nocase), hi = Fold(p[i + 2], nocase);
      if (lo > hi) std::swap(lo, hi);
      if (fc >= lo && fc <= hi) matched = true;
      i += 3;
    } else {
      if (Fold(p[i], nocase) == fc) matched = true;
      i++;
    }
  }
  *len = i < p.size() ? i + 1 : i;  // past the ']' (an unclosed class runs to the end)
  return negate ? !matched : matched;
}

}  // namespace

// Iterative, backtracking only to the last '*': O(len(pattern) * len(str))
// even for hostile patterns such as "*a*a*a*…b", which make a naive
// recursive matcher exponential.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  size_t p = 0, s = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (s < str.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_s = s;
      continue;
    }
    size_t len = 0;
    if (p < pattern.size() && MatchOne(pattern.substr(p), str[s], nocase, &len)) {
      p += len;
      s++;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    s = ++star_s;
  }
  while (p < pattern.size() && pattern[p] == '*') p++;
  return p == pattern.size();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string QuoteRepr(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (std::isprint(c)) {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        }
    }
  }
  return out + "\"";
}


std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(NowUs()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = kHex[gen() & 15];
  return out;
}

}  // namespace cairn::base
