// cairn export PATH [--format json|resp|csv|keys] [filters] [-o FILE]
// (doc/tools.md): every key of a snapshot, streamed; or a log's commands.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "protocol/resp_writer.h"
#include "snapshot/rdb_file.h"
#include "snapshot/rebuild.h"
#include "tools/commands.h"
#include "tools/common.h"
#include "tools/text.h"
#include "types/hash.h"
#include "types/quicklist.h"
#include "types/set.h"
#include "types/stream.h"
#include "types/value.h"
#include "types/zset.h"
#include "wal/format.h"
#include "wal/log_reader.h"

namespace cairn::tools {

namespace {

void JsonValue(Json& j, const types::Value& v) {
  bool first = true;
  auto sep = [&] {
    if (!first) j.Raw(",");
    first = false;
  };
  switch (v.type) {
    case types::ValueType::kString:
      j.Str(v.str.view());
      return;
    case types::ValueType::kList: {
      j.Raw("[");
      const types::Quicklist* q = v.quicklist();
      if (q->size() > 0) {
        q->Range(0, static_cast<int64_t>(q->size()) - 1, [&](std::string_view x) {
          sep();
          j.Str(x);
          return true;
        });
      }
      j.Raw("]");
      return;
    }
    case types::ValueType::kSet:
      j.Raw("[");
      types::set::ForEach(v, [&](std::string_view m) {
        sep();
        j.Str(m);
        return true;
      });
      j.Raw("]");
      return;
    case types::ValueType::kZSet:
      j.Raw("{");
      types::zset::ForEach(v, [&](std::string_view m, double score) {
        sep();
        j.Str(m);
        j.Raw(":");
        j.Score(score);
        return true;
      });
      j.Raw("}");
      return;
    case types::ValueType::kHash:
      j.Raw("{");
      types::hash::ForEach(v, [&](std::string_view f, std::string_view x) {
        sep();
        j.Str(f);
        j.Raw(":");
        j.Str(x);
        return true;
      });
      j.Raw("}");
      return;
    case types::ValueType::kStream: {
      const types::Stream& st = *v.stream();
      j.Raw("{\"entries\":[");
      st.Range(types::StreamID{}, types::StreamID::Max(), false, 0,
               [&](const types::Stream::Entry& e) {
                 sep();
                 j.Raw("{\"id\":\"" + e.id.ToString() + "\",\"fields\":[");
                 for (size_t i = 0; i < e.fv.size(); i++) {
                   if (i > 0) j.Raw(",");
                   j.Str(e.fv[i]);
                 }
                 j.Raw("]}");
                 return true;
               });
      j.Raw("],\"last_id\":\"" + st.last_id().ToString() + "\",\"groups\":[");
      first = true;
      for (const auto& [name, g] : st.groups()) {
        sep();
        j.Raw("{\"name\":");
        j.Str(name);
        j.Raw(",\"last_id\":\"" + g->last_id.ToString() +
              "\",\"pending\":" + std::to_string(g->pel.size()) + ",\"consumers\":[");
        bool first_consumer = true;
        for (const auto& [cname, c] : g->consumers) {
          if (!first_consumer) j.Raw(",");
          first_consumer = false;
          j.Str(cname);
        }
        j.Raw("]}");
      }
      j.Raw("]}");
      return;
    }
  }
}

void JsonEntry(std::string* out, const snapshot::RdbEntry& e, bool base64) {
  Json j(out, base64);
  j.Raw("{\"db\":" + std::to_string(e.db) + ",\"key\":");
  j.Str(e.key);
  j.Raw(",\"type\":\"" + std::string(TypeName(e.value)) + "\",\"expire_at_ms\":" +
        (e.expire_ms >= 0 ? std::to_string(e.expire_ms) : "null") + ",\"value\":");
  JsonValue(j, e.value);
  if (base64) j.Raw(",\"base64\":true");
  j.Raw("}");
  if (!base64 && !j.ok()) {
    out->clear();
    JsonEntry(out, e, true);
  }
}

// ---- CSV ----------------------------------------------------------------------

void CsvEntry(std::string* out, const snapshot::RdbEntry& e) {
  std::string head = std::to_string(e.db) + ",";
  CsvField(&head, e.key);
  head += ",";
  head += TypeName(e.value);
  head += ",";
  if (e.expire_ms >= 0) head += std::to_string(e.expire_ms);
  head += ",";
  auto row = [&](std::string_view field, std::string_view value) {
    out->append(head);
    CsvField(out, field);
    out->push_back(',');
    CsvField(out, value);
    out->append("\r\n");
    return true;
  };
  const types::Value& v = e.value;
  switch (v.type) {
    case types::ValueType::kString:
      row("", v.str.view());
      break;
    case types::ValueType::kList: {
      const types::Quicklist* q = v.quicklist();
      uint64_t i = 0;
      if (q->size() > 0) {
        q->Range(0, static_cast<int64_t>(q->size()) - 1,
                 [&](std::string_view x) { return row(std::to_string(i++), x); });
      }
      break;
    }
    case types::ValueType::kSet:
      types::set::ForEach(v, [&](std::string_view m) { return row("", m); });
      break;
    case types::ValueType::kZSet:
      types::zset::ForEach(v, [&](std::string_view m, double score) {
        return row(m, protocol::FormatDouble(score));
      });
      break;
    case types::ValueType::kHash:
      types::hash::ForEach(v, [&](std::string_view f, std::string_view x) { return row(f, x); });
      break;
    case types::ValueType::kStream:
      if (v.stream()->length() == 0) row("", "");  // the key is there all the same
      v.stream()->Range(types::StreamID{}, types::StreamID::Max(), false, 0,
                        [&](const types::Stream::Entry& en) {
                          std::string fields;
                          Json j(&fields, false);
                          j.Raw("[");
                          for (size_t i = 0; i < en.fv.size(); i++) {
                            if (i > 0) j.Raw(",");
                            j.Str(en.fv[i]);
                          }
                          j.Raw("]");
                          if (!j.ok()) {  // not UTF-8: the bytes, base64 in JSON
                            fields.clear();
                            Json b(&fields, true);
                            b.Raw("[");
                            for (size_t i = 0; i < en.fv.size(); i++) {
                              if (i > 0) b.Raw(",");
                              b.Str(en.fv[i]);
                            }
                            b.Raw("]");
                          }
                          return row(en.id.ToString(), fields);
                        });
      break;
  }
}

// ---- RESP ----------------------------------------------------------------------

// Writes commands for a replay, each database change as a SELECT.
class RespOut {
 public:
  explicit RespOut(Output* out) : out_(out) {}
  base::Status Command(int db, std::span<const std::string> argv) {
    if (db != db_) {
      wal::AppendSelect(&out_->buffer(), db);
      db_ = db;
    }
    wal::AppendCommand(&out_->buffer(), argv);
    out_->MaybeFlush();
    return base::Status::Ok();
  }
  // Log commands carry their own SELECTs.
  void Raw(std::span<const std::string> argv) {
    if (argv.size() == 2 && base::EqualsIgnoreCase(argv[0], "SELECT")) {
      if (auto n = base::ParseInt64(argv[1])) db_ = static_cast<int>(*n);
    }
    wal::AppendCommand(&out_->buffer(), argv);
    out_->MaybeFlush();
  }

 private:
  Output* out_;
  int db_ = -1;
};

base::Status RespEntry(RespOut& resp, const snapshot::RdbEntry& e) {
  if (e.value.type != types::ValueType::kString) {
    // A replay replaces the key rather than adding to what is there.
    std::string del[2] = {"DEL", e.key};
    CAIRN_RETURN_IF_ERROR(resp.Command(e.db, del));
  }
  return snapshot::AppendRebuild(
      e.key, e.value, e.expire_ms,
      [&](std::span<const std::string> argv) { return resp.Command(e.db, argv); });
}

base::Status RespFunction(RespOut& resp, const std::string& code) {
  std::string argv[4] = {"FUNCTION", "LOAD", "REPLACE", code};
  return resp.Command(0, argv);
}

// A log's commands as they are (doc/tools.md): an RDB base or preamble is
// rebuilt as commands first.
int ExportLog(const Input& in, Output& out, Progress& progress, uint64_t* items) {
  auto files = LogFilesOf(in);
  if (!files.ok()) return Fail(CodeFor(files.status()), files.status().message());
  RespOut resp(&out);
  for (const LogFile& f : files.value()) {
    uint64_t start = 0;
    if (f.rdb || f.preamble) {
      auto r = snapshot::ScanRdbFile(
          f.path, f.name,
          {.entry =
               [&](snapshot::RdbEntry& e) {
                 progress.Update(e.offset, ++*items);
                 return RespEntry(resp, e);
               },
           .function = [&](const std::string& code) { return RespFunction(resp, code); }});
      if (!r.ok()) return Fail(CodeFor(r.status()), r.status().message());
      start = r.value().end;
    }
    if (!f.rdb) {
      auto r = wal::ScanLogFile(f.path, f.name,
                                [&](std::vector<std::string>& argv, uint64_t offset) {
                                  resp.Raw(argv);
                                  progress.Update(offset, ++*items);
                                  return base::Status::Ok();
                                },
                                {.start = start});
      if (!r.ok()) return Fail(CodeFor(r.status()), r.status().message());
      if (r.value().torn_tail) {
        if (!f.last) return Fail(kDamaged, f.name + ": " + r.value().torn_reason);
        std::fprintf(stderr, "cairn export: %s: torn tail left out (%s)\n", f.name.c_str(),
                     r.value().torn_reason.c_str());
      }
    }
    progress.FileDone(FileSize(f.path));
  }
  return kOk;
}

}  // namespace

int RunExport(Args& args) {
  const std::string format = args.Value("--format").value_or("json");
  const auto out_path = args.Value("-o");
  const auto db_args = args.Values("--db");
  const auto glob = args.Value("--key");
  const auto types = args.Values("--type");
  const bool quiet = args.Flag("--quiet");
  if (auto bad = args.Leftover()) return Fail(kUsage, *bad);
  if (args.positional().size() != 1) {
    return Fail(kUsage,
                "usage: cairn export PATH [--format json|resp|csv|keys] [--db N]... "
                "[--key GLOB] [--type TYPE]... [-o FILE] [--quiet]");
  }
  if (format != "json" && format != "resp" && format != "csv" && format != "keys") {
    return Fail(kUsage, "--format " + format + ": expected json, resp, csv or keys");
  }
  std::vector<int> dbs;
  for (const std::string& d : db_args) {
    auto n = base::ParseInt64(d);
    if (!n || *n < 0 || *n > INT32_MAX)
      return Fail(kUsage, "--db " + d + ": not a database number");
    dbs.push_back(static_cast<int>(*n));
  }
  for (const std::string& t : types) {
    if (t != "string" && t != "list" && t != "set" && t != "zset" && t != "hash" && t != "stream") {
      return Fail(kUsage, "--type " + t + ": expected string, list, set, zset, hash or stream");
    }
  }
  const bool filtered = !dbs.empty() || glob || !types.empty();
  auto in = ResolveInput(args.positional()[0]);
  if (!in.ok()) return Fail(kUsage, in.status().message());
  Output out;
  if (base::Status s = out.Open(out_path.value_or("")); !s.ok()) return Fail(kUsage, s.message());

  uint64_t items = 0;
  auto snapshot = SnapshotPath(in.value());
  if (!snapshot.ok()) {
    if (format != "resp" || filtered || in.value().kind == Input::kRdb) {
      return Fail(CodeFor(snapshot.status()) == kDamaged ? kDamaged : kUsage,
                  snapshot.status().message());
    }
    uint64_t total = 0;
    if (auto files = LogFilesOf(in.value()); files.ok()) {
      for (const LogFile& f : files.value()) total += FileSize(f.path);
    }
    Progress progress("export", total, quiet);
    if (int rc = ExportLog(in.value(), out, progress, &items); rc != kOk) return rc;
    if (base::Status s = out.Commit(); !s.ok()) return Fail(kUsage, s.message());
    progress.Done(items);
    return kOk;
  }

  const std::string& path = snapshot.value();
  Progress progress("export", FileSize(path), quiet);
  RespOut resp(&out);
  bool first = true;
  if (format == "json") out.Write("[");
  if (format == "csv") out.Write("db,key,type,expire_at_ms,field,value\r\n");
  std::string scratch;
  snapshot::RdbScan scan;
  scan.entry = [&](snapshot::RdbEntry& e) -> base::Status {
    progress.Update(e.offset, items + 1);
    if (!dbs.empty() && std::find(dbs.begin(), dbs.end(), e.db) == dbs.end()) {
      return base::Status::Ok();
    }
    if (glob && !base::GlobMatch(*glob, e.key)) return base::Status::Ok();
    if (!types.empty() && std::find(types.begin(), types.end(), TypeName(e.value)) == types.end()) {
      return base::Status::Ok();
    }
    items++;
    if (format == "keys") {
      std::string& b = out.buffer();
      b.append(e.key);
      b.push_back('\n');
    } else if (format == "json") {
      scratch.clear();
      JsonEntry(&scratch, e, false);
      out.Write(first ? "\n" : ",\n");
      out.Write(scratch);
    } else if (format == "csv") {
      CsvEntry(&out.buffer(), e);
    } else {
      CAIRN_RETURN_IF_ERROR(RespEntry(resp, e));
    }
    first = false;
    out.MaybeFlush();
    return base::Status::Ok();
  };
  if (format == "resp" && dbs.empty() && !glob && types.empty()) {
    scan.function = [&](const std::string& code) { return RespFunction(resp, code); };
  }
  auto r = snapshot::ScanRdbFile(path, path, scan);
  if (!r.ok()) return Fail(CodeFor(r.status()), r.status().message());
  if (format == "json") out.Write("\n]\n");
  if (base::Status s = out.Commit(); !s.ok()) return Fail(kUsage, s.message());
  progress.Done(items);
  return kOk;
}

}  // namespace cairn::tools
