// cairn check PATH [--repair] [--quiet] (doc/tools.md): what each file is,
// every checksum verified, the range the log covers for restore --until.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "snapshot/rdb_file.h"
#include "tools/commands.h"
#include "tools/common.h"
#include "tools/salvage.h"
#include "wal/log_reader.h"

namespace cairn::tools {

namespace {

// What the log's annotations say it covers.
struct Coverage {
  uint64_t first_seq = 0, last_seq = 0;
  std::optional<int64_t> first_ms, last_ms;  // batches' seal times
  std::optional<int64_t> first_ts, last_ts;  // Redis's #TS lines (seconds)
  std::optional<int64_t> base_ms;            // the base RDB's ctime

  void Batch(const wal::Annotation& a) {
    if (a.first_seq != 0 && (first_seq == 0 || a.first_seq < first_seq)) first_seq = a.first_seq;
    if (a.sealed_ms) {
      if (!first_ms) first_ms = a.sealed_ms;
      last_ms = a.sealed_ms;
    }
  }
};

std::optional<int64_t> CtimeMs(const snapshot::RdbInfo& info) {
  for (const auto& [k, v] : info.aux) {
    if (k == "ctime") {
      if (auto s = base::ParseInt64(v)) return *s * 1000;
    }
  }
  return std::nullopt;
}

// An RDB image: structure, checksum, keys per database and type.
int CheckRdb(const std::string& path, const std::string& name, Progress* progress, Coverage* cov,
             uint64_t* rdb_end = nullptr, bool* corrupt = nullptr) {
  std::map<int, uint64_t> per_db;
  std::map<std::string, uint64_t> per_type;
  uint64_t expires = 0, keys = 0;
  auto r = snapshot::ScanRdbFile(path, name, {.entry = [&](snapshot::RdbEntry& e) {
                                   per_db[e.db]++;
                                   per_type[TypeName(e.value)]++;
                                   if (e.expire_ms >= 0) expires++;
                                   progress->Update(e.offset, ++keys);
                                   return base::Status::Ok();
                                 }});
  if (!r.ok()) {
    std::printf("%s: %s: %s\n", name.c_str(), CodeFor(r.status()) == kDamaged ? "CORRUPT" : "ERROR",
                r.status().message().c_str());
    if (corrupt != nullptr) *corrupt = r.status().code() == base::StatusCode::kCorruption;
    return CodeFor(r.status());
  }
  const snapshot::RdbInfo& info = r.value();
  if (rdb_end != nullptr) *rdb_end = info.end;
  if (cov != nullptr) cov->base_ms = CtimeMs(info);
  std::printf("%s: RDB version %d", name.c_str(), info.version);
  for (const auto& [k, v] : info.aux) {
    if (k == "redis-ver" || k == "aof-base" || k == "repl-id" || k == "repl-offset") {
      std::printf(", %s=%s", k.c_str(), v.c_str());
    } else if (k == "ctime") {
      if (auto ms = CtimeMs(info)) std::printf(", written %s", FormatTime(*ms).c_str());
    }
  }
  std::printf(", %llu keys (%llu with an expiry)", static_cast<unsigned long long>(info.keys),
              static_cast<unsigned long long>(expires));
  for (const auto& [db, n] : per_db) {
    std::printf(", db%d=%llu", db, static_cast<unsigned long long>(n));
  }
  for (const auto& [type, n] : per_type) {
    std::printf(", %s=%llu", type.c_str(), static_cast<unsigned long long>(n));
  }
  if (!info.functions.empty()) std::printf(", %zu function libraries", info.functions.size());
  if (info.empty_keys_skipped > 0) {
    std::printf(", %llu empty keys skipped",
                static_cast<unsigned long long>(info.empty_keys_skipped));
  }
  std::printf(": ok\n");
  return kOk;
}

// One file of a log; 0 good (or repaired), 1 damaged. `*synced_damage`:
// the damage is to synced data (corruption, not a torn tail).
int CheckLog(const LogFile& f, bool repair, Progress* progress, Coverage* cov,
             bool* synced_damage) {
  uint64_t start = 0;
  if (f.rdb) return CheckRdb(f.path, f.name, progress, cov, nullptr, synced_damage);
  if (f.preamble) {
    const int rc = CheckRdb(f.path, f.name + " (RDB preamble)", progress, cov, &start);
    if (rc != kOk) return rc;
  }
  uint64_t commands = 0;
  wal::ScanHooks hooks{.batch =
                           [&](const wal::Annotation& a, uint64_t, std::string_view) {
                             cov->Batch(a);
                             return true;
                           },
                       .comment =
                           [&](std::string_view line, uint64_t) {
                             if (line.starts_with("#TS:")) {
                               if (auto ts = base::ParseInt64(line.substr(4))) {
                                 if (!cov->first_ts) cov->first_ts = *ts;
                                 cov->last_ts = *ts;
                               }
                             }
                             return true;
                           },
                       .start = start};
  auto r = wal::ScanLogFile(
      f.path, f.name,
      [&](std::vector<std::string>&, uint64_t offset) {
        progress->Update(offset, ++commands);
        return base::Status::Ok();
      },
      hooks);
  if (!r.ok()) {
    std::printf("%s: %s: %s\n", f.name.c_str(),
                CodeFor(r.status()) == kDamaged ? "CORRUPT" : "ERROR",
                r.status().message().c_str());
    *synced_damage = r.status().code() == base::StatusCode::kCorruption;
    return CodeFor(r.status());
  }
  const wal::ScanResult& s = r.value();
  if (s.last_seq > cov->last_seq) cov->last_seq = s.last_seq;
  std::printf("%s: %s log, %llu bytes", f.name.c_str(), s.batches > 0 ? "Cairn" : "Redis",
              static_cast<unsigned long long>(s.content_bytes));
  if (s.file_bytes > s.content_bytes) {
    std::printf(" (+%llu preallocated)",
                static_cast<unsigned long long>(s.file_bytes - s.content_bytes));
  }
  std::printf(", %llu batches, %llu commands", static_cast<unsigned long long>(s.batches),
              static_cast<unsigned long long>(s.commands));
  if (!s.torn_tail) {
    std::printf(": ok\n");
    return kOk;
  }
  const unsigned long long dropped = s.content_bytes - s.valid_bytes;
  if (!f.last) {
    // The log went on in the next file: this one had been synced.
    std::printf(": CORRUPT: %s, and it is not the last file\n", s.torn_reason.c_str());
    *synced_damage = true;
    return kDamaged;
  }
  if (!repair) {
    std::printf(
        ": TORN TAIL: %s (%llu bytes after the last whole batch); run with --repair "
        "to cut them\n",
        s.torn_reason.c_str(), dropped);
    return kDamaged;
  }
  base::Status st = wal::TruncateFile(f.path, s.valid_bytes);
  if (!st.ok()) {
    std::printf(": repair failed: %s\n", st.ToString().c_str());
    return kDamaged;
  }
  std::printf(": torn tail (%s) REPAIRED: cut %llu bytes\n", s.torn_reason.c_str(), dropped);
  return kOk;
}

void PrintCoverage(const std::string& what, const Coverage& c) {
  if (c.last_seq > 0) {
    std::printf("%s: the log covers seq %llu..%llu", what.c_str(),
                static_cast<unsigned long long>(c.first_seq),
                static_cast<unsigned long long>(c.last_seq));
    if (c.first_ms) {
      std::printf(", %s .. %s", FormatTime(*c.first_ms).c_str(), FormatTime(*c.last_ms).c_str());
    } else {
      std::printf(" (its batches carry no seal times: --until takes sequence numbers only)");
    }
    std::printf("\n");
  } else if (c.first_ts) {
    std::printf("%s: Redis timestamps from %s to %s\n", what.c_str(),
                FormatTime(*c.first_ts * 1000).c_str(), FormatTime(*c.last_ts * 1000).c_str());
  }
  if (c.base_ms) {
    std::printf("%s: its base was written %s\n", what.c_str(), FormatTime(*c.base_ms).c_str());
  }
}

}  // namespace

int RunCheck(Args& args) {
  SalvageOptions salvage{.truncate = args.Flag("--truncate-at-damage"),
                         .skip = args.Flag("--skip-damaged"),
                         .keep_readable = args.Flag("--keep-readable"),
                         .yes = args.Flag("--yes")};
  const bool repair =
      args.Flag("--repair") || salvage.truncate || salvage.skip || salvage.keep_readable;
  const bool quiet = args.Flag("--quiet");
  if (salvage.truncate && salvage.skip) {
    return Fail(kUsage, "--truncate-at-damage or --skip-damaged: one of them");
  }
  if (auto bad = args.Leftover()) return Fail(kUsage, *bad);
  if (args.positional().size() != 1) {
    return Fail(kUsage,
                "usage: cairn check [--repair [--truncate-at-damage | --skip-damaged | "
                "--keep-readable] [--yes]] [--quiet] PATH");
  }
  const std::string path = args.positional()[0];
  auto in = ResolveInput(path);
  if (!in.ok()) return Fail(kUsage, in.status().message());
  auto files = LogFilesOf(in.value());
  if (!files.ok()) {
    std::printf("%s: CORRUPT: %s\n", path.c_str(), files.status().message().c_str());
    return CodeFor(files.status());
  }
  uint64_t total = 0;
  for (const LogFile& f : files.value()) total += FileSize(f.path);
  if (!in.value().dump_rdb.empty() && in.value().kind == Input::kManifest) {
    total += FileSize(in.value().dump_rdb);
  }
  Progress progress("check", total, quiet);
  int rc = kOk;
  if (!in.value().dump_rdb.empty() && in.value().kind == Input::kManifest) {
    rc = std::max(rc, CheckRdb(in.value().dump_rdb, "dump.rdb", &progress, nullptr));
    progress.FileDone(FileSize(in.value().dump_rdb));
  }
  Coverage cov;
  for (size_t i = 0; i < files.value().size(); i++) {
    const LogFile& f = files.value()[i];
    bool synced_damage = false;
    const int file_rc = CheckLog(f, repair, &progress, &cov, &synced_damage);
    progress.FileDone(FileSize(f.path));
    if (synced_damage && f.rdb && f.base && in.value().kind == Input::kManifest) {
      if (!repair) {
        std::printf("%s: `cairn check --repair %s` explains the ways to start again\n",
                    f.name.c_str(), path.c_str());
        return kDamaged;
      }
      return SalvageBase(files.value(), in.value().dir, in.value().manifest, salvage);
    }
    if (synced_damage && !f.rdb && !f.preamble) {
      if (!repair) {
        std::printf(
            "%s: damage to synced data: `cairn check --repair %s` explains the ways to "
            "start again\n",
            f.name.c_str(), path.c_str());
        return kDamaged;
      }
      const bool manifest = in.value().kind == Input::kManifest;
      if (!manifest && (salvage.truncate || salvage.skip)) {
        // A file of a multi-part log is salvaged with the others.
        const std::string dir = DirOf(path);
        auto m = ResolveInput(dir);
        if (m.ok() && m.value().kind == Input::kManifest) {
          return Fail(kDamaged, path + " is part of the log in " + dir +
                                    ": salvage it there (cairn check --repair ... " + dir + ")");
        }
      }
      return Salvage(files.value(), i, manifest ? in.value().dir : "",
                     manifest ? in.value().manifest : "", salvage);
    }
    rc = std::max(rc, file_rc);
  }
  if (in.value().kind != Input::kRdb) {
    PrintCoverage(in.value().kind == Input::kManifest ? in.value().dir : path, cov);
  }
  if (files.value().size() == 1 && in.value().kind != Input::kManifest) {
    std::printf(rc == kOk ? "The file is valid\n" : "The file is damaged\n");
  } else {
    std::printf(rc == kOk ? "All files are valid\n" : "Damage found: see above\n");
  }
  return rc;
}

}  // namespace cairn::tools
