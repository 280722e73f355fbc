// cairn-check: verifies a Cairn (or Redis 7) data directory offline.
//
//   cairn-check [--repair] PATH
//
// PATH is a data directory, its appendonlydir, a manifest, one log file, or
// an RDB file (dump.rdb, a .base.rdb).
// Every file the manifest names must exist; every annotated batch must pass
// its checksum; only the last incr file may end in a torn tail. Prints what
// it found per file. Exit status: 0 all good (or repaired), 1 damage found,
// 2 usage or I/O error. --repair cuts a torn tail back to the last whole
// batch; corruption elsewhere is never "repaired" by dropping data silently.
#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "snapshot/rdb_file.h"
#include "wal/log_reader.h"
#include "wal/manifest.h"

namespace {

using cairn::wal::ScanResult;

bool IsDir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

int Usage() {
  std::fprintf(stderr,
               "Usage: cairn-check [--repair] <data-dir | appendonlydir | manifest | file.aof>\n");
  return 2;
}

// An RDB file: structure, checksum, keys per database (and per type).
int CheckRdb(const std::string& path, const std::string& name) {
  std::map<int, uint64_t> per_db;
  std::map<std::string, uint64_t> per_type;
  uint64_t expires = 0;
  auto r = cairn::snapshot::ReadRdbFile(
      path, name,
      [&](int db, std::string, cairn::types::Value v, int64_t expire_ms) {
        per_db[db]++;
        per_type[v.type == cairn::types::ValueType::kString ? "string" : "other"]++;
        if (expire_ms >= 0) expires++;
        return cairn::base::Status::Ok();
      });
  if (!r.ok()) {
    std::printf("%s: CORRUPT: %s\n", name.c_str(), r.status().message().c_str());
    return 1;
  }
  std::printf("%s: RDB version %d, %llu keys (%llu with an expiry)", name.c_str(),
              r.value().version, static_cast<unsigned long long>(r.value().keys),
              static_cast<unsigned long long>(expires));
  for (const auto& [db, n] : per_db) {
    std::printf(", db%d=%llu", db, static_cast<unsigned long long>(n));
  }
  for (const auto& [type, n] : per_type) {
    std::printf(", %s=%llu", type.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf(": ok\n");
  return 0;
}

// Checks one file; returns 0 good, 1 damaged (after repair: 0 if repaired).
int CheckFile(const std::string& dir, const std::string& name, bool last, bool repair) {
  const std::string path = dir.empty() ? name : dir + "/" + name;
  if (!Exists(path)) {
    std::printf("%s: MISSING (named by the manifest)\n", name.c_str());
    return 1;
  }
  if (name.ends_with(".rdb")) return CheckRdb(path, name);
  auto r = cairn::wal::ScanLogFile(path, name, [](std::vector<std::string>&, uint64_t) {
    return cairn::base::Status::Ok();
  });
  if (!r.ok()) {
    std::printf("%s: CORRUPT: %s\n", name.c_str(), r.status().message().c_str());
    return 1;
  }
  const ScanResult& s = r.value();
  std::printf("%s: %llu bytes", name.c_str(), static_cast<unsigned long long>(s.content_bytes));
  if (s.file_bytes > s.content_bytes) {
    std::printf(" (+%llu preallocated)",
                static_cast<unsigned long long>(s.file_bytes - s.content_bytes));
  }
  std::printf(", %llu batches, %llu commands", static_cast<unsigned long long>(s.batches),
              static_cast<unsigned long long>(s.commands));
  if (!s.torn_tail) {
    std::printf(": ok\n");
    return 0;
  }
  const unsigned long long dropped = s.content_bytes - s.valid_bytes;
  if (!last) {
    std::printf(": CORRUPT: %s, and it is not the last file\n", s.torn_reason.c_str());
    return 1;
  }
  if (!repair) {
    std::printf(": TORN TAIL: %s (%llu bytes after the last whole batch); run with --repair "
                "to cut them\n",
                s.torn_reason.c_str(), dropped);
    return 1;
  }
  cairn::base::Status st = cairn::wal::TruncateFile(path, s.valid_bytes);
  if (!st.ok()) {
    std::printf(": repair failed: %s\n", st.ToString().c_str());
    return 1;
  }
  std::printf(": torn tail (%s) REPAIRED: cut %llu bytes\n", s.torn_reason.c_str(), dropped);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool repair = false;
  std::string path;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--repair") {
      repair = true;
    } else if (a == "-h" || a == "--help") {
      Usage();
      return 0;
    } else if (path.empty()) {
      path = a;
    } else {
      return Usage();
    }
  }
  if (path.empty()) return Usage();
  if (!Exists(path)) {
    std::fprintf(stderr, "cairn-check: %s: no such file or directory\n", path.c_str());
    return 2;
  }

  // Find the manifest, or check a single file.
  std::string dir, manifest_name;
  int damaged = 0;
  if (IsDir(path)) {
    // A data directory: its dump.rdb too, when there is one.
    const bool has_rdb = Exists(path + "/dump.rdb");
    if (has_rdb) damaged |= CheckRdb(path + "/dump.rdb", "dump.rdb");
    if (has_rdb && !Exists(path + "/appendonlydir")) {
      std::printf(damaged ? "Damage found: see above\n" : "All files are valid\n");
      return damaged;
    }
    dir = Exists(path + "/appendonlydir") ? path + "/appendonlydir" : path;
    manifest_name = "appendonly.aof.manifest";
    if (!Exists(dir + "/" + manifest_name)) {
      std::fprintf(stderr, "cairn-check: no %s in %s\n", manifest_name.c_str(), dir.c_str());
      return 2;
    }
  } else if (path.ends_with(".manifest")) {
    size_t slash = path.rfind('/');
    dir = slash == std::string::npos ? "." : path.substr(0, slash);
    manifest_name = slash == std::string::npos ? path : path.substr(slash + 1);
  } else {
    const int rc = CheckFile("", path, /*last=*/true, repair);
    std::printf(rc == 0 ? "The file is valid\n" : "The file is damaged\n");
    return rc;
  }

  auto m = cairn::wal::ReadManifest(dir, manifest_name);
  if (!m.ok()) {
    std::printf("%s: CORRUPT: %s\n", manifest_name.c_str(), m.status().message().c_str());
    return 1;
  }
  const auto& manifest = m.value();
  if (manifest.base() == nullptr) {
    std::printf("%s: no base file named (allowed)\n", manifest_name.c_str());
  } else {
    damaged |= CheckFile(dir, manifest.base()->name, /*last=*/false, false);
  }
  auto incrs = manifest.incrs();
  if (incrs.empty()) std::printf("%s: no incr file named\n", manifest_name.c_str());
  for (size_t i = 0; i < incrs.size(); i++) {
    damaged |= CheckFile(dir, incrs[i]->name, i + 1 == incrs.size(), repair);
  }
  std::printf(damaged ? "Damage found: see above\n" : "All files of %s are valid\n",
              manifest_name.c_str());
  return damaged ? 1 : 0;
}
