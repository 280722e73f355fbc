// Stream commands: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XREAD and
// XREADGROUP (BLOCK included), XSETID, XGROUP, XACK, XPENDING, XCLAIM,
// XAUTOCLAIM, XINFO. What consumer groups hand out is logged as Redis
// propagates it (XCLAIM ... FORCE JUSTID, XGROUP SETID ... ENTRIESREAD),
// history reads included, so a replay rebuilds every PEL. The stream is
// types/stream.h; replies, errors and the order of their checks follow
// redis-server 7.0 (t_stream.c).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "engine/blocking/blocked_clients.h"
#include "engine/command_context.h"
#include "engine/commands/collection_util.h"
#include "engine/commands/registry.h"
#include "types/stream.h"

namespace cairn::engine {
namespace {

using types::Encoding;
using types::Stream;
using types::StreamID;

constexpr std::string_view kInvalidId = "Invalid stream ID specified as stream command argument";

// Redis's string2ull: a canonical int64 taken as is (negative refused),
// anything else as strtoull takes it whole.
bool ParseU64(const std::string& s, uint64_t* out) {
  if (auto v = base::ParseInt64(s)) {
    if (*v < 0) return false;
    *out = static_cast<uint64_t>(*v);
    return true;
  }
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  *out = v;
  return true;
}

// streamGenericParseIDOrReply: "-", "+" (not when strict), <ms>, <ms>-<seq>,
// and for XADD <ms>-* (*seq_given false). Replies the error itself.
std::optional<StreamID> ParseId(CommandContext& ctx, const std::string& arg, uint64_t missing_seq,
                                bool strict, bool* seq_given = nullptr, bool quiet = false) {
  auto invalid = [&]() -> std::optional<StreamID> {
    if (!quiet) ctx.Error(kInvalidId);
    return std::nullopt;
  };
  if (arg.size() > 127) return invalid();
  if (strict && (arg == "-" || arg == "+")) return invalid();
  if (seq_given != nullptr) *seq_given = true;
  if (arg == "-") return StreamID{};
  if (arg == "+") return StreamID::Max();
  StreamID id;
  const size_t dash = arg.find('-');
  if (!ParseU64(arg.substr(0, dash), &id.ms)) return invalid();
  if (dash == std::string::npos) {
    id.seq = missing_seq;
  } else if (seq_given != nullptr && arg.compare(dash + 1, std::string::npos, "*") == 0) {
    *seq_given = false;
  } else if (!ParseU64(arg.substr(dash + 1), &id.seq)) {
    return invalid();
  }
  return id;
}

// XRANGE's ends: an ID, or "(" and an ID for an exclusive end.
std::optional<StreamID> ParseIntervalId(CommandContext& ctx, const std::string& arg,
                                        uint64_t missing_seq, bool* exclusive) {
  *exclusive = arg.size() > 1 && arg[0] == '(';
  if (*exclusive) return ParseId(ctx, arg.substr(1), missing_seq, /*strict=*/true);
  return ParseId(ctx, arg, missing_seq, /*strict=*/false);
}

Stream::Limits StreamLimits(const CommandContext& ctx) {
  const ConfigValues& v = ctx.config.values();
  return {.node_max_bytes = static_cast<size_t>(v.stream_node_max_bytes),
          .node_max_entries = v.stream_node_max_entries};
}

// One entry as Redis replies it: [id, [field, value, ...]].
void ReplyEntry(CommandContext& ctx, const Stream::Entry& e) {
  ctx.reply.Array(2);
  ctx.reply.Bulk(e.id.ToString());
  ctx.reply.Array(e.fv.size());
  for (const std::string& s : e.fv) ctx.reply.Bulk(s);
}

// Entries of [start, end] (descending with rev), at most count (0: all).
void ReplyRange(CommandContext& ctx, const Stream& s, StreamID start, StreamID end, bool rev,
                uint64_t count) {
  std::vector<Stream::Entry> out;
  s.Range(start, end, rev, count, [&](Stream::Entry& e) {
    out.push_back(std::move(e));
    return true;
  });
  ctx.reply.Array(out.size());
  for (const auto& e : out) ReplyEntry(ctx, e);
}

// XADD's and XTRIM's options (streamParseAddOrTrimArgsOrReply). Returns
// the index of XADD's ID argument (args.size() for XTRIM), or nullopt
// after replying an error.
struct AddTrimArgs {
  Stream::Trim trim;
  bool nomkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamID id;
  size_t trim_arg = 0;  // where the MAXLEN/MINID value is (for propagation)
};

std::optional<size_t> ParseAddTrimArgs(CommandContext& ctx, ArgList args, bool xadd,
                                       AddTrimArgs* a) {
  bool limit_given = false;
  int64_t limit = 0;
  size_t i = 2;
  for (; i < args.size(); i++) {
    const size_t more = args.size() - 1 - i;
    const std::string& opt = args[i];
    if (xadd && opt == "*") break;
    const bool maxlen = base::EqualsIgnoreCase(opt, "maxlen");
    if ((maxlen || base::EqualsIgnoreCase(opt, "minid")) && more > 0) {
      if (a->trim.strategy != Stream::Trim::kNone) {
        ctx.Error("syntax error, MAXLEN and MINID options at the same time are not compatible");
        return std::nullopt;
      }
      a->trim.approx = false;
      if (more >= 2 && (args[i + 1] == "~" || args[i + 1] == "=")) {
        a->trim.approx = args[i + 1] == "~";
        i++;
      }
      if (maxlen) {
        auto n = ctx.IntArg(args[i + 1]);
        if (!n) return std::nullopt;
        if (*n < 0) {
          ctx.Error("The MAXLEN argument must be >= 0.");
          return std::nullopt;
        }
        a->trim.maxlen = static_cast<uint64_t>(*n);
        a->trim.strategy = Stream::Trim::kMaxLen;
      } else {
        auto id = ParseId(ctx, args[i + 1], 0, /*strict=*/true);
        if (!id) return std::nullopt;
        a->trim.minid = *id;
        a->trim.strategy = Stream::Trim::kMinId;
      }
      i++;
      a->trim_arg = i;
    } else if (base::EqualsIgnoreCase(opt, "limit") && more > 0) {
      auto n = ctx.IntArg(args[i + 1]);
      if (!n) return std::nullopt;
      if (*n < 0) {
        ctx.Error("The LIMIT argument must be >= 0.");
        return std::nullopt;
      }
      limit = *n;
      limit_given = true;
      i++;
    } else if (xadd && base::EqualsIgnoreCase(opt, "nomkstream")) {
      a->nomkstream = true;
    } else if (xadd) {
      auto id = ParseId(ctx, opt, 0, /*strict=*/true, &a->seq_given);
      if (!id) return std::nullopt;
      a->id = *id;
      a->id_given = true;
      break;
    } else {
      ctx.Error(errors::kSyntax);
      return std::nullopt;
    }
  }
  if (limit != 0 && a->trim.strategy == Stream::Trim::kNone) {
    ctx.Error("syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return std::nullopt;
  }
  if (!xadd && a->trim.strategy == Stream::Trim::kNone) {
    ctx.Error("syntax error, XTRIM must be called with a trimming strategy");
    return std::nullopt;
  }
  if (ctx.obeys) {
    // The log and the primary carry the trim as made (exact, LIMIT kept
    // from the user's command): no limit then, as Redis replays it.
    a->trim.limit = 0;
  } else if (limit_given) {
    if (!a->trim.approx) {
      ctx.Error("syntax error, LIMIT cannot be used without the special ~ option");
      return std::nullopt;
    }
    a->trim.limit = limit;
  } else if (a->trim.approx) {
    const int64_t per_node = ctx.config.values().stream_node_max_entries;
    a->trim.limit = per_node <= 0 || per_node > 100 ? 10000 : 100 * per_node;
  }
  return i;
}

// A trimmed approximately is logged as trimmed exactly to where it got
// (streamRewriteApproxSpecifier / streamRewriteTrimArgument), so that a
// replay cuts the same entries.
void RewriteApproxTrim(std::vector<std::string>& argv, const AddTrimArgs& a, const Stream& s) {
  argv[a.trim_arg - 1] = "=";
  if (a.trim.strategy == Stream::Trim::kMaxLen) {
    argv[a.trim_arg] = std::to_string(s.length());
  } else {
    // The first entry deleted or not (streamGetEdgeID): what the trim
    // kept, tombstone-only nodes included.
    argv[a.trim_arg] = s.FirstEntryId().ToString();
  }
}

// The stream at key for a write; nullptr with `*wrong` for another type.
Stream* StreamForWrite(CommandContext& ctx, std::string_view key, bool* wrong) {
  Entry* e = FindOfType(ctx, key, ValueType::kStream, wrong, /*read=*/false);
  return e == nullptr ? nullptr : e->value.stream();
}

const Stream* StreamForRead(CommandContext& ctx, std::string_view key, bool* wrong) {
  Entry* e = FindOfType(ctx, key, ValueType::kStream, wrong);
  return e == nullptr ? nullptr : e->value.stream();
}

// XADD to an existing stream does not store the key: the clients blocked
// on it are told here.
void SignalReady(CommandContext& ctx, std::string_view key) {
  ctx.blocked.KeyStored(ctx.client.db, key);
}

void XAdd(CommandContext& ctx, ArgList args) {
  AddTrimArgs a;
  auto idpos = ParseAddTrimArgs(ctx, args, /*xadd=*/true, &a);
  if (!idpos) return;
  const size_t fields = *idpos + 1;
  if (args.size() < fields + 2 || (args.size() - fields) % 2 == 1) {
    return ctx.Error(errors::WrongArity(ctx.spec.full_name));
  }
  if (a.id_given && a.seq_given && a.id.IsZero()) {
    return ctx.Error("The ID specified in XADD must be greater than 0-0");
  }
  bool wrong;
  Stream* s = StreamForWrite(ctx, args[1], &wrong);
  if (wrong) return;
  if (s == nullptr) {
    if (a.nomkstream) return ctx.reply.Null();
    s = ctx.db()
            .Put(args[1], Value(ValueType::kStream, Encoding::kStream, new Stream), -1)
            .value.stream();
  }
  if (s->last_id() == StreamID::Max()) {
    return ctx.Error("The stream has exhausted the last possible ID, unable to add more items");
  }
  StreamID id;
  if (!a.id_given) {
    const auto now = static_cast<uint64_t>(ctx.now_ms);
    id = s->last_id();
    if (now > id.ms) {
      id = {now, 0};
    } else {
      id.Incr();
    }
  } else if (!a.seq_given) {
    id = a.id;
    if (s->last_id().ms == a.id.ms) {
      // (Redis's reply for a sequence that cannot grow, odd as it is.)
      if (s->last_id().seq == UINT64_MAX) return ctx.Error("Elements are too large to be stored");
      id = s->last_id();
      id.seq++;
    }
  } else {
    id = a.id;
  }
  if (id <= s->last_id()) {
    return ctx.Error("The ID specified in XADD is equal or smaller than the target stream top item");
  }
  size_t total = 0;
  for (size_t j = fields; j < args.size(); j++) total += args[j].size();
  if (total > (size_t{1} << 30)) return ctx.Error("Elements are too large to be stored");
  s->Append(id, std::span<const std::string>(args.data() + fields, args.size() - fields),
            StreamLimits(ctx));
  ctx.reply.Bulk(id.ToString());
  ctx.Dirty();
  ctx.Notify(notify::kStream, "xadd", args[1]);
  std::vector<std::string> argv(args.begin(), args.end());
  if (a.trim.strategy != Stream::Trim::kNone) {
    if (s->TrimTo(a.trim) > 0) ctx.Notify(notify::kStream, "xtrim", args[1]);
    if (a.trim.approx) RewriteApproxTrim(argv, a, *s);
  }
  // The ID it got, not `*`, goes to the log and the replicas.
  argv[*idpos] = id.ToString();
  ctx.Propagate(std::move(argv));
  SignalReady(ctx, args[1]);
}

void XLen(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Stream* s = StreamForRead(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Int(s == nullptr ? 0 : static_cast<int64_t>(s->length()));
}

void RangeGeneric(CommandContext& ctx, ArgList args, bool rev) {
  const std::string& start_arg = rev ? args[3] : args[2];
  const std::string& end_arg = rev ? args[2] : args[3];
  bool ex = false;
  auto start = ParseIntervalId(ctx, start_arg, 0, &ex);
  if (!start) return;
  if (ex && !start->Incr()) return ctx.Error("invalid start ID for the interval");
  auto end = ParseIntervalId(ctx, end_arg, UINT64_MAX, &ex);
  if (!end) return;
  if (ex && !end->Decr()) return ctx.Error("invalid end ID for the interval");
  int64_t count = -1;
  for (size_t j = 4; j < args.size(); j++) {
    if (base::EqualsIgnoreCase(args[j], "count") && j + 1 < args.size()) {
      auto n = ctx.IntArg(args[++j]);
      if (!n) return;
      count = *n < 0 ? 0 : *n;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  bool wrong;
  const Stream* s = StreamForRead(ctx, args[1], &wrong);
  if (s == nullptr && !wrong) return ctx.reply.Array(0);
  if (wrong) return;
  if (count == 0) return ctx.reply.NullArray();
  ReplyRange(ctx, *s, *start, *end, rev, count < 0 ? 0 : static_cast<uint64_t>(count));
}

void XRange(CommandContext& ctx, ArgList args) { RangeGeneric(ctx, args, false); }
void XRevRange(CommandContext& ctx, ArgList args) { RangeGeneric(ctx, args, true); }

void XDel(CommandContext& ctx, ArgList args) {
  bool wrong;
  Stream* s = StreamForWrite(ctx, args[1], &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.reply.Int(0);
  std::vector<StreamID> ids;
  for (size_t j = 2; j < args.size(); j++) {
    auto id = ParseId(ctx, args[j], 0, /*strict=*/true);
    if (!id) return;
    ids.push_back(*id);
  }
  int64_t deleted = 0;
  bool first = false;
  for (StreamID id : ids) {
    if (!s->Delete(id)) continue;
    deleted++;
    if (id > s->max_deleted_id()) s->set_max_deleted_id(id);
    if (id == s->first_id()) first = true;
  }
  if (deleted > 0) {
    if (first || s->length() == 0) s->UpdateFirstId();
    ctx.Notify(notify::kStream, "xdel", args[1]);
    ctx.Dirty(static_cast<uint64_t>(deleted));
  }
  ctx.reply.Int(deleted);
}

void XTrim(CommandContext& ctx, ArgList args) {
  AddTrimArgs a;
  if (!ParseAddTrimArgs(ctx, args, /*xadd=*/false, &a)) return;
  bool wrong;
  Stream* s = StreamForWrite(ctx, args[1], &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.reply.Int(0);
  const int64_t deleted = s->TrimTo(a.trim);
  if (deleted > 0) {
    ctx.Notify(notify::kStream, "xtrim", args[1]);
    ctx.Dirty(static_cast<uint64_t>(deleted));
    std::vector<std::string> argv(args.begin(), args.end());
    if (a.trim.approx) RewriteApproxTrim(argv, a, *s);
    ctx.Propagate(std::move(argv));
  }
  ctx.reply.Int(deleted);
}

// The last live entry's ID (streamLastValidID); 0-0 for none.
StreamID LastValidId(const Stream& s) {
  StreamID out;
  s.Range(StreamID{}, StreamID::Max(), /*rev=*/true, 1, [&](const Stream::Entry& e) {
    out = e.id;
    return false;
  });
  return out;
}

// --- Consumer groups ---------------------------------------------------

using types::StreamConsumer;
using types::StreamGroup;
using types::StreamNack;

StreamGroup* FindGroup(Stream* s, std::string_view name) {
  if (s == nullptr) return nullptr;
  auto it = s->groups().find(name);
  return it == s->groups().end() ? nullptr : it->second.get();
}

// streamLookupConsumer: with `refresh`, its seen time becomes now.
StreamConsumer* FindConsumer(StreamGroup* g, std::string_view name, int64_t now_ms,
                             bool refresh) {
  auto it = g->consumers.find(name);
  if (it == g->consumers.end()) return nullptr;
  if (refresh) it->second->seen_time = now_ms;
  return it->second.get();
}

// streamCreateConsumer: nullptr when it exists already. Logged as XGROUP
// CREATECONSUMER unless `quiet` (the command that made it logs its own
// effect, which creates it on replay).
StreamConsumer* CreateConsumer(CommandContext& ctx, StreamGroup* g, const std::string& key,
                               const std::string& group, const std::string& name) {
  if (g->consumers.contains(name)) return nullptr;
  auto c = std::make_unique<StreamConsumer>();
  c->name = name;
  c->seen_time = ctx.now_ms;
  StreamConsumer* out = c.get();
  g->consumers.emplace(name, std::move(c));
  ctx.NotifyUnsignaled(notify::kStream, "xgroup-createconsumer", key);
  ctx.Dirty();
  ctx.Propagate({"XGROUP", "CREATECONSUMER", key, group, name});
  return out;
}

// The consumer a read or a claim is for, made if new (streamLookupConsumer
// then streamCreateConsumer); its seen time becomes now.
StreamConsumer* ConsumerFor(CommandContext& ctx, StreamGroup* g, const std::string& key,
                            const std::string& group, const std::string& name) {
  StreamConsumer* c = FindConsumer(g, name, ctx.now_ms, /*refresh=*/true);
  return c != nullptr ? c : CreateConsumer(ctx, g, key, group, name);
}

// Hands a pending entry to `c`, out of its former owner's PEL.
void GiveTo(StreamConsumer* c, StreamID id, StreamNack& nack) {
  if (nack.consumer != c && nack.consumer != nullptr) nack.consumer->pel.erase(id);
  nack.consumer = c;
  c->pel[id] = &nack;
}

// A PEL entry in the log, as Redis propagates one (streamPropagateXCLAIM):
// replayed, it puts the entry in the same consumer's PEL with the same
// delivery time and count, or drops it if the entry is gone.
void PropagateClaim(CommandContext& ctx, const std::string& key, const std::string& group,
                    const StreamGroup& g, StreamID id, const StreamNack& nack) {
  ctx.Propagate({"XCLAIM", key, group, nack.consumer->name, "0", id.ToString(), "TIME",
                 std::to_string(nack.delivery_time), "RETRYCOUNT",
                 std::to_string(nack.delivery_count), "FORCE", "JUSTID", "LASTID",
                 g.last_id.ToString()});
}

// The group's position in the log (streamPropagateGroupID).
void PropagateGroupId(CommandContext& ctx, const std::string& key, const std::string& group,
                      const StreamGroup& g) {
  ctx.Propagate({"XGROUP", "SETID", key, group, g.last_id.ToString(), "ENTRIESREAD",
                 std::to_string(g.entries_read)});
}

void RemoveNack(StreamGroup* g, std::map<StreamID, StreamNack>::iterator it) {
  if (it->second.consumer != nullptr) it->second.consumer->pel.erase(it->first);
  g->pel.erase(it);
}

// XREADGROUP's delivery of new entries (streamReplyWithRange with a
// group): entries after the group's last ID, each moving it on and, unless
// NOACK, into the consumer's PEL.
void DeliverNew(CommandContext& ctx, Stream& s, StreamGroup* g, StreamConsumer* c,
                const std::string& key, const std::string& group, uint64_t count, bool noack) {
  StreamID start = g->last_id;
  start.Incr();
  std::vector<Stream::Entry> entries;
  s.Range(start, StreamID::Max(), false, count, [&](Stream::Entry& e) {
    entries.push_back(std::move(e));
    return true;
  });
  bool moved = false;
  ctx.reply.Array(entries.size());
  for (const Stream::Entry& e : entries) {
    if (e.id > g->last_id) {
      if (g->entries_read != -1 && !types::StreamRangeHasTombstones(s, e.id, StreamID::Max())) {
        g->entries_read++;
      } else if (s.entries_added() != 0) {
        g->entries_read = types::StreamEstimateDistance(s, e.id);
      }
      g->last_id = e.id;
      moved = true;
    }
    ReplyEntry(ctx, e);
    if (noack) continue;
    StreamNack& nack = g->pel[e.id];
    GiveTo(c, e.id, nack);
    nack.delivery_time = ctx.now_ms;
    nack.delivery_count = 1;
    PropagateClaim(ctx, key, group, *g, e.id, nack);
  }
  if (moved) PropagateGroupId(ctx, key, group, *g);
  ctx.Dirty();
}

// A consumer's own history (streamReplyWithRangeFromConsumerPEL): its
// pending entries after `after`; one deleted meanwhile comes as [id, nil].
void DeliverHistory(CommandContext& ctx, const Stream& s, StreamGroup* g, StreamConsumer* c,
                    const std::string& key, const std::string& group, StreamID after,
                    uint64_t count) {
  std::vector<std::pair<StreamID, std::optional<Stream::Entry>>> out;
  if (after.Incr()) {
    for (auto it = c->pel.lower_bound(after); it != c->pel.end(); ++it) {
      if (count > 0 && out.size() >= count) break;
      auto entry = s.Get(it->first);
      if (entry) {
        it->second->delivery_time = ctx.now_ms;
        it->second->delivery_count++;
        // (Redis does not log history reads; Cairn logs the new counts.)
        PropagateClaim(ctx, key, group, *g, it->first, *it->second);
      }
      out.emplace_back(it->first, std::move(entry));
    }
  }
  if (std::any_of(out.begin(), out.end(), [](const auto& x) { return x.second.has_value(); })) {
    ctx.Dirty();
  }
  ctx.reply.Array(out.size());
  for (const auto& [id, entry] : out) {
    if (entry) {
      ReplyEntry(ctx, *entry);
    } else {
      ctx.reply.Array(2);
      ctx.reply.Bulk(id.ToString());
      ctx.reply.NullArray();
    }
  }
}

// What a woken XREAD or XREADGROUP without COUNT gets at most
// (XREAD_BLOCKED_DEFAULT_COUNT).
constexpr int64_t kWokenReadCount = 1000;

// The NOGROUP text of the commands that name a key and a group.
std::string NoKeyOrGroup(std::string_view key, std::string_view group, std::string_view tail = "") {
  return "No such key '" + std::string(errors::AsCString(key)) + "' or consumer group '" +
         std::string(errors::AsCString(group)) + "'" + std::string(tail);
}

// XREAD and XREADGROUP (xreadCommand).
void ReadGeneric(CommandContext& ctx, ArgList args, bool xreadgroup) {
  int64_t timeout = -1;
  int64_t count = 0;
  size_t streams_arg = 0;
  size_t nstreams = 0;
  const std::string* group_name = nullptr;
  const std::string* consumer_name = nullptr;
  bool noack = false;
  for (size_t i = 1; i < args.size(); i++) {
    const size_t more = args.size() - 1 - i;
    const std::string& o = args[i];
    if (base::EqualsIgnoreCase(o, "block") && more > 0) {
      if (ctx.client.is_script) {
        return ctx.Error(args[0] + " command is not allowed with BLOCK option from scripts");
      }
      auto t = base::ParseInt64(args[++i]);
      if (!t) return ctx.Error("timeout is not an integer or out of range");
      if (*t < 0) return ctx.Error("timeout is negative");
      timeout = *t;
    } else if (base::EqualsIgnoreCase(o, "count") && more > 0) {
      auto n = ctx.IntArg(args[++i]);
      if (!n) return;
      count = *n < 0 ? 0 : *n;
    } else if (base::EqualsIgnoreCase(o, "streams") && more > 0) {
      streams_arg = i + 1;
      nstreams = args.size() - streams_arg;
      if (nstreams % 2 != 0) {
        return ctx.Error(
            "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
      }
      nstreams /= 2;
      break;
    } else if (base::EqualsIgnoreCase(o, "group") && more >= 2) {
      if (!xreadgroup) {
        return ctx.Error("The GROUP option is only supported by XREADGROUP. You called XREAD "
                         "instead.");
      }
      group_name = &args[i + 1];
      consumer_name = &args[i + 2];
      i += 2;
    } else if (base::EqualsIgnoreCase(o, "noack")) {
      if (!xreadgroup) {
        return ctx.Error("The NOACK option is only supported by XREADGROUP. You called XREAD "
                         "instead.");
      }
      noack = true;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  if (streams_arg == 0) return ctx.Error(errors::kSyntax);
  if (xreadgroup && group_name == nullptr) return ctx.Error("Missing GROUP option for XREADGROUP");
  // The streams it reads. Woken, only the one that woke it, and at most
  // 1000 entries when no COUNT was given, as Redis 7.0 serves a parked
  // reader (its other streams are not looked at: not even their types).
  std::vector<size_t> which;
  for (size_t i = 0; i < nstreams; i++) {
    if (!ctx.ServesFrom(args[streams_arg + i])) continue;
    which.push_back(i);
    if (ctx.woken) break;  // (a key named twice waits for its first ID)
  }
  if (ctx.woken && count == 0) count = kWokenReadCount;
  std::vector<StreamID> ids(nstreams);
  std::vector<StreamGroup*> groups(nstreams, nullptr);
  for (size_t i : which) {
    const std::string& key = args[streams_arg + i];
    const std::string& arg = args[streams_arg + nstreams + i];
    Stream* s = nullptr;
    if (Entry* e = ctx.db().Find(key, ctx.now_ms); e != nullptr) {
      if (e->value.type == ValueType::kStream) {
        s = e->value.stream();
      } else if (!ctx.woken) {
        return ctx.WrongType();
      } else if (xreadgroup) {
        // Woken because the key was overwritten, as Redis tells it.
        return ctx.Error({ErrorKind::kUnblocked, "the stream key no longer exists"});
      }  // (XREAD: the other keys may still serve it)
    }
    if (xreadgroup) {
      groups[i] = FindGroup(s, *group_name);
      if (groups[i] == nullptr && ctx.woken) {
        if (s == nullptr) {
          return ctx.Error({ErrorKind::kUnblocked, "the stream key no longer exists"});
        }
        return ctx.Error({ErrorKind::kNoGroup,
                          "the consumer group this client was blocked on no longer exists"});
      }
      if (groups[i] == nullptr) {
        return ctx.Error({ErrorKind::kNoGroup,
                          NoKeyOrGroup(key, *group_name, " in XREADGROUP with GROUP option")});
      }
    }
    if (arg == "$") {
      if (xreadgroup) {
        return ctx.Error("The $ ID is meaningless in the context of XREADGROUP: you want to "
                         "read the history of this consumer by specifying a proper ID, or use "
                         "the > ID to get new messages. The $ ID would just return an empty "
                         "result set.");
      }
      ids[i] = s == nullptr ? StreamID{} : s->last_id();
      continue;
    }
    if (arg == ">") {
      if (!xreadgroup) {
        return ctx.Error("The > ID can be specified only when calling XREADGROUP using the "
                         "GROUP <group> <consumer> option.");
      }
      ids[i] = StreamID::Max();  // (as Redis marks it: the group's last ID, when served)
      continue;
    }
    auto id = ParseId(ctx, arg, 0, /*strict=*/true);
    if (!id) return;
    ids[i] = *id;
  }
  // What can be served now, stream by stream.
  struct Serve {
    size_t i;
    bool history;
  };
  std::vector<Serve> ready;
  // (A key named twice with `>` is served once: the first delivery moves
  // the group on, as it does in Redis, which decides stream by stream.)
  std::map<std::string_view, StreamID> group_at;
  for (size_t i : which) {
    Entry* e = ctx.db().Find(args[streams_arg + i], ctx.now_ms);
    if (e == nullptr || e->value.type != ValueType::kStream) continue;
    const Stream& s = *e->value.stream();
    // Whether entries came after `at`: woken, Redis looks at the top ID
    // alone, so that an XADD whose entry went again (XDEL in the same
    // MULTI) still ends the wait, with no entries.
    auto after = [&](StreamID at) {
      return ctx.woken ? s.last_id() > at : s.length() > 0 && LastValidId(s) > at;
    };
    if (xreadgroup) {
      if (ids[i] != StreamID::Max()) {
        ready.push_back({i, true});
        continue;
      }
      StreamID& at = group_at.try_emplace(args[streams_arg + i], groups[i]->last_id).first->second;
      if (!after(at)) continue;
      ready.push_back({i, false});
      StreamID from = at;
      from.Incr();
      s.Range(from, StreamID::Max(), false, static_cast<uint64_t>(count),
              [&](const Stream::Entry& x) {
                at = x.id;
                return true;
              });
    } else if (after(ids[i])) {
      ready.push_back({i, false});
    }
  }
  if (!ready.empty()) {
    if (ctx.client.resp == 2) {
      ctx.reply.Array(ready.size());
    } else {
      ctx.reply.Map(ready.size());
    }
    for (const Serve& r : ready) {
      const std::string& key = args[streams_arg + r.i];
      if (ctx.client.resp == 2) ctx.reply.Array(2);
      ctx.reply.Bulk(key);
      Stream& s = *ctx.db().Find(key, ctx.now_ms)->value.stream();
      if (!xreadgroup) {
        StreamID start = ids[r.i];
        start.Incr();
        ReplyRange(ctx, s, start, StreamID::Max(), false, static_cast<uint64_t>(count));
        continue;
      }
      StreamGroup* g = groups[r.i];
      StreamConsumer* c = ConsumerFor(ctx, g, key, *group_name, *consumer_name);
      if (r.history) {
        DeliverHistory(ctx, s, g, c, key, *group_name, ids[r.i], static_cast<uint64_t>(count));
      } else {
        DeliverNew(ctx, s, g, c, key, *group_name, static_cast<uint64_t>(count), noack);
      }
      SignalReady(ctx, key);  // (other readers of the group may be served now)
    }
    return;
  }
  if (timeout < 0 || !ctx.may_block) return ctx.reply.NullArray();
  // Waits for entries after the IDs it has now: `$` becomes the last ID,
  // so that what arrives meanwhile is what it gets when woken.
  std::vector<std::string> argv(args.begin(), args.end());
  if (!xreadgroup) {
    for (size_t i = 0; i < nstreams; i++) argv[streams_arg + nstreams + i] = ids[i].ToString();
  }
  int64_t deadline = 0;
  if (timeout > 0 && __builtin_add_overflow(timeout, ctx.now_ms, &deadline)) deadline = 0;
  ctx.Block(std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(streams_arg),
                                     args.begin() + static_cast<std::ptrdiff_t>(streams_arg + nstreams)),
            deadline, ValueType::kStream, std::move(argv));
}

void XRead(CommandContext& ctx, ArgList args) { ReadGeneric(ctx, args, false); }
void XReadGroup(CommandContext& ctx, ArgList args) { ReadGeneric(ctx, args, true); }

std::string NoGroupFor(std::string_view key, std::string_view group) {
  return "No such consumer group '" + std::string(errors::AsCString(group)) + "' for key name '" +
         std::string(errors::AsCString(key)) + "'";
}

// XGROUP's subcommands share xgroupCommand's checks: options, then the key
// (which must exist but for CREATE ... MKSTREAM), then the group.
struct GroupTarget {
  Stream* s = nullptr;
  StreamGroup* g = nullptr;
};

std::optional<GroupTarget> GroupKey(CommandContext& ctx, ArgList args, bool need_group,
                                    bool may_create = false) {
  bool wrong;
  GroupTarget t;
  t.s = StreamForWrite(ctx, args[2], &wrong);
  if (wrong) return std::nullopt;
  if (t.s == nullptr && !may_create) {
    ctx.Error("The XGROUP subcommand requires the key to exist. Note that for CREATE you may "
              "want to use the MKSTREAM option to create an empty stream automatically.");
    return std::nullopt;
  }
  t.g = FindGroup(t.s, args[3]);
  if (need_group && t.g == nullptr) {
    ctx.Error({ErrorKind::kNoGroup, NoGroupFor(args[2], args[3])});
    return std::nullopt;
  }
  return t;
}

void SubcommandSyntax(CommandContext& ctx, ArgList args) {
  ctx.Error("unknown subcommand or wrong number of arguments for '" + args[1] +
            "'. Try XGROUP HELP.");
}

std::optional<int64_t> EntriesReadArg(CommandContext& ctx, const std::string& arg) {
  auto n = ctx.IntArg(arg);
  if (!n) return std::nullopt;
  if (*n < 0 && *n != -1) {
    ctx.Error("value for ENTRIESREAD must be positive or -1");
    return std::nullopt;
  }
  return n;
}

void XGroupCreate(CommandContext& ctx, ArgList args) {
  bool mkstream = false;
  int64_t entries_read = -1;
  for (size_t i = 5; i < args.size(); i++) {
    if (base::EqualsIgnoreCase(args[i], "mkstream")) {
      mkstream = true;
    } else if (base::EqualsIgnoreCase(args[i], "entriesread") && i + 1 < args.size()) {
      auto n = EntriesReadArg(ctx, args[++i]);
      if (!n) return;
      entries_read = *n;
    } else {
      return SubcommandSyntax(ctx, args);
    }
  }
  if (args.size() > 8) return SubcommandSyntax(ctx, args);
  auto t = GroupKey(ctx, args, false, mkstream);
  if (!t) return;
  StreamID id;
  if (args[4] == "$") {
    id = t->s == nullptr ? StreamID{} : t->s->last_id();
  } else {
    auto parsed = ParseId(ctx, args[4], 0, /*strict=*/true);
    if (!parsed) return;
    id = *parsed;
  }
  const bool made = t->s == nullptr;  // MKSTREAM: a new key, which Redis signals
  if (made) {
    t->s = ctx.db()
               .Put(args[2], Value(ValueType::kStream, Encoding::kStream, new Stream), -1)
               .value.stream();
  }
  if (t->g != nullptr) {
    return ctx.Error({ErrorKind::kBusyGroup, "Consumer Group name already exists"});
  }
  auto g = std::make_unique<StreamGroup>();
  g->last_id = id;
  g->entries_read = entries_read;
  t->s->groups().emplace(args[3], std::move(g));
  ctx.Dirty();
  if (made) {
    ctx.Notify(notify::kStream, "xgroup-create", args[2]);
  } else {
    ctx.NotifyUnsignaled(notify::kStream, "xgroup-create", args[2]);
  }
  ctx.reply.Ok();
}

void XGroupSetId(CommandContext& ctx, ArgList args) {
  int64_t entries_read = -1;
  if (args.size() == 7) {
    if (!base::EqualsIgnoreCase(args[5], "entriesread")) return SubcommandSyntax(ctx, args);
    auto n = EntriesReadArg(ctx, args[6]);
    if (!n) return;
    entries_read = *n;
  } else if (args.size() != 5) {
    return SubcommandSyntax(ctx, args);
  }
  auto t = GroupKey(ctx, args, true);
  if (!t) return;
  StreamID id;
  if (args[4] == "$") {
    id = t->s->last_id();
  } else {
    auto parsed = ParseId(ctx, args[4], 0, /*strict=*/false);
    if (!parsed) return;
    id = *parsed;
  }
  t->g->last_id = id;
  t->g->entries_read = entries_read;
  ctx.Dirty();
  ctx.NotifyUnsignaled(notify::kStream, "xgroup-setid", args[2]);
  ctx.reply.Ok();
}

void XGroupDestroy(CommandContext& ctx, ArgList args) {
  auto t = GroupKey(ctx, args, false);
  if (!t) return;
  if (t->g == nullptr) return ctx.reply.Int(0);
  t->s->groups().erase(args[3]);
  ctx.Dirty();
  ctx.NotifyUnsignaled(notify::kStream, "xgroup-destroy", args[2]);
  SignalReady(ctx, args[2]);  // (its blocked readers are told the group went)
  ctx.reply.Int(1);
}

void XGroupCreateConsumer(CommandContext& ctx, ArgList args) {
  auto t = GroupKey(ctx, args, true);
  if (!t) return;
  StreamConsumer* c = CreateConsumer(ctx, t->g, args[2], args[3], args[4]);
  ctx.propagated().clear();  // (the command itself is what is logged)
  ctx.reply.Int(c != nullptr ? 1 : 0);
}

void XGroupDelConsumer(CommandContext& ctx, ArgList args) {
  auto t = GroupKey(ctx, args, true);
  if (!t) return;
  auto it = t->g->consumers.find(args[4]);
  int64_t pending = 0;
  if (it != t->g->consumers.end()) {
    pending = static_cast<int64_t>(it->second->pel.size());
    for (const auto& [id, nack] : it->second->pel) t->g->pel.erase(id);
    t->g->consumers.erase(it);
    ctx.Dirty();
    ctx.NotifyUnsignaled(notify::kStream, "xgroup-delconsumer", args[2]);
  }
  ctx.reply.Int(pending);
}

void XGroupHelp(CommandContext& ctx, ArgList) {
  static const char* const kLines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.Array(std::size(kLines));
  for (const char* l : kLines) ctx.reply.Simple(l);
}

void XAck(CommandContext& ctx, ArgList args) {
  bool wrong;
  Stream* s = StreamForWrite(ctx, args[1], &wrong);
  if (wrong) return;
  StreamGroup* g = FindGroup(s, args[2]);
  if (g == nullptr) return ctx.reply.Int(0);
  std::vector<StreamID> ids;
  for (size_t j = 3; j < args.size(); j++) {
    auto id = ParseId(ctx, args[j], 0, /*strict=*/true);
    if (!id) return;
    ids.push_back(*id);
  }
  int64_t acked = 0;
  for (StreamID id : ids) {
    auto it = g->pel.find(id);
    if (it == g->pel.end()) continue;
    RemoveNack(g, it);
    acked++;
  }
  if (acked > 0) ctx.Dirty(static_cast<uint64_t>(acked));
  ctx.Unsignaled();
  ctx.reply.Int(acked);
}

void XPending(CommandContext& ctx, ArgList args) {
  const bool summary = args.size() == 3;
  if (args.size() != 3 && (args.size() < 6 || args.size() > 9)) return ctx.Error(errors::kSyntax);
  StreamID start, end;
  int64_t count = 0, min_idle = 0;
  const std::string* consumer_name = nullptr;
  if (!summary) {
    size_t at = 3;
    if (base::EqualsIgnoreCase(args[3], "idle")) {
      auto n = ctx.IntArg(args[4]);
      if (!n) return;
      min_idle = *n;
      if (args.size() < 8) return ctx.Error(errors::kSyntax);
      at += 2;
    }
    auto n = ctx.IntArg(args[at + 2]);
    if (!n) return;
    count = *n < 0 ? 0 : *n;
    bool ex = false;
    auto s = ParseIntervalId(ctx, args[at], 0, &ex);
    if (!s) return;
    if (ex && !s->Incr()) return ctx.Error("invalid start ID for the interval");
    auto e = ParseIntervalId(ctx, args[at + 1], UINT64_MAX, &ex);
    if (!e) return;
    if (ex && !e->Decr()) return ctx.Error("invalid end ID for the interval");
    start = *s;
    end = *e;
    if (at + 3 < args.size()) consumer_name = &args[at + 3];
  }
  bool wrong;
  Stream* s = StreamForWrite(ctx, args[1], &wrong);
  if (wrong) return;
  StreamGroup* g = FindGroup(s, args[2]);
  if (g == nullptr) {
    return ctx.Error({ErrorKind::kNoGroup, NoKeyOrGroup(args[1], args[2])});
  }
  auto& r = ctx.reply;
  if (summary) {
    r.Array(4);
    r.Int(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      r.Null();
      r.Null();
      r.NullArray();
      return;
    }
    r.Bulk(g->pel.begin()->first.ToString());
    r.Bulk(g->pel.rbegin()->first.ToString());
    size_t with = 0;
    for (const auto& [name, c] : g->consumers) with += c->pel.empty() ? 0 : 1;
    r.Array(with);
    for (const auto& [name, c] : g->consumers) {
      if (c->pel.empty()) continue;
      r.Array(2);
      r.Bulk(name);
      r.Bulk(std::to_string(c->pel.size()));
    }
    return;
  }
  std::vector<std::pair<StreamID, const StreamNack*>> out;
  auto take = [&](StreamID id, const StreamNack* nack) {
    if (id > end || count == 0) return false;
    if (min_idle != 0 && ctx.now_ms - nack->delivery_time < min_idle) return true;
    out.emplace_back(id, nack);
    count--;
    return true;
  };
  if (consumer_name != nullptr) {
    StreamConsumer* c = FindConsumer(g, *consumer_name, ctx.now_ms, /*refresh=*/false);
    if (c == nullptr) return r.Array(0);
    for (auto it = c->pel.lower_bound(start); it != c->pel.end() && take(it->first, it->second);) {
      ++it;
    }
  } else {
    for (auto it = g->pel.lower_bound(start); it != g->pel.end() && take(it->first, &it->second);) {
      ++it;
    }
  }
  r.Array(out.size());
  for (const auto& [id, nack] : out) {
    r.Array(4);
    r.Bulk(id.ToString());
    r.Bulk(nack->consumer->name);
    r.Int(std::max<int64_t>(0, ctx.now_ms - nack->delivery_time));
    r.Int(static_cast<int64_t>(nack->delivery_count));
  }
}

// The entry as XCLAIM/XAUTOCLAIM reply it: whole, or its ID (JUSTID).
void ReplyClaimed(CommandContext& ctx, const Stream& s, StreamID id, bool justid) {
  if (justid) return ctx.reply.Bulk(id.ToString());
  auto e = s.Get(id);
  if (e) return ReplyEntry(ctx, *e);
  ctx.reply.Null();
}

void XClaim(CommandContext& ctx, ArgList args) {
  bool wrong;
  Stream* s = StreamForWrite(ctx, args[1], &wrong);
  if (wrong) return;
  StreamGroup* g = FindGroup(s, args[2]);
  if (g == nullptr) {
    return ctx.Error({ErrorKind::kNoGroup, NoKeyOrGroup(args[1], args[2])});
  }
  auto min_idle_arg = base::ParseInt64(args[4]);
  if (!min_idle_arg) return ctx.Error("Invalid min-idle-time argument for XCLAIM");
  const int64_t min_idle = std::max<int64_t>(0, *min_idle_arg);
  size_t j = 5;
  std::vector<StreamID> ids;
  for (; j < args.size(); j++) {
    // (Quietly: the first argument that is not an ID starts the options.)
    auto id = ParseId(ctx, args[j], 0, /*strict=*/true, nullptr, /*quiet=*/true);
    if (!id) break;
    ids.push_back(*id);
  }
  int64_t retrycount = -1, delivery = -1;
  bool force = false, justid = false;
  StreamID last_id;
  for (; j < args.size(); j++) {
    const size_t more = args.size() - 1 - j;
    const std::string& opt = args[j];
    auto int_opt = [&](const char* what) -> std::optional<int64_t> {
      auto v = base::ParseInt64(args[++j]);
      if (!v) ctx.Error(std::string("Invalid ") + what + " option argument for XCLAIM");
      return v;
    };
    if (base::EqualsIgnoreCase(opt, "force")) {
      force = true;
    } else if (base::EqualsIgnoreCase(opt, "justid")) {
      justid = true;
    } else if (base::EqualsIgnoreCase(opt, "idle") && more > 0) {
      auto v = int_opt("IDLE");
      if (!v) return;
      delivery = ctx.now_ms - *v;
    } else if (base::EqualsIgnoreCase(opt, "time") && more > 0) {
      auto v = int_opt("TIME");
      if (!v) return;
      delivery = *v;
    } else if (base::EqualsIgnoreCase(opt, "retrycount") && more > 0) {
      auto v = int_opt("RETRYCOUNT");
      if (!v) return;
      retrycount = *v;
    } else if (base::EqualsIgnoreCase(opt, "lastid") && more > 0) {
      auto v = ParseId(ctx, args[++j], 0, /*strict=*/true);
      if (!v) return;
      last_id = *v;
    } else {
      return ctx.Error("Unrecognized XCLAIM option '" + opt + "'");
    }
  }
  bool propagate_last_id = false;
  if (last_id > g->last_id) {
    g->last_id = last_id;
    propagate_last_id = true;
  }
  if (delivery < 0 || delivery > ctx.now_ms) delivery = ctx.now_ms;
  StreamConsumer* c = nullptr;
  std::vector<StreamID> claimed;
  for (StreamID id : ids) {
    auto it = g->pel.find(id);
    if (!s->Get(id)) {
      // Gone from the stream: gone from the PEL too.
      if (it != g->pel.end()) {
        PropagateClaim(ctx, args[1], args[2], *g, id, it->second);
        propagate_last_id = false;
        RemoveNack(g, it);
        ctx.Dirty();
      }
      continue;
    }
    if (force && it == g->pel.end()) {
      it = g->pel.try_emplace(id).first;
      it->second.delivery_time = ctx.now_ms;
      it->second.delivery_count = 1;
    }
    if (it == g->pel.end()) continue;
    StreamNack& nack = it->second;
    if (nack.consumer != nullptr && min_idle != 0 && ctx.now_ms - nack.delivery_time < min_idle) {
      continue;
    }
    if (c == nullptr) c = ConsumerFor(ctx, g, args[1], args[2], args[3]);
    GiveTo(c, id, nack);
    nack.delivery_time = delivery;
    if (retrycount >= 0) {
      nack.delivery_count = static_cast<uint64_t>(retrycount);
    } else if (!justid) {
      nack.delivery_count++;
    }
    claimed.push_back(id);
    PropagateClaim(ctx, args[1], args[2], *g, id, nack);
    propagate_last_id = false;
    ctx.Dirty();
  }
  if (propagate_last_id) {
    PropagateGroupId(ctx, args[1], args[2], *g);
    ctx.Dirty();
  }
  ctx.Unsignaled();
  ctx.reply.Array(claimed.size());
  for (StreamID id : claimed) ReplyClaimed(ctx, *s, id, justid);
}

void XAutoClaim(CommandContext& ctx, ArgList args) {
  auto min_idle_arg = base::ParseInt64(args[4]);
  if (!min_idle_arg) return ctx.Error("Invalid min-idle-time argument for XAUTOCLAIM");
  const int64_t min_idle = std::max<int64_t>(0, *min_idle_arg);
  bool ex = false;
  auto start = ParseIntervalId(ctx, args[5], 0, &ex);
  if (!start) return;
  if (ex && !start->Incr()) return ctx.Error("invalid start ID for the interval");
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < args.size(); j++) {
    if (base::EqualsIgnoreCase(args[j], "count") && j + 1 < args.size()) {
      auto n = base::ParseInt64(args[++j]);
      constexpr int64_t kMax = INT64_MAX / 16;
      if (!n || *n < 1 || *n > kMax) return ctx.Error("COUNT must be > 0");
      count = *n;
    } else if (base::EqualsIgnoreCase(args[j], "justid")) {
      justid = true;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  bool wrong;
  Stream* s = StreamForWrite(ctx, args[1], &wrong);
  if (wrong) return;
  StreamGroup* g = FindGroup(s, args[2]);
  if (g == nullptr) {
    return ctx.Error({ErrorKind::kNoGroup, NoKeyOrGroup(args[1], args[2])});
  }
  int64_t attempts = count * 10;
  StreamConsumer* c = nullptr;
  std::vector<StreamID> claimed, deleted;
  auto it = g->pel.lower_bound(*start);
  while (attempts-- > 0 && count > 0 && it != g->pel.end()) {
    const StreamID id = it->first;
    StreamNack& nack = it->second;
    if (!s->Get(id)) {
      PropagateClaim(ctx, args[1], args[2], *g, id, nack);
      ctx.Dirty();
      deleted.push_back(id);
      auto next = std::next(it);
      RemoveNack(g, it);
      it = next;
      count--;
      continue;
    }
    if (min_idle != 0 && ctx.now_ms - nack.delivery_time < min_idle) {
      ++it;
      continue;
    }
    if (c == nullptr) c = ConsumerFor(ctx, g, args[1], args[2], args[3]);
    GiveTo(c, id, nack);
    nack.delivery_time = ctx.now_ms;
    if (!justid) nack.delivery_count++;
    claimed.push_back(id);
    count--;
    PropagateClaim(ctx, args[1], args[2], *g, id, nack);
    ctx.Dirty();
    ++it;
  }
  ctx.Unsignaled();
  auto& r = ctx.reply;
  r.Array(3);
  r.Bulk(it == g->pel.end() ? "0-0" : it->first.ToString());
  r.Array(claimed.size());
  for (StreamID id : claimed) ReplyClaimed(ctx, *s, id, justid);
  r.Array(deleted.size());
  for (StreamID id : deleted) r.Bulk(id.ToString());
}

// XINFO GROUPS' and STREAM FULL's lag (streamReplyWithCGLag): nil when the
// stream's deletions make it unknowable.
void ReplyLag(CommandContext& ctx, const Stream& s, const StreamGroup& g) {
  if (s.entries_added() == 0) return ctx.reply.Int(0);
  const auto added = static_cast<int64_t>(s.entries_added());
  if (g.entries_read != -1 && !types::StreamRangeHasTombstones(s, g.last_id, StreamID::Max())) {
    return ctx.reply.Int(added - g.entries_read);
  }
  const int64_t read = types::StreamEstimateDistance(s, g.last_id);
  if (read != -1) return ctx.reply.Int(added - read);
  ctx.reply.Null();
}

void ReplyEntriesRead(CommandContext& ctx, const StreamGroup& g) {
  if (g.entries_read != -1) return ctx.reply.Int(g.entries_read);
  ctx.reply.Null();
}

void XInfoGroups(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Stream* s = StreamForRead(ctx, args[2], &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.Error("no such key");
  auto& r = ctx.reply;
  r.Array(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    r.Map(6);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("consumers");
    r.Int(static_cast<int64_t>(g->consumers.size()));
    r.Bulk("pending");
    r.Int(static_cast<int64_t>(g->pel.size()));
    r.Bulk("last-delivered-id");
    r.Bulk(g->last_id.ToString());
    r.Bulk("entries-read");
    ReplyEntriesRead(ctx, *g);
    r.Bulk("lag");
    ReplyLag(ctx, *s, *g);
  }
}

void XInfoConsumers(CommandContext& ctx, ArgList args) {
  bool wrong;
  Stream* s = StreamForWrite(ctx, args[2], &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.Error("no such key");
  StreamGroup* g = FindGroup(s, args[3]);
  if (g == nullptr) return ctx.Error({ErrorKind::kNoGroup, NoGroupFor(args[2], args[3])});
  auto& r = ctx.reply;
  r.Array(g->consumers.size());
  for (const auto& [name, c] : g->consumers) {
    r.Map(3);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("pending");
    r.Int(static_cast<int64_t>(c->pel.size()));
    r.Bulk("idle");
    r.Int(std::max<int64_t>(0, ctx.now_ms - c->seen_time));
  }
}

// XINFO STREAM FULL's groups: each with its PEL and consumers, lists cut
// at `count` (0: all).
void ReplyGroupsFull(CommandContext& ctx, const Stream& s, int64_t count) {
  auto& r = ctx.reply;
  auto limit = [&](size_t n) {
    return count == 0 ? n : std::min(n, static_cast<size_t>(count));
  };
  r.Array(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    r.Map(7);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("last-delivered-id");
    r.Bulk(g->last_id.ToString());
    r.Bulk("entries-read");
    ReplyEntriesRead(ctx, *g);
    r.Bulk("lag");
    ReplyLag(ctx, s, *g);
    r.Bulk("pel-count");
    r.Int(static_cast<int64_t>(g->pel.size()));
    r.Bulk("pending");
    size_t n = limit(g->pel.size());
    r.Array(n);
    for (auto it = g->pel.begin(); n-- > 0; ++it) {
      r.Array(4);
      r.Bulk(it->first.ToString());
      r.Bulk(it->second.consumer->name);
      r.Int(it->second.delivery_time);
      r.Int(static_cast<int64_t>(it->second.delivery_count));
    }
    r.Bulk("consumers");
    r.Array(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      r.Map(4);
      r.Bulk("name");
      r.Bulk(cname);
      r.Bulk("seen-time");
      r.Int(c->seen_time);
      r.Bulk("pel-count");
      r.Int(static_cast<int64_t>(c->pel.size()));
      r.Bulk("pending");
      size_t m = limit(c->pel.size());
      r.Array(m);
      for (auto it = c->pel.begin(); m-- > 0; ++it) {
        r.Array(3);
        r.Bulk(it->first.ToString());
        r.Int(it->second->delivery_time);
        r.Int(static_cast<int64_t>(it->second->delivery_count));
      }
    }
  }
}

void XSetId(CommandContext& ctx, ArgList args) {
  auto id = ParseId(ctx, args[2], 0, /*strict=*/true);
  if (!id) return;
  int64_t entries_added = -1;
  std::optional<StreamID> max_xdel;
  for (size_t i = 3; i < args.size(); i++) {
    const size_t more = args.size() - 1 - i;
    if (base::EqualsIgnoreCase(args[i], "entriesadded") && more > 0) {
      auto n = ctx.IntArg(args[++i]);
      if (!n) return;
      if (*n < 0) return ctx.Error("entries_added must be positive");
      entries_added = *n;
    } else if (base::EqualsIgnoreCase(args[i], "maxdeletedid") && more > 0) {
      auto m = ParseId(ctx, args[++i], 0, /*strict=*/true);
      if (!m) return;
      if (*id < *m) {
        return ctx.Error("The ID specified in XSETID is smaller than the provided "
                         "max_deleted_entry_id");
      }
      max_xdel = *m;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  bool wrong;
  Stream* s = StreamForWrite(ctx, args[1], &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.Error("no such key");
  if (s->length() > 0) {
    if (*id < LastValidId(*s)) {
      return ctx.Error("The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added != -1 && static_cast<int64_t>(s->length()) > entries_added) {
      return ctx.Error("The entries_added specified in XSETID is smaller than the target "
                       "stream length");
    }
  }
  s->set_last_id(*id);
  if (entries_added != -1) s->set_entries_added(static_cast<uint64_t>(entries_added));
  if (max_xdel && !max_xdel->IsZero()) s->set_max_deleted_id(*max_xdel);
  ctx.Dirty();
  ctx.NotifyUnsignaled(notify::kStream, "xsetid", args[1]);
  ctx.reply.Ok();
}

// radix-tree-nodes as Redis's rax would count them for these node keys
// (doc/stream-rdb.md 5.1): one per leaf, per compressed run, per branch.
size_t RaxNodes(std::vector<std::string>& keys, size_t lo, size_t hi, size_t depth) {
  if (lo == hi) return 1;
  const size_t m = keys[lo].size();
  if (depth == m) return 1;
  size_t p = depth;
  while (p < m) {
    bool same = true;
    for (size_t i = lo + 1; i < hi && same; i++) same = keys[i][p] == keys[lo][p];
    if (!same) break;
    p++;
  }
  if (p > depth) return 1 + RaxNodes(keys, lo, hi, p);
  size_t n = 1;
  for (size_t i = lo; i < hi;) {
    size_t j = i;
    while (j < hi && keys[j][depth] == keys[i][depth]) j++;
    n += RaxNodes(keys, i, j, depth + 1);
    i = j;
  }
  return n;
}

void XInfoStream(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Stream* s = StreamForRead(ctx, args[2], &wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.Error("no such key");
  auto bad = [&] {
    ctx.Error("unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.");
  };
  bool full = false;
  int64_t count = 10;
  if (args.size() > 3) {
    if (!base::EqualsIgnoreCase(args[3], "full")) return bad();
    full = true;
    if (args.size() == 6 && base::EqualsIgnoreCase(args[4], "count")) {
      auto n = ctx.IntArg(args[5]);
      if (!n) return;
      count = *n < 0 ? 10 : *n;
    } else if (args.size() != 4) {
      return bad();
    }
  }
  std::vector<std::string> keys;
  for (const auto& [id, lp] : s->nodes()) keys.push_back(id.Encode());
  const size_t rax_nodes = keys.empty() ? 1 : RaxNodes(keys, 0, keys.size(), 0);
  auto& r = ctx.reply;
  r.Map(full ? 9 : 10);
  r.Bulk("length");
  r.Int(static_cast<int64_t>(s->length()));
  r.Bulk("radix-tree-keys");
  r.Int(static_cast<int64_t>(s->nodes().size()));
  r.Bulk("radix-tree-nodes");
  r.Int(static_cast<int64_t>(rax_nodes));
  r.Bulk("last-generated-id");
  r.Bulk(s->last_id().ToString());
  r.Bulk("max-deleted-entry-id");
  r.Bulk(s->max_deleted_id().ToString());
  r.Bulk("entries-added");
  r.Int(static_cast<int64_t>(s->entries_added()));
  r.Bulk("recorded-first-entry-id");
  r.Bulk(s->first_id().ToString());
  if (!full) {
    r.Bulk("groups");
    r.Int(static_cast<int64_t>(s->groups().size()));
    std::optional<Stream::Entry> first, last;
    s->Range(StreamID{}, StreamID::Max(), false, 1, [&](const Stream::Entry& e) {
      first = e;
      return false;
    });
    s->Range(StreamID{}, StreamID::Max(), true, 1, [&](const Stream::Entry& e) {
      last = e;
      return false;
    });
    r.Bulk("first-entry");
    first ? ReplyEntry(ctx, *first) : r.Null();
    r.Bulk("last-entry");
    last ? ReplyEntry(ctx, *last) : r.Null();
    return;
  }
  r.Bulk("entries");
  ReplyRange(ctx, *s, StreamID{}, StreamID::Max(), false, static_cast<uint64_t>(count));
  r.Bulk("groups");
  ReplyGroupsFull(ctx, *s, count);
}

void XInfoHelp(CommandContext& ctx, ArgList) {
  static const char* const kLines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.Array(std::size(kLines));
  for (const char* l : kLines) ctx.reply.Simple(l);
}

// XREAD's and XREADGROUP's STREAMS key [key ...] id [id ...].
const ArgDoc kStreamsArg = {
    .name = "streams",
    .type = "block",
    .token = "STREAMS",
    .arguments = {{.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                  {.name = "id", .type = "string", .flags = kArgMultiple}}};

// XGROUP CREATECONSUMER's and DELCONSUMER's.
std::vector<ArgDoc> KeyGroupConsumerArgs() {
  return {{.name = "key", .type = "key", .key_spec_index = 0},
          {.name = "groupname", .type = "string"},
          {.name = "consumername", .type = "string"}};
}

// XGROUP CREATE's (`mkstream`) and SETID's: key groupname id|$ [MKSTREAM]
// [ENTRIESREAD entries_read].
std::vector<ArgDoc> GroupAtIdArgs(bool mkstream) {
  std::vector<ArgDoc> args = {
      {.name = "key", .type = "key", .key_spec_index = 0},
      {.name = "groupname", .type = "string"},
      {.name = "id", .type = "oneof",
       .arguments = {{.name = "id", .type = "string"},
                     {.name = "new_id", .type = "pure-token", .token = "$"}}}};
  if (mkstream) {
    args.push_back(
        {.name = "mkstream", .type = "pure-token", .token = "MKSTREAM", .flags = kArgOptional});
  }
  args.push_back(
      {.name = "entries_read", .type = "integer", .token = "ENTRIESREAD", .flags = kArgOptional});
  return args;
}

// XADD's and XTRIM's trimming: [MAXLEN|MINID [=|~] threshold [LIMIT count]].
std::vector<ArgDoc> TrimArgs() {
  return {{.name = "strategy",
           .type = "oneof",
           .arguments = {{.name = "maxlen", .type = "pure-token", .token = "MAXLEN"},
                         {.name = "minid", .type = "pure-token", .token = "MINID",
                          .since = "6.2.0"}}},
          {.name = "operator",
           .type = "oneof",
           .flags = kArgOptional,
           .arguments = {{.name = "equal", .type = "pure-token", .token = "="},
                         {.name = "approximately", .type = "pure-token", .token = "~"}}},
          {.name = "threshold", .type = "string"},
          {.name = "count", .type = "integer", .token = "LIMIT", .since = "6.2.0",
           .flags = kArgOptional}};
}

}  // namespace

void RegisterStreamCommands(CommandTable& t) {
  auto key1 = [](uint32_t flags) { return KeySpec{.flags = flags, .index = 1}; };
  t.Add({
      {.name = "xadd",
       .arity = -5,
       .flags = kWrite | kDenyOom | kFast | kCustomPropagation,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XAdd,
       .doc = {.summary = "Appends a new entry to a stream",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(1) when adding a new entry, O(N) when trimming where N being "
                             "the number of entries evicted.",
               .history = {{"6.2.0",
                            "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the "
                            "`LIMIT` option."},
                           {"7.0.0", "Added support for the `<ms>-*` explicit ID form."}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "nomkstream",
                              .type = "pure-token",
                              .token = "NOMKSTREAM",
                              .since = "6.2.0",
                              .flags = kArgOptional},
                             {.name = "trim",
                              .type = "block",
                              .flags = kArgOptional,
                              .arguments = TrimArgs()},
                             {.name = "id_or_auto",
                              .type = "oneof",
                              .arguments = {{.name = "auto_id", .type = "pure-token", .token = "*"},
                                            {.name = "id", .type = "string"}}},
                             {.name = "field_value",
                              .type = "block",
                              .flags = kArgMultiple,
                              .arguments = {{.name = "field", .type = "string"},
                                            {.name = "value", .type = "string"}}}}},
       .key_specs = {{.notes = "UPDATE instead of INSERT because of the optional trimming "
                               "feature",
                      .flags = ks::kRW | ks::kUpdate,
                      .index = 1}},
       .tips = {"nondeterministic_output"}},
      {.name = "xlen",
       .arity = 2,
       .flags = kReadonly | kFast,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XLen,
       .doc = {.summary = "Return the number of entries in a stream",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(1)",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
       .key_specs = {key1(ks::kRO)}},
      {.name = "xrange",
       .arity = -4,
       .flags = kReadonly,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XRange,
       .doc = {.summary = "Return a range of elements in a stream, with IDs matching the "
                          "specified IDs interval",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(N) with N being the number of elements being returned. If N "
                             "is constant (e.g. always asking for the first 10 elements with "
                             "COUNT), you can consider it O(1).",
               .history = {{"6.2.0", "Added exclusive ranges."}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "start", .type = "string"},
                             {.name = "end", .type = "string"},
                             {.name = "count",
                              .type = "integer",
                              .token = "COUNT",
                              .flags = kArgOptional}}},
       .key_specs = {key1(ks::kRO | ks::kAccess)}},
      {.name = "xrevrange",
       .arity = -4,
       .flags = kReadonly,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XRevRange,
       .doc = {.summary = "Return a range of elements in a stream, with IDs matching the "
                          "specified IDs interval, in reverse order (from greater to smaller "
                          "IDs) compared to XRANGE",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(N) with N being the number of elements returned. If N is "
                             "constant (e.g. always asking for the first 10 elements with "
                             "COUNT), you can consider it O(1).",
               .history = {{"6.2.0", "Added exclusive ranges."}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "end", .type = "string"},
                             {.name = "start", .type = "string"},
                             {.name = "count",
                              .type = "integer",
                              .token = "COUNT",
                              .flags = kArgOptional}}},
       .key_specs = {key1(ks::kRO | ks::kAccess)}},
      {.name = "xdel",
       .arity = -3,
       .flags = kWrite | kFast,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XDel,
       .doc = {.summary = "Removes the specified entries from the stream. Returns the number "
                          "of items actually deleted, that may be different from the number "
                          "of IDs passed in case certain IDs do not exist.",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(1) for each single item to delete in the stream, regardless of "
                             "the stream size.",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "id", .type = "string", .flags = kArgMultiple}}},
       .key_specs = {key1(ks::kRW | ks::kDelete)}},
      {.name = "xtrim",
       .arity = -4,
       .flags = kWrite | kCustomPropagation,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XTrim,
       .doc = {.summary = "Trims the stream to (approximately if '~' is passed) a certain size",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(N), with N being the number of evicted entries. Constant times "
                             "are very small however, since entries are organized in macro "
                             "nodes containing multiple entries that can be released with a "
                             "single deallocation.",
               .history = {{"6.2.0",
                            "Added the `MINID` trimming strategy and the `LIMIT` option."}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "trim",
                              .type = "block",
                              .arguments = TrimArgs()}}},
       .key_specs = {key1(ks::kRW | ks::kDelete)},
       .tips = {"nondeterministic_output"}},
      {.name = "xread",
       .arity = -4,
       .flags = kReadonly | kBlocking | kMovableKeys,
       .keys = {0, 0, 0},
       .acl = acl::kStream,
       .handler = XRead,
       .doc = {.summary = "Return never seen elements in multiple streams, with IDs greater "
                          "than the ones reported by the caller for each stream. Can block.",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "For each stream mentioned: O(N) with N being the number of "
                             "elements being returned, it means that XREAD-ing with a fixed "
                             "COUNT is O(1). Note that when the BLOCK option is used, XADD "
                             "will pay O(M) time in order to serve the M clients blocked on "
                             "the stream getting new data.",
               .arguments = {{.name = "count",
                              .type = "integer",
                              .token = "COUNT",
                              .flags = kArgOptional},
                             {.name = "milliseconds",
                              .type = "integer",
                              .token = "BLOCK",
                              .flags = kArgOptional},
                             kStreamsArg}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess,
                      .keyword = "STREAMS",
                      .startfrom = 1,
                      .lastkey = -1,
                      .keystep = 1,
                      .limit = 2}}},
      {.name = "xreadgroup",
       .arity = -7,
       .flags = kWrite | kBlocking | kMovableKeys | kCustomPropagation,
       .keys = {0, 0, 0},
       .acl = acl::kStream,
       .handler = XReadGroup,
       .doc = {.summary = "Return new entries from a stream using a consumer group, or access "
                          "the history of the pending entries for a given consumer. Can block.",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "For each stream mentioned: O(M) with M being the number of "
                             "elements returned. If M is constant (e.g. always asking for the "
                             "first 10 elements with COUNT), you can consider it O(1). On the "
                             "other side when XREADGROUP blocks, XADD will pay the O(N) time in "
                             "order to serve the N clients blocked on the stream getting new "
                             "data.",
               .arguments = {{.name = "group_consumer",
                              .type = "block",
                              .token = "GROUP",
                              .arguments = {{.name = "group", .type = "string"},
                                            {.name = "consumer", .type = "string"}}},
                             {.name = "count",
                              .type = "integer",
                              .token = "COUNT",
                              .flags = kArgOptional},
                             {.name = "milliseconds",
                              .type = "integer",
                              .token = "BLOCK",
                              .flags = kArgOptional},
                             {.name = "noack",
                              .type = "pure-token",
                              .token = "NOACK",
                              .flags = kArgOptional},
                             kStreamsArg}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess,
                      .keyword = "STREAMS",
                      .startfrom = 4,
                      .lastkey = -1,
                      .keystep = 1,
                      .limit = 2}}},
      {.name = "xack",
       .arity = -4,
       .flags = kWrite | kFast,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XAck,
       .doc = {.summary = "Marks a pending message as correctly processed, effectively removing "
                          "it from the pending entries list of the consumer group. Return value "
                          "of the command is the number of messages successfully acknowledged, "
                          "that is, the IDs we were actually able to resolve in the PEL.",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(1) for each message ID processed.",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "group", .type = "string"},
                             {.name = "id", .type = "string", .flags = kArgMultiple}}},
       .key_specs = {key1(ks::kRW | ks::kUpdate)}},
      {.name = "xpending",
       .arity = -3,
       .flags = kReadonly,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XPending,
       .doc = {.summary = "Return information and entries from a stream consumer group pending "
                          "entries list, that are messages fetched but never acknowledged.",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(N) with N being the number of elements returned, so asking for "
                             "a small fixed number of entries per call is O(1). O(M), where M is "
                             "the total number of entries scanned when used with the IDLE "
                             "filter. When the command returns just the summary and the list of "
                             "consumers is small, it runs in O(1) time; otherwise, an additional "
                             "O(N) time for iterating every consumer.",
               .history = {{"6.2.0", "Added the `IDLE` option and exclusive range intervals."}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "group", .type = "string"},
                             {.name = "filters",
                              .type = "block",
                              .flags = kArgOptional,
                              .arguments = {{.name = "min-idle-time",
                                             .type = "integer",
                                             .token = "IDLE",
                                             .since = "6.2.0",
                                             .flags = kArgOptional},
                                            {.name = "start", .type = "string"},
                                            {.name = "end", .type = "string"},
                                            {.name = "count", .type = "integer"},
                                            {.name = "consumer",
                                             .type = "string",
                                             .flags = kArgOptional}}}}},
       .key_specs = {key1(ks::kRO | ks::kAccess)},
       .tips = {"nondeterministic_output"}},
      {.name = "xclaim",
       .arity = -6,
       .flags = kWrite | kFast | kCustomPropagation,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XClaim,
       .doc = {.summary = "Changes (or acquires) ownership of a message in a consumer group, as "
                          "if the message was delivered to the specified consumer.",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(log N) with N being the number of messages in the PEL of the "
                             "consumer group.",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "group", .type = "string"},
                             {.name = "consumer", .type = "string"},
                             {.name = "min-idle-time", .type = "string"},
                             {.name = "id", .type = "string", .flags = kArgMultiple},
                             {.name = "ms",
                              .type = "integer",
                              .token = "IDLE",
                              .flags = kArgOptional},
                             {.name = "unix-time-milliseconds",
                              .type = "unix-time",
                              .token = "TIME",
                              .flags = kArgOptional},
                             {.name = "count",
                              .type = "integer",
                              .token = "RETRYCOUNT",
                              .flags = kArgOptional},
                             {.name = "force",
                              .type = "pure-token",
                              .token = "FORCE",
                              .flags = kArgOptional},
                             {.name = "justid",
                              .type = "pure-token",
                              .token = "JUSTID",
                              .flags = kArgOptional},
                             {.name = "id",
                              .type = "string",
                              .token = "LASTID",
                              .flags = kArgOptional}}},
       .key_specs = {key1(ks::kRW | ks::kUpdate)},
       .tips = {"nondeterministic_output"}},
      {.name = "xautoclaim",
       .arity = -6,
       .flags = kWrite | kFast | kCustomPropagation,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XAutoClaim,
       .doc = {.summary = "Changes (or acquires) ownership of messages in a consumer group, as "
                          "if the messages were delivered to the specified consumer.",
               .since = "6.2.0",
               .group = "stream",
               .complexity = "O(1) if COUNT is small.",
               .history = {{"7.0.0",
                            "Added an element to the reply array, containing deleted entries "
                            "the command cleared from the PEL"}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "group", .type = "string"},
                             {.name = "consumer", .type = "string"},
                             {.name = "min-idle-time", .type = "string"},
                             {.name = "start", .type = "string"},
                             {.name = "count",
                              .type = "integer",
                              .token = "COUNT",
                              .flags = kArgOptional},
                             {.name = "justid",
                              .type = "pure-token",
                              .token = "JUSTID",
                              .flags = kArgOptional}}},
       .key_specs = {key1(ks::kRW | ks::kDelete)},
       .tips = {"nondeterministic_output"}},
      {.name = "xgroup",
       .arity = -2,
       .doc = {.summary = "A container for consumer groups commands",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "Depends on subcommand."},
       .subcommands = {{.name = "create",
                        .arity = -5,
                        .flags = kWrite | kDenyOom,
                        .keys = {2, 2, 1},
                        .acl = acl::kStream,
                        .handler = XGroupCreate,
                        .doc = {.summary = "Create a consumer group.",
                                .since = "5.0.0",
                                .group = "stream",
                                .complexity = "O(1)",
                                .history = {{"7.0.0", "Added the `entries_read` named argument."}},
                                .arguments = GroupAtIdArgs(/*mkstream=*/true)},
                        .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 2}}},
                       {.name = "setid",
                        .arity = -5,
                        .flags = kWrite,
                        .keys = {2, 2, 1},
                        .acl = acl::kStream,
                        .handler = XGroupSetId,
                        .doc = {.summary = "Set a consumer group to an arbitrary last delivered "
                                           "ID value.",
                                .since = "5.0.0",
                                .group = "stream",
                                .complexity = "O(1)",
                                .history = {{"7.0.0",
                                             "Added the optional `entries_read` argument."}},
                                .arguments = GroupAtIdArgs(/*mkstream=*/false)},
                        .key_specs = {{.flags = ks::kRW | ks::kUpdate, .index = 2}}},
                       {.name = "destroy",
                        .arity = 4,
                        .flags = kWrite,
                        .keys = {2, 2, 1},
                        .acl = acl::kStream,
                        .handler = XGroupDestroy,
                        .doc = {.summary = "Destroy a consumer group.",
                                .since = "5.0.0",
                                .group = "stream",
                                .complexity = "O(N) where N is the number of entries in the "
                                              "group's pending entries list (PEL).",
                                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                                              {.name = "groupname", .type = "string"}}},
                        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 2}}},
                       {.name = "createconsumer",
                        .arity = 5,
                        .flags = kWrite | kDenyOom,
                        .keys = {2, 2, 1},
                        .acl = acl::kStream,
                        .handler = XGroupCreateConsumer,
                        .doc = {.summary = "Create a consumer in a consumer group.",
                                .since = "6.2.0",
                                .group = "stream",
                                .complexity = "O(1)",
                                .arguments = KeyGroupConsumerArgs()},
                        .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 2}}},
                       {.name = "delconsumer",
                        .arity = 5,
                        .flags = kWrite,
                        .keys = {2, 2, 1},
                        .acl = acl::kStream,
                        .handler = XGroupDelConsumer,
                        .doc = {.summary = "Delete a consumer from a consumer group.",
                                .since = "5.0.0",
                                .group = "stream",
                                .complexity = "O(1)",
                                .arguments = KeyGroupConsumerArgs()},
                        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 2}}},
                       {.name = "help",
                        .arity = 2,
                        .flags = kLoading | kStale,
                        .acl = acl::kStream,
                        .handler = XGroupHelp,
                        .doc = {.summary = "Show helpful text about the different subcommands",
                                .since = "5.0.0",
                                .group = "stream",
                                .complexity = "O(1)"}}}},
      {.name = "xsetid",
       .arity = -3,
       .flags = kWrite | kDenyOom | kFast,
       .keys = {1, 1, 1},
       .acl = acl::kStream,
       .handler = XSetId,
       .doc = {.summary = "An internal command for replicating stream values",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "O(1)",
               .history = {{"7.0.0",
                            "Added the `entries_added` and `max_deleted_entry_id` arguments."}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "last-id", .type = "string"},
                             {.name = "entries_added",
                              .type = "integer",
                              .token = "ENTRIESADDED",
                              .since = "7.0.0",
                              .flags = kArgOptional},
                             {.name = "max_deleted_entry_id",
                              .type = "string",
                              .token = "MAXDELETEDID",
                              .since = "7.0.0",
                              .flags = kArgOptional}}},
       .key_specs = {key1(ks::kRW | ks::kUpdate)}},
      {.name = "xinfo",
       .arity = -2,
       .doc = {.summary = "A container for stream introspection commands",
               .since = "5.0.0",
               .group = "stream",
               .complexity = "Depends on subcommand."},
       .subcommands = {{.name = "groups",
                        .arity = 3,
                        .flags = kReadonly,
                        .keys = {2, 2, 1},
                        .acl = acl::kStream,
                        .handler = XInfoGroups,
                        .doc = {.summary = "List the consumer groups of a stream",
                                .since = "5.0.0",
                                .group = "stream",
                                .complexity = "O(1)",
                                .history = {{"7.0.0",
                                             "Added the `entries-read` and `lag` fields"}},
                                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
                        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 2}}},
                       {.name = "consumers",
                        .arity = 4,
                        .flags = kReadonly,
                        .keys = {2, 2, 1},
                        .acl = acl::kStream,
                        .handler = XInfoConsumers,
                        .doc = {.summary = "List the consumers in a consumer group",
                                .since = "5.0.0",
                                .group = "stream",
                                .complexity = "O(1)",
                                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                                              {.name = "groupname", .type = "string"}}},
                        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 2}},
                        .tips = {"nondeterministic_output"}},
                       {.name = "stream",
                        .arity = -3,
                        .flags = kReadonly,
                        .keys = {2, 2, 1},
                        .acl = acl::kStream,
                        .handler = XInfoStream,
                        .doc = {.summary = "Get information about a stream",
                                .since = "5.0.0",
                                .group = "stream",
                                .complexity = "O(1)",
                                .history = {{"6.0.0", "Added the `FULL` modifier."},
                                            {"7.0.0",
                                             "Added the `max-deleted-entry-id`, "
                                             "`entries-added`, `recorded-first-entry-id`, "
                                             "`entries-read` and `lag` fields"}},
                                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                                              {.name = "full",
                                               .type = "block",
                                               .token = "FULL",
                                               .flags = kArgOptional,
                                               .arguments = {{.name = "count",
                                                              .type = "integer",
                                                              .token = "COUNT",
                                                              .flags = kArgOptional}}}}},
                        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 2}}},
                       {.name = "help",
                        .arity = 2,
                        .flags = kLoading | kStale,
                        .acl = acl::kStream,
                        .handler = XInfoHelp,
                        .doc = {.summary = "Show helpful text about the different subcommands",
                                .since = "5.0.0",
                                .group = "stream",
                                .complexity = "O(1)"}}}},
  });
}

}  // namespace cairn::engine
