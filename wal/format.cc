#include "wal/format.h"

#include <xxhash.h>

#include <charconv>
#include <cstdint>
#include <cstdio>

#include "base/string_util.h"

namespace cairn::wal {
namespace {

void AppendHeader(std::string* out, char type, size_t n) {
  char buf[24];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *end++ = '\r';
  *end++ = '\n';
  out->append(buf, static_cast<size_t>(end - buf));
}

// "p5120.0.<replid>" (History).
std::optional<History> ParseHistory(std::string_view f) {
  if (f.empty() || (f[0] != History::kStream && f[0] != History::kApplied)) return std::nullopt;
  History h;
  h.kind = static_cast<History::Kind>(f[0]);
  f.remove_prefix(1);
  const size_t dot1 = f.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : f.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  auto offset = base::ParseInt64(f.substr(0, dot1));
  auto db = base::ParseInt64(f.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!offset || *offset < 0 || !db || *db < 0 || *db > INT32_MAX) return std::nullopt;
  h.offset = *offset;
  h.db = static_cast<int>(*db);
  h.replid = std::string(f.substr(dot2 + 1));
  if (h.replid.empty() || h.replid.size() > 64) return std::nullopt;
  return h;
}

}  // namespace

void AppendCommand(std::string* out, std::span<const std::string> argv) {
  AppendHeader(out, '*', argv.size());
  for (const auto& a : argv) {
    AppendHeader(out, '$', a.size());
    out->append(a);
    out->append("\r\n");
  }
}

void AppendSelect(std::string* out, int db) {
  std::string argv[2] = {"SELECT", std::to_string(db)};
  AppendCommand(out, argv);
}

uint64_t Checksum(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

namespace {
// The field's text, as annotations carry it: "p5120.0.<replid>".
std::string FormatHistory(const History& h) {
  return static_cast<char>(h.kind) + std::to_string(h.offset) + "." + std::to_string(h.db) + "." +
         h.replid;
}
}  // namespace

namespace {
// The fields after `durable` as the annotation carries them, which seed the
// checksum: "t1764539681123 p5120.0.<replid>" ("" when there are none; a
// History alone gives the text logs had before seal times).
std::string Extension(const Annotation& a) {
  std::string out;
  if (a.sealed_ms) out = "t" + std::to_string(*a.sealed_ms);
  if (a.history) {
    if (!out.empty()) out += ' ';
    out += FormatHistory(*a.history);
  }
  return out;
}
}  // namespace

uint64_t BatchChecksum(std::string_view body, const Annotation& a) {
  const std::string ext = Extension(a);
  if (ext.empty()) return Checksum(body);
  return XXH3_64bits_withSeed(body.data(), body.size(), Checksum(ext));
}

std::string FormatAnnotation(const Annotation& a) {
  char buf[kMaxAnnotationLen];
  int n = std::snprintf(buf, sizeof(buf), "#cairn %llu %llu %016llx",
                        static_cast<unsigned long long>(a.first_seq),
                        static_cast<unsigned long long>(a.length),
                        static_cast<unsigned long long>(a.checksum));
  if (a.durable) {
    n += std::snprintf(buf + n, sizeof(buf) - static_cast<size_t>(n), " %llu",
                       static_cast<unsigned long long>(*a.durable));
    if (a.sealed_ms) {
      n += std::snprintf(buf + n, sizeof(buf) - static_cast<size_t>(n), " t%lld",
                         static_cast<long long>(*a.sealed_ms));
    }
    if (a.history) {
      n += std::snprintf(buf + n, sizeof(buf) - static_cast<size_t>(n), " %.100s",
                         FormatHistory(*a.history).c_str());
    }
  }
  return std::string(buf, static_cast<size_t>(n)) + "\r\n";
}

std::optional<Annotation> ParseAnnotation(std::string_view line) {
  constexpr std::string_view kPrefix = "#cairn ";
  if (!line.starts_with(kPrefix)) return std::nullopt;
  line.remove_prefix(kPrefix.size());
  Annotation a;
  auto field = [&line]() -> std::string_view {
    size_t sp = line.find(' ');
    std::string_view f = line.substr(0, sp);
    line.remove_prefix(sp == std::string_view::npos ? line.size() : sp + 1);
    return f;
  };
  auto seq = base::ParseInt64(field());
  auto len = base::ParseInt64(field());
  std::string_view sum = field();
  if (!seq || !len || *seq < 0 || *len < 0 || sum.size() != 16) return std::nullopt;
  if (!line.empty()) {
    auto durable = base::ParseInt64(field());
    if (!durable || *durable < 0) return std::nullopt;
    a.durable = static_cast<uint64_t>(*durable);
  }
  if (line.starts_with('t')) {
    auto ms = base::ParseInt64(field().substr(1));
    if (!ms || *ms < 0) return std::nullopt;
    a.sealed_ms = *ms;
  }
  if (!line.empty()) {
    a.history = ParseHistory(field());
    if (!a.history || !line.empty()) return std::nullopt;
  }
  auto [p, ec] = std::from_chars(sum.data(), sum.data() + sum.size(), a.checksum, 16);
  if (ec != std::errc() || p != sum.data() + sum.size()) return std::nullopt;
  a.first_seq = static_cast<uint64_t>(*seq);
  a.length = static_cast<uint64_t>(*len);
  return a;
}

std::string MakeFill(uint64_t from, uint64_t to) {
  std::string out(to - from, '#');
  for (uint64_t o = (from / kFillLine + 1) * kFillLine - 1; o < to; o += kFillLine) {
    if (o > from) out[o - from] = '\n';
  }
  return out;
}

bool IsFill(std::string_view bytes, uint64_t from) {
  if (bytes.empty()) return true;
  if (bytes.front() != '#' || bytes.back() != '\n') return false;
  uint64_t line = 0;
  for (size_t i = 0; i < bytes.size(); i++) {
    const char c = bytes[i];
    const bool newline_slot = (from + i) % kFillLine == kFillLine - 1;
    if (c == '\n' && newline_slot) {
      line = 0;
    } else if (c != '#' || ++line > 2 * kFillLine) {
      return false;
    }
  }
  return true;
}

size_t ContentEnd(std::string_view file) {
  size_t q = file.size();
  while (q > 0 && (file[q - 1] == '#' || file[q - 1] == '\n')) q--;
  // The line holding the last other byte is content, up to its newline.
  size_t end = 0;
  if (q > 0) {
    size_t nl = file.find('\n', q - 1);
    end = nl == std::string_view::npos ? file.size() : nl + 1;
  }
  // Only filler as the writer leaves it is filler: a record of Redis's torn
  // after "\r\n#" is content.
  return IsFill(file.substr(end), end) ? end : file.size();
}

}  // namespace cairn::wal
