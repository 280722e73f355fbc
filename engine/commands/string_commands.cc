// String commands: GET, SET.
#include <climits>

#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/registry.h"

namespace cairn::engine {
namespace {

// Replies with the string at `key` (or null). Returns false after replying
// WRONGTYPE.
bool ReplyString(CommandContext& ctx, std::string_view key) {
  Entry* e = ctx.db().Find(key, ctx.now_ms);
  if (e == nullptr) {
    ctx.server.stats.keyspace_misses++;
    ctx.reply.Null();
    return true;
  }
  ctx.server.stats.keyspace_hits++;
  if (e->value.type != ValueType::kString) {
    ctx.WrongType();
    return false;
  }
  ctx.reply.Bulk(e->value.str);
  return true;
}

void Get(CommandContext& ctx, ArgList args) { ReplyString(ctx, args[1]); }

enum SetFlag : uint32_t {
  kNx = 1, kXx = 2, kGet = 4, kKeepTtl = 8, kEx = 16, kPx = 32, kExAt = 64, kPxAt = 128,
};
constexpr uint32_t kAnyExpire = kEx | kPx | kExAt | kPxAt;

// Redis 7.0's parseExtendedStringArgumentsOrReply for SET: options may
// repeat (the last expiry wins); conflicting ones are a syntax error.
bool ParseSetOptions(ArgList args, uint32_t* flags, const std::string** expire) {
  for (size_t j = 3; j < args.size(); j++) {
    const std::string& opt = args[j];
    bool has_next = j + 1 < args.size();
    auto is = [&](std::string_view name) { return base::EqualsIgnoreCase(opt, name); };
    uint32_t expire_flag = is("ex") ? kEx : is("px") ? kPx : is("exat") ? kExAt
                         : is("pxat") ? kPxAt : 0u;
    if (is("nx") && !(*flags & kXx)) {
      *flags |= kNx;
    } else if (is("xx") && !(*flags & kNx)) {
      *flags |= kXx;
    } else if (is("get")) {
      *flags |= kGet;
    } else if (is("keepttl") && !(*flags & kAnyExpire)) {
      *flags |= kKeepTtl;
    } else if (expire_flag != 0 && !(*flags & kKeepTtl) &&
               !(*flags & (kAnyExpire & ~expire_flag)) && has_next) {
      *flags |= expire_flag;
      *expire = &args[++j];
    } else {
      return false;
    }
  }
  return true;
}

void Set(CommandContext& ctx, ArgList args) {
  uint32_t flags = 0;
  const std::string* expire_arg = nullptr;
  if (!ParseSetOptions(args, &flags, &expire_arg)) return ctx.Error(errors::kSyntax);

  int64_t expire_ms = -1;
  if (expire_arg != nullptr) {
    auto v = ctx.IntArg(*expire_arg);
    if (!v) return;
    const bool seconds = flags & (kEx | kExAt);
    int64_t when = *v;
    // Redis's getExpireMillisecondsOrReply: positive, no overflow once
    // scaled to ms and made absolute.
    if (when <= 0 || (seconds && when > LLONG_MAX / 1000)) {
      return ctx.Error(errors::InvalidExpireTime("set"));
    }
    if (seconds) when *= 1000;
    if ((flags & (kEx | kPx)) && __builtin_add_overflow(when, ctx.now_ms, &when)) {
      return ctx.Error(errors::InvalidExpireTime("set"));
    }
    expire_ms = when;
  }

  const std::string& key = args[1];
  if (flags & kGet) {
    if (!ReplyString(ctx, key)) return;
  }
  Db& db = ctx.db();
  Entry* existing = db.Find(key, ctx.now_ms);
  if (((flags & kNx) && existing != nullptr) || ((flags & kXx) && existing == nullptr)) {
    if (!(flags & kGet)) ctx.reply.Null();
    return;
  }
  if ((flags & kKeepTtl) && existing != nullptr) expire_ms = existing->expire_ms;
  db.Put(key, Value{ValueType::kString, args[2]}, expire_ms);
  ctx.Dirty();
  if (!(flags & kGet)) ctx.reply.Ok();

  // Deterministic form: a relative expiry becomes absolute (as Redis 7.0
  // rewrites it). Without one, argv replays to the same state as it is.
  if (expire_arg != nullptr) {
    ctx.Propagate({"SET", key, args[2], "PXAT", std::to_string(expire_ms)});
  }
}

}  // namespace

void RegisterStringCommands(CommandTable& t) {
  t.Add({
      {.name = "get", .arity = 2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = Get,
       .doc = {.summary = "Get the value of a key", .since = "1.0.0", .group = "string",
               .complexity = "O(1)",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}}},
      {.name = "set", .arity = -3, .flags = kWrite | kDenyOom | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kString, .handler = Set,
       .doc = {.summary = "Set the string value of a key", .since = "1.0.0",
               .group = "string", .complexity = "O(1)",
               .arguments =
                   {{.name = "key", .type = "key", .key_spec_index = 0},
                    {.name = "value", .type = "string"},
                    {.name = "condition", .type = "oneof", .since = "2.6.12",
                     .flags = kArgOptional,
                     .arguments = {{.name = "nx", .type = "pure-token", .token = "NX"},
                                   {.name = "xx", .type = "pure-token", .token = "XX"}}},
                    {.name = "get", .type = "pure-token", .token = "GET", .since = "6.2.0",
                     .flags = kArgOptional},
                    {.name = "expiration", .type = "oneof", .flags = kArgOptional,
                     .arguments = {{.name = "seconds", .type = "integer", .token = "EX",
                                    .since = "2.6.12"},
                                   {.name = "milliseconds", .type = "integer", .token = "PX",
                                    .since = "2.6.12"},
                                   {.name = "unix-time-seconds", .type = "unix-time",
                                    .token = "EXAT", .since = "6.2.0"},
                                   {.name = "unix-time-milliseconds", .type = "unix-time",
                                    .token = "PXAT", .since = "6.2.0"},
                                   {.name = "keepttl", .type = "pure-token",
                                    .token = "KEEPTTL", .since = "6.0.0"}}}}},
       .key_specs = {{.notes = "RW and ACCESS due to the optional `GET` argument",
                      .flags = ks::kRW | ks::kAccess | ks::kUpdate | ks::kVariableFlags,
                      .index = 1}}},
  });
}

}  // namespace cairn::engine
