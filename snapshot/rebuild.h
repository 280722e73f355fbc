// The commands that rebuild one key, as Redis's rewriteAppendOnlyFile
// writes them: collections in commands of at most 64 items, then PEXPIREAT
// for an expiry (a string carries it in SET ... PXAT). Shared by the
// rewrite's RESP base (engine/aof.cc) and `cairn export --format resp`.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "types/value.h"

namespace cairn::snapshot {

// Called with each command in turn; a non-ok Status stops the rebuild.
using RebuildFn = std::function<base::Status(std::span<const std::string> argv)>;

base::Status AppendRebuild(std::string_view key, const types::Value& v, int64_t expire_ms,
                           const RebuildFn& emit);

}  // namespace cairn::snapshot
