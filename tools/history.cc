#include "tools/history.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/clock.h"
#include "base/file_util.h"
#include "snapshot/rdb_file.h"
#include "wal/format.h"
#include "wal/log_reader.h"

namespace cairn::tools {

base::Status DropHistory(const std::string& path) {
  const std::string temp = path + ".tmp";
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::Status::IoErrorFromErrno("creating " + temp, errno);
  base::Status st = [&]() -> base::Status {
    wal::BatchCursor cursor;
    CAIRN_RETURN_IF_ERROR(cursor.Open(path));
    wal::Annotation a;
    std::string_view body;
    std::string out;
    while (true) {
      const auto next = cursor.Read(&a, &body);
      if (next == wal::BatchCursor::Next::kEnd) break;
      if (next == wal::BatchCursor::Next::kDamaged) {
        return base::Status::InvalidArgument(
            path +
            " holds records another writer (Redis) appended outside batches (or more "
            "damage): its batches cannot be given a new replication history");
      }
      a.history.reset();
      a.checksum = wal::BatchChecksum(body, a);
      out += wal::FormatAnnotation(a);
      out += body;
      if (out.size() >= (1 << 20)) {
        CAIRN_RETURN_IF_ERROR(base::WriteAll(fd, out, temp));
        out.clear();
      }
    }
    CAIRN_RETURN_IF_ERROR(base::WriteAll(fd, out, temp));
    if (fsync(fd) != 0) return base::Status::IoErrorFromErrno("fsync of " + temp, errno);
    return base::Status::Ok();
  }();
  close(fd);
  if (st.ok() && rename(temp.c_str(), path.c_str()) != 0) {
    st = base::Status::IoErrorFromErrno("renaming " + temp, errno);
  }
  if (!st.ok()) unlink(temp.c_str());
  return st;
}

bool IsHistoryAux(std::string_view key) {
  return key == "repl-id" || key == "repl-offset" || key == "repl-stream-db";
}

base::Result<uint64_t> RewriteRdb(const LogFile& f, const std::string& out_path, bool new_history,
                                  Progress* progress, uint64_t* keys) {
  snapshot::RdbWriteOptions options;
  snapshot::RdbFileWriter writer;
  bool open = false;
  int db = -1;
  auto open_writer = [&]() -> base::Status {
    if (open) return base::Status::Ok();
    open = true;
    bool has_ctime = false;
    for (const auto& [k, v] : options.aux) has_ctime |= k == "ctime";
    if (!has_ctime) options.aux.emplace_back("ctime", std::to_string(base::NowMs() / 1000));
    return writer.Open(out_path, options);
  };
  auto r = snapshot::ScanRdbFile(f.path, f.name,
                                 {.entry = [&](snapshot::RdbEntry& e) -> base::Status {
                                    CAIRN_RETURN_IF_ERROR(open_writer());
                                    if (e.db != db) {
                                      CAIRN_RETURN_IF_ERROR(writer.BeginDb(e.db, 0, 0));
                                      db = e.db;
                                    }
                                    progress->Update(e.offset, ++*keys);
                                    return writer.Put(e.key, e.value, e.expire_ms);
                                  },
                                  .aux =
                                      [&](const std::string& k, const std::string& v) {
                                        if (!(new_history && IsHistoryAux(k)))
                                          options.aux.emplace_back(k, v);
                                        return base::Status::Ok();
                                      },
                                  .function =
                                      [&](const std::string& code) {
                                        options.functions.push_back(code);
                                        return base::Status::Ok();
                                      }});
  if (!r.ok()) return r.status();
  CAIRN_RETURN_IF_ERROR(open_writer());
  CAIRN_RETURN_IF_ERROR(writer.Finish());
  return r.value().end;
}

const std::string* RdbHead::Aux(std::string_view name) const {
  for (const auto& [k, v] : aux) {
    if (k == name) return &v;
  }
  return nullptr;
}

RdbHead ReadRdbHead(const LogFile& f) {
  RdbHead head;
  (void)snapshot::ScanRdbFile(f.path, f.name,
                              {.entry =
                                   [&head](snapshot::RdbEntry&) {
                                     head.keys = true;
                                     return base::Status::NotFound("enough");  // stops the scan
                                   },
                               .aux =
                                   [&head](const std::string& k, const std::string& v) {
                                     head.aux.emplace_back(k, v);
                                     return base::Status::Ok();
                                   }});
  return head;
}

}  // namespace cairn::tools
