#include "tools/salvage.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/file_util.h"
#include "base/string_util.h"
#include "snapshot/rdb_file.h"
#include "tools/history.h"
#include "wal/format.h"
#include "wal/log_reader.h"
#include "wal/manifest.h"

namespace cairn::tools {

namespace {

constexpr uint64_t kNone = UINT64_MAX;

// A verified batch after the damage.
struct Kept {
  wal::Annotation a;
  std::string_view body;
};

// The commands of a RESP byte run; false if it does not parse whole.
bool Commands(std::string_view bytes, std::vector<std::vector<std::string>>* out) {
  return wal::ForEachRecord(bytes, [out](std::vector<std::string>& argv, size_t) {
           out->push_back(std::move(argv));
           return true;
         }) == bytes.size();
}

bool Is(const std::vector<std::string>& argv, std::string_view name) {
  return !argv.empty() && base::EqualsIgnoreCase(argv[0], name);
}

// The keys a logged command writes, as far as its shape tells (for the
// report of what was dropped).
std::vector<std::string> KeysOf(const std::vector<std::string>& argv) {
  std::vector<std::string> keys;
  if (argv.size() < 2 || Is(argv, "SELECT") || Is(argv, "FUNCTION") || Is(argv, "SWAPDB") ||
      Is(argv, "FLUSHDB") || Is(argv, "FLUSHALL")) {
    return keys;
  }
  if (Is(argv, "DEL") || Is(argv, "UNLINK")) {
    keys.assign(argv.begin() + 1, argv.end());
  } else if (Is(argv, "MSET") || Is(argv, "MSETNX")) {
    for (size_t i = 1; i < argv.size(); i += 2) keys.push_back(argv[i]);
  } else if ((Is(argv, "RENAME") || Is(argv, "RENAMENX") || Is(argv, "SMOVE") ||
              Is(argv, "LMOVE") || Is(argv, "RPOPLPUSH") || Is(argv, "COPY")) &&
             argv.size() >= 3) {
    keys = {argv[1], argv[2]};
  } else {
    keys.push_back(argv[1]);
  }
  return keys;
}

// Commands whose effect reaches keys their arguments do not name (SORT's
// BY and GET patterns, other databases, every key).
constexpr const char* kWide[] = {"FLUSHALL", "FLUSHDB",  "SWAPDB", "MOVE",
                                 "COPY",     "FUNCTION", "SORT"};
bool Wide(const std::vector<std::string>& argv) {
  for (const char* w : kWide) {
    if (Is(argv, w)) return true;
  }
  return false;
}

// `a` might be `k` seen through damage: equal, or one byte off.
bool Near(std::string_view a, std::string_view k) {
  if (a.size() != k.size()) return false;
  int diff = 0;
  for (size_t i = 0; i < a.size() && diff < 2; i++) diff += a[i] != k[i];
  return diff < 2;
}

// A damaged command name: one byte from a wide command's.
bool NearWide(const std::string& name) {
  const std::string upper = base::ToLower(name);
  for (const char* w : kWide) {
    if (Near(upper, base::ToLower(w))) return true;
  }
  return false;
}

struct Plan {
  const LogFile* file = nullptr;
  size_t index = 0;
  std::string what;          // the reader's message
  uint64_t cut = 0;          // the end of the last good batch before the damage
  uint64_t content_end = 0;  // of the damaged file
  uint64_t expected = 0;     // the first seq lost
  uint64_t resync = kNone;   // the first good batch after the damage
  uint64_t resync_seq = 0;
  // The good batch after the damage is the next file's first: the damage
  // runs to the end of the damaged file.
  bool resync_next = false;
  // What follows the damage, file by file (the damaged file first).
  std::vector<std::vector<Kept>> later;
  std::vector<std::unique_ptr<wal::MappedFile>> maps;  // keeps `later`'s bodies alive
  std::string later_damage;                            // more damage after the first ("" none)
  uint64_t last_seq = 0;                               // of the whole log
  // --truncate-at-damage
  uint64_t truncate_records = 0;
  bool truncate_count_exact = true;
  std::vector<std::string> truncate_keys;
  uint64_t truncate_key_count = 0;
  // --skip-damaged
  bool skip_ok = false;
  std::string skip_why;
};

base::Status Analyse(const std::vector<LogFile>& files, size_t index, Plan* p) {
  const LogFile& f = files[index];
  p->file = &f;
  p->index = index;
  uint64_t prev_last = 0;
  for (size_t i = 0; i < index; i++) {
    if (files[i].rdb || files[i].preamble) continue;
    auto r =
        wal::ScanLogFile(files[i].path, files[i].name,
                         [](std::vector<std::string>&, uint64_t) { return base::Status::Ok(); });
    if (!r.ok()) return r.status();
    if (r.value().last_seq > 0) prev_last = r.value().last_seq;
  }
  if (f.preamble) {
    return base::Status::NotSupported(f.name +
                                      ": salvage of a log with an RDB preamble is not "
                                      "done by this tool yet");
  }
  wal::ScanResult d;
  auto r = wal::ScanLogFile(f.path, f.name,
                            [](std::vector<std::string>&, uint64_t) { return base::Status::Ok(); },
                            {.damage = &d});
  if (r.ok()) {
    // A torn tail in a file the log went on from was synced before the
    // next file began: damage too.
    if (!r.value().torn_tail || f.last) {
      return base::Status::InvalidArgument(f.name + ": no damage to synced data found");
    }
    d = r.value();
    d.torn_reason = f.name + ": " + d.torn_reason + ", and it is not the last file";
    d.next_seq = d.last_seq != 0 ? d.last_seq + 1 : 0;
  } else if (r.status().code() != base::StatusCode::kCorruption) {
    return r.status();
  }
  p->what = d.torn_reason;
  p->cut = d.valid_bytes;
  p->content_end = d.content_bytes;
  p->expected = d.next_seq != 0 ? d.next_seq : (d.last_seq != 0 ? d.last_seq + 1 : prev_last + 1);
  p->last_seq = p->expected - 1;

  // The first batch after the damage that verifies and goes on from it.
  for (size_t i = index; i < files.size(); i++)
    p->maps.push_back(std::make_unique<wal::MappedFile>());
  wal::MappedFile& map = *p->maps[0];
  CAIRN_RETURN_IF_ERROR(map.Open(f.path));
  const std::string_view v = map.view().substr(0, p->content_end);
  int candidates = 0;
  for (size_t at = p->cut; at < v.size() && candidates < 100000; at++) {
    at = v.find("#cairn ", at);
    if (at == std::string_view::npos) break;
    if (at != p->cut && v[at - 1] != '\n') continue;
    candidates++;
    wal::BatchCursor c;
    CAIRN_RETURN_IF_ERROR(c.Open(f.path, at));
    wal::Annotation a;
    std::string_view body;
    // (The damaged batch itself, when it verifies but does not read, is not
    // what follows it.)
    if (c.Read(&a, &body) == wal::BatchCursor::Next::kBatch && a.first_seq >= p->expected &&
        !(at == p->cut && a.first_seq == p->expected)) {
      p->resync = at;
      p->resync_seq = a.first_seq;
      break;
    }
  }
  if (p->resync == kNone && index + 1 < files.size() && !files[index + 1].rdb) {
    wal::BatchCursor c;
    CAIRN_RETURN_IF_ERROR(c.Open(files[index + 1].path, 0));
    wal::Annotation a;
    std::string_view body;
    if (c.Read(&a, &body) == wal::BatchCursor::Next::kBatch && a.first_seq >= p->expected) {
      p->resync_next = true;
      p->resync_seq = a.first_seq;
    }
  }
  // Everything after it, batch by batch.
  p->later.resize(files.size() - index);
  for (size_t i = index; i < files.size(); i++) {
    const size_t k = i - index;
    if (files[i].rdb || files[i].preamble) {
      return base::Status::InvalidArgument(files[i].name + ": a snapshot after the damaged file");
    }
    if (k == 0 && p->resync == kNone) continue;
    if (k > 0) CAIRN_RETURN_IF_ERROR(p->maps[k]->Open(files[i].path));
    wal::BatchCursor c;
    CAIRN_RETURN_IF_ERROR(c.Open(files[i].path, k == 0 ? p->resync : 0));
    while (true) {
      wal::Annotation a;
      std::string_view body;
      const auto next = c.Read(&a, &body);
      if (next == wal::BatchCursor::Next::kEnd) break;
      if (next == wal::BatchCursor::Next::kDamaged) {
        if (p->later_damage.empty()) {
          p->later_damage = files[i].name + " at offset " + std::to_string(c.position());
        }
        break;
      }
      // The cursor's views die with it: the same bytes in our own mapping.
      body = p->maps[k]->view().substr(c.position() - body.size(), body.size());
      p->later[k].push_back({a, body});
    }
  }

  // --truncate-at-damage drops the damaged bytes and everything after.
  std::set<std::string> keys;
  if (p->resync != kNone || p->resync_next) {
    p->truncate_records = p->resync_seq - p->expected;
  } else {
    p->truncate_count_exact = false;
  }
  for (const auto& file : p->later) {
    for (const Kept& b : file) {
      std::vector<std::vector<std::string>> cmds;
      Commands(b.body, &cmds);
      for (const auto& argv : cmds) {
        if (Is(argv, "SELECT")) continue;
        p->truncate_records++;
        for (auto& key : KeysOf(argv)) keys.insert(std::move(key));
      }
      if (b.a.first_seq != 0) {
        uint64_t n = 0;
        for (const auto& argv : cmds) n += !Is(argv, "SELECT");
        if (n > 0) p->last_seq = std::max(p->last_seq, b.a.first_seq + n - 1);
      }
    }
  }
  if (!p->later_damage.empty()) p->truncate_count_exact = false;
  p->truncate_key_count = keys.size();
  for (const std::string& k : keys) {
    if (p->truncate_keys.size() == 20) break;
    p->truncate_keys.push_back(k);
  }

  // --skip-damaged: only when what follows cannot depend on what goes.
  auto refuse = [&](std::string why) {
    p->skip_ok = false;
    p->skip_why = std::move(why);
    return base::Status::Ok();
  };
  if (p->resync == kNone && !p->resync_next) return refuse("no good batch follows the damage");
  if (!p->later_damage.empty()) {
    return refuse("there is more damage further on (" + p->later_damage + ")");
  }
  // What the damaged bytes held, read as well as they can be: the
  // annotation lines dropped, the records parsed. Their count must be the
  // gap in the seqs, or the bytes are not what was written.
  std::string records;
  std::string_view region =
      p->resync_next ? v.substr(p->cut) : v.substr(p->cut, p->resync - p->cut);
  while (!region.empty()) {
    if (region[0] == '#') {
      const size_t nl = region.find('\n');
      region.remove_prefix(nl == std::string_view::npos ? region.size() : nl + 1);
      continue;
    }
    const size_t next = region.find("\n#");
    const size_t n = next == std::string_view::npos ? region.size() : next + 1;
    records.append(region.substr(0, n));
    region.remove_prefix(n);
  }
  std::vector<std::vector<std::string>> lost;
  if (!Commands(records, &lost)) {
    return refuse(
        "the damaged bytes do not read as commands: what they held is not known, so "
        "nothing shows the batches after them do not depend on them");
  }
  uint64_t n = 0;
  for (const auto& argv : lost) n += !Is(argv, "SELECT");
  if (n != p->resync_seq - p->expected) {
    return refuse("the damaged bytes read as " + std::to_string(n) + " records where seq " +
                  std::to_string(p->expected) + ".." + std::to_string(p->resync_seq - 1) +
                  " held " + std::to_string(p->resync_seq - p->expected) +
                  ": what they held is not known");
  }
  // Every argument of a lost record may be a key it wrote (or one byte off
  // it, if the damage hit it), in any database (its SELECT may be what was
  // damaged).
  std::vector<std::string> touched;
  for (const auto& argv : lost) {
    if (Is(argv, "SELECT")) continue;
    if (Wide(argv) || NearWide(argv[0])) {
      return refuse("a lost record is " + base::QuoteRepr(argv[0]) +
                    " (or was, before the damage), which reaches keys it does not name");
    }
    for (size_t i = 1; i < argv.size(); i++) touched.push_back(argv[i]);
  }
  for (const auto& file : p->later) {
    for (const Kept& b : file) {
      std::vector<std::vector<std::string>> cmds;
      if (!Commands(b.body, &cmds)) {
        return refuse("a later batch (seq " + std::to_string(b.a.first_seq) +
                      ") does not read as commands");
      }
      uint64_t seq = b.a.first_seq;
      for (const auto& argv : cmds) {
        if (Is(argv, "SELECT")) continue;
        const uint64_t at = seq++;
        if (Is(argv, "FLUSHALL")) {  // nothing after it depends on what came before
          p->skip_ok = true;
          return base::Status::Ok();
        }
        if (Wide(argv)) {
          return refuse("seq " + std::to_string(at) + " (" + argv[0] +
                        ") reaches keys the lost records may have written");
        }
        for (size_t i = 1; i < argv.size(); i++) {
          for (const std::string& k : touched) {
            if (Near(argv[i], k)) {
              return refuse("seq " + std::to_string(at) + " (" + argv[0] + " " +
                            base::QuoteRepr(argv[i]) + ") touches " + base::QuoteRepr(k) +
                            ", which a lost record wrote or read");
            }
          }
        }
      }
    }
  }
  p->skip_ok = true;
  return base::Status::Ok();
}

// Renumbers a batch after the lost seqs and drops its history: a skip
// starts a new replication history (the stream has a hole).
std::string Renumbered(const Kept& b, uint64_t expected, uint64_t gap) {
  wal::Annotation a = b.a;
  auto map = [&](uint64_t s) {
    if (s < expected) return s;
    return s < expected + gap ? expected - 1 : s - gap;
  };
  if (a.first_seq != 0) a.first_seq = a.first_seq >= expected + gap ? a.first_seq - gap : expected;
  if (a.durable) a.durable = map(*a.durable);
  a.history.reset();
  a.checksum = wal::BatchChecksum(b.body, a);
  return wal::FormatAnnotation(a) + std::string(b.body);
}

base::Status WriteWhole(const std::string& path, const std::string& bytes) {
  const std::string temp = path + ".salvage-tmp";
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::Status::IoErrorFromErrno("creating " + temp, errno);
  base::Status st = base::WriteAll(fd, bytes, temp);
  if (st.ok() && fsync(fd) != 0) st = base::Status::IoErrorFromErrno("fsync of " + temp, errno);
  close(fd);
  if (st.ok() && rename(temp.c_str(), path.c_str()) != 0) {
    st = base::Status::IoErrorFromErrno("renaming " + temp, errno);
  }
  if (!st.ok()) unlink(temp.c_str());
  return st;
}

// `<path>.damaged`, or `.damaged.N` when an earlier salvage left one.
std::string DamagedName(const std::string& path) {
  std::string name = path + ".damaged";
  for (int n = 1; Exists(name); n++) name = path + ".damaged." + std::to_string(n);
  return name;
}

// A base RDB with a replication history (repl-id...) is written again
// without it.
base::Status DropBaseHistory(const LogFile& base) {
  if (ReadRdbHead(base).Aux("repl-id") == nullptr) return base::Status::Ok();
  Progress quiet("salvage", 0, true);
  uint64_t keys = 0;
  const std::string temp = base.path + ".salvage-new";
  auto r = RewriteRdb(base, temp, /*new_history=*/true, &quiet, &keys);
  if (!r.ok()) {
    unlink(temp.c_str());
    return r.status();
  }
  if (rename(temp.c_str(), base.path.c_str()) != 0) {
    return base::Status::IoErrorFromErrno("renaming " + temp, errno);
  }
  return wal::SyncDir(DirOf(base.path));
}

bool Confirm(const SalvageOptions& o, const std::string& action) {
  if (o.yes) return true;
  if (isatty(0) == 0) {
    std::printf("Not done: add --yes to %s without being asked.\n", action.c_str());
    return false;
  }
  std::printf("%s? [y/N] ", action.c_str());
  std::fflush(stdout);
  char answer[16] = {};
  if (std::fgets(answer, sizeof(answer), stdin) == nullptr) return false;
  return answer[0] == 'y' || answer[0] == 'Y';
}

}  // namespace

int Salvage(const std::vector<LogFile>& files, size_t index, const std::string& manifest_dir,
            const std::string& manifest, const SalvageOptions& o) {
  Plan p;
  if (base::Status s = Analyse(files, index, &p); !s.ok()) {
    std::printf("%s\n", s.message().c_str());
    return kDamaged;
  }
  const LogFile& f = *p.file;
  std::printf(
      "\nThe damage is to data that had been synced, so it is not cut like a torn "
      "tail.\nTwo ways to start again (doc/tools.md, \"Salvage\"):\n");
  std::printf(
      "  --truncate-at-damage: cut the log at offset %llu of %s, the end of the last "
      "good batch (seq %llu). Dropped: seq %llu..%llu, %s%llu records",
      static_cast<unsigned long long>(p.cut), f.name.c_str(),
      static_cast<unsigned long long>(p.expected - 1), static_cast<unsigned long long>(p.expected),
      static_cast<unsigned long long>(p.last_seq), p.truncate_count_exact ? "" : "at least ",
      static_cast<unsigned long long>(p.truncate_records));
  if (files.size() > index + 1) {
    std::printf(", with the %zu log files after it", files.size() - index - 1);
  }
  std::printf(".\n");
  if (p.truncate_key_count > 0) {
    std::printf("    keys the dropped good records write (%llu):",
                static_cast<unsigned long long>(p.truncate_key_count));
    for (const std::string& k : p.truncate_keys) std::printf(" %s", base::QuoteRepr(k).c_str());
    if (p.truncate_key_count > p.truncate_keys.size()) std::printf(" ...");
    std::printf("\n");
  }
  if (p.skip_ok) {
    std::printf(
        "  --skip-damaged: drop only the damaged bytes, offsets %llu..%llu of %s (seq "
        "%llu..%llu, %llu records); the batches after them do not touch what those "
        "records touched, and are kept (renumbered, with a new replication history).\n",
        static_cast<unsigned long long>(p.cut),
        static_cast<unsigned long long>(p.resync_next ? p.content_end : p.resync), f.name.c_str(),
        static_cast<unsigned long long>(p.expected),
        static_cast<unsigned long long>(p.resync_seq - 1),
        static_cast<unsigned long long>(p.resync_seq - p.expected));
  } else {
    std::printf("  --skip-damaged: not possible: %s.\n", p.skip_why.c_str());
  }
  if (!o.truncate && !o.skip) {
    std::printf(
        "Nothing was changed. The damaged bytes are saved as %s.damaged before "
        "anything is cut.\n",
        f.name.c_str());
    return kDamaged;
  }
  if (o.skip && !p.skip_ok) {
    std::printf("Nothing was changed.\n");
    return kDamaged;
  }
  // Truncating cuts the preallocated filler too: all of it is saved.
  const uint64_t save_end = o.skip && !p.resync_next ? p.resync : FileSize(f.path);
  if (!Confirm(o, o.skip ? "Skip the damaged bytes" : "Cut the log at the damage")) {
    std::printf("Nothing was changed.\n");
    return kDamaged;
  }
  // The exact bytes that go, beside the log, before anything is cut.
  const std::string saved = DamagedName(f.path);
  {
    wal::MappedFile m;
    base::Status s = m.Open(f.path);
    if (s.ok()) s = WriteWhole(saved, std::string(m.view().substr(p.cut, save_end - p.cut)));
    if (s.ok()) s = wal::SyncDir(DirOf(f.path));
    if (!s.ok()) {
      std::printf("Not done: saving the damaged bytes: %s\n", s.message().c_str());
      return kDamaged;
    }
  }
  base::Status st = base::Status::Ok();
  if (o.truncate) {
    // Later files are linked aside first, then dropped from the manifest,
    // then unlinked, then the cut: a crash at any point leaves either the
    // manifest naming them (still there) or their .damaged names.
    std::vector<std::string> later;
    for (size_t i = index + 1; i < files.size(); i++) later.push_back(files[i].path);
    for (const std::string& path : later) {
      if (st.ok() && link(path.c_str(), DamagedName(path).c_str()) != 0) {
        st = base::Status::IoErrorFromErrno("linking " + path, errno);
      }
    }
    if (st.ok() && !later.empty()) st = wal::SyncDir(DirOf(f.path));
    if (st.ok() && !manifest.empty() && !later.empty()) {
      auto m = wal::ReadManifest(manifest_dir, manifest);
      if (!m.ok()) {
        st = m.status();
      } else {
        wal::Manifest kept = m.value();
        std::erase_if(kept.files, [&](const wal::ManifestEntry& e) {
          for (size_t i = index + 1; i < files.size(); i++) {
            if (files[i].name == e.name) return true;
          }
          return false;
        });
        st = wal::WriteManifest(manifest_dir, manifest, kept);
      }
    }
    for (const std::string& path : later) {
      if (st.ok() && unlink(path.c_str()) != 0) {
        st = base::Status::IoErrorFromErrno("removing " + path, errno);
      }
    }
    if (st.ok()) st = wal::TruncateFile(f.path, p.cut);
  } else {
    // Every file is written beside itself first, then all are renamed.
    const uint64_t gap = p.resync_seq - p.expected;
    std::vector<std::string> temps;
    for (size_t k = 0; st.ok() && k < p.later.size(); k++) {
      std::string bytes;
      if (k == 0) bytes = std::string(p.maps[0]->view().substr(0, p.cut));
      for (const Kept& b : p.later[k]) bytes += Renumbered(b, p.expected, gap);
      temps.push_back(files[index + k].path + ".salvage-new");
      st = WriteWhole(temps.back(), bytes);
    }
    for (size_t k = 0; st.ok() && k < temps.size(); k++) {
      if (rename(temps[k].c_str(), files[index + k].path.c_str()) != 0) {
        st = base::Status::IoErrorFromErrno("renaming " + temps[k], errno);
      }
    }
    if (!st.ok()) {
      for (const std::string& t : temps) unlink(t.c_str());
    }
  }
  if (st.ok()) st = wal::SyncDir(DirOf(f.path));
  if (!st.ok()) {
    std::printf("FAILED: %s (the damaged bytes are in %s)\n", st.message().c_str(), saved.c_str());
    return kDamaged;
  }
  std::printf("%s: %s. The bytes removed are in %s.\n", f.name.c_str(),
              o.truncate ? "cut at the damage" : "the damaged bytes skipped", saved.c_str());
  // The log is no longer the stream replicas followed: a new history.
  for (size_t i = 0; i < files.size() && (o.skip || i <= index); i++) {
    if (files[i].rdb || files[i].base) continue;
    if (base::Status s = DropHistory(files[i].path); !s.ok()) {
      std::printf("Note: %s; replicas of this server need a full resync (REPLICAOF again).\n",
                  s.message().c_str());
      break;
    }
  }
  if (!files.empty() && files[0].rdb && files[0].base) {
    if (base::Status s = DropBaseHistory(files[0]); !s.ok()) {
      std::printf("Note: %s; replicas of this server need a full resync (REPLICAOF again).\n",
                  s.message().c_str());
    }
  }
  return kOk;
}

int SalvageBase(const std::vector<LogFile>& files, const std::string& manifest_dir,
                const std::string& manifest, const SalvageOptions& o) {
  const LogFile& f = files[0];
  const std::string temp = f.path + ".salvage-new";
  snapshot::RdbWriteOptions options;
  snapshot::RdbFileWriter writer;
  bool open = false;
  int db = -1;
  uint64_t keys = 0;
  base::Status write_error = base::Status::Ok();
  // The key read last is held back: a damaged length in it can make it read
  // "whole" with the wrong bytes just before the reader stops.
  std::optional<snapshot::RdbEntry> held;
  std::string held_key;
  auto write = [&](snapshot::RdbEntry& e) -> base::Status {
    if (!open) {
      open = true;
      CAIRN_RETURN_IF_ERROR(writer.Open(temp, options));
    }
    if (e.db != db) {
      CAIRN_RETURN_IF_ERROR(writer.BeginDb(e.db, 0, 0));
      db = e.db;
    }
    return writer.Put(e.key, e.value, e.expire_ms);
  };
  auto r = snapshot::ScanRdbFile(f.path, f.name,
                                 {.entry = [&](snapshot::RdbEntry& e) -> base::Status {
                                    keys++;
                                    if (!o.keep_readable) return base::Status::Ok();
                                    if (held) write_error = write(*held);
                                    if (!write_error.ok()) return base::Status::NotFound("stop");
                                    held = std::move(e);
                                    return base::Status::Ok();
                                  },
                                  .aux =
                                      [&](const std::string& k, const std::string& v) {
                                        // A new replication history: the data is not what replicas
                                        // hold.
                                        if (!IsHistoryAux(k)) options.aux.emplace_back(k, v);
                                        return base::Status::Ok();
                                      },
                                  .function =
                                      [&](const std::string& code) {
                                        options.functions.push_back(code);
                                        return base::Status::Ok();
                                      }});
  auto fail = [&](const std::string& why) {
    unlink(temp.c_str());
    std::printf("%s\n", why.c_str());
    return kDamaged;
  };
  if (!write_error.ok()) return fail("Not done: writing the new base: " + write_error.message());
  if (r.ok()) {
    fail(f.name + ": no damage found");
    return kOk;
  }
  if (r.status().code() != base::StatusCode::kCorruption) {
    return fail(f.name + ": " + r.status().message() + " (not damage: nothing to salvage)");
  }
  const bool checksum_only = r.status().message().find("checksum mismatch") != std::string::npos;
  if (checksum_only) {
    // The structure read whole: the damage is in some value, which one is
    // not known.
    std::printf(
        "\n%s is damaged: %s.\nAll %llu keys were read, but one of their values may be "
        "wrong, and the file does not say which.\n",
        f.name.c_str(), r.status().message().c_str(), static_cast<unsigned long long>(keys));
  } else {
    std::printf(
        "\n%s is damaged: %s.\n%llu keys were read before the damage; what follows it "
        "cannot be read, so its keys are not known.\n",
        f.name.c_str(), r.status().message().c_str(), static_cast<unsigned long long>(keys));
  }
  const uint64_t kept = checksum_only ? keys : (keys > 0 ? keys - 1 : 0);
  std::printf(
      "  --keep-readable: start from %llu of them%s, with the log after the base "
      "replayed on them (the original base is kept as %s.damaged).\n",
      static_cast<unsigned long long>(kept),
      checksum_only || keys == 0 ? ""
                                 : " (the one read last is left out: the damage "
                                   "may have begun in it)",
      f.name.c_str());
  // An earlier base would rebuild everything, with the log since it; a
  // rewrite keeps the segments it replaced (repl-log-retention) but not
  // the base, so one is on disk only if something else kept it.
  std::string earlier;
  if (auto m = wal::ReadManifest(manifest_dir, manifest); m.ok()) {
    for (const auto& e : m.value().files) {
      if (e.type == wal::FileType::kHistory && e.name.find(".base.") != std::string::npos &&
          Exists(manifest_dir + "/" + e.name)) {
        earlier = e.name;
      }
    }
  }
  if (earlier.empty()) {
    std::printf(
        "  (No earlier base is on disk to start from instead: a rewrite keeps the log "
        "segments it replaced, not the base.)\n");
  } else {
    std::printf(
        "  (An earlier base, %s, is on disk: starting from it and the log since is not "
        "done by this tool yet.)\n",
        earlier.c_str());
  }
  if (!o.keep_readable) return fail("Nothing was changed.");
  if (!Confirm(o, "Keep the keys read before the damage")) return fail("Nothing was changed.");
  base::Status st = base::Status::Ok();
  if (checksum_only && held) st = write(*held);
  if (st.ok() && !open) {
    open = true;
    st = writer.Open(temp, options);
  }
  if (st.ok()) st = writer.Finish();
  // The original linked aside first: a crash never leaves the manifest
  // naming a missing base.
  const std::string saved = DamagedName(f.path);
  if (st.ok() && link(f.path.c_str(), saved.c_str()) != 0) {
    st = base::Status::IoErrorFromErrno("linking " + f.path, errno);
  }
  if (st.ok()) st = wal::SyncDir(DirOf(f.path));
  if (st.ok() && rename(temp.c_str(), f.path.c_str()) != 0) {
    st = base::Status::IoErrorFromErrno("renaming " + temp, errno);
  }
  if (st.ok()) st = wal::SyncDir(DirOf(f.path));
  if (!st.ok()) return fail("FAILED: " + st.message());
  std::printf("%s: rewritten with the %llu keys kept; the original is %s.\n", f.name.c_str(),
              static_cast<unsigned long long>(kept), saved.c_str());
  // The log's batches lose their history too.
  for (size_t i = 1; i < files.size(); i++) {
    if (base::Status s = DropHistory(files[i].path); !s.ok()) {
      std::printf("Note: %s; replicas of this server need a full resync (REPLICAOF again).\n",
                  s.message().c_str());
      break;
    }
  }
  return kOk;
}

}  // namespace cairn::tools
