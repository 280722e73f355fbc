// Generic keyspace commands: DEL, EXISTS, EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT,
// PERSIST, TTL, PTTL, EXPIRETIME, PEXPIRETIME, DBSIZE, FLUSHDB, FLUSHALL,
// DUMP, RESTORE.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <random>

#include "base/clock.h"
#include "base/string_util.h"
#include "protocol/reply_reader.h"
#include "wal/format.h"
#include "snapshot/value_codec.h"
#include "engine/blocking/blocked_clients.h"
#include "engine/command_context.h"
#include "engine/replication_hooks.h"
#include "engine/commands/collection_util.h"
#include "engine/commands/object_info.h"
#include "engine/commands/registry.h"
#include "engine/snapshots.h"

namespace cairn::engine {
namespace {

void DelGeneric(CommandContext& ctx, ArgList args, FreeMode mode) {
  int64_t deleted = 0;
  Db& db = ctx.db();
  for (size_t j = 1; j < args.size(); j++) {
    // Find first so an expired key counts as missing (and is logged as
    // expired, not as deleted by this command).
    if (db.FindKey(args[j], ctx.now_ms) != nullptr && db.Erase(args[j], mode)) {
      ctx.Notify(notify::kGeneric, "del", args[j]);
      deleted++;
    }
  }
  ctx.Dirty(static_cast<uint64_t>(deleted));
  ctx.reply.Int(deleted);
}

void Del(CommandContext& ctx, ArgList args) {
  DelGeneric(ctx, args,
             ctx.config.values().lazyfree_lazy_user_del ? FreeMode::kAsync : FreeMode::kSync);
}

// UNLINK: big values are freed by the background thread (engine/memory).
void Unlink(CommandContext& ctx, ArgList args) { DelGeneric(ctx, args, FreeMode::kAsync); }

void Type(CommandContext& ctx, ArgList args) {
  Entry* e = ctx.db().FindKey(args[1], ctx.now_ms, /*touch=*/false);
  ctx.reply.Simple(e == nullptr ? "none" : TypeName(e->value.type));
}

void Touch(CommandContext& ctx, ArgList args) {
  int64_t n = 0;
  for (size_t j = 1; j < args.size(); j++) n += ctx.db().FindKey(args[j], ctx.now_ms) != nullptr;
  ctx.reply.Int(n);
}

// RENAME/RENAMENX, after Redis 7.0's renameGenericCommand: the TTL moves
// with the value; renaming a key to itself succeeds if it exists.
void RenameGeneric(CommandContext& ctx, ArgList args, bool nx) {
  Db& db = ctx.db();
  Entry* src = db.FindKey(args[1], ctx.now_ms);
  if (src == nullptr) return ctx.Error("no such key");
  if (args[1] == args[2]) return nx ? ctx.reply.Int(0) : ctx.reply.Ok();
  if (db.FindKey(args[2], ctx.now_ms) != nullptr) {
    if (nx) return ctx.reply.Int(0);
    db.Erase(args[2]);
  }
  Value v = std::move(src->value);
  const int64_t expire = db.ExpireOf(*src);
  db.Erase(args[1]);
  db.Put(args[2], std::move(v), expire);
  ctx.Dirty();
  ctx.Notify(notify::kGeneric, "rename_from", args[1]);
  ctx.Notify(notify::kGeneric, "rename_to", args[2]);
  return nx ? ctx.reply.Int(1) : ctx.reply.Ok();
}

void Rename(CommandContext& ctx, ArgList args) { RenameGeneric(ctx, args, false); }
void RenameNx(CommandContext& ctx, ArgList args) { RenameGeneric(ctx, args, true); }

void Keys(CommandContext& ctx, ArgList args) {
  std::vector<std::string_view> found;  // into the nodes, which stay put meanwhile
  const bool all = args[1] == "*";
  for (const auto& [key, e] : ctx.db().entries()) {
    const int64_t when = ctx.db().ExpireOf(e);
    if (when >= 0 && when <= ctx.now_ms) continue;
    if (all || base::GlobMatch(args[1], key)) found.push_back(key);
  }
  ctx.reply.Array(found.size());
  for (std::string_view k : found) ctx.reply.Bulk(k);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type], after Redis 7.0's
// scanGenericCommand: walk buckets until `count` keys were gathered (or ten
// times as many buckets were visited), then filter by pattern, expiry and
// type. The cursor is KeyTable's reverse-binary one.
void Scan(CommandContext& ctx, ArgList args) {
  const std::optional<uint64_t> parsed = ParseScanCursor(ctx, args[1]);
  if (!parsed) return;
  uint64_t cursor = *parsed;
  int64_t count = 10;
  const std::string* pattern = nullptr;
  const std::string* type = nullptr;
  for (size_t j = 2; j < args.size(); j++) {
    const bool more = j + 1 < args.size();
    if (base::EqualsIgnoreCase(args[j], "count") && more) {
      auto v = ctx.IntArg(args[++j]);
      if (!v) return;
      if (*v < 1) return ctx.Error(errors::kSyntax);
      count = *v;
    } else if (base::EqualsIgnoreCase(args[j], "match") && more) {
      pattern = &args[++j];
      if (*pattern == "*") pattern = nullptr;
    } else if (base::EqualsIgnoreCase(args[j], "type") && more) {
      type = &args[++j];
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  std::vector<std::string> keys;
  int64_t budget = count * 10;
  do {
    cursor = ctx.db().entries().Scan(cursor, [&](std::string_view key, const Entry&) {
      keys.emplace_back(key);
    });
  } while (cursor != 0 && --budget > 0 && static_cast<int64_t>(keys.size()) < count);
  std::vector<std::string> out;
  for (auto& key : keys) {
    if (pattern != nullptr && !base::GlobMatch(*pattern, key)) continue;
    Entry* e = ctx.db().FindKey(key, ctx.now_ms);  // expires it, as Redis does
    if (e == nullptr) continue;
    if (type != nullptr && !base::EqualsIgnoreCase(*type, TypeName(e->value.type))) continue;
    out.push_back(std::move(key));
  }
  ctx.reply.Array(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.Array(out.size());
  for (const auto& k : out) ctx.reply.Bulk(k);
}

void RandomKey(CommandContext& ctx, ArgList) {
  static std::mt19937_64 rng(std::random_device{}());
  // Like Redis's dbRandomKey: retry when the pick has expired (and delete
  // it, logging the DEL), but give up on a database of only expired keys.
  for (int tries = 0; tries < 100; tries++) {
    const KeyTable::Node* n = ctx.db().entries().Random(rng);
    if (n == nullptr) return ctx.reply.Null();
    const int64_t when = ctx.db().ExpireOf(n->entry);
    if (when < 0 || when > ctx.now_ms) return ctx.reply.Bulk(n->key());
    ctx.db().FindKey(std::string(n->key()), ctx.now_ms);  // expires it
  }
  ctx.reply.Null();
}

// A database index argument: replies the error and returns -1 when bad.
int DbIndexArg(CommandContext& ctx, std::string_view arg, std::string_view not_int_error) {
  auto v = base::ParseInt64(arg);
  if (!v || *v < INT32_MIN || *v > INT32_MAX) {
    ctx.Error(not_int_error);
    return -1;
  }
  if (*v < 0 || *v >= ctx.keyspace.databases()) {
    ctx.Error(errors::kDbIndexOutOfRange);
    return -1;
  }
  return static_cast<int>(*v);
}

void Move(CommandContext& ctx, ArgList args) {
  const int dst = DbIndexArg(ctx, args[2], errors::kNotInteger);
  if (dst < 0) return;
  if (dst == ctx.client.db) return ctx.Error("source and destination objects are the same");
  Db& from = ctx.db();
  Db& to = ctx.keyspace.db(dst);
  Entry* e = from.FindKey(args[1], ctx.now_ms);
  if (e == nullptr || to.FindKey(args[1], ctx.now_ms) != nullptr) return ctx.reply.Int(0);
  to.Put(args[1], std::move(e->value), from.ExpireOf(*e));
  from.Erase(args[1]);
  ctx.Dirty();
  ctx.Notify(notify::kGeneric, "move_from", args[1]);
  ctx.NotifyIn(dst, notify::kGeneric, "move_to", args[1]);
  ctx.reply.Int(1);
}

void SwapDb(CommandContext& ctx, ArgList args) {
  // Redis 7.0 parses both indexes before checking either's range.
  auto a = base::ParseInt64(args[1]);
  if (!a || *a < INT32_MIN || *a > INT32_MAX) return ctx.Error("invalid first DB index");
  auto b = base::ParseInt64(args[2]);
  if (!b || *b < INT32_MIN || *b > INT32_MAX) return ctx.Error("invalid second DB index");
  const int64_t n = ctx.keyspace.databases();
  if (*a < 0 || *a >= n || *b < 0 || *b >= n) return ctx.Error(errors::kDbIndexOutOfRange);
  if (*a != *b) {
    Db& da = ctx.keyspace.db(static_cast<int>(*a));
    Db& db = ctx.keyspace.db(static_cast<int>(*b));
    // Watchers of a key present in either database see it change.
    ctx.watches.TouchDb(static_cast<int>(*a), da, &db, ctx.now_ms);
    ctx.watches.TouchDb(static_cast<int>(*b), db, &da, ctx.now_ms);
    ctx.blocked.SignalStreamsGone(static_cast<int>(*a), da, db);
    ctx.blocked.SignalStreamsGone(static_cast<int>(*b), db, da);
    da.SwapContents(db);
    // Clients blocked on a key that now exists in either database wake up.
    ctx.blocked.SignalDb(static_cast<int>(*a), da);
    ctx.blocked.SignalDb(static_cast<int>(*b), db);
  }
  ctx.Dirty();
  ctx.reply.Ok();
}

// COPY source destination [DB destination-db] [REPLACE]
void Copy(CommandContext& ctx, ArgList args) {
  int dst_db = ctx.client.db;
  bool replace = false;
  for (size_t j = 3; j < args.size(); j++) {
    if (base::EqualsIgnoreCase(args[j], "replace")) {
      replace = true;
    } else if (base::EqualsIgnoreCase(args[j], "db") && j + 1 < args.size()) {
      dst_db = DbIndexArg(ctx, args[++j], errors::kNotInteger);
      if (dst_db < 0) return;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  if (dst_db == ctx.client.db && args[1] == args[2]) {
    return ctx.Error("source and destination objects are the same");
  }
  Entry* e = ctx.db().Find(args[1], ctx.now_ms);
  if (e == nullptr) return ctx.reply.Int(0);
  Db& to = ctx.keyspace.db(dst_db);
  if (to.FindKey(args[2], ctx.now_ms) != nullptr) {
    if (!replace) return ctx.reply.Int(0);
    to.Erase(args[2]);
  }
  types::Value copy = e->value;
  copy.lru = 0;  // a new object: accessed now, as Redis's COPY makes it
  to.Put(args[2], std::move(copy), ctx.db().ExpireOf(*e));
  ctx.Dirty();
  ctx.NotifyIn(dst_db, notify::kGeneric, "copy_to", args[2]);
  ctx.reply.Int(1);
}

// WAIT answers 0 replicas until replication exists (ARCHITECTURE.md).
void Wait(CommandContext& ctx, ArgList args) {
  if (!ctx.IntArg(args[1])) return;
  auto timeout = base::ParseInt64(args[2]);
  if (!timeout) return ctx.Error("timeout is not an integer or out of range");
  if (*timeout < 0) return ctx.Error("timeout is negative");
  if (ctx.replication == nullptr) return ctx.reply.Int(0);
  ctx.replication->Wait(ctx, *base::ParseInt64(args[1]), *timeout);
}

// `value`: the subcommand reads the value itself, which a cold key's must
// come back for (IDLETIME and FREQ read the stub's access field).
Entry* ObjectKey(CommandContext& ctx, std::string_view key, bool value = true) {
  Entry* e = value ? ctx.db().Find(key, ctx.now_ms, /*touch=*/false)
                   : ctx.db().FindKey(key, ctx.now_ms, /*touch=*/false);
  if (e == nullptr) ctx.reply.Null();
  return e;
}

void ObjectEncoding(CommandContext& ctx, ArgList args) {
  if (Entry* e = ObjectKey(ctx, args[2])) ctx.reply.Bulk(EncodingName(e->value));
}

void ObjectRefcount(CommandContext& ctx, ArgList args) {
  if (Entry* e = ObjectKey(ctx, args[2])) ctx.reply.Int(RefCount(e->value, SharedIntegers(ctx.config.values())));
}

// (The key's access field holds one or the other: engine/memory/access.h.)
void ObjectIdleTime(CommandContext& ctx, ArgList args) {
  Entry* e = ObjectKey(ctx, args[2], /*value=*/false);
  if (e == nullptr) return;
  if (ctx.keyspace.access_policy().lfu) {
    return ctx.Error(
        "An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
  }
  ctx.reply.Int(IdleSeconds(e->value, ctx.now_ms));
}

void ObjectFreq(CommandContext& ctx, ArgList args) {
  Entry* e = ObjectKey(ctx, args[2], /*value=*/false);
  if (e == nullptr) return;
  const AccessPolicy& a = ctx.keyspace.access_policy();
  if (!a.lfu) {
    return ctx.Error(
        "An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");
  }
  ctx.reply.Int(lfu::Counter(e->value.lru, ctx.now_ms, a.lfu_decay_time));
}

void ObjectHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help."};  // sic: Redis 7.0's OBJECT HELP wording
  ctx.ReplyLines(kLines);
}

void Exists(CommandContext& ctx, ArgList args) {
  int64_t count = 0;
  for (size_t j = 1; j < args.size(); j++) {
    if (ctx.db().FindKey(args[j], ctx.now_ms, /*touch=*/false) != nullptr) count++;
  }
  ctx.reply.Int(count);
}

// EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT key time [NX|XX|GT|LT], after Redis
// 7.0's expireGenericCommand: options are checked first, then the number;
// a time already past deletes the key. Logged as PEXPIREAT with an absolute
// time, or as DEL (ARCHITECTURE.md "Determinism").
void ExpireGeneric(CommandContext& ctx, ArgList args, bool seconds, bool relative) {
  enum : uint32_t { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };
  uint32_t flags = 0;
  for (size_t j = 3; j < args.size(); j++) {
    const std::string& o = args[j];
    if (base::EqualsIgnoreCase(o, "nx")) {
      flags |= kNx;
    } else if (base::EqualsIgnoreCase(o, "xx")) {
      flags |= kXx;
    } else if (base::EqualsIgnoreCase(o, "gt")) {
      flags |= kGt;
    } else if (base::EqualsIgnoreCase(o, "lt")) {
      flags |= kLt;
    } else {
      return ctx.Error("Unsupported option " + o);
    }
  }
  if ((flags & kNx) && (flags & (kXx | kGt | kLt))) {
    return ctx.Error("NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & kGt) && (flags & kLt)) {
    return ctx.Error("GT and LT options at the same time are not compatible");
  }
  auto v = ctx.IntArg(args[2]);
  if (!v) return;
  int64_t when = *v;
  const std::string name = base::ToLower(args[0]);
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
      return ctx.Error(errors::InvalidExpireTime(name));
    }
    when *= 1000;
  }
  const int64_t basetime = relative ? ctx.now_ms : 0;
  if (when > LLONG_MAX - basetime) return ctx.Error(errors::InvalidExpireTime(name));
  when += basetime;

  Db& db = ctx.db();
  Entry* e = db.FindKey(args[1], ctx.now_ms);
  if (e == nullptr) return ctx.reply.Int(0);
  const int64_t current = db.ExpireOf(*e);
  if (((flags & kNx) && current != -1) || ((flags & kXx) && current == -1) ||
      ((flags & kGt) && (current == -1 || when <= current)) ||
      ((flags & kLt) && current != -1 && when >= current)) {
    return ctx.reply.Int(0);
  }
  ctx.Dirty();
  if (when <= ctx.now_ms) {
    db.Erase(args[1]);
    ctx.Notify(notify::kGeneric, "del", args[1]);
    ctx.Propagate({"DEL", args[1]});
  } else {
    db.SetExpire(*e, when);
    ctx.Notify(notify::kGeneric, "expire", args[1]);
    ctx.Propagate({"PEXPIREAT", args[1], std::to_string(when)});
  }
  ctx.reply.Int(1);
}

void Expire(CommandContext& ctx, ArgList args) { ExpireGeneric(ctx, args, true, true); }
void PExpire(CommandContext& ctx, ArgList args) { ExpireGeneric(ctx, args, false, true); }
void ExpireAt(CommandContext& ctx, ArgList args) { ExpireGeneric(ctx, args, true, false); }
void PExpireAt(CommandContext& ctx, ArgList args) { ExpireGeneric(ctx, args, false, false); }

void Persist(CommandContext& ctx, ArgList args) {
  Entry* e = ctx.db().FindKey(args[1], ctx.now_ms);
  if (e == nullptr || ctx.db().ExpireOf(*e) < 0) return ctx.reply.Int(0);
  ctx.db().SetExpire(*e, -1);
  ctx.Dirty();
  ctx.Notify(notify::kGeneric, "persist", args[1]);
  ctx.reply.Int(1);
}

// EXPIRETIME/PEXPIRETIME: the absolute expiry, -1 without one, -2 missing.
void ExpireTimeGeneric(CommandContext& ctx, ArgList args, bool ms) {
  Entry* e = ctx.db().FindKey(args[1], ctx.now_ms, /*touch=*/false);
  if (e == nullptr) return ctx.reply.Int(-2);
  const int64_t when = ctx.db().ExpireOf(*e);
  if (when < 0) return ctx.reply.Int(-1);
  ctx.reply.Int(ms ? when : when / 1000);
}

void ExpireTime(CommandContext& ctx, ArgList args) { ExpireTimeGeneric(ctx, args, false); }
void PExpireTime(CommandContext& ctx, ArgList args) { ExpireTimeGeneric(ctx, args, true); }

void Dump(CommandContext& ctx, ArgList args) {
  Entry* e = ctx.db().Find(args[1], ctx.now_ms);
  if (e == nullptr) return ctx.reply.Null();
  ctx.reply.Bulk(snapshot::DumpPayload(e->value, ctx.config.values().rdbcompression));
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], checked
// in Redis 7.0's order: options, existing key, ttl, payload.
void Restore(CommandContext& ctx, ArgList args) {
  bool replace = false, absttl = false;
  int64_t idle = -1, freq = -1;
  for (size_t j = 4; j < args.size(); j++) {
    const bool more = j + 1 < args.size();
    if (base::EqualsIgnoreCase(args[j], "replace")) {
      replace = true;
    } else if (base::EqualsIgnoreCase(args[j], "absttl")) {
      absttl = true;
    } else if (base::EqualsIgnoreCase(args[j], "idletime") && more && freq == -1) {
      auto v = ctx.IntArg(args[++j]);
      if (!v) return;
      if (*v < 0) return ctx.Error("Invalid IDLETIME value, must be >= 0");
      idle = *v;
    } else if (base::EqualsIgnoreCase(args[j], "freq") && more && idle == -1) {
      auto v = ctx.IntArg(args[++j]);
      if (!v) return;
      if (*v < 0 || *v > 255) return ctx.Error("Invalid FREQ value, must be >= 0 and <= 255");
      freq = *v;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  Db& db = ctx.db();
  const std::string& key = args[1];
  if (!replace && db.FindKey(key, ctx.now_ms) != nullptr) {
    return ctx.Error({ErrorKind::kBusyKey, "Target key name already exists."});
  }
  auto ttl = ctx.IntArg(args[2]);
  if (!ttl) return;
  if (*ttl < 0) return ctx.Error("Invalid TTL value, must be >= 0");
  auto value = snapshot::RestorePayload(args[3], LoadLimitsFor(ctx.config.values()));
  if (!value.ok()) {
    return ctx.Error(value.status().code() == base::StatusCode::kInvalidArgument
                         ? "DUMP payload version or checksum are wrong"
                         : "Bad data format");
  }
  const bool deleted = replace && db.Erase(key);
  int64_t when = *ttl;
  if (when != 0 && !absttl) when += ctx.now_ms;
  if (when != 0 && when <= ctx.now_ms) {
    // Already expired: nothing is created; a replaced key is gone.
    if (deleted) {
      ctx.Dirty();
      ctx.Notify(notify::kGeneric, "del", key);
      ctx.Propagate({"DEL", key});
    }
    return ctx.reply.Ok();
  }
  types::Value restored = std::move(value).value();
  // FREQ counts under an LFU policy, IDLETIME under any other, as in Redis.
  if (ctx.keyspace.access_policy().lfu) {
    if (freq >= 0) restored.lru = types::lfu::Field(static_cast<uint8_t>(freq), ctx.now_ms);
  } else if (idle >= 0) {
    restored.lru = types::LruFieldIdle(idle, ctx.now_ms);
  }
  db.Put(key, std::move(restored), when != 0 ? when : -1);
  ctx.Dirty();
  ctx.Notify(notify::kGeneric, "restore", key);
  ctx.reply.Ok();
  // Deterministic form: the TTL as an absolute time (Redis 7.0 does the same).
  std::vector<std::string> argv = {"RESTORE", key, std::to_string(when), args[3]};
  if (when != 0) argv.push_back("ABSTTL");
  if (replace) argv.push_back("REPLACE");
  ctx.Propagate(std::move(argv));
}

// ---- MIGRATE ------------------------------------------------------------------
// As Redis 7.0 does it: the keys go to the target as RESTORE commands (after
// AUTH and SELECT) in one write, each step waiting at most `timeout` ms while
// the engine thread blocks, as Redis's does; the keys the target took are
// deleted here and logged as one DEL. Redis keeps the connection for 10 s and
// retries once when a kept one turns out closed; Cairn opens one per call,
// so it has nothing to retry.

// A blocking connection to MIGRATE's target.
class TargetLink {
 public:
  TargetLink() = default;
  TargetLink(const TargetLink&) = delete;
  TargetLink& operator=(const TargetLink&) = delete;
  ~TargetLink() {
    if (fd_ >= 0) close(fd_);
  }

  // False when the address does not resolve, the socket cannot be made or
  // the connection is not made in time. A refused connection shows at the
  // first write, as in Redis.
  bool Connect(const std::string& host, const std::string& port, int64_t timeout_ms) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    // Redis reads the port with atoi().
    const std::string service = std::to_string(std::atoi(port.c_str()));
    if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0) return false;
    for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
      const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) continue;
      if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
        fd_ = fd;
      } else {
        close(fd);
      }
    }
    freeaddrinfo(res);
    if (fd_ < 0 || !Wait(POLLOUT, timeout_ms)) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return true;
  }

  bool Send(std::string_view data, int64_t timeout_ms) {
    const int64_t deadline = base::NowMs() + timeout_ms;
    while (!data.empty()) {
      const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return false;
      } else if (!Wait(POLLOUT, deadline - base::NowMs())) {
        return false;
      }
    }
    return true;
  }

  // The next reply, or nullopt on a timeout, an error or a closed connection.
  std::optional<protocol::Reply> Receive(int64_t timeout_ms) {
    const int64_t deadline = base::NowMs() + timeout_ms;
    for (;;) {
      size_t pos = 0;
      bool malformed = false;
      if (auto r = protocol::ReadReply(in_, &pos, &malformed)) {
        in_.erase(0, pos);
        return r;
      }
      if (malformed || !Wait(POLLIN, deadline - base::NowMs())) return std::nullopt;
      char buf[16384];
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return std::nullopt;
      if (n > 0) in_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  bool Wait(short events, int64_t timeout_ms) {
    if (timeout_ms <= 0) return false;
    pollfd p{.fd = fd_, .events = events, .revents = 0};
    int rc;
    do {
      rc = poll(&p, 1, static_cast<int>(std::min<int64_t>(timeout_ms, INT_MAX)));
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
  }

  int fd_ = -1;
  std::string in_;
};

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
// [AUTH password | AUTH2 username password] [KEYS key [key ...]]
void Migrate(CommandContext& ctx, ArgList args) {
  bool copy = false, replace = false;
  std::vector<std::string> auth;  // AUTH's arguments, when given
  size_t first_key = 3, num_keys = 1;
  for (size_t j = 6; j < args.size(); j++) {
    const size_t more = args.size() - 1 - j;
    if (base::EqualsIgnoreCase(args[j], "copy")) {
      copy = true;
    } else if (base::EqualsIgnoreCase(args[j], "replace")) {
      replace = true;
    } else if (base::EqualsIgnoreCase(args[j], "auth") && more >= 1) {
      auth = {"AUTH", args[j + 1]};
      j++;
    } else if (base::EqualsIgnoreCase(args[j], "auth2") && more >= 2) {
      auth = {"AUTH", args[j + 1], args[j + 2]};
      j += 2;
    } else if (base::EqualsIgnoreCase(args[j], "keys")) {
      if (!args[3].empty()) {
        return ctx.Error(
            "When using MIGRATE KEYS option, the key argument must be set to the empty string");
      }
      first_key = j + 1;
      num_keys = args.size() - j - 1;
      break;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  const auto timeout_arg = base::ParseInt64(args[5]);
  const auto db = base::ParseInt64(args[4]);
  if (!timeout_arg || !db) return ctx.Error(errors::kNotInteger);
  const int64_t timeout = *timeout_arg <= 0 ? 1000 : *timeout_arg;

  // What goes: the keys here, each with its TTL left (an expired one stays).
  std::string request;
  if (!auth.empty()) wal::AppendCommand(&request, auth);
  wal::AppendCommand(&request, std::vector<std::string>{"SELECT", std::to_string(*db)});
  std::vector<const std::string*> sent;
  for (size_t j = 0; j < num_keys; j++) {
    const std::string& key = args[first_key + j];
    Entry* e = ctx.db().Find(key, ctx.now_ms);
    if (e == nullptr) continue;
    const int64_t when = ctx.db().ExpireOf(*e);
    const int64_t ttl = when < 0 ? 0 : std::max<int64_t>(when - ctx.now_ms, 1);
    std::vector<std::string> restore = {
        "RESTORE", key, std::to_string(ttl),
        snapshot::DumpPayload(e->value, ctx.config.values().rdbcompression)};
    if (replace) restore.push_back("REPLACE");
    wal::AppendCommand(&request, restore);
    sent.push_back(&key);
  }
  if (sent.empty()) return ctx.reply.Simple("NOKEY");

  const auto io_error = [&](std::string_view what) {
    ctx.Error({ErrorKind::kIoErr, "error or timeout " + std::string(what)});
  };
  TargetLink link;
  if (!link.Connect(args[1], args[2], timeout)) return io_error("connecting to the client");
  if (!link.Send(request, timeout)) return io_error("writing to target instance");
  // AUTH's and SELECT's replies; an error there fails every key, as in Redis
  // (SELECT's failure leaves the keys restored in the target's database 0).
  std::optional<std::string> target_error;  // the first error the target gave
  for (int i = auth.empty() ? 1 : 0; i < 2; i++) {
    auto r = link.Receive(timeout);
    if (!r) return io_error("reading to target instance");
    if (r->type == protocol::Reply::Type::kError && !target_error) target_error = r->str;
  }
  const bool setup_failed = target_error.has_value();
  std::vector<std::string> del = {"DEL"};
  bool lost = false;
  for (const std::string* key : sent) {
    auto r = link.Receive(timeout);
    if (!r) {
      lost = true;
      break;
    }
    if (r->type == protocol::Reply::Type::kError || setup_failed) {
      if (!target_error) target_error = r->str;
    } else if (!copy) {
      // The target has it: it leaves here.
      ctx.db().Erase(*key);
      ctx.Notify(notify::kGeneric, "del", *key);
      ctx.Dirty();
      del.push_back(*key);
    }
  }
  if (del.size() > 1) ctx.Propagate(std::move(del));
  if (target_error) return ctx.Error("Target instance replied with error: " + *target_error);
  if (lost) return io_error("reading to target instance");
  ctx.reply.Ok();
}

// MIGRATE's keys, as Redis's migrateGetKeys finds them: the key argument, or
// what follows KEYS (AUTH's and AUTH2's values skipped; a KEYS in the last
// argument is not looked at).
bool MigrateKeys(ArgList argv, std::vector<int>* positions) {
  size_t first = 3, num = 1;
  for (size_t i = 6; i + 1 < argv.size(); i++) {
    if (base::EqualsIgnoreCase(argv[i], "auth2")) {
      i += 2;
    } else if (base::EqualsIgnoreCase(argv[i], "auth")) {
      i++;
    } else if (base::EqualsIgnoreCase(argv[i], "keys")) {
      if (!argv[3].empty()) return false;
      first = i + 1;
      num = argv.size() - first;
      break;
    }
  }
  for (size_t i = first; i < first + num; i++) positions->push_back(static_cast<int>(i));
  return true;
}

// TTL/PTTL: -2 for a missing key, -1 for no expiry, else the time left
// (TTL rounds to the nearest second, as Redis does).
void TtlGeneric(CommandContext& ctx, ArgList args, bool ms) {
  Entry* e = ctx.db().FindKey(args[1], ctx.now_ms, /*touch=*/false);
  if (e == nullptr) return ctx.reply.Int(-2);
  const int64_t when = ctx.db().ExpireOf(*e);
  if (when < 0) return ctx.reply.Int(-1);
  int64_t left = std::max<int64_t>(when - ctx.now_ms, 0);
  ctx.reply.Int(ms ? left : (left + 500) / 1000);
}

void Ttl(CommandContext& ctx, ArgList args) { TtlGeneric(ctx, args, false); }
void PTtl(CommandContext& ctx, ArgList args) { TtlGeneric(ctx, args, true); }

void DbSize(CommandContext& ctx, ArgList) {
  ctx.reply.Int(static_cast<int64_t>(ctx.db().size()));
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: ASYNC (or lazyfree-lazy-user-flush without
// a mode) hands the data to the background thread. Returns nullopt after a
// syntax error, else whether to free asynchronously.
std::optional<bool> ParseFlushMode(CommandContext& ctx, ArgList args) {
  if (args.size() > 2 ||
      (args.size() == 2 && !base::EqualsIgnoreCase(args[1], "sync") &&
       !base::EqualsIgnoreCase(args[1], "async"))) {
    ctx.Error(errors::kSyntax);
    return std::nullopt;
  }
  if (args.size() == 2) return base::EqualsIgnoreCase(args[1], "async");
  return ctx.config.values().lazyfree_lazy_user_flush;
}

void FlushDb(CommandContext& ctx, ArgList args) {
  auto async = ParseFlushMode(ctx, args);
  if (!async) return;
  ctx.Dirty(ctx.db().size() + 1);  // +1: logged even when already empty, as Redis does
  ctx.watches.TouchDb(ctx.client.db, ctx.db(), nullptr, ctx.now_ms);
  ctx.tracking.InvalidateAll();
  ctx.db().Clear(*async);
  ctx.blocked.SignalFlushed(ctx.client.db);  // (XREADGROUP waiters are told)
  ctx.reply.Ok();
}

void FlushAll(CommandContext& ctx, ArgList args) {
  auto async = ParseFlushMode(ctx, args);
  if (!async) return;
  ctx.Dirty(ctx.EmptyAllDatabases(*async) + 1);
  ctx.blocked.SignalFlushed(-1);  // (XREADGROUP waiters are told)
  ctx.reply.Ok();
}

std::vector<ArgDoc> ExpireArgs(std::string_view time_name, std::string_view time_type) {
  return {{.name = "key", .type = "key", .key_spec_index = 0},
          {.name = time_name, .type = time_type},
          {.name = "condition", .type = "oneof", .since = "7.0.0", .flags = kArgOptional,
           .arguments = {{.name = "nx", .type = "pure-token", .token = "NX"},
                         {.name = "xx", .type = "pure-token", .token = "XX"},
                         {.name = "gt", .type = "pure-token", .token = "GT"},
                         {.name = "lt", .type = "pure-token", .token = "LT"}}}};
}

const std::vector<ArgDoc> kKeyArg = {{.name = "key", .type = "key", .key_spec_index = 0}};
const std::vector<KeySpec> kRwUpdateKey = {{.flags = ks::kRW | ks::kUpdate, .index = 1}};
const std::vector<KeySpec> kRoAccessKey = {{.flags = ks::kRO | ks::kAccess, .index = 1}};

const std::vector<ArgDoc> kFlushArgs = {
    {.name = "async", .type = "oneof", .flags = kArgOptional,
     .arguments = {{.name = "async", .type = "pure-token", .token = "ASYNC", .since = "4.0.0"},
                   {.name = "sync", .type = "pure-token", .token = "SYNC", .since = "6.2.0"}}}};

constexpr std::string_view kRestoreComplexity =
    "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
    "where N is the number of Redis objects composing the value and M their average size. For "
    "small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply "
    "O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting "
    "values into sorted sets is O(log(N)).";

const std::vector<std::pair<std::string_view, std::string_view>> kRestoreHistory = {
    {"3.0.0", "Added the `REPLACE` modifier."},
    {"5.0.0", "Added the `ABSTTL` modifier."},
    {"5.0.0", "Added the `IDLETIME` and `FREQ` options."}};

std::vector<ArgDoc> RestoreArgs() {
  return {{.name = "key", .type = "key", .key_spec_index = 0},
          {.name = "ttl", .type = "integer"},
          {.name = "serialized-value", .type = "string"},
          {.name = "replace", .type = "pure-token", .token = "REPLACE", .since = "3.0.0",
           .flags = kArgOptional},
          {.name = "absttl", .type = "pure-token", .token = "ABSTTL", .since = "5.0.0",
           .flags = kArgOptional},
          {.name = "seconds", .type = "integer", .token = "IDLETIME", .since = "5.0.0",
           .flags = kArgOptional},
          {.name = "frequency", .type = "integer", .token = "FREQ", .since = "5.0.0",
           .flags = kArgOptional}};
}

}  // namespace

void RegisterKeyspaceCommands(CommandTable& t) {
  t.Add({
      {.name = "del", .arity = -2, .flags = kWrite, .keys = {1, -1, 1}, .acl = acl::kKeyspace,
       .handler = Del,
       .doc = {.summary = "Delete a key",
               .since = "1.0.0",
               .group = "generic",
               .complexity = "O(N) where N is the number of keys that will be removed. When a "
                             "key to remove holds a value other than a string, the individual "
                             "complexity for this key is O(M) where M is the number of elements "
                             "in the list, set, sorted set or hash. Removing a single key that "
                             "holds a string value is O(1).",
               .arguments = {{.name = "key",
                              .type = "key",
                              .flags = kArgMultiple,
                              .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRM | ks::kDelete, .index = 1, .lastkey = -1}},
       .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {.name = "unlink", .arity = -2, .flags = kWrite | kFast, .keys = {1, -1, 1},
       .acl = acl::kKeyspace, .handler = Unlink,
       .doc = {.summary = "Delete a key asynchronously in another thread. Otherwise it is just "
                          "as DEL, but non blocking.",
               .since = "4.0.0", .group = "generic",
               .complexity = "O(1) for each key removed regardless of its size. Then the "
                             "command does O(N) work in a different thread in order to reclaim "
                             "memory, where N is the number of allocations the deleted objects "
                             "where composed of.",
               .arguments = {{.name = "key", .type = "key", .flags = kArgMultiple,
                              .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRM | ks::kDelete, .index = 1, .lastkey = -1}},
       .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {.name = "type", .arity = 2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = Type,
       .doc = {.summary = "Determine the type stored at key", .since = "1.0.0",
               .group = "generic", .complexity = "O(1)", .arguments = kKeyArg},
       .key_specs = {{.flags = ks::kRO, .index = 1}}},
      {.name = "touch", .arity = -2, .flags = kReadonly | kFast, .keys = {1, -1, 1},
       .acl = acl::kKeyspace, .handler = Touch,
       .doc = {.summary = "Alters the last access time of a key(s). Returns the number of "
                          "existing keys specified.",
               .since = "3.2.1", .group = "generic",
               .complexity = "O(N) where N is the number of keys that will be touched.",
               .arguments = {{.name = "key", .type = "key", .flags = kArgMultiple,
                              .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO, .index = 1, .lastkey = -1}},
       .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {.name = "rename", .arity = 3, .flags = kWrite, .keys = {1, 2, 1},
       .acl = acl::kKeyspace, .handler = Rename,
       .doc = {.summary = "Rename a key", .since = "1.0.0", .group = "generic",
               .complexity = "O(1)",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "newkey", .type = "key", .key_spec_index = 1}}},
       .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1},
                     {.flags = ks::kOW | ks::kUpdate, .index = 2}}},
      {.name = "renamenx", .arity = 3, .flags = kWrite | kFast, .keys = {1, 2, 1},
       .acl = acl::kKeyspace, .handler = RenameNx,
       .doc = {.summary = "Rename a key, only if the new key does not exist", .since = "1.0.0",
               .group = "generic", .complexity = "O(1)",
               .history = {{"3.2.0",
                            "The command no longer returns an error when source and "
                            "destination names are the same."}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "newkey", .type = "key", .key_spec_index = 1}}},
       .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 1},
                     {.flags = ks::kOW | ks::kInsert, .index = 2}}},
      {.name = "keys", .arity = 2, .flags = kReadonly, .acl = acl::kKeyspace | acl::kDangerous,
       .handler = Keys,
       .doc = {.summary = "Find all keys matching the given pattern", .since = "1.0.0",
               .group = "generic",
               .complexity = "O(N) with N being the number of keys in the database, under the "
                             "assumption that the key names in the database and the given "
                             "pattern have limited length.",
               .arguments = {{.name = "pattern", .type = "pattern"}}},
       .tips = {"request_policy:all_shards", "nondeterministic_output_order"}},
      {.name = "scan", .arity = -2, .flags = kReadonly, .acl = acl::kKeyspace,
       .handler = Scan,
       .doc = {.summary = "Incrementally iterate the keys space", .since = "2.8.0",
               .group = "generic",
               .complexity = "O(1) for every call. O(N) for a complete iteration, including "
                             "enough command calls for the cursor to return back to 0. N is "
                             "the number of elements inside the collection.",
               .history = {{"6.0.0", "Added the `TYPE` subcommand."}},
               .arguments = {{.name = "cursor", .type = "integer"},
                             {.name = "pattern", .type = "pattern", .token = "MATCH",
                              .flags = kArgOptional},
                             {.name = "count", .type = "integer", .token = "COUNT",
                              .flags = kArgOptional},
                             {.name = "type", .type = "string", .token = "TYPE",
                              .since = "6.0.0", .flags = kArgOptional}}},
       .tips = {"nondeterministic_output", "request_policy:special"}},
      {.name = "randomkey", .arity = 1, .flags = kReadonly, .acl = acl::kKeyspace,
       .handler = RandomKey,
       .doc = {.summary = "Return a random key from the keyspace", .since = "1.0.0",
               .group = "generic", .complexity = "O(1)"},
       .tips = {"request_policy:all_shards", "nondeterministic_output"}},
      {.name = "move", .arity = 3, .flags = kWrite | kFast, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = Move,
       .doc = {.summary = "Move a key to another database", .since = "1.0.0",
               .group = "generic", .complexity = "O(1)",
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                             {.name = "db", .type = "integer"}}},
       .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kUpdate, .index = 1}}},
      {.name = "swapdb", .arity = 3, .flags = kWrite | kFast,
       .acl = acl::kKeyspace | acl::kDangerous, .handler = SwapDb,
       .doc = {.summary = "Swaps two Redis databases", .since = "4.0.0", .group = "server",
               .complexity = "O(N) where N is the count of clients watching or blocking on "
                             "keys from both databases.",
               .arguments = {{.name = "index1", .type = "integer"},
                             {.name = "index2", .type = "integer"}}}},
      {.name = "copy", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, 2, 1},
       .acl = acl::kKeyspace, .handler = Copy,
       .doc = {.summary = "Copy a key", .since = "6.2.0", .group = "generic",
               .complexity = "O(N) worst case for collections, where N is the number of "
                             "nested items. O(1) for string values.",
               .arguments = {{.name = "source", .type = "key", .key_spec_index = 0},
                             {.name = "destination", .type = "key", .key_spec_index = 1},
                             {.name = "destination-db", .type = "integer", .token = "DB",
                              .flags = kArgOptional},
                             {.name = "replace", .type = "pure-token", .token = "REPLACE",
                              .flags = kArgOptional}}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1},
                     {.flags = ks::kOW | ks::kUpdate, .index = 2}}},
      {.name = "wait", .arity = 3, .flags = kNoScript, .acl = acl::kConnection,
       .handler = Wait,
       .doc = {.summary = "Wait for the synchronous replication of all the write commands "
                          "sent in the context of the current connection",
               .since = "3.0.0", .group = "generic", .complexity = "O(1)",
               .arguments = {{.name = "numreplicas", .type = "integer"},
                             {.name = "timeout", .type = "integer"}}},
       .tips = {"request_policy:all_shards", "response_policy:agg_min"}},
      {.name = "object", .arity = -2,
       .doc = {.summary = "A container for object introspection commands", .since = "2.2.3",
               .group = "generic", .complexity = "Depends on subcommand."},
       .subcommands =
           {
               {.name = "encoding", .arity = 3, .flags = kReadonly, .keys = {2, 2, 1},
                .acl = acl::kKeyspace, .handler = ObjectEncoding,
                .doc = {.summary = "Inspect the internal encoding of a Redis object",
                        .since = "2.2.3", .group = "generic", .complexity = "O(1)",
                        .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
                .key_specs = {{.flags = ks::kRO, .index = 2}},
                .tips = {"nondeterministic_output"}},
               {.name = "freq", .arity = 3, .flags = kReadonly, .keys = {2, 2, 1},
                .acl = acl::kKeyspace, .handler = ObjectFreq,
                .doc = {.summary = "Get the logarithmic access frequency counter of a Redis "
                                   "object",
                        .since = "4.0.0", .group = "generic", .complexity = "O(1)",
                        .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
                .key_specs = {{.flags = ks::kRO, .index = 2}},
                .tips = {"nondeterministic_output"}},
               {.name = "idletime", .arity = 3, .flags = kReadonly, .keys = {2, 2, 1},
                .acl = acl::kKeyspace, .handler = ObjectIdleTime,
                .doc = {.summary = "Get the time since a Redis object was last accessed",
                        .since = "2.2.3", .group = "generic", .complexity = "O(1)",
                        .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
                .key_specs = {{.flags = ks::kRO, .index = 2}},
                .tips = {"nondeterministic_output"}},
               {.name = "refcount", .arity = 3, .flags = kReadonly, .keys = {2, 2, 1},
                .acl = acl::kKeyspace, .handler = ObjectRefcount,
                .doc = {.summary = "Get the number of references to the value of the key",
                        .since = "2.2.3", .group = "generic", .complexity = "O(1)",
                        .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
                .key_specs = {{.flags = ks::kRO, .index = 2}},
                .tips = {"nondeterministic_output"}},
               {.name = "help", .arity = 2, .flags = kLoading | kStale,
                .acl = acl::kKeyspace, .handler = ObjectHelp,
                .doc = {.summary = "Show helpful text about the different subcommands",
                        .since = "6.2.0", .group = "generic", .complexity = "O(1)"}},
           }},
      {.name = "exists", .arity = -2, .flags = kReadonly | kFast, .keys = {1, -1, 1},
       .acl = acl::kKeyspace, .handler = Exists,
       .doc = {.summary = "Determine if a key exists", .since = "1.0.0", .group = "generic",
               .complexity = "O(N) where N is the number of keys to check.",
               .history = {{"3.0.3", "Accepts multiple `key` arguments."}},
               .arguments = {{.name = "key", .type = "key", .flags = kArgMultiple,
                              .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO, .index = 1, .lastkey = -1}},
       .tips = {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {.name = "expire", .arity = -3, .flags = kWrite | kFast | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kKeyspace, .handler = Expire,
       .doc = {.summary = "Set a key's time to live in seconds", .since = "1.0.0",
               .group = "generic", .complexity = "O(1)",
               .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
               .arguments = ExpireArgs("seconds", "integer")},
       .key_specs = kRwUpdateKey},
      {.name = "pexpire", .arity = -3, .flags = kWrite | kFast | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kKeyspace, .handler = PExpire,
       .doc = {.summary = "Set a key's time to live in milliseconds", .since = "2.6.0",
               .group = "generic", .complexity = "O(1)",
               .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
               .arguments = ExpireArgs("milliseconds", "integer")},
       .key_specs = kRwUpdateKey},
      {.name = "expireat", .arity = -3, .flags = kWrite | kFast | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kKeyspace, .handler = ExpireAt,
       .doc = {.summary = "Set the expiration for a key as a UNIX timestamp", .since = "1.2.0",
               .group = "generic", .complexity = "O(1)",
               .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
               .arguments = ExpireArgs("unix-time-seconds", "unix-time")},
       .key_specs = kRwUpdateKey},
      {.name = "pexpireat", .arity = -3, .flags = kWrite | kFast | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kKeyspace, .handler = PExpireAt,
       .doc = {.summary = "Set the expiration for a key as a UNIX timestamp specified in "
                          "milliseconds",
               .since = "2.6.0", .group = "generic", .complexity = "O(1)",
               .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
               .arguments = ExpireArgs("unix-time-milliseconds", "unix-time")},
       .key_specs = kRwUpdateKey},
      {.name = "persist", .arity = 2, .flags = kWrite | kFast, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = Persist,
       .doc = {.summary = "Remove the expiration from a key", .since = "2.2.0",
               .group = "generic", .complexity = "O(1)", .arguments = kKeyArg},
       .key_specs = kRwUpdateKey},
      {.name = "expiretime", .arity = 2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = ExpireTime,
       .doc = {.summary = "Get the expiration Unix timestamp for a key", .since = "7.0.0",
               .group = "generic", .complexity = "O(1)", .arguments = kKeyArg},
       .key_specs = kRoAccessKey},
      {.name = "pexpiretime", .arity = 2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = PExpireTime,
       .doc = {.summary = "Get the expiration Unix timestamp for a key in milliseconds",
               .since = "7.0.0", .group = "generic", .complexity = "O(1)",
               .arguments = kKeyArg},
       .key_specs = kRoAccessKey},
      {.name = "dump", .arity = 2, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = Dump,
       .doc = {.summary = "Return a serialized version of the value stored at the specified "
                          "key.",
               .since = "2.6.0", .group = "generic",
               .complexity = "O(1) to access the key and additional O(N*M) to serialize it, "
                             "where N is the number of Redis objects composing the value and M "
                             "their average size. For small string values the time complexity "
                             "is thus O(1)+O(1*M) where M is small, so simply O(1).",
               .arguments = kKeyArg},
       .key_specs = kRoAccessKey,
       .tips = {"nondeterministic_output"}},
      {.name = "restore", .arity = -4, .flags = kWrite | kDenyOom | kCustomPropagation,
       .keys = {1, 1, 1}, .acl = acl::kKeyspace | acl::kDangerous, .handler = Restore,
       .doc = {.summary = "Create a key using the provided serialized value, previously "
                          "obtained using DUMP.",
               .since = "2.6.0", .group = "generic", .complexity = kRestoreComplexity,
               .history = kRestoreHistory, .arguments = RestoreArgs()},
       .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1}}},
      // What a cluster sends the node a key migrates to; RESTORE here.
      {.name = "restore-asking", .arity = -4,
       .flags = kWrite | kDenyOom | kAsking | kCustomPropagation, .keys = {1, 1, 1},
       .acl = acl::kKeyspace | acl::kDangerous, .handler = Restore,
       .doc = {.summary = "An internal command for migrating keys in a cluster",
               .since = "3.0.0", .group = "server", .complexity = kRestoreComplexity,
               .doc_flags = {"syscmd"}, .history = kRestoreHistory,
               .arguments = RestoreArgs()},
       .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1}}},
      {.name = "migrate", .arity = -6, .flags = kWrite | kMovableKeys | kCustomPropagation,
       .keys = {3, 3, 1}, .acl = acl::kKeyspace | acl::kDangerous, .handler = Migrate,
       .getkeys = MigrateKeys,
       .doc = {.summary = "Atomically transfer a key from a Redis instance to another one.",
               .since = "2.6.0",
               .group = "generic",
               .complexity = "This command actually executes a DUMP+DEL in the source instance, "
                             "and a RESTORE in the target instance. See the pages of these "
                             "commands for time complexity. Also an O(N) data transfer between "
                             "the two instances is performed.",
               .history = {{"3.0.0", "Added the `COPY` and `REPLACE` options."},
                           {"3.0.6", "Added the `KEYS` option."},
                           {"4.0.7", "Added the `AUTH` option."},
                           {"6.0.0", "Added the `AUTH2` option."}},
               .arguments =
                   {{.name = "host", .type = "string"},
                    {.name = "port", .type = "integer"},
                    {.name = "key_or_empty_string", .type = "oneof",
                     .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                                   {.name = "empty_string", .type = "pure-token", .token = ""}}},
                    {.name = "destination-db", .type = "integer"},
                    {.name = "timeout", .type = "integer"},
                    {.name = "copy", .type = "pure-token", .token = "COPY", .since = "3.0.0",
                     .flags = kArgOptional},
                    {.name = "replace", .type = "pure-token", .token = "REPLACE",
                     .since = "3.0.0", .flags = kArgOptional},
                    {.name = "authentication", .type = "oneof", .flags = kArgOptional,
                     .arguments = {{.name = "password", .type = "string", .token = "AUTH",
                                    .since = "4.0.7", .flags = kArgOptional},
                                   {.name = "username_password", .type = "block",
                                    .token = "AUTH2", .since = "6.0.0", .flags = kArgOptional,
                                    .arguments = {{.name = "username", .type = "string"},
                                                  {.name = "password", .type = "string"}}}}},
                    {.name = "key", .type = "key", .token = "KEYS", .since = "3.0.6",
                     .flags = kArgOptional | kArgMultiple, .key_spec_index = 1}}},
       .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kDelete, .index = 3},
                     {.flags = ks::kRW | ks::kAccess | ks::kDelete | ks::kIncomplete,
                      .keyword = "KEYS", .startfrom = -2, .lastkey = -1}},
       .tips = {"nondeterministic_output"}},
      {.name = "ttl", .arity = 2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = Ttl,
       .doc = {.summary = "Get the time to live for a key in seconds", .since = "1.0.0",
               .group = "generic", .complexity = "O(1)",
               .history = {{"2.8.0", "Added the -2 reply."}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
       .tips = {"nondeterministic_output"}},
      {.name = "pttl", .arity = 2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kKeyspace, .handler = PTtl,
       .doc = {.summary = "Get the time to live for a key in milliseconds", .since = "2.6.0",
               .group = "generic", .complexity = "O(1)",
               .history = {{"2.8.0", "Added the -2 reply."}},
               .arguments = {{.name = "key", .type = "key", .key_spec_index = 0}}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}},
       .tips = {"nondeterministic_output"}},
      {.name = "dbsize", .arity = 1, .flags = kReadonly | kFast, .acl = acl::kKeyspace,
       .handler = DbSize,
       .doc = {.summary = "Return the number of keys in the selected database",
               .since = "1.0.0", .group = "server", .complexity = "O(1)"},
       .tips = {"request_policy:all_shards", "response_policy:agg_sum"}},
      {.name = "flushdb", .arity = -1, .flags = kWrite,
       .acl = acl::kKeyspace | acl::kDangerous, .handler = FlushDb,
       .doc = {.summary = "Remove all keys from the current database", .since = "1.0.0",
               .group = "server",
               .complexity = "O(N) where N is the number of keys in the selected database",
               .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."},
                           {"6.2.0", "Added the `SYNC` flushing mode modifier."}},
               .arguments = kFlushArgs},
       .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {.name = "flushall", .arity = -1, .flags = kWrite,
       .acl = acl::kKeyspace | acl::kDangerous, .handler = FlushAll,
       .doc = {.summary = "Remove all keys from all databases", .since = "1.0.0",
               .group = "server",
               .complexity = "O(N) where N is the total number of keys in all databases",
               .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."},
                           {"6.2.0", "Added the `SYNC` flushing mode modifier."}},
               .arguments = kFlushArgs},
       .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},
  });
}

}  // namespace cairn::engine
