// Starting a new replication history after the log was cut or pieced
// together (a restore --until, a salvage): the log's batches lose their
// history fields and a base its repl-* aux fields, so that no replica of
// the old history resumes onto data that is not what it holds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tools/common.h"

namespace cairn::tools {

// Rewrites the log file at `path` without history fields (checksums
// computed again), through a temporary file and a rename. A file with
// records outside batches (Redis appended to it) is refused.
base::Status DropHistory(const std::string& path);

// The aux fields of an RDB that place it in a replication history
// (repl-id, repl-offset, repl-stream-db): dropped when the data no longer
// is what replicas of that history hold.
bool IsHistoryAux(std::string_view key);

// Rewrites the RDB image of `f` at `out_path` as Redis 7.0 reads it
// (version 10), keeping its aux fields (but a replication history, when
// `new_history`) and its function libraries. Returns where the image ended.
base::Result<uint64_t> RewriteRdb(const LogFile& f, const std::string& out_path, bool new_history,
                                  Progress* progress, uint64_t* keys);

// What an RDB image says before its first key: its aux fields, and
// whether any key follows.
struct RdbHead {
  std::vector<std::pair<std::string, std::string>> aux;
  bool keys = false;
  const std::string* Aux(std::string_view name) const;
};
RdbHead ReadRdbHead(const LogFile& f);

}  // namespace cairn::tools
