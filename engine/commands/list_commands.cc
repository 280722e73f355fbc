// List commands: LPUSH, RPUSH, LPUSHX, RPUSHX, LINSERT, LLEN, LINDEX, LSET,
// LPOP, RPOP, LRANGE, LTRIM, LREM, LPOS, LMOVE, RPOPLPUSH, LMPOP and the
// blocking BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP. Lists are quicklists
// (types/quicklist.h), as in Redis 7.0. Argument checks come in the order
// Redis 7.0 makes them, since that decides which error a client sees.
#include <string>
#include <vector>

#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/collection_util.h"
#include "engine/commands/registry.h"
#include "types/quicklist.h"

namespace cairn::engine {
namespace {

using types::Quicklist;

enum class End { kHead, kTail };

Value NewList(const Config& c) {
  return Value(ValueType::kList, types::Encoding::kQuicklist, new Quicklist(ListFill(c), ListCompress(c)));
}

// The list at key for a write: created when missing and `create`.
Quicklist* ListForWrite(CommandContext& ctx, std::string_view key, bool create, bool* wrong) {
  Entry* e = FindOfType(ctx, key, ValueType::kList, wrong, /*read=*/false);
  if (*wrong) return nullptr;
  if (e == nullptr) {
    if (!create) return nullptr;
    e = &ctx.db().Put(key, NewList(ctx.config), -1);
  }
  return e->value.quicklist();
}

std::string Pop(Quicklist* q, End end) { return end == End::kHead ? q->PopFront() : q->PopBack(); }

void Push(Quicklist* q, End end, std::string_view s) {
  if (end == End::kHead) {
    q->PushFront(s);
  } else {
    q->PushBack(s);
  }
}

// "left" / "right" (getListPositionFromObjectOrReply).
std::optional<End> ParseEnd(CommandContext& ctx, std::string_view arg) {
  if (base::EqualsIgnoreCase(arg, "left")) return End::kHead;
  if (base::EqualsIgnoreCase(arg, "right")) return End::kTail;
  ctx.Error(errors::kSyntax);
  return std::nullopt;
}

std::string_view EndName(End end) { return end == End::kHead ? "LEFT" : "RIGHT"; }

void PushGeneric(CommandContext& ctx, ArgList args, End end, bool only_existing) {
  bool wrong;
  Quicklist* q = ListForWrite(ctx, args[1], !only_existing, &wrong);
  if (wrong) return;
  if (q == nullptr) return ctx.reply.Int(0);
  for (size_t j = 2; j < args.size(); j++) Push(q, end, args[j]);
  ctx.Dirty(args.size() - 2);
  ctx.Notify(notify::kList, end == End::kHead ? "lpush" : "rpush", args[1]);
  ctx.reply.Int(static_cast<int64_t>(q->size()));
}

void LPush(CommandContext& ctx, ArgList args) { PushGeneric(ctx, args, End::kHead, false); }
void RPush(CommandContext& ctx, ArgList args) { PushGeneric(ctx, args, End::kTail, false); }
void LPushX(CommandContext& ctx, ArgList args) { PushGeneric(ctx, args, End::kHead, true); }
void RPushX(CommandContext& ctx, ArgList args) { PushGeneric(ctx, args, End::kTail, true); }

void LInsert(CommandContext& ctx, ArgList args) {
  bool after;
  if (base::EqualsIgnoreCase(args[2], "after")) {
    after = true;
  } else if (base::EqualsIgnoreCase(args[2], "before")) {
    after = false;
  } else {
    return ctx.Error(errors::kSyntax);
  }
  bool wrong;
  Quicklist* q = ListForWrite(ctx, args[1], false, &wrong);
  if (wrong) return;
  if (q == nullptr) return ctx.reply.Int(0);
  if (!q->InsertAtPivot(args[3], args[4], after)) return ctx.reply.Int(-1);
  ctx.Dirty();
  ctx.Notify(notify::kList, "linsert", args[1]);
  ctx.reply.Int(static_cast<int64_t>(q->size()));
}

void LLen(CommandContext& ctx, ArgList args) {
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kList, &wrong);
  if (wrong) return;
  ctx.reply.Int(e == nullptr ? 0 : static_cast<int64_t>(e->value.quicklist()->size()));
}

void LIndex(CommandContext& ctx, ArgList args) {
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kList, &wrong);
  if (wrong) return;
  if (e == nullptr) return ctx.reply.Null();
  auto index = ctx.IntArg(args[2]);
  if (!index) return;
  std::string out;
  if (!e->value.quicklist()->Get(*index, &out)) return ctx.reply.Null();
  ctx.reply.Bulk(out);
}

void LSet(CommandContext& ctx, ArgList args) {
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kList, &wrong, false);
  if (wrong) return;
  if (e == nullptr) return ctx.Error("no such key");
  auto index = ctx.IntArg(args[2]);
  if (!index) return;
  if (!e->value.quicklist()->Set(*index, args[3])) return ctx.Error("index out of range");
  ctx.Dirty();
  ctx.Notify(notify::kList, "lset", args[1]);
  ctx.reply.Ok();
}

// Pops up to `count` elements and replies with them as an array.
void PopRangeReply(CommandContext& ctx, Quicklist* q, End end, int64_t count) {
  const size_t n = std::min<size_t>(static_cast<size_t>(count), q->size());
  ctx.reply.Array(n);
  for (size_t i = 0; i < n; i++) ctx.reply.Bulk(Pop(q, end));
}

void PopGeneric(CommandContext& ctx, ArgList args, End end) {
  if (args.size() > 3) return ctx.Error(errors::WrongArity(ctx.spec.full_name));
  std::optional<int64_t> count;
  if (args.size() == 3) {
    count = PositiveArg(ctx, args[2]);
    if (!count) return;
  }
  bool wrong;
  Quicklist* q = ListForWrite(ctx, args[1], false, &wrong);
  if (wrong) return;
  if (q == nullptr) return count ? ctx.reply.NullArray() : ctx.reply.Null();
  if (!count) {
    ctx.reply.Bulk(Pop(q, end));
    ctx.Dirty();
  } else {
    if (*count == 0) return ctx.reply.Array(0);
    const size_t before = q->size();
    PopRangeReply(ctx, q, end, *count);
    ctx.Dirty(before - q->size());
  }
  ctx.Notify(notify::kList, end == End::kHead ? "lpop" : "rpop", args[1]);
  DeleteIfEmpty(ctx, args[1], q->size());
}

void LPop(CommandContext& ctx, ArgList args) { PopGeneric(ctx, args, End::kHead); }
void RPop(CommandContext& ctx, ArgList args) { PopGeneric(ctx, args, End::kTail); }

void LRange(CommandContext& ctx, ArgList args) {
  auto start = ctx.IntArg(args[2]);
  if (!start) return;
  auto end = ctx.IntArg(args[3]);
  if (!end) return;
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kList, &wrong);
  if (wrong) return;
  if (e == nullptr) return ctx.reply.Array(0);
  const Quicklist* q = e->value.quicklist();
  const int64_t len = static_cast<int64_t>(q->size());
  int64_t s = *start, t = *end;
  if (s < 0) s += len;
  if (t < 0) t += len;
  if (s < 0) s = 0;
  if (s > t || s >= len) return ctx.reply.Array(0);
  if (t >= len) t = len - 1;
  ctx.reply.Array(static_cast<size_t>(t - s + 1));
  q->Range(s, t, [&](std::string_view v) {
    ctx.reply.Bulk(v);
    return true;
  });
}

void LTrim(CommandContext& ctx, ArgList args) {
  auto start = ctx.IntArg(args[2]);
  if (!start) return;
  auto end = ctx.IntArg(args[3]);
  if (!end) return;
  bool wrong;
  Quicklist* q = ListForWrite(ctx, args[1], false, &wrong);
  if (wrong) return;
  if (q == nullptr) return ctx.reply.Ok();
  const int64_t len = static_cast<int64_t>(q->size());
  int64_t s = *start, t = *end;
  if (s < 0) s += len;
  if (t < 0) t += len;
  if (s < 0) s = 0;
  if (s > t || s >= len) {
    ctx.Dirty(static_cast<uint64_t>(len));
    ctx.Notify(notify::kList, "ltrim", args[1]);
    DeleteIfEmpty(ctx, args[1], 0);
    return ctx.reply.Ok();
  }
  if (t >= len) t = len - 1;
  const uint64_t removed = static_cast<uint64_t>(len - (t - s + 1));
  if (removed != 0) q->Trim(static_cast<size_t>(s), static_cast<size_t>(t));
  ctx.Dirty(removed);
  ctx.Notify(notify::kList, "ltrim", args[1]);
  ctx.reply.Ok();
}

void LRem(CommandContext& ctx, ArgList args) {
  auto count = ctx.IntArg(args[2]);
  if (!count) return;
  bool wrong;
  Quicklist* q = ListForWrite(ctx, args[1], false, &wrong);
  if (wrong) return;
  if (q == nullptr) return ctx.reply.Int(0);
  const size_t removed = q->Remove(args[3], *count);
  ctx.Dirty(removed);
  if (removed > 0) ctx.Notify(notify::kList, "lrem", args[1]);
  DeleteIfEmpty(ctx, args[1], q->size());
  ctx.reply.Int(static_cast<int64_t>(removed));
}

void LPos(CommandContext& ctx, ArgList args) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < args.size(); j++) {
    const bool more = j + 1 < args.size();
    if (base::EqualsIgnoreCase(args[j], "rank") && more) {
      auto v = ctx.IntArg(args[++j]);
      if (!v) return;
      if (*v == 0) {
        return ctx.Error(
            "RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
      rank = *v;
    } else if (base::EqualsIgnoreCase(args[j], "count") && more) {
      auto v = PositiveArg(ctx, args[++j], "COUNT can't be negative");
      if (!v) return;
      count = *v;
    } else if (base::EqualsIgnoreCase(args[j], "maxlen") && more) {
      auto v = PositiveArg(ctx, args[++j], "MAXLEN can't be negative");
      if (!v) return;
      maxlen = *v;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  const bool from_tail = rank < 0;
  // Redis 7.0.15 negates without a range check: RANK -9223372036854775808
  // stays negative, so every match counts (and COUNT's arithmetic wraps).
  if (from_tail) rank = static_cast<int64_t>(0 - static_cast<uint64_t>(rank));
  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kList, &wrong);
  if (wrong) return;
  if (e == nullptr) return count != -1 ? ctx.reply.Array(0) : ctx.reply.Null();
  const Quicklist* q = e->value.quicklist();
  const int64_t len = static_cast<int64_t>(q->size());
  std::vector<int64_t> found;
  int64_t index = 0, matches = 0;
  auto visit = [&](std::string_view v) {
    if (maxlen != 0 && index >= maxlen) return false;
    if (v == args[2]) {
      matches++;
      if (matches >= rank) {
        found.push_back(from_tail ? len - index - 1 : index);
        const int64_t taken = static_cast<int64_t>(static_cast<uint64_t>(matches) -
                                                   static_cast<uint64_t>(rank) + 1);
        if (count == -1 || (count != 0 && taken >= count)) return false;
      }
    }
    index++;
    return true;
  };
  if (len > 0) {
    if (from_tail) {
      q->Range(len - 1, 0, visit);
    } else {
      q->Range(0, len - 1, visit);
    }
  }
  if (count != -1) {
    ctx.reply.Array(found.size());
    for (int64_t i : found) ctx.reply.Int(i);
  } else if (found.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Int(found[0]);
  }
}

// LMOVE's work once the source exists and has elements: the destination's
// type is checked before anything moves.
void MoveElement(CommandContext& ctx, std::string_view src, Quicklist* from, std::string_view dst,
                 End where_from, End where_to) {
  bool wrong;
  Entry* d = FindOfType(ctx, dst, ValueType::kList, &wrong, false);
  if (wrong) return;
  std::string value = Pop(from, where_from);
  Quicklist* to = d != nullptr ? d->value.quicklist() : nullptr;
  if (to == nullptr) {
    to = ctx.db().Put(dst, NewList(ctx.config), -1).value.quicklist();
  }
  Push(to, where_to, value);
  // Redis 7.0 tells of the push before the pop (its documentation says the
  // opposite; the server is the reference).
  ctx.Notify(notify::kList, where_to == End::kHead ? "lpush" : "rpush", dst);
  ctx.Notify(notify::kList, where_from == End::kHead ? "lpop" : "rpop", src);
  // The source goes once empty; with src == dst it never is (the element
  // went back in).
  DeleteIfEmpty(ctx, src, from->size());
  ctx.Dirty();
  ctx.reply.Bulk(value);
}

void LMoveGeneric(CommandContext& ctx, std::string_view src, std::string_view dst, End from,
                  End to) {
  bool wrong;
  Quicklist* q = ListForWrite(ctx, src, false, &wrong);
  if (wrong) return;
  if (q == nullptr) return ctx.reply.Null();
  MoveElement(ctx, src, q, dst, from, to);
}

void LMove(CommandContext& ctx, ArgList args) {
  auto from = ParseEnd(ctx, args[3]);
  if (!from) return;
  auto to = ParseEnd(ctx, args[4]);
  if (!to) return;
  LMoveGeneric(ctx, args[1], args[2], *from, *to);
}

void RPopLPush(CommandContext& ctx, ArgList args) {
  LMoveGeneric(ctx, args[1], args[2], End::kTail, End::kHead);
}

// LMPOP/BLMPOP's common tail: pops from the first non-empty list among
// keys; true when it replied (data or an error).
bool MultiPop(CommandContext& ctx, ArgList keys, End end, int64_t count, bool* served) {
  *served = false;
  for (const std::string& key : keys) {
    if (!ctx.ServesFrom(key)) continue;
    bool wrong;
    Quicklist* q = ListForWrite(ctx, key, false, &wrong);
    if (wrong) return true;
    if (q == nullptr || q->size() == 0) continue;
    const size_t n = std::min<size_t>(static_cast<size_t>(count), q->size());
    ctx.reply.Array(2);
    ctx.reply.Bulk(key);
    PopRangeReply(ctx, q, end, count);
    ctx.Dirty(n);
    ctx.Propagate({end == End::kHead ? "LPOP" : "RPOP", key, std::to_string(n)});
    ctx.Notify(notify::kList, end == End::kHead ? "lpop" : "rpop", key);
    DeleteIfEmpty(ctx, key, q->size());
    *served = true;
    return true;
  }
  return false;
}

// Parses "numkeys key... LEFT|RIGHT [COUNT count]" from args[first]. Sets
// *keys to the key arguments.
bool ParseMultiPop(CommandContext& ctx, ArgList args, size_t first, ArgList* keys, End* end,
                   int64_t* count) {
  bool right;
  if (!ParseMultiPopArgs(ctx, args, first, "left", "right", keys, &right, count)) return false;
  *end = right ? End::kTail : End::kHead;
  return true;
}

void LMPop(CommandContext& ctx, ArgList args) {
  ArgList keys;
  End end;
  int64_t count;
  if (!ParseMultiPop(ctx, args, 1, &keys, &end, &count)) return;
  bool served;
  if (!MultiPop(ctx, keys, end, count, &served)) ctx.reply.NullArray();
}

// Blocks on `keys` unless the client may not wait, in which case it gets
// the timeout reply at once (Redis's CLIENT_DENY_BLOCKING).
void BlockOrGiveUp(CommandContext& ctx, ArgList keys, int64_t deadline, bool null_bulk = false) {
  if (!ctx.may_block) return null_bulk ? ctx.reply.Null() : ctx.reply.NullArray();
  ctx.Block(std::vector<std::string>(keys.begin(), keys.end()), deadline, ValueType::kList);
}

// BLPOP/BRPOP key... timeout.
void BlockingPop(CommandContext& ctx, ArgList args, End end) {
  auto deadline = ParseBlockTimeout(ctx, args.back());
  if (!deadline) return;
  ArgList keys = args.subspan(1, args.size() - 2);
  for (const std::string& key : keys) {
    if (!ctx.ServesFrom(key)) continue;
    bool wrong;
    Quicklist* q = ListForWrite(ctx, key, false, &wrong);
    if (wrong) return;
    if (q == nullptr || q->size() == 0) continue;
    ctx.reply.Array(2);
    ctx.reply.Bulk(key);
    ctx.reply.Bulk(Pop(q, end));
    ctx.Dirty();
    ctx.Propagate({end == End::kHead ? "LPOP" : "RPOP", key});
    ctx.Notify(notify::kList, end == End::kHead ? "lpop" : "rpop", key);
    DeleteIfEmpty(ctx, key, q->size());
    return;
  }
  BlockOrGiveUp(ctx, keys, *deadline);
}

void BLPop(CommandContext& ctx, ArgList args) { BlockingPop(ctx, args, End::kHead); }
void BRPop(CommandContext& ctx, ArgList args) { BlockingPop(ctx, args, End::kTail); }

void BLMoveGeneric(CommandContext& ctx, ArgList args, End from, End to,
                   const std::string& timeout) {
  auto deadline = ParseBlockTimeout(ctx, timeout);
  if (!deadline) return;
  bool wrong;
  Quicklist* q = ListForWrite(ctx, args[1], false, &wrong);
  if (wrong) return;
  if (q == nullptr) return BlockOrGiveUp(ctx, args.subspan(1, 1), *deadline, /*null_bulk=*/true);
  const uint64_t dirty = ctx.dirty();
  MoveElement(ctx, args[1], q, args[2], from, to);
  if (ctx.dirty() != dirty) {
    ctx.Propagate(
        {"LMOVE", args[1], args[2], std::string(EndName(from)), std::string(EndName(to))});
  }
}

void BLMove(CommandContext& ctx, ArgList args) {
  auto from = ParseEnd(ctx, args[3]);
  if (!from) return;
  auto to = ParseEnd(ctx, args[4]);
  if (!to) return;
  BLMoveGeneric(ctx, args, *from, *to, args[5]);
}

void BRPopLPush(CommandContext& ctx, ArgList args) {
  BLMoveGeneric(ctx, args, End::kTail, End::kHead, args[3]);
}

void BLMPop(CommandContext& ctx, ArgList args) {
  ArgList keys;
  End end;
  int64_t count;
  if (!ParseMultiPop(ctx, args, 2, &keys, &end, &count)) return;
  auto deadline = ParseBlockTimeout(ctx, args[1]);
  if (!deadline) return;
  bool served;
  if (MultiPop(ctx, keys, end, count, &served)) return;
  BlockOrGiveUp(ctx, keys, *deadline);
}

}  // namespace

void RegisterListCommands(CommandTable& t) {
  t.Add(
      {{.name = "lpush",
        .arity = -3,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LPush,
        .doc = {.summary = "Prepend one or multiple elements to a list",
                .since = "1.0.0",
                .group = "list",
                .complexity = "O(1) for each element added, so O(N) to add N elements when the "
                              "command is called with multiple arguments.",
                .history = {{"2.4.0", "Accepts multiple `element` arguments."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "element", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 1}}},
       {.name = "rpush",
        .arity = -3,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = RPush,
        .doc = {.summary = "Append one or multiple elements to a list",
                .since = "1.0.0",
                .group = "list",
                .complexity = "O(1) for each element added, so O(N) to add N elements when the "
                              "command is called with multiple arguments.",
                .history = {{"2.4.0", "Accepts multiple `element` arguments."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "element", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 1}}},
       {.name = "lpushx",
        .arity = -3,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LPushX,
        .doc = {.summary = "Prepend an element to a list, only if the list exists",
                .since = "2.2.0",
                .group = "list",
                .complexity = "O(1) for each element added, so O(N) to add N elements when the "
                              "command is called with multiple arguments.",
                .history = {{"4.0.0", "Accepts multiple `element` arguments."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "element", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 1}}},
       {.name = "rpushx",
        .arity = -3,
        .flags = kWrite | kDenyOom | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = RPushX,
        .doc = {.summary = "Append an element to a list, only if the list exists",
                .since = "2.2.0",
                .group = "list",
                .complexity = "O(1) for each element added, so O(N) to add N elements when the "
                              "command is called with multiple arguments.",
                .history = {{"4.0.0", "Accepts multiple `element` arguments."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "element", .type = "string", .flags = kArgMultiple}}},
        .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 1}}},
       {.name = "linsert",
        .arity = 5,
        .flags = kWrite | kDenyOom,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LInsert,
        .doc =
            {.summary = "Insert an element before or after another element in a list",
             .since = "2.2.0",
             .group = "list",
             .complexity =
                 "O(N) where N is the number of elements to traverse before seeing the value "
                 "pivot. This means that inserting somewhere on the left end on the list (head) "
                 "can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
             .arguments =
                 {{.name = "key", .type = "key", .key_spec_index = 0},
                  {.name = "where",
                   .type = "oneof",
                   .arguments = {{.name = "before", .type = "pure-token", .token = "BEFORE"},
                                 {.name = "after", .type = "pure-token", .token = "AFTER"}}},
                  {.name = "pivot", .type = "string"},
                  {.name = "element", .type = "string"}}},
        .key_specs = {{.flags = ks::kRW | ks::kInsert, .index = 1}}},
       {.name = "llen",
        .arity = 2,
        .flags = kReadonly | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LLen,
        .doc = {.summary = "Get the length of a list",
                .since = "1.0.0",
                .group = "list",
                .complexity = "O(1)",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
        .key_specs = {{.flags = ks::kRO, .index = 1}}},
       {.name = "lindex",
        .arity = 3,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LIndex,
        .doc = {.summary = "Get an element from a list by its index",
                .since = "1.0.0",
                .group = "list",
                .complexity =
                    "O(N) where N is the number of elements to traverse to get to the element at "
                    "index. This makes asking for the first or the last element of the list O(1).",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "index", .type = "integer"}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "lset",
        .arity = 4,
        .flags = kWrite | kDenyOom,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LSet,
        .doc = {.summary = "Set the value of an element in a list by its index",
                .since = "1.0.0",
                .group = "list",
                .complexity = "O(N) where N is the length of the list. Setting either the first or "
                              "the last element of the list is O(1).",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "index", .type = "integer"},
                              {.name = "element", .type = "string"}}},
        .key_specs = {{.flags = ks::kRW | ks::kUpdate, .index = 1}}},
       {.name = "lpop",
        .arity = -2,
        .flags = kWrite | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LPop,
        .doc = {.summary = "Remove and get the first elements in a list",
                .since = "1.0.0",
                .group = "list",
                .complexity = "O(N) where N is the number of elements returned",
                .history = {{"6.2.0", "Added the `count` argument."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "count",
                               .type = "integer",
                               .since = "6.2.0",
                               .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1}}},
       {.name = "rpop",
        .arity = -2,
        .flags = kWrite | kFast,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = RPop,
        .doc = {.summary = "Remove and get the last elements in a list",
                .since = "1.0.0",
                .group = "list",
                .complexity = "O(N) where N is the number of elements returned",
                .history = {{"6.2.0", "Added the `count` argument."}},
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "count",
                               .type = "integer",
                               .since = "6.2.0",
                               .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1}}},
       {.name = "lrange",
        .arity = 4,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LRange,
        .doc = {.summary = "Get a range of elements from a list",
                .since = "1.0.0",
                .group = "list",
                .complexity = "O(S+N) where S is the distance of start offset from HEAD for small "
                              "lists, from nearest end (HEAD or TAIL) for large lists; and N is "
                              "the number of elements in the specified range.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "start", .type = "integer"},
                              {.name = "stop", .type = "integer"}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "ltrim",
        .arity = 4,
        .flags = kWrite,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LTrim,
        .doc = {.summary = "Trim a list to the specified range",
                .since = "1.0.0",
                .group = "list",
                .complexity =
                    "O(N) where N is the number of elements to be removed by the operation.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "start", .type = "integer"},
                              {.name = "stop", .type = "integer"}}},
        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 1}}},
       {.name = "lrem",
        .arity = 4,
        .flags = kWrite,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LRem,
        .doc = {.summary = "Remove elements from a list",
                .since = "1.0.0",
                .group = "list",
                .complexity = "O(N+M) where N is the length of the list and M is the number of "
                              "elements removed.",
                .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                              {.name = "count", .type = "integer"},
                              {.name = "element", .type = "string"}}},
        .key_specs = {{.flags = ks::kRW | ks::kDelete, .index = 1}}},
       {.name = "lpos",
        .arity = -3,
        .flags = kReadonly,
        .keys = {1, 1, 1},
        .acl = acl::kList,
        .handler = LPos,
        .doc = {.summary = "Return the index of matching elements on a list",
                .since = "6.0.6",
                .group = "list",
                .complexity =
                    "O(N) where N is the number of elements in the list, for the average case. "
                    "When searching for elements near the head or the tail of the list, or when "
                    "the MAXLEN option is provided, the command may run in constant time.",
                .arguments =
                    {{.name = "key", .type = "key", .key_spec_index = 0},
                     {.name = "element", .type = "string"},
                     {.name = "rank", .type = "integer", .token = "RANK", .flags = kArgOptional},
                     {.name = "num-matches",
                      .type = "integer",
                      .token = "COUNT",
                      .flags = kArgOptional},
                     {.name = "len", .type = "integer", .token = "MAXLEN", .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
       {.name = "lmove",
        .arity = 5,
        .flags = kWrite | kDenyOom,
        .keys = {1, 2, 1},
        .acl = acl::kList,
        .handler = LMove,
        .doc = {.summary = "Pop an element from a list, push it to another list and return it",
                .since = "6.2.0",
                .group = "list",
                .complexity = "O(1)",
                .arguments =
                    {{.name = "source", .type = "key", .key_spec_index = 0},
                     {.name = "destination", .type = "key", .key_spec_index = 1},
                     {.name = "wherefrom",
                      .type = "oneof",
                      .arguments = {{.name = "left", .type = "pure-token", .token = "LEFT"},
                                    {.name = "right", .type = "pure-token", .token = "RIGHT"}}},
                     {.name = "whereto",
                      .type = "oneof",
                      .arguments = {{.name = "left", .type = "pure-token", .token = "LEFT"},
                                    {.name = "right", .type = "pure-token", .token = "RIGHT"}}}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1},
                      {.flags = ks::kRW | ks::kInsert, .index = 2}}},
       {.name = "rpoplpush",
        .arity = 3,
        .flags = kWrite | kDenyOom,
        .keys = {1, 2, 1},
        .acl = acl::kList,
        .handler = RPopLPush,
        .doc = {.summary =
                    "Remove the last element in a list, prepend it to another list and return it",
                .since = "1.2.0",
                .group = "list",
                .complexity = "O(1)",
                .doc_flags = {"deprecated"},
                .deprecated_since = "6.2.0",
                .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments",
                .arguments = {{.name = "source", .type = "key", .key_spec_index = 0},
                              {.name = "destination", .type = "key", .key_spec_index = 1}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1},
                      {.flags = ks::kRW | ks::kInsert, .index = 2}}},
       {.name = "lmpop",
        .arity = -4,
        .flags = kWrite | kMovableKeys | kCustomPropagation,
        .acl = acl::kList,
        .handler = LMPop,
        .doc =
            {.summary = "Pop elements from a list",
             .since = "7.0.0",
             .group = "list",
             .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                           "elements returned.",
             .arguments =
                 {{.name = "numkeys", .type = "integer"},
                  {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                  {.name = "where",
                   .type = "oneof",
                   .arguments = {{.name = "left", .type = "pure-token", .token = "LEFT"},
                                 {.name = "right", .type = "pure-token", .token = "RIGHT"}}},
                  {.name = "count", .type = "integer", .token = "COUNT", .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete,
                       .index = 1,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}},
       {.name = "blpop",
        .arity = -3,
        .flags = kWrite | kNoScript | kBlocking | kCustomPropagation,
        .keys = {1, -2, 1},
        .acl = acl::kList,
        .handler = BLPop,
        .doc = {.summary =
                    "Remove and get the first element in a list, or block until one is available",
                .since = "2.0.0",
                .group = "list",
                .complexity = "O(N) where N is the number of provided keys.",
                .history = {{"6.0.0",
                             "`timeout` is interpreted as a double instead of an integer."}},
                .arguments =
                    {{.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                     {.name = "timeout", .type = "double"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1, .lastkey = -2}}},
       {.name = "brpop",
        .arity = -3,
        .flags = kWrite | kNoScript | kBlocking | kCustomPropagation,
        .keys = {1, -2, 1},
        .acl = acl::kList,
        .handler = BRPop,
        .doc = {.summary =
                    "Remove and get the last element in a list, or block until one is available",
                .since = "2.0.0",
                .group = "list",
                .complexity = "O(N) where N is the number of provided keys.",
                .history = {{"6.0.0",
                             "`timeout` is interpreted as a double instead of an integer."}},
                .arguments =
                    {{.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                     {.name = "timeout", .type = "double"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1, .lastkey = -2}}},
       {.name = "blmove",
        .arity = 6,
        .flags = kWrite | kDenyOom | kNoScript | kBlocking | kCustomPropagation,
        .keys = {1, 2, 1},
        .acl = acl::kList,
        .handler = BLMove,
        .doc = {.summary = "Pop an element from a list, push it to another list and return it; or "
                           "block until one is available",
                .since = "6.2.0",
                .group = "list",
                .complexity = "O(1)",
                .arguments =
                    {{.name = "source", .type = "key", .key_spec_index = 0},
                     {.name = "destination", .type = "key", .key_spec_index = 1},
                     {.name = "wherefrom",
                      .type = "oneof",
                      .arguments = {{.name = "left", .type = "pure-token", .token = "LEFT"},
                                    {.name = "right", .type = "pure-token", .token = "RIGHT"}}},
                     {.name = "whereto",
                      .type = "oneof",
                      .arguments = {{.name = "left", .type = "pure-token", .token = "LEFT"},
                                    {.name = "right", .type = "pure-token", .token = "RIGHT"}}},
                     {.name = "timeout", .type = "double"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1},
                      {.flags = ks::kRW | ks::kInsert, .index = 2}}},
       {.name = "brpoplpush",
        .arity = 4,
        .flags = kWrite | kDenyOom | kNoScript | kBlocking | kCustomPropagation,
        .keys = {1, 2, 1},
        .acl = acl::kList,
        .handler = BRPopLPush,
        .doc = {.summary = "Pop an element from a list, push it to another list and return it; or "
                           "block until one is available",
                .since = "2.2.0",
                .group = "list",
                .complexity = "O(1)",
                .doc_flags = {"deprecated"},
                .deprecated_since = "6.2.0",
                .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
                .history = {{"6.0.0",
                             "`timeout` is interpreted as a double instead of an integer."}},
                .arguments = {{.name = "source", .type = "key", .key_spec_index = 0},
                              {.name = "destination", .type = "key", .key_spec_index = 1},
                              {.name = "timeout", .type = "double"}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1},
                      {.flags = ks::kRW | ks::kInsert, .index = 2}}},
       {.name = "blmpop",
        .arity = -5,
        .flags = kWrite | kBlocking | kMovableKeys | kCustomPropagation,
        .acl = acl::kList,
        .handler = BLMPop,
        .doc =
            {.summary = "Pop elements from a list, or block until one is available",
             .since = "7.0.0",
             .group = "list",
             .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                           "elements returned.",
             .arguments =
                 {{.name = "timeout", .type = "double"},
                  {.name = "numkeys", .type = "integer"},
                  {.name = "key", .type = "key", .flags = kArgMultiple, .key_spec_index = 0},
                  {.name = "where",
                   .type = "oneof",
                   .arguments = {{.name = "left", .type = "pure-token", .token = "LEFT"},
                                 {.name = "right", .type = "pure-token", .token = "RIGHT"}}},
                  {.name = "count", .type = "integer", .token = "COUNT", .flags = kArgOptional}}},
        .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete,
                       .index = 2,
                       .keynum = true,
                       .keynumidx = 0,
                       .firstkey = 1}}}});
}

}  // namespace cairn::engine
