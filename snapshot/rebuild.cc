#include "snapshot/rebuild.h"

#include <initializer_list>
#include <vector>

#include "protocol/resp_writer.h"
#include "types/hash.h"
#include "types/quicklist.h"
#include "types/set.h"
#include "types/stream.h"
#include "types/zset.h"

namespace cairn::snapshot {

namespace {

// A stream as Redis's rewrite writes it: its entries (XADD), its IDs and
// counters (XSETID), each group (XGROUP CREATE), its pending entries
// (XCLAIM ... FORCE JUSTID, keeping delivery time and count) and the
// consumers that own none (XGROUP CREATECONSUMER). An empty stream is an
// XADD trimmed away at once.
base::Status AppendStreamRebuild(const std::string& key, const types::Stream& st,
                                 const RebuildFn& emit) {
  base::Status status = base::Status::Ok();
  if (st.length() == 0) {
    // (XSETID below sets the real last ID, which may be 0-0.)
    std::string argv[7] = {"XADD", key, "MAXLEN", "0", "0-1", "x", "y"};
    CAIRN_RETURN_IF_ERROR(emit(argv));
  }
  st.Range(types::StreamID{}, types::StreamID::Max(), false, 0, [&](const types::Stream::Entry& e) {
    std::vector<std::string> argv = {"XADD", key, e.id.ToString()};
    argv.insert(argv.end(), e.fv.begin(), e.fv.end());
    status = emit(argv);
    return status.ok();
  });
  CAIRN_RETURN_IF_ERROR(status);
  // (XSETID refuses a last ID below MAXDELETEDID, which XSETID itself can
  // leave: set the counters at the larger ID, then the last ID alone.)
  const types::StreamID at = std::max(st.last_id(), st.max_deleted_id());
  std::string setid[7] = {"XSETID", key, at.ToString(), "ENTRIESADDED",
                          std::to_string(st.entries_added()), "MAXDELETEDID",
                          st.max_deleted_id().ToString()};
  CAIRN_RETURN_IF_ERROR(emit(setid));
  if (at != st.last_id()) {
    std::string back[3] = {"XSETID", key, st.last_id().ToString()};
    CAIRN_RETURN_IF_ERROR(emit(back));
  }
  for (const auto& [name, g] : st.groups()) {
    std::string create[7] = {"XGROUP", "CREATE", key, name, g->last_id.ToString(),
                             "ENTRIESREAD", std::to_string(g->entries_read)};
    CAIRN_RETURN_IF_ERROR(emit(create));
    for (const auto& [id, nack] : g->pel) {
      std::string claim[12] = {"XCLAIM", key, name, nack.consumer->name, "0", id.ToString(),
                               "TIME", std::to_string(nack.delivery_time), "RETRYCOUNT",
                               std::to_string(nack.delivery_count), "JUSTID", "FORCE"};
      CAIRN_RETURN_IF_ERROR(emit(claim));
    }
    for (const auto& [cname, c] : g->consumers) {
      if (!c->pel.empty()) continue;
      std::string cc[5] = {"XGROUP", "CREATECONSUMER", key, name, cname};
      CAIRN_RETURN_IF_ERROR(emit(cc));
    }
  }
  return base::Status::Ok();
}

}  // namespace

base::Status AppendRebuild(std::string_view key_view, const types::Value& v, int64_t expire_ms,
                           const RebuildFn& emit) {
  constexpr size_t kItemsPerCommand = 64;  // Redis's AOF_REWRITE_ITEMS_PER_CMD
  const std::string key(key_view);
  if (v.type == types::ValueType::kString) {
    if (expire_ms >= 0) {
      std::string argv[5] = {"SET", key, std::string(v.str.view()), "PXAT",
                             std::to_string(expire_ms)};
      return emit(argv);
    }
    std::string argv[3] = {"SET", key, std::string(v.str.view())};
    return emit(argv);
  }
  std::vector<std::string> argv;
  base::Status status = base::Status::Ok();
  size_t items = 0;
  auto flush = [&] {
    if (items > 0 && status.ok()) status = emit(argv);
    items = 0;
  };
  auto add = [&](std::string_view command, std::initializer_list<std::string_view> item) {
    if (items == 0) argv = {std::string(command), key};
    for (std::string_view part : item) argv.emplace_back(part);
    if (++items == kItemsPerCommand) flush();
    return status.ok();
  };
  switch (v.type) {
    case types::ValueType::kList: {
      const types::Quicklist* q = v.quicklist();
      if (q->size() > 0) {
        q->Range(0, static_cast<int64_t>(q->size()) - 1,
                 [&](std::string_view x) { return add("RPUSH", {x}); });
      }
      break;
    }
    case types::ValueType::kSet:
      types::set::ForEach(v, [&](std::string_view m) { return add("SADD", {m}); });
      break;
    case types::ValueType::kZSet:
      types::zset::ForEach(v, [&](std::string_view m, double score) {
        return add("ZADD", {protocol::FormatDouble(score), m});
      });
      break;
    case types::ValueType::kHash:
      types::hash::ForEach(v, [&](std::string_view f, std::string_view x) {
        return add("HSET", {f, x});
      });
      break;
    case types::ValueType::kStream:
      if (base::Status st = AppendStreamRebuild(key, *v.stream(), emit); !st.ok()) return st;
      break;
    case types::ValueType::kString:
      break;
  }
  flush();
  if (!status.ok() || expire_ms < 0) return status;
  std::string pexpire[3] = {"PEXPIREAT", key, std::to_string(expire_ms)};
  return emit(pexpire);
}


}  // namespace cairn::snapshot
