// String commands: GET, SET, SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX,
// MGET, MSET, MSETNX, APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE, INCR,
// DECR, INCRBY, DECRBY, INCRBYFLOAT, LCS.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <cerrno>
#include <cctype>
#include <optional>
#include <vector>

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
  Entry* existing = db.FindKey(key, ctx.now_ms);  // (its value is not read)
  if (((flags & kNx) && existing != nullptr) || ((flags & kXx) && existing == nullptr)) {
    if (!(flags & kGet)) ctx.reply.Null();
    return;
  }
  if ((flags & kKeepTtl) && existing != nullptr) expire_ms = db.ExpireOf(*existing);
  db.Put(key, Value{ValueType::kString, args[2]}, expire_ms);
  ctx.Dirty();
  ctx.Notify(notify::kString, "set", key);
  if (expire_arg != nullptr) ctx.Notify(notify::kGeneric, "expire", key);
  if (!(flags & kGet)) ctx.reply.Ok();

  // Deterministic form: a relative expiry becomes absolute (as Redis 7.0
  // rewrites it). Without one, argv replays to the same state as it is.
  if (expire_arg != nullptr) {
    ctx.Propagate({"SET", key, args[2], "PXAT", std::to_string(expire_ms)});
  }
}

// The string at `key` for a command that needs one: nullptr when missing;
// on a value of another type replies WRONGTYPE and sets *failed.
Entry* FindString(CommandContext& ctx, std::string_view key, bool* failed) {
  *failed = false;
  Entry* e = ctx.db().Find(key, ctx.now_ms);
  if (e != nullptr && e->value.type != ValueType::kString) {
    ctx.WrongType();
    *failed = true;
    return nullptr;
  }
  return e;
}

// Redis's checkStringLength: results may not exceed proto-max-bulk-len.
bool CheckLength(CommandContext& ctx, uint64_t len) {
  if (len > static_cast<uint64_t>(ctx.config.values().proto_max_bulk_len)) {
    ctx.Error("string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
  }
  return true;
}

void SetNx(CommandContext& ctx, ArgList args) {
  if (ctx.db().FindKey(args[1], ctx.now_ms) != nullptr) return ctx.reply.Int(0);
  ctx.db().Put(args[1], Value{ValueType::kString, args[2]}, -1);
  ctx.Dirty();
  ctx.Notify(notify::kString, "set", args[1]);
  ctx.reply.Int(1);
}

// SETEX/PSETEX key time value: logged as SET key value PXAT <abs>, as Redis 7.
void SetExGeneric(CommandContext& ctx, ArgList args, bool seconds, std::string_view name) {
  auto v = ctx.IntArg(args[2]);
  if (!v) return;
  int64_t when = *v;
  if (when <= 0 || (seconds && when > LLONG_MAX / 1000)) {
    return ctx.Error(errors::InvalidExpireTime(name));
  }
  if (seconds) when *= 1000;
  if (__builtin_add_overflow(when, ctx.now_ms, &when)) {
    return ctx.Error(errors::InvalidExpireTime(name));
  }
  ctx.db().Put(args[1], Value{ValueType::kString, args[3]}, when);
  ctx.Dirty();
  ctx.Notify(notify::kString, "set", args[1]);
  ctx.Notify(notify::kGeneric, "expire", args[1]);
  ctx.reply.Ok();
  ctx.Propagate({"SET", args[1], args[3], "PXAT", std::to_string(when)});
}

void SetEx(CommandContext& ctx, ArgList args) { SetExGeneric(ctx, args, true, "setex"); }
void PSetEx(CommandContext& ctx, ArgList args) { SetExGeneric(ctx, args, false, "psetex"); }

void GetSet(CommandContext& ctx, ArgList args) {
  if (!ReplyString(ctx, args[1])) return;
  ctx.db().Put(args[1], Value{ValueType::kString, args[2]}, -1);
  ctx.Dirty();
  ctx.Notify(notify::kString, "set", args[1]);
}

void GetDel(CommandContext& ctx, ArgList args) {
  bool failed;
  Entry* e = FindString(ctx, args[1], &failed);
  if (failed) return;
  if (e == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(e->value.str);
  ctx.db().Erase(args[1]);
  ctx.Dirty();
  ctx.Notify(notify::kGeneric, "del", args[1]);
  ctx.Propagate({"DEL", args[1]});
}

// GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST], after Redis 7.0:
// options parse like SET's (one may repeat, the last wins; different ones
// conflict), then a missing key answers nil before the time is checked.
void GetEx(CommandContext& ctx, ArgList args) {
  enum { kNone, kEx, kPx, kExAt, kPxAt, kPersist } mode = kNone;
  const std::string* time_arg = nullptr;
  for (size_t j = 2; j < args.size(); j++) {
    auto is = [&](std::string_view n) { return base::EqualsIgnoreCase(args[j], n); };
    const bool has_next = j + 1 < args.size();
    const auto m = is("ex") ? kEx : is("px") ? kPx : is("exat") ? kExAt : is("pxat") ? kPxAt
                 : is("persist") ? kPersist : kNone;
    if (m == kPersist && (mode == kNone || mode == kPersist)) {
      mode = kPersist;
    } else if (m != kNone && m != kPersist && (mode == kNone || mode == m) && has_next) {
      mode = m;
      time_arg = &args[++j];
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  bool failed;
  Entry* e = FindString(ctx, args[1], &failed);
  if (failed) return;
  if (e == nullptr) return ctx.reply.Null();
  int64_t when = 0;
  if (time_arg != nullptr) {
    auto v = ctx.IntArg(*time_arg);
    if (!v) return;
    when = *v;
    const bool seconds = mode == kEx || mode == kExAt;
    if (when <= 0 || (seconds && when > LLONG_MAX / 1000)) {
      return ctx.Error(errors::InvalidExpireTime("getex"));
    }
    if (seconds) when *= 1000;
    if ((mode == kEx || mode == kPx) && __builtin_add_overflow(when, ctx.now_ms, &when)) {
      return ctx.Error(errors::InvalidExpireTime("getex"));
    }
  }
  ctx.reply.Bulk(e->value.str);
  if (time_arg != nullptr && when <= ctx.now_ms) {
    ctx.db().Erase(args[1]);
    ctx.Dirty();
    ctx.Notify(notify::kGeneric, "del", args[1]);
    ctx.Propagate({"DEL", args[1]});
  } else if (time_arg != nullptr) {
    ctx.db().SetExpire(*e, when);
    ctx.Dirty();
    ctx.Notify(notify::kGeneric, "expire", args[1]);
    ctx.Propagate({"PEXPIREAT", args[1], std::to_string(when)});
  } else if (mode == kPersist && ctx.db().ExpireOf(*e) >= 0) {
    ctx.db().SetExpire(*e, -1);
    ctx.Dirty();
    ctx.Notify(notify::kGeneric, "persist", args[1]);
    ctx.Propagate({"PERSIST", args[1]});
  }
}

void MGet(CommandContext& ctx, ArgList args) {
  ctx.reply.Array(args.size() - 1);
  for (size_t j = 1; j < args.size(); j++) {
    Entry* e = ctx.db().Find(args[j], ctx.now_ms);
    if (e == nullptr || e->value.type != ValueType::kString) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(e->value.str);
    }
  }
}

void MSetGeneric(CommandContext& ctx, ArgList args, bool nx) {
  if (args.size() % 2 != 1) return ctx.Error(errors::WrongArity(nx ? "msetnx" : "mset"));
  if (nx) {
    for (size_t j = 1; j < args.size(); j += 2) {
      if (ctx.db().FindKey(args[j], ctx.now_ms) != nullptr) return ctx.reply.Int(0);
    }
  }
  for (size_t j = 1; j < args.size(); j += 2) {
    ctx.db().Put(args[j], Value{ValueType::kString, args[j + 1]}, -1);
    ctx.Notify(notify::kString, "set", args[j]);
  }
  ctx.Dirty((args.size() - 1) / 2);
  if (nx) return ctx.reply.Int(1);
  ctx.reply.Ok();
}

void MSet(CommandContext& ctx, ArgList args) { MSetGeneric(ctx, args, false); }
void MSetNx(CommandContext& ctx, ArgList args) { MSetGeneric(ctx, args, true); }

void Append(CommandContext& ctx, ArgList args) {
  bool failed;
  Entry* e = FindString(ctx, args[1], &failed);
  if (failed) return;
  if (e == nullptr) {
    ctx.db().Put(args[1], Value{ValueType::kString, args[2]}, -1);
    ctx.Dirty();
    ctx.Notify(notify::kString, "append", args[1]);
    return ctx.reply.Int(static_cast<int64_t>(args[2].size()));
  }
  if (!CheckLength(ctx, e->value.str.size() + args[2].size())) return;
  e->value.str += args[2];
  e->value.form = types::StringForm::kRaw;  // Redis unshares it into a raw string
  ctx.Dirty();
  ctx.Notify(notify::kString, "append", args[1]);
  ctx.reply.Int(static_cast<int64_t>(e->value.str.size()));
}

void StrLen(CommandContext& ctx, ArgList args) {
  bool failed;
  Entry* e = FindString(ctx, args[1], &failed);
  if (failed) return;
  ctx.reply.Int(e == nullptr ? 0 : static_cast<int64_t>(e->value.str.size()));
}

void GetRange(CommandContext& ctx, ArgList args) {
  auto start = ctx.IntArg(args[2]);
  if (!start) return;
  auto end = ctx.IntArg(args[3]);
  if (!end) return;
  bool failed;
  Entry* e = FindString(ctx, args[1], &failed);
  if (failed) return;
  const std::string_view str = e == nullptr ? std::string_view() : e->value.str.view();
  const int64_t len = static_cast<int64_t>(str.size());
  int64_t a = *start, b = *end;
  // Redis 7.0's getrangeCommand, quirks included.
  if (a < 0 && b < 0 && a > b) return ctx.reply.Bulk("");
  if (a < 0) a += len;
  if (b < 0) b += len;
  if (a < 0) a = 0;
  if (b < 0) b = 0;
  if (b >= len) b = len - 1;
  if (a > b || len == 0) return ctx.reply.Bulk("");
  ctx.reply.Bulk(str.substr(static_cast<size_t>(a), static_cast<size_t>(b - a + 1)));
}

void SetRange(CommandContext& ctx, ArgList args) {
  auto offset = ctx.IntArg(args[2]);
  if (!offset) return;
  if (*offset < 0) return ctx.Error("offset is out of range");
  bool failed;
  Entry* e = FindString(ctx, args[1], &failed);
  if (failed) return;
  const std::string& v = args[3];
  if (e == nullptr) {
    if (v.empty()) return ctx.reply.Int(0);
    if (!CheckLength(ctx, static_cast<uint64_t>(*offset) + v.size())) return;
    std::string s(static_cast<size_t>(*offset), '\0');
    s += v;
    ctx.db().Put(args[1], Value{ValueType::kString, std::move(s), types::StringForm::kRaw}, -1);
    ctx.Dirty();
    ctx.Notify(notify::kString, "setrange", args[1]);
    return ctx.reply.Int(*offset + static_cast<int64_t>(v.size()));
  }
  if (v.empty()) return ctx.reply.Int(static_cast<int64_t>(e->value.str.size()));
  if (!CheckLength(ctx, static_cast<uint64_t>(*offset) + v.size())) return;
  const size_t need = static_cast<size_t>(*offset) + v.size();
  std::string s = e->value.str.Take(need);
  if (s.size() < need) s.resize(need, '\0');
  s.replace(static_cast<size_t>(*offset), v.size(), v);
  const int64_t new_len = static_cast<int64_t>(s.size());
  e->value.str.Adopt(std::move(s));
  e->value.form = types::StringForm::kRaw;
  ctx.Dirty();
  ctx.Notify(notify::kString, "setrange", args[1]);
  ctx.reply.Int(new_len);
}

void IncrDecr(CommandContext& ctx, std::string_view key, int64_t by) {
  bool failed;
  Entry* e = FindString(ctx, key, &failed);
  if (failed) return;
  int64_t current = 0;
  if (e != nullptr) {
    auto v = base::ParseInt64(e->value.str);
    if (!v) return ctx.Error(errors::kNotInteger);
    current = *v;
  }
  int64_t result;
  if (__builtin_add_overflow(current, by, &result)) {
    return ctx.Error("increment or decrement would overflow");
  }
  if (e != nullptr) {
    e->value.str = std::to_string(result);  // the TTL stays, as in Redis
    e->value.form = types::StringForm::kByContent;
  } else {
    ctx.db().Put(key, Value{ValueType::kString, std::to_string(result)}, -1);
  }
  ctx.Dirty();
  ctx.Notify(notify::kString, "incrby", key);
  ctx.reply.Int(result);
}

void Incr(CommandContext& ctx, ArgList args) { IncrDecr(ctx, args[1], 1); }
void Decr(CommandContext& ctx, ArgList args) { IncrDecr(ctx, args[1], -1); }

void IncrBy(CommandContext& ctx, ArgList args) {
  auto by = ctx.IntArg(args[2]);
  if (by) IncrDecr(ctx, args[1], *by);
}

void DecrBy(CommandContext& ctx, ArgList args) {
  auto by = ctx.IntArg(args[2]);
  if (!by) return;
  if (*by == LLONG_MIN) return ctx.Error("decrement would overflow");
  IncrDecr(ctx, args[1], -*by);
}

void IncrByFloat(CommandContext& ctx, ArgList args) {
  bool failed;
  Entry* e = FindString(ctx, args[1], &failed);
  if (failed) return;
  long double current = 0;
  if (e != nullptr) {
    auto v = base::ParseLongDouble(e->value.str);
    if (!v) return ctx.Error(errors::kNotFloat);
    current = *v;
  }
  auto by = base::ParseLongDouble(args[2]);
  if (!by) return ctx.Error(errors::kNotFloat);
  const long double result = current + *by;
  if (std::isnan(result) || std::isinf(result)) {
    return ctx.Error("increment would produce NaN or Infinity");
  }
  std::string text = base::FormatLongDouble(result);
  if (e != nullptr) {
    e->value.str = text;
    e->value.form = types::StringForm::kNoInt;
  } else {
    ctx.db().Put(args[1], Value{ValueType::kString, text, types::StringForm::kNoInt}, -1);
  }
  ctx.Dirty();
  ctx.Notify(notify::kString, "incrbyfloat", args[1]);
  ctx.reply.Bulk(text);
  // Float formatting may differ between machines: log the result itself.
  ctx.Propagate({"SET", args[1], text, "KEEPTTL"});
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN], after Redis
// 7.0's lcsCommand: the same dynamic-programming table and the same walk
// back through it, so the ranges reported (and their quirks) match.
void Lcs(CommandContext& ctx, ArgList args) {
  Entry* ea = ctx.db().Find(args[1], ctx.now_ms);
  Entry* eb = ctx.db().Find(args[2], ctx.now_ms);
  if ((ea && ea->value.type != ValueType::kString) ||
      (eb && eb->value.type != ValueType::kString)) {
    return ctx.Error("The specified keys must contain string values");
  }
  const std::string_view a = ea ? ea->value.str.view() : std::string_view();
  const std::string_view b = eb ? eb->value.str.view() : std::string_view();
  bool getidx = false, getlen = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < args.size(); j++) {
    if (base::EqualsIgnoreCase(args[j], "idx")) {
      getidx = true;
    } else if (base::EqualsIgnoreCase(args[j], "len")) {
      getlen = true;
    } else if (base::EqualsIgnoreCase(args[j], "withmatchlen")) {
      withmatchlen = true;
    } else if (base::EqualsIgnoreCase(args[j], "minmatchlen") && j + 1 < args.size()) {
      auto v = ctx.IntArg(args[++j]);
      if (!v) return;
      minmatchlen = std::max<int64_t>(*v, 0);
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  if (getidx && getlen) {
    return ctx.Error("If you want both the length and indexes, please just use IDX.");
  }
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    return ctx.Error("String too long for LCS");
  }
  const uint64_t alen = a.size(), blen = b.size();
  const uint64_t cells = (alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.config.values().proto_max_bulk_len)) {
    return ctx.Error("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  std::vector<uint32_t> dp(cells);
  auto at = [&](uint64_t i, uint64_t j) -> uint32_t& { return dp[j + i * (blen + 1)]; };
  for (uint64_t i = 1; i <= alen; i++) {
    for (uint64_t j = 1; j <= blen; j++) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  const uint32_t total = at(alen, blen);
  if (getlen) return ctx.reply.Int(total);

  std::string result(total, '\0');
  std::string ranges;  // the IDX matches, counted first and sent after
  protocol::RespWriter rw(&ranges, ctx.reply.protocol());
  size_t nranges = 0;
  uint64_t idx = total, i = alen, j = blen;
  uint64_t as = alen, ae = 0, bs = 0, be = 0;  // as == alen: no range open
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (as == alen) {
        as = ae = i - 1;
        bs = be = j - 1;
      } else if (as == i && bs == j) {
        as--;
        bs--;
      } else {
        emit = true;
      }
      if (as == 0 || bs == 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        i--;
      } else {
        j--;
      }
      if (as != alen) emit = true;
    }
    const uint64_t match_len = ae - as + 1;
    if (emit) {
      if (getidx && (minmatchlen == 0 || match_len >= static_cast<uint64_t>(minmatchlen))) {
        rw.Array(2 + withmatchlen);
        rw.Array(2);
        rw.Int(static_cast<int64_t>(as));
        rw.Int(static_cast<int64_t>(ae));
        rw.Array(2);
        rw.Int(static_cast<int64_t>(bs));
        rw.Int(static_cast<int64_t>(be));
        if (withmatchlen) rw.Int(static_cast<int64_t>(match_len));
        nranges++;
      }
      as = alen;
    }
  }
  if (!getidx) return ctx.reply.Bulk(result);
  ctx.reply.Map(2);
  ctx.reply.Bulk("matches");
  ctx.reply.Array(nranges);
  ctx.reply.Raw(ranges);
  ctx.reply.Bulk("len");
  ctx.reply.Int(total);
}

// Docs helpers: most string commands take a key and a few plain arguments.
std::vector<ArgDoc> KeyThen(std::initializer_list<std::pair<std::string_view, std::string_view>>
                                rest) {
  std::vector<ArgDoc> out = {{.name = "key", .type = "key", .key_spec_index = 0}};
  for (const auto& [name, type] : rest) out.push_back({.name = name, .type = type});
  return out;
}

// GETRANGE and its old name SUBSTR differ only in their first version.
CommandDoc SubstringDoc(std::string_view since) {
  return {.summary = "Get a substring of the string stored at a key",
          .since = since,
          .group = "string",
          .complexity = "O(N) where N is the length of the returned string. The complexity is "
                        "ultimately determined by the returned length, but because creating a "
                        "substring from an existing string is very cheap, it can be considered "
                        "O(1) for small strings.",
          .arguments = KeyThen({{"start", "integer"}, {"end", "integer"}})};
}

KeySpec Spec(uint32_t flags, std::string_view notes = "") {
  return {.notes = notes, .flags = flags, .index = 1};
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
               .history = {{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."},
                           {"6.0.0", "Added the `KEEPTTL` option."},
                           {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."},
                           {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}},
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
      {.name = "setnx", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = SetNx,
       .doc = {.summary = "Set the value of a key, only if the key does not exist",
               .since = "1.0.0", .group = "string", .complexity = "O(1)",
               .arguments = KeyThen({{"value", "string"}})},
       .key_specs = {Spec(ks::kOW | ks::kInsert)}},
      {.name = "setex", .arity = 4, .flags = kWrite | kDenyOom | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kString, .handler = SetEx,
       .doc = {.summary = "Set the value and expiration of a key", .since = "2.0.0",
               .group = "string", .complexity = "O(1)",
               .arguments = KeyThen({{"seconds", "integer"}, {"value", "string"}})},
       .key_specs = {Spec(ks::kOW | ks::kUpdate)}},
      {.name = "psetex", .arity = 4, .flags = kWrite | kDenyOom | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kString, .handler = PSetEx,
       .doc = {.summary = "Set the value and expiration in milliseconds of a key",
               .since = "2.6.0", .group = "string", .complexity = "O(1)",
               .arguments = KeyThen({{"milliseconds", "integer"}, {"value", "string"}})},
       .key_specs = {Spec(ks::kOW | ks::kUpdate)}},
      {.name = "getset", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = GetSet,
       .doc = {.summary = "Set the string value of a key and return its old value",
               .since = "1.0.0", .group = "string", .complexity = "O(1)",
               .doc_flags = {"deprecated"},
               .deprecated_since = "6.2.0",
               .replaced_by = "`SET` with the `!GET` argument",
               .arguments = KeyThen({{"value", "string"}})},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kUpdate)}},
      {.name = "getdel", .arity = 2, .flags = kWrite | kFast | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kString, .handler = GetDel,
       .doc = {.summary = "Get the value of a key and delete the key", .since = "6.2.0",
               .group = "string", .complexity = "O(1)", .arguments = KeyThen({})},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kDelete)}},
      {.name = "getex", .arity = -2, .flags = kWrite | kFast | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kString, .handler = GetEx,
       .doc = {.summary = "Get the value of a key and optionally set its expiration",
               .since = "6.2.0", .group = "string", .complexity = "O(1)",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "expiration",
                              .type = "oneof",
                              .flags = kArgOptional,
                              .arguments =
                                  {{.name = "seconds", .type = "integer", .token = "EX"},
                                   {.name = "milliseconds", .type = "integer", .token = "PX"},
                                   {.name = "unix-time-seconds",
                                    .type = "unix-time",
                                    .token = "EXAT"},
                                   {.name = "unix-time-milliseconds",
                                    .type = "unix-time",
                                    .token = "PXAT"},
                                   {.name = "persist",
                                    .type = "pure-token",
                                    .token = "PERSIST"}}}}},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kUpdate,
                          "RW and UPDATE because it changes the TTL")}},
      {.name = "mget", .arity = -2, .flags = kReadonly | kFast, .keys = {1, -1, 1},
       .acl = acl::kString, .handler = MGet,
       .doc = {.summary = "Get the values of all the given keys", .since = "1.0.0",
               .group = "string",
               .complexity = "O(N) where N is the number of keys to retrieve.",
               .arguments = {{.name = "key", .type = "key", .flags = kArgMultiple,
                              .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1, .lastkey = -1}},
       .tips = {"request_policy:multi_shard"}},
      {.name = "mset", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 2},
       .acl = acl::kString, .handler = MSet,
       .doc = {.summary = "Set multiple keys to multiple values", .since = "1.0.1",
               .group = "string", .complexity = "O(N) where N is the number of keys to set.",
               .arguments = {{.name = "key_value",
                              .type = "block",
                              .flags = kArgMultiple,
                              .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                                            {.name = "value", .type = "string"}}}}},
       .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1, .lastkey = -1,
                      .keystep = 2}},
       .tips = {"request_policy:multi_shard", "response_policy:all_succeeded"}},
      {.name = "msetnx", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 2},
       .acl = acl::kString, .handler = MSetNx,
       .doc = {.summary = "Set multiple keys to multiple values, only if none of the keys "
                          "exist",
               .since = "1.0.1", .group = "string",
               .complexity = "O(N) where N is the number of keys to set.",
               .arguments = {{.name = "key_value",
                              .type = "block",
                              .flags = kArgMultiple,
                              .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                                            {.name = "value", .type = "string"}}}}},
       .key_specs = {{.flags = ks::kOW | ks::kInsert, .index = 1, .lastkey = -1,
                      .keystep = 2}},
       .tips = {"request_policy:multi_shard", "response_policy:agg_min"}},
      {.name = "append", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = Append,
       .doc = {.summary = "Append a value to a key", .since = "2.0.0", .group = "string",
               .complexity = "O(1). The amortized time complexity is O(1) assuming the "
                             "appended value is small and the already present value is of "
                             "any size, since the dynamic string library used by Redis will "
                             "double the free space available on every reallocation.",
               .arguments = KeyThen({{"value", "string"}})},
       .key_specs = {Spec(ks::kRW | ks::kInsert)}},
      {.name = "strlen", .arity = 2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = StrLen,
       .doc = {.summary = "Get the length of the value stored in a key", .since = "2.2.0",
               .group = "string", .complexity = "O(1)", .arguments = KeyThen({})},
       .key_specs = {Spec(ks::kRO)}},
      {.name = "getrange", .arity = 4, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = GetRange,
       .doc = SubstringDoc("2.4.0"),
       .key_specs = {Spec(ks::kRO | ks::kAccess)}},
      {.name = "substr", .arity = 4, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = GetRange,
       .doc = [] {
         CommandDoc d = SubstringDoc("1.0.0");
         d.doc_flags = {"deprecated"};
         d.deprecated_since = "2.0.0";
         d.replaced_by = "`GETRANGE`";
         return d;
       }(),
       .key_specs = {Spec(ks::kRO | ks::kAccess)}},
      {.name = "setrange", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = SetRange,
       .doc = {.summary = "Overwrite part of a string at key starting at the specified offset",
               .since = "2.2.0", .group = "string",
               .complexity = "O(1), not counting the time taken to copy the new string in "
                             "place. Usually, this string is very small so the amortized "
                             "complexity is O(1). Otherwise, complexity is O(M) with M being "
                             "the length of the value argument.",
               .arguments = KeyThen({{"offset", "integer"}, {"value", "string"}})},
       .key_specs = {Spec(ks::kRW | ks::kUpdate)}},
      {.name = "incr", .arity = 2, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = Incr,
       .doc = {.summary = "Increment the integer value of a key by one", .since = "1.0.0",
               .group = "string", .complexity = "O(1)", .arguments = KeyThen({})},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kUpdate)}},
      {.name = "decr", .arity = 2, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = Decr,
       .doc = {.summary = "Decrement the integer value of a key by one", .since = "1.0.0",
               .group = "string", .complexity = "O(1)", .arguments = KeyThen({})},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kUpdate)}},
      {.name = "incrby", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = IncrBy,
       .doc = {.summary = "Increment the integer value of a key by the given amount",
               .since = "1.0.0", .group = "string", .complexity = "O(1)",
               .arguments = KeyThen({{"increment", "integer"}})},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kUpdate)}},
      {.name = "decrby", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = DecrBy,
       .doc = {.summary = "Decrement the integer value of a key by the given number",
               .since = "1.0.0", .group = "string", .complexity = "O(1)",
               .arguments = KeyThen({{"decrement", "integer"}})},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kUpdate)}},
      {.name = "lcs", .arity = -3, .flags = kReadonly, .keys = {1, 2, 1}, .acl = acl::kString,
       .handler = Lcs,
       .doc = {.summary = "Find longest common substring", .since = "7.0.0",
               .group = "string", .complexity = "O(N*M) where N and M are the lengths of s1 "
                                                "and s2, respectively",
               .arguments = {{.name = "key1", .type = "key", .key_spec_index = 0},
                             {.name = "key2", .type = "key", .key_spec_index = 0},
                             {.name = "len",
                              .type = "pure-token",
                              .token = "LEN",
                              .flags = kArgOptional},
                             {.name = "idx",
                              .type = "pure-token",
                              .token = "IDX",
                              .flags = kArgOptional},
                             {.name = "len",
                              .type = "integer",
                              .token = "MINMATCHLEN",
                              .flags = kArgOptional},
                             {.name = "withmatchlen",
                              .type = "pure-token",
                              .token = "WITHMATCHLEN",
                              .flags = kArgOptional}}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1, .lastkey = 1}}},
      {.name = "incrbyfloat", .arity = 3,
       .flags = kWrite | kDenyOom | kFast | kCustomPropagation, .keys = {1, 1, 1},
       .acl = acl::kString, .handler = IncrByFloat,
       .doc = {.summary = "Increment the float value of a key by the given amount",
               .since = "2.6.0", .group = "string", .complexity = "O(1)",
               .arguments = KeyThen({{"increment", "double"}})},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kUpdate)}},
  });
}

}  // namespace cairn::engine
