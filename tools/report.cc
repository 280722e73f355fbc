// cairn report PATH [--format text|json|csv] [--top N] [-o FILE]
// (doc/tools.md): memory per key, the biggest keys per type, counts per
// type and database, an expiry histogram.
#include <algorithm>
#include <cstdio>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/string_util.h"
#include "snapshot/rdb_file.h"
#include "tools/commands.h"
#include "tools/common.h"
#include "tools/text.h"
#include "types/value.h"

namespace cairn::tools {

namespace {

struct KeyFacts {
  uint64_t memory = 0;
  uint64_t serialized = 0;
  uint64_t elements = 0;
  int db = 0;
  std::string key;
  std::string encoding;
  bool operator>(const KeyFacts& o) const { return memory > o.memory; }
};

struct TypeStats {
  uint64_t keys = 0, memory = 0, serialized = 0;
  // The biggest keys so far, smallest on top.
  std::priority_queue<KeyFacts, std::vector<KeyFacts>, std::greater<>> top;
};

// Expiry buckets, relative to when the report runs.
constexpr const char* kBuckets[] = {"none",     "past",      "< 1 hour", "< 1 day",
                                    "< 1 week", "< 30 days", "later"};
int BucketOf(int64_t expire_ms, int64_t now_ms) {
  if (expire_ms < 0) return 0;
  const int64_t left = expire_ms - now_ms;
  if (left <= 0) return 1;
  constexpr int64_t kHour = 3600 * 1000;
  if (left < kHour) return 2;
  if (left < 24 * kHour) return 3;
  if (left < 7 * 24 * kHour) return 4;
  if (left < 30 * 24 * kHour) return 5;
  return 6;
}

// A key in the report's JSON ("key":…, with "base64":true when it is not
// UTF-8).
std::string JsonKey(std::string_view key) {
  bool base64 = false;
  std::string out = ",\"key\":" + JsonString(key, &base64);
  return base64 ? out + ",\"base64\":true" : out;
}

}  // namespace

int RunReport(Args& args) {
  const std::string format = args.Value("--format").value_or("text");
  const auto out_path = args.Value("-o");
  const std::string top_arg = args.Value("--top").value_or("10");
  const bool quiet = args.Flag("--quiet");
  if (auto bad = args.Leftover()) return Fail(kUsage, *bad);
  if (args.positional().size() != 1) {
    return Fail(kUsage,
                "usage: cairn report PATH [--format text|json|csv] [--top N] [-o FILE] [--quiet]");
  }
  if (format != "text" && format != "json" && format != "csv") {
    return Fail(kUsage, "--format " + format + ": expected text, json or csv");
  }
  auto top_n = base::ParseInt64(top_arg);
  if (!top_n || *top_n < 0) return Fail(kUsage, "--top " + top_arg + ": not a count");
  auto in = ResolveInput(args.positional()[0]);
  if (!in.ok()) return Fail(kUsage, in.status().message());
  auto snapshot = SnapshotPath(in.value());
  if (!snapshot.ok()) {
    return Fail(CodeFor(snapshot.status()) == kDamaged ? kDamaged : kUsage,
                snapshot.status().message());
  }
  const std::string& path = snapshot.value();
  Output out;
  if (base::Status s = out.Open(out_path.value_or("")); !s.ok()) return Fail(kUsage, s.message());

  const int64_t now_ms = base::NowMs();
  std::map<std::string, TypeStats> per_type;
  std::map<int, uint64_t> per_db;
  uint64_t buckets[std::size(kBuckets)] = {};
  uint64_t keys = 0, memory = 0, serialized = 0;
  Progress progress("report", FileSize(path), quiet);
  if (format == "csv") {
    out.Write("db,key,type,encoding,elements,serialized_bytes,memory_bytes,expire_at_ms\r\n");
  }
  auto r = snapshot::ScanRdbFile(
      path, path, {.entry = [&](snapshot::RdbEntry& e) {
        progress.Update(e.offset, ++keys);
        KeyFacts k{.memory = e.value.KeyMemoryUsage(e.key.size()),
                   .serialized = e.value_bytes,
                   .elements = Elements(e.value),
                   .db = e.db};
        const char* type = TypeName(e.value);
        TypeStats& t = per_type[type];
        t.keys++;
        t.memory += k.memory;
        t.serialized += k.serialized;
        per_db[e.db]++;
        buckets[BucketOf(e.expire_ms, now_ms)]++;
        memory += k.memory;
        serialized += k.serialized;
        if (format == "csv") {
          std::string& b = out.buffer();
          b += std::to_string(e.db) + ",";
          CsvField(&b, e.key);
          b += std::string(",") + type + "," + std::string(e.value.ObjectEncoding()) + "," +
               std::to_string(k.elements) + "," + std::to_string(k.serialized) + "," +
               std::to_string(k.memory) + "," +
               (e.expire_ms >= 0 ? std::to_string(e.expire_ms) : "") + "\r\n";
          out.MaybeFlush();
          return base::Status::Ok();
        }
        if (*top_n == 0) return base::Status::Ok();
        if (t.top.size() < static_cast<size_t>(*top_n) || k.memory > t.top.top().memory) {
          k.key = std::move(e.key);
          k.encoding = std::string(e.value.ObjectEncoding());
          t.top.push(std::move(k));
          if (t.top.size() > static_cast<size_t>(*top_n)) t.top.pop();
        }
        return base::Status::Ok();
      }});
  if (!r.ok()) return Fail(CodeFor(r.status()), r.status().message());

  // The biggest first.
  std::map<std::string, std::vector<KeyFacts>> biggest;
  for (auto& [type, t] : per_type) {
    auto& list = biggest[type];
    while (!t.top.empty()) {
      list.push_back(t.top.top());
      t.top.pop();
    }
    std::reverse(list.begin(), list.end());
  }
  if (format == "json") {
    bool file_base64 = false;
    std::string j = "{\"file\":" + JsonString(path, &file_base64) +
                    (file_base64 ? ",\"file_base64\":true" : "") +
                    ",\"rdb_version\":" + std::to_string(r.value().version) +
                    ",\"keys\":" + std::to_string(keys) +
                    ",\"memory_bytes\":" + std::to_string(memory) +
                    ",\"serialized_bytes\":" + std::to_string(serialized) + ",\"types\":{";
    bool first = true;
    for (const auto& [type, t] : per_type) {
      j += std::string(first ? "" : ",") + "\"" + type + "\":{\"keys\":" + std::to_string(t.keys) +
           ",\"memory_bytes\":" + std::to_string(t.memory) +
           ",\"serialized_bytes\":" + std::to_string(t.serialized) + ",\"biggest\":[";
      first = false;
      bool first_key = true;
      for (const KeyFacts& k : biggest[type]) {
        j += std::string(first_key ? "" : ",") + "{\"db\":" + std::to_string(k.db) +
             JsonKey(k.key) + ",\"encoding\":\"" + k.encoding +
             "\",\"elements\":" + std::to_string(k.elements) +
             ",\"serialized_bytes\":" + std::to_string(k.serialized) +
             ",\"memory_bytes\":" + std::to_string(k.memory) + "}";
        first_key = false;
      }
      j += "]}";
    }
    j += "},\"databases\":{";
    first = true;
    for (const auto& [db, n] : per_db) {
      j += std::string(first ? "" : ",") + "\"" + std::to_string(db) + "\":" + std::to_string(n);
      first = false;
    }
    j += "},\"expiry\":{";
    for (size_t i = 0; i < std::size(kBuckets); i++) {
      j += std::string(i ? "," : "") + "\"" + kBuckets[i] + "\":" + std::to_string(buckets[i]);
    }
    j += "}}\n";
    out.Write(j);
  } else if (format == "text") {
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%s: RDB version %d, %llu keys, %s in memory (estimated), %s serialized\n\n",
                  path.c_str(), r.value().version, static_cast<unsigned long long>(keys),
                  Human(memory).c_str(), Human(serialized).c_str());
    out.Write(line);
    out.Write("type      keys          memory      serialized\n");
    for (const auto& [type, t] : per_type) {
      std::snprintf(line, sizeof(line), "%-8s %6llu %15s %15s\n", type.c_str(),
                    static_cast<unsigned long long>(t.keys), Human(t.memory).c_str(),
                    Human(t.serialized).c_str());
      out.Write(line);
    }
    out.Write("\ndatabase  keys\n");
    for (const auto& [db, n] : per_db) {
      std::snprintf(line, sizeof(line), "db%-7d %llu\n", db, static_cast<unsigned long long>(n));
      out.Write(line);
    }
    out.Write("\nexpiry         keys\n");
    for (size_t i = 0; i < std::size(kBuckets); i++) {
      std::snprintf(line, sizeof(line), "%-12s %6llu\n", kBuckets[i],
                    static_cast<unsigned long long>(buckets[i]));
      out.Write(line);
    }
    for (const auto& [type, list] : biggest) {
      if (list.empty()) continue;
      std::snprintf(line, sizeof(line),
                    "\nbiggest %s keys (memory, serialized, elements, encoding)\n", type.c_str());
      out.Write(line);
      for (const KeyFacts& k : list) {
        out.Write("  db" + std::to_string(k.db) + " " + base::QuoteRepr(k.key) + "  " +
                  Human(k.memory) + "  " + Human(k.serialized) + "  " + std::to_string(k.elements) +
                  "  " + k.encoding + "\n");
      }
    }
  }
  if (base::Status s = out.Commit(); !s.ok()) return Fail(kUsage, s.message());
  progress.Done(keys);
  return kOk;
}

}  // namespace cairn::tools
