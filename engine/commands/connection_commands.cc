// Connection commands: PING, ECHO, QUIT, HELLO, SELECT, CLIENT.
#include <algorithm>
#include <vector>

#include "base/string_util.h"
#include "engine/acl/acl.h"
#include "engine/blocking/blocked_clients.h"
#include "engine/command_context.h"
#include "engine/pubsub/pubsub.h"
#include "engine/commands/registry.h"

namespace cairn::engine {
namespace {

void Ping(CommandContext& ctx, ArgList args) {
  if (args.size() > 2) return ctx.Error(errors::WrongArity("ping"));
  if (ctx.client.resp == 2 && ctx.client.subs.any()) {
    // In subscribe mode a reply must look like a message: [pong, arg].
    ctx.reply.Array(2);
    ctx.reply.Bulk("pong");
    return ctx.reply.Bulk(args.size() == 2 ? std::string_view(args[1]) : std::string_view());
  }
  if (args.size() == 2) return ctx.reply.Bulk(args[1]);
  ctx.reply.Simple("PONG");
}

void Echo(CommandContext& ctx, ArgList args) { ctx.reply.Bulk(args[1]); }

// RESET: the connection as it was when it connected (Redis's clearClientConnectionState).
void Reset(CommandContext& ctx, ArgList) {
  DiscardTransaction(ctx.client, ctx.watches);
  ctx.pubsub.UnsubscribeAll(ctx.client);
  ctx.tracking.Disable(ctx.client);
  ctx.client.db = 0;
  ctx.client.resp = 2;
  ctx.client.name.clear();
  if (ctx.client.monitor) {
    ctx.client.monitor = false;
    std::erase(ctx.server.monitors, &ctx.client);
  }
  const AclUser& def = ctx.acl.default_user();
  ctx.client.user = &ctx.acl.default_user();
  ctx.client.authenticated = def.nopass && def.enabled;
  ctx.reply.Simple("RESET");
}

void Quit(CommandContext& ctx, ArgList) {
  ctx.reply.Ok();
  ctx.client.close_after_reply = true;
}

// Redis's clientSetName rule: printable ASCII without spaces.
bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}
constexpr std::string_view kBadClientName =
    "Client names cannot contain spaces, newlines or special characters.";

// AUTH and HELLO AUTH: the user's password (or nopass) logs the client in
// as that user; a refusal is logged in ACL LOG and answers WRONGPASS
// whether the user is missing, off or the password wrong.
bool CheckPassword(CommandContext& ctx, std::string_view user, std::string_view password,
                   const std::string& command) {
  AclUser* u = ctx.acl.Find(user);
  if (u == nullptr || !Acl::CheckPassword(*u, password)) {
    ctx.acl.Log(AclDenial::kAuth, ctx.client.tx.active ? "multi" : "toplevel", command,
                std::string(user), ClientInfoLine(ctx.client, ctx.now_ms), ctx.now_ms,
                ctx.config.values().acllog_max_len);
    ctx.Error({ErrorKind::kWrongPass, "invalid username-password pair or user is disabled."});
    return false;
  }
  ctx.client.user = u;
  ctx.client.authenticated = true;
  return true;
}

void Auth(CommandContext& ctx, ArgList args) {
  if (args.size() > 3) return ctx.Error(errors::kSyntax);
  if (args.size() == 2 && ctx.acl.default_user().nopass) {
    return ctx.Error(
        "AUTH <password> called without any password configured for the default user. Are you "
        "sure your configuration is correct?");
  }
  const std::string_view user = args.size() == 3 ? std::string_view(args[1]) : "default";
  if (CheckPassword(ctx, user, args.back(), args[0])) ctx.reply.Ok();
}

void Hello(CommandContext& ctx, ArgList args) {
  int64_t version = 0;
  size_t next = 1;
  if (args.size() >= 2) {
    auto v = base::ParseInt64(args[next++]);
    if (!v) return ctx.Error("Protocol version is not an integer or out of range");
    if (*v < 2 || *v > 3) return ctx.Error({ErrorKind::kNoProto, "unsupported protocol version"});
    version = *v;
  }
  const std::string* user = nullptr;
  const std::string* password = nullptr;
  const std::string* name = nullptr;
  for (size_t j = next; j < args.size(); j++) {
    size_t more = args.size() - 1 - j;
    if (base::EqualsIgnoreCase(args[j], "auth") && more >= 2) {
      user = &args[j + 1];
      password = &args[j + 2];
      j += 2;
    } else if (base::EqualsIgnoreCase(args[j], "setname") && more >= 1) {
      name = &args[j + 1];
      j++;
    } else {
      return ctx.Error("Syntax error in HELLO option '" + args[j] + "'");
    }
  }
  if (user != nullptr) {
    if (!CheckPassword(ctx, *user, *password, args[0])) return;
  } else if (!ctx.client.authenticated &&
             !(ctx.acl.default_user().nopass && ctx.acl.default_user().enabled)) {
    return ctx.Error({ErrorKind::kNoAuth,
                      "HELLO must be called with the client already authenticated, otherwise "
                      "the HELLO AUTH <user> <pass> option can be used to authenticate "
                      "the client and select the RESP protocol version at the same time"});
  }
  if (name != nullptr) {
    if (!ValidClientName(*name)) return ctx.Error(kBadClientName);
    ctx.client.name = *name;
  }
  if (version != 0) {
    ctx.client.resp = static_cast<int>(version);
    ctx.reply.set_protocol(ctx.client.resp);
  }
  auto& r = ctx.reply;
  r.Map(7);
  r.Bulk("server");
  r.Bulk("redis");
  r.Bulk("version");
  r.Bulk(kRedisVersion);
  r.Bulk("proto");
  r.Int(ctx.client.resp);
  r.Bulk("id");
  r.Int(static_cast<int64_t>(ctx.client.id));
  r.Bulk("mode");
  r.Bulk("standalone");
  r.Bulk("role");
  r.Bulk("master");
  r.Bulk("modules");
  r.Array(0);
}

void Select(CommandContext& ctx, ArgList args) {
  auto id = ctx.IntArg(args[1]);
  if (!id) return;
  if (*id < INT32_MIN || *id > INT32_MAX) {
    // Redis's getIntFromObjectOrReply wording, "must between" included.
    return ctx.Error("value is out of range, value must between -2147483648 and 2147483647");
  }
  if (*id < 0 || *id >= ctx.keyspace.databases()) return ctx.Error(errors::kDbIndexOutOfRange);
  ctx.client.db = static_cast<int>(*id);
  ctx.reply.Ok();
}

void ClientId(CommandContext& ctx, ArgList) { ctx.reply.Int(static_cast<int64_t>(ctx.client.id)); }

void ClientGetName(CommandContext& ctx, ArgList) {
  if (ctx.client.name.empty()) return ctx.reply.Null();
  ctx.reply.Bulk(ctx.client.name);
}

void ClientSetName(CommandContext& ctx, ArgList args) {
  if (!ValidClientName(args[2])) return ctx.Error(kBadClientName);
  ctx.client.name = args[2];
  ctx.reply.Ok();
}

// CLIENT LIST's flags, in Redis's order: O (monitor), P (pub/sub), x (in MULTI), b
// (blocked), t (tracking), R (its redirect has gone), B (BCAST), d (a watched
// key changed), U (unix socket), e (no-evict), N (none).
std::string ClientFlags(const ClientState& c) {
  std::string f;
  if (c.monitor) f += 'O';
  if (c.replica) f += 'S';
  if (c.primary_link) f += 'M';
  if (c.subs.any()) f += 'P';
  if (c.tx.active) f += 'x';
  if (c.blocked) f += 'b';
  if (c.tracking.on) f += 't';
  if (c.tracking.broken_redirect) f += 'R';
  if (c.tracking.bcast) f += 'B';
  if (c.tx.dirty) f += 'd';
  if (c.unix_socket) f += 'U';
  if (c.no_evict) f += 'e';
  return f.empty() ? "N" : f;
}


// CLIENT UNBLOCK id [TIMEOUT|ERROR]: the reason is checked before the id,
// as in Redis 7.0.
void ClientUnblock(CommandContext& ctx, ArgList args) {
  if (args.size() > 4) return ctx.Error(errors::kSyntax);
  bool as_error = false;
  if (args.size() == 4) {
    if (base::EqualsIgnoreCase(args[3], "error")) {
      as_error = true;
    } else if (!base::EqualsIgnoreCase(args[3], "timeout")) {
      return ctx.Error("CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  auto id = ctx.IntArg(args[2]);
  if (!id) return;
  ctx.reply.Int(*id > 0 && ctx.blocked.Unblock(static_cast<uint64_t>(*id), as_error) ? 1 : 0);
}

// Redis's getClientType: a monitor shows as normal.
std::string_view ClientType(const ClientState& c) {
  if (c.replica) return "replica";
  if (c.primary_link) return "master";
  return c.subs.any() ? "pubsub" : "normal";
}

// CLIENT KILL ip:port, or CLIENT KILL <filter value> ... (ID, TYPE, USER,
// ADDR, LADDR, SKIPME), as Redis 7.0 parses them.
void ClientKill(CommandContext& ctx, ArgList args) {
  if (args.size() == 3) {
    ClientState* found = nullptr;
    ctx.ForEachClient([&](ClientState& c) {
      if (found == nullptr && c.addr == args[2]) found = &c;
    });
    if (found == nullptr) return ctx.Error("No such client");
    ctx.CloseClient(*found);
    return ctx.reply.Ok();
  }
  std::optional<uint64_t> id;
  std::optional<std::string> type, addr, laddr;
  const AclUser* user = nullptr;
  bool skipme = true;
  for (size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return ctx.Error(errors::kSyntax);
    const std::string& opt = args[i];
    const std::string& val = args[i + 1];
    if (base::EqualsIgnoreCase(opt, "id")) {
      auto n = base::ParseInt64(val);
      if (!n || *n <= 0) return ctx.Error("client-id should be greater than 0");
      id = static_cast<uint64_t>(*n);
    } else if (base::EqualsIgnoreCase(opt, "type")) {
      std::string t = base::ToLower(val);
      if (t == "slave") t = "replica";
      if (t != "normal" && t != "master" && t != "replica" && t != "pubsub") {
        return ctx.Error("Unknown client type '" + val + "'");
      }
      type = t;
    } else if (base::EqualsIgnoreCase(opt, "addr")) {
      addr = val;
    } else if (base::EqualsIgnoreCase(opt, "laddr")) {
      laddr = val;
    } else if (base::EqualsIgnoreCase(opt, "user")) {
      user = ctx.acl.Find(val);
      if (user == nullptr) {
        return ctx.Error("No such user '" + std::string(errors::AsCString(val)) + "'");
      }
    } else if (base::EqualsIgnoreCase(opt, "skipme")) {
      if (base::EqualsIgnoreCase(val, "yes")) {
        skipme = true;
      } else if (base::EqualsIgnoreCase(val, "no")) {
        skipme = false;
      } else {
        return ctx.Error(errors::kSyntax);
      }
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  std::vector<ClientState*> doomed;
  ctx.ForEachClient([&](ClientState& cs) {
    if (id && cs.id != *id) return;
    if (type && *type != ClientType(cs)) return;
    if (addr && cs.addr != *addr) return;
    if (laddr && cs.laddr != *laddr) return;
    if (user != nullptr && &ctx.acl.UserOf(cs.user) != user) return;
    if (skipme && &cs == &ctx.client) return;
    doomed.push_back(&cs);
  });
  for (ClientState* c : doomed) ctx.CloseClient(*c);
  ctx.reply.Int(static_cast<int64_t>(doomed.size()));
}

// CLIENT PAUSE timeout [WRITE|ALL]: clients' commands (or only those that
// may write) wait until the time is up or CLIENT UNPAUSE; the engine parks
// them (Engine::ExecuteOne) and runs them in order when the pause ends. A
// new pause never shortens one in force, nor makes it milder.
void ClientPause(CommandContext& ctx, ArgList args) {
  if (args.size() > 4) {
    return ctx.Error(errors::SubcommandSyntax(args[1], "client"));
  }
  auto ms = base::ParseInt64(args[2]);
  if (!ms) return ctx.Error("timeout is not an integer or out of range");
  if (*ms < 0) return ctx.Error("timeout is negative");
  PauseType type = PauseType::kAll;
  if (args.size() == 4) {
    if (base::EqualsIgnoreCase(args[3], "write")) {
      type = PauseType::kWrite;
    } else if (!base::EqualsIgnoreCase(args[3], "all")) {
      return ctx.Error("CLIENT PAUSE mode must be WRITE or ALL");
    }
  }
  ServerState& s = ctx.server;
  const int64_t end = ctx.now_ms + *ms;
  if (s.pause_type == PauseType::kNone || end > s.pause_end_ms) s.pause_end_ms = end;
  if (type > s.pause_type) s.pause_type = type;
  ctx.reply.Ok();
}

void ClientUnpause(CommandContext& ctx, ArgList) {
  ctx.server.pause_type = PauseType::kNone;  // the engine resumes the parked
  ctx.server.pause_end_ms = 0;
  ctx.reply.Ok();
}

// CLIENT REPLY ON|OFF|SKIP: OFF and SKIP are not answered themselves.
void ClientReply(CommandContext& ctx, ArgList args) {
  if (base::EqualsIgnoreCase(args[2], "on")) {
    ctx.client.reply_mode = ReplyMode::kOn;
    ctx.reply.Ok();
  } else if (base::EqualsIgnoreCase(args[2], "off")) {
    ctx.client.reply_mode = ReplyMode::kOff;
  } else if (base::EqualsIgnoreCase(args[2], "skip")) {
    if (ctx.client.reply_mode != ReplyMode::kOff) ctx.client.reply_mode = ReplyMode::kSkipNext;
  } else {
    ctx.Error(errors::kSyntax);
  }
}

void ClientNoEvict(CommandContext& ctx, ArgList args) {
  if (base::EqualsIgnoreCase(args[2], "on")) {
    ctx.client.no_evict = true;
  } else if (base::EqualsIgnoreCase(args[2], "off")) {
    ctx.client.no_evict = false;
  } else {
    return ctx.Error(errors::kSyntax);
  }
  ctx.reply.Ok();
}

void ClientInfo(CommandContext& ctx, ArgList) {
  ctx.reply.Verbatim("txt", ClientInfoLine(ctx.client, ctx.now_ms) + "\n");
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]
void ClientList(CommandContext& ctx, ArgList args) {
  std::optional<std::string> type;
  std::vector<uint64_t> ids;
  if (args.size() >= 4 && base::EqualsIgnoreCase(args[2], "type") && args.size() == 4) {
    std::string t = base::ToLower(args[3]);
    if (t == "slave") t = "replica";
    if (t != "normal" && t != "master" && t != "replica" && t != "pubsub") {
      return ctx.Error("Unknown client type '" + args[3] + "'");
    }
    type = t;
  } else if (args.size() >= 4 && base::EqualsIgnoreCase(args[2], "id")) {
    for (size_t j = 3; j < args.size(); j++) {
      auto id = base::ParseInt64(args[j]);
      if (!id || *id < 0) return ctx.Error("Invalid client ID");
      ids.push_back(static_cast<uint64_t>(*id));
    }
  } else if (args.size() != 2) {
    return ctx.Error(errors::kSyntax);
  }
  std::string out;
  // (The caller's own line shows this command, as in Redis.)
  ctx.ForEachClient([&](ClientState& c) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id) == ids.end()) return;
    if (type && *type != ClientType(c)) return;
    out += ClientInfoLine(c, ctx.now_ms) + "\n";
  });
  ctx.reply.Verbatim("txt", out);
}

void ClientHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "HELP",
      "    Prints this help.",
  };
  ctx.ReplyLines(kLines);
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN]
// [OPTOUT] [NOLOOP]: options are parsed (and REDIRECT's client looked up)
// before ON/OFF is read, as in Redis.
void ClientTrackingCommand(CommandContext& ctx, ArgList args) {
  KeyTracking::Options o;
  for (size_t j = 3; j < args.size(); j++) {
    const bool more = j + 1 < args.size();
    if (base::EqualsIgnoreCase(args[j], "redirect") && more) {
      j++;
      if (o.redirect != 0) return ctx.Error("A client can only redirect to a single other client");
      auto id = ctx.IntArg(args[j]);
      if (!id) return;
      if (!ctx.server.clients.contains(static_cast<uint64_t>(*id))) {
        return ctx.Error("The client ID you want redirect to does not exist");
      }
      o.redirect = static_cast<uint64_t>(*id);
    } else if (base::EqualsIgnoreCase(args[j], "bcast")) {
      o.bcast = true;
    } else if (base::EqualsIgnoreCase(args[j], "optin")) {
      o.optin = true;
    } else if (base::EqualsIgnoreCase(args[j], "optout")) {
      o.optout = true;
    } else if (base::EqualsIgnoreCase(args[j], "noloop")) {
      o.noloop = true;
    } else if (base::EqualsIgnoreCase(args[j], "prefix") && more) {
      o.prefixes.push_back(args[++j]);
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  if (base::EqualsIgnoreCase(args[2], "on")) {
    if (std::string err = ctx.tracking.Enable(ctx.client, o); !err.empty()) return ctx.Error(err);
  } else if (base::EqualsIgnoreCase(args[2], "off")) {
    ctx.tracking.Disable(ctx.client);
  } else {
    return ctx.Error(errors::kSyntax);
  }
  ctx.reply.Ok();
}

// CLIENT CACHING YES|NO: whether the next command's reads are tracked, in
// OPTIN (YES) or OPTOUT (NO) mode.
void ClientCaching(CommandContext& ctx, ArgList args) {
  ClientTracking& t = ctx.client.tracking;
  if (!t.on) {
    return ctx.Error("CLIENT CACHING can be called only when the client is in tracking mode with "
                     "OPTIN or OPTOUT mode enabled");
  }
  if (base::EqualsIgnoreCase(args[2], "yes")) {
    if (!t.optin) {
      return ctx.Error("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
    }
  } else if (base::EqualsIgnoreCase(args[2], "no")) {
    if (!t.optout) {
      return ctx.Error("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    return ctx.Error(errors::kSyntax);
  }
  t.caching = true;
  ctx.reply.Ok();
}

void ClientGetredir(CommandContext& ctx, ArgList) {
  const ClientTracking& t = ctx.client.tracking;
  ctx.reply.Int(t.on ? static_cast<int64_t>(t.redirect) : -1);
}

void ClientTrackinginfo(CommandContext& ctx, ArgList) {
  const ClientTracking& t = ctx.client.tracking;
  std::vector<std::string_view> flags{t.on ? "on" : "off"};
  if (t.bcast) flags.push_back("bcast");
  if (t.optin) flags.push_back("optin");
  if (t.optin && t.caching) flags.push_back("caching-yes");
  if (t.optout) flags.push_back("optout");
  if (t.optout && t.caching) flags.push_back("caching-no");
  if (t.noloop) flags.push_back("noloop");
  if (t.broken_redirect) flags.push_back("broken_redirect");
  ctx.reply.Map(3);
  ctx.reply.Bulk("flags");
  ctx.reply.Set(flags.size());
  for (auto f : flags) ctx.reply.Bulk(f);
  ctx.reply.Bulk("redirect");
  ctx.reply.Int(t.on ? static_cast<int64_t>(t.redirect) : -1);
  ctx.reply.Bulk("prefixes");
  ctx.reply.Array(t.prefixes.size());
  for (const std::string& p : t.prefixes) ctx.reply.Bulk(p);
}

constexpr uint64_t kConnFlags = kNoScript | kLoading | kStale;

// READONLY, READWRITE, ASKING: a cluster client's connection state. Cairn
// has no cluster mode, and answers as a Redis started without one.
void ClusterDisabled(CommandContext& ctx, ArgList) {
  ctx.Error("This instance has cluster support disabled");
}

// CLUSTER and its subcommands, described as Redis 7.0 describes them. Cairn
// has no cluster mode: each answers as a Redis started without one.
CommandSpec ClusterSpec() {
  return {
      .name = "cluster",
      .arity = -2,
      .doc = {.summary = "A container for cluster commands",
              .since = "3.0.0",
              .group = "cluster",
              .complexity = "Depends on subcommand."},
      .subcommands =
          {{.name = "addslots",
            .arity = -3,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Assign new hash slots to receiving node",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the total number of hash slot arguments",
                    .arguments = {{.name = "slot", .type = "integer", .flags = kArgMultiple}}}},
           {.name = "addslotsrange",
            .arity = -4,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Assign new hash slots to receiving node",
                    .since = "7.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the total number of the slots between the start "
                                  "slot and end slot arguments.",
                    .arguments = {{.name = "start-slot_end-slot",
                                   .type = "block",
                                   .flags = kArgMultiple,
                                   .arguments = {{.name = "start-slot", .type = "integer"},
                                                 {.name = "end-slot", .type = "integer"}}}}}},
           {.name = "bumpepoch",
            .arity = 2,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Advance the cluster config epoch",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)"},
            .tips = {"nondeterministic_output"}},
           {.name = "count-failure-reports",
            .arity = 3,
            .flags = kAdmin | kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Return the number of failure reports active for a given node",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the number of failure reports",
                    .arguments = {{.name = "node-id", .type = "string"}}},
            .tips = {"nondeterministic_output"}},
           {.name = "countkeysinslot",
            .arity = 3,
            .flags = kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Return the number of local keys in the specified hash slot",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)",
                    .arguments = {{.name = "slot", .type = "integer"}}}},
           {.name = "delslots",
            .arity = -3,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Set hash slots as unbound in receiving node",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the total number of hash slot arguments",
                    .arguments = {{.name = "slot", .type = "integer", .flags = kArgMultiple}}}},
           {.name = "delslotsrange",
            .arity = -4,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Set hash slots as unbound in receiving node",
                    .since = "7.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the total number of the slots between the start "
                                  "slot and end slot arguments.",
                    .arguments = {{.name = "start-slot_end-slot",
                                   .type = "block",
                                   .flags = kArgMultiple,
                                   .arguments = {{.name = "start-slot", .type = "integer"},
                                                 {.name = "end-slot", .type = "integer"}}}}}},
           {.name = "failover",
            .arity = -2,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Forces a replica to perform a manual failover of its master.",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)",
                    .arguments = {{.name = "options",
                                   .type = "oneof",
                                   .flags = kArgOptional,
                                   .arguments =
                                       {{.name = "force", .type = "pure-token", .token = "FORCE"},
                                        {.name = "takeover",
                                         .type = "pure-token",
                                         .token = "TAKEOVER"}}}}}},
           {.name = "flushslots",
            .arity = 2,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Delete a node's own slots information",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)"}},
           {.name = "forget",
            .arity = 3,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Remove a node from the nodes table",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)",
                    .arguments = {{.name = "node-id", .type = "string"}}}},
           {.name = "getkeysinslot",
            .arity = 4,
            .flags = kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Return local key names in the specified hash slot",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(log(N)) where N is the number of requested keys",
                    .arguments = {{.name = "slot", .type = "integer"},
                                  {.name = "count", .type = "integer"}}},
            .tips = {"nondeterministic_output"}},
           {.name = "help",
            .arity = 2,
            .flags = kLoading | kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Show helpful text about the different subcommands",
                    .since = "5.0.0",
                    .group = "cluster",
                    .complexity = "O(1)"}},
           {.name = "info",
            .arity = 2,
            .flags = kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Provides info about Redis Cluster node state",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)"},
            .tips = {"nondeterministic_output"}},
           {.name = "keyslot",
            .arity = 3,
            .flags = kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Returns the hash slot of the specified key",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the number of bytes in the key",
                    .arguments = {{.name = "key", .type = "string"}}}},
           {.name = "links",
            .arity = 2,
            .flags = kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Returns a list of all TCP links to and from peer nodes in cluster",
                    .since = "7.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the total number of Cluster nodes"},
            .tips = {"nondeterministic_output"}},
           {.name = "meet",
            .arity = -4,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Force a node cluster to handshake with another node",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)",
                    .history = {{"4.0.0", "Added the optional `cluster_bus_port` argument."}},
                    .arguments = {{.name = "ip", .type = "string"},
                                  {.name = "port", .type = "integer"},
                                  {.name = "cluster_bus_port",
                                   .type = "integer",
                                   .since = "4.0.0",
                                   .flags = kArgOptional}}}},
           {.name = "myid",
            .arity = 2,
            .flags = kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Return the node id",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)"}},
           {.name = "nodes",
            .arity = 2,
            .flags = kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Get Cluster config for the node",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the total number of Cluster nodes"},
            .tips = {"nondeterministic_output"}},
           {.name = "replicas",
            .arity = 3,
            .flags = kAdmin | kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "List replica nodes of the specified master node",
                    .since = "5.0.0",
                    .group = "cluster",
                    .complexity = "O(1)",
                    .arguments = {{.name = "node-id", .type = "string"}}},
            .tips = {"nondeterministic_output"}},
           {.name = "replicate",
            .arity = 3,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Reconfigure a node as a replica of the specified master node",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)",
                    .arguments = {{.name = "node-id", .type = "string"}}}},
           {.name = "reset",
            .arity = -2,
            .flags = kAdmin | kNoScript | kStale,
            .handler = ClusterDisabled,
            .doc =
                {.summary = "Reset a Redis Cluster node",
                 .since = "3.0.0",
                 .group = "cluster",
                 .complexity = "O(N) where N is the number of known nodes. The command may execute "
                               "a FLUSHALL as a side effect.",
                 .arguments = {{.name = "hard_soft",
                                .type = "oneof",
                                .flags = kArgOptional,
                                .arguments =
                                    {{.name = "hard", .type = "pure-token", .token = "HARD"},
                                     {.name = "soft", .type = "pure-token", .token = "SOFT"}}}}}},
           {.name = "saveconfig",
            .arity = 2,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Forces the node to save cluster state on disk",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)"}},
           {.name = "set-config-epoch",
            .arity = 3,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Set the configuration epoch in a new node",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)",
                    .arguments = {{.name = "config-epoch", .type = "integer"}}}},
           {.name = "setslot",
            .arity = -4,
            .flags = kAdmin | kStale | kNoAsyncLoading,
            .handler = ClusterDisabled,
            .doc = {.summary = "Bind a hash slot to a specific node",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)",
                    .arguments =
                        {{.name = "slot", .type = "integer"},
                         {.name = "subcommand",
                          .type = "oneof",
                          .arguments =
                              {{.name = "node-id", .type = "string", .token = "IMPORTING"},
                               {.name = "node-id", .type = "string", .token = "MIGRATING"},
                               {.name = "node-id", .type = "string", .token = "NODE"},
                               {.name = "stable", .type = "pure-token", .token = "STABLE"}}}}}},
           {.name = "shards",
            .arity = 2,
            .flags = kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Get array of cluster slots to node mappings",
                    .since = "7.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the total number of cluster nodes"},
            .tips = {"nondeterministic_output"}},
           {.name = "slaves",
            .arity = 3,
            .flags = kAdmin | kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "List replica nodes of the specified master node",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(1)",
                    .doc_flags = {"deprecated"},
                    .deprecated_since = "5.0.0",
                    .replaced_by = "`CLUSTER REPLICAS`",
                    .arguments = {{.name = "node-id", .type = "string"}}},
            .tips = {"nondeterministic_output"}},
           {.name = "slots",
            .arity = 2,
            .flags = kStale,
            .handler = ClusterDisabled,
            .doc = {.summary = "Get array of Cluster slot to node mappings",
                    .since = "3.0.0",
                    .group = "cluster",
                    .complexity = "O(N) where N is the total number of Cluster nodes",
                    .doc_flags = {"deprecated"},
                    .deprecated_since = "7.0.0",
                    .replaced_by = "`CLUSTER SHARDS`",
                    .history = {{"4.0.0", "Added node IDs."},
                                {"7.0.0", "Added additional networking metadata field."}}},
            .tips = {"nondeterministic_output"}}}};
}

}  // namespace

ClientBuffers BuffersOf(const ClientState& c) {
  ClientBuffers b;
  if (c.conn != nullptr) {
    b.qbuf = c.conn->InputBytes();
    b.qbuf_free = c.conn->InputCapacity() - std::min(b.qbuf, c.conn->InputCapacity());
    b.omem = c.conn->OutputBytes();
  }
  for (const auto& argv : c.tx.queued) {
    for (const std::string& a : argv) b.multi += a.size();
  }
  return b;
}

// In Redis 7.0's field order. Cairn's one reply buffer shows as omem (obl
// and oll, Redis's fixed buffer and reply list, read 0), the current
// command's arguments are not counted (argv-mem), nor a read buffer apart
// from the query buffer (rbs, rbp).
std::string ClientInfoLine(const ClientState& c, int64_t now_ms) {
  const int64_t age = (now_ms - c.created_ms) / 1000;
  const int64_t idle = (now_ms - c.last_interaction_ms) / 1000;
  const ClientBuffers b = BuffersOf(c);
  return "id=" + std::to_string(c.id) + " addr=" + c.addr + " laddr=" + c.laddr +
         " fd=" + std::to_string(c.fd) + " name=" + c.name + " age=" + std::to_string(age) +
         " idle=" + std::to_string(idle) + " flags=" + ClientFlags(c) +
         " db=" + std::to_string(c.db) +
         " sub=" + std::to_string(c.subs.channels.size()) +
         " psub=" + std::to_string(c.subs.patterns.size()) +
         " ssub=" + std::to_string(c.subs.shard_channels.size()) +
         " multi=" + (c.tx.active ? std::to_string(c.tx.queued.size()) : std::string("-1")) +
         " qbuf=" + std::to_string(b.qbuf) + " qbuf-free=" + std::to_string(b.qbuf_free) +
         " argv-mem=0 multi-mem=" + std::to_string(b.multi) +
         " rbs=0 rbp=0 obl=0 oll=0 omem=" + std::to_string(b.omem) +
         " tot-mem=" + std::to_string(b.total()) + " events=" + (b.omem > 0 ? "rw" : "r") +
         " cmd=" +
         c.last_command + " user=" + (c.user != nullptr ? c.user->name : std::string("default")) +
         " redir=" + (c.tracking.on ? std::to_string(c.tracking.redirect) : std::string("-1")) +
         " resp=" + std::to_string(c.resp);
}

void RegisterConnectionCommands(CommandTable& t) {
  t.Add({
      {.name = "readonly", .arity = 1, .flags = kLoading | kStale | kFast,
       .acl = acl::kConnection, .handler = ClusterDisabled,
       .doc = {.summary = "Enables read queries for a connection to a cluster replica node",
               .since = "3.0.0", .group = "cluster", .complexity = "O(1)"}},
      {.name = "readwrite", .arity = 1, .flags = kLoading | kStale | kFast,
       .acl = acl::kConnection, .handler = ClusterDisabled,
       .doc = {.summary = "Disables read queries for a connection to a cluster replica node",
               .since = "3.0.0", .group = "cluster", .complexity = "O(1)"}},
      {.name = "asking", .arity = 1, .flags = kFast, .acl = acl::kConnection,
       .handler = ClusterDisabled,
       .doc = {.summary = "Sent by cluster clients after an -ASK redirect", .since = "3.0.0",
               .group = "cluster", .complexity = "O(1)"}},
      ClusterSpec(),
      {.name = "ping",
       .arity = -1,
       .flags = kFast,
       .acl = acl::kConnection,
       .handler = Ping,
       .doc = {.summary = "Ping the server",
               .since = "1.0.0",
               .group = "connection",
               .complexity = "O(1)",
               .arguments = {{.name = "message", .type = "string", .flags = kArgOptional}}},
       .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {.name = "echo",
       .arity = 2,
       .flags = kLoading | kStale | kFast,
       .acl = acl::kConnection,
       .handler = Echo,
       .doc = {.summary = "Echo the given string",
               .since = "1.0.0",
               .group = "connection",
               .complexity = "O(1)",
               .arguments = {{.name = "message", .type = "string"}}}},
      {.name = "reset", .arity = 1,
       .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
       .acl = acl::kConnection, .handler = Reset,
       .doc = {.summary = "Reset the connection",
               .since = "6.2.0",
               .group = "connection",
               .complexity = "O(1)"}},
      {.name = "quit",
       .arity = -1,
       .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
       .acl = acl::kConnection,
       .handler = Quit,
       .doc = {.summary = "Close the connection",
               .since = "1.0.0",
               .group = "connection",
               .complexity = "O(1)"}},
      {.name = "auth",
       .arity = -2,
       .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
       .acl = acl::kConnection,
       .handler = Auth,
       .doc = {.summary = "Authenticate to the server",
               .since = "1.0.0",
               .group = "connection",
               .complexity = "O(N) where N is the number of passwords defined for the user",
               .history = {{"6.0.0", "Added ACL style (username and password)."}},
               .arguments =
                   {{.name = "username", .type = "string", .since = "6.0.0", .flags = kArgOptional},
                    {.name = "password", .type = "string"}}}},
      {.name = "hello",
       .arity = -1,
       .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
       .acl = acl::kConnection,
       .handler = Hello,
       .doc = {.summary = "Handshake with Redis",
               .since = "6.0.0",
               .group = "connection",
               .complexity = "O(1)",
               .history = {{"6.2.0",
                            "`protover` made optional; when called without arguments the "
                            "command reports the current connection's context."}},
               .arguments = {{.name = "arguments",
                              .type = "block",
                              .flags = kArgOptional,
                              .arguments = {{.name = "protover", .type = "integer"},
                                            {.name = "username_password",
                                             .type = "block",
                                             .token = "AUTH",
                                             .flags = kArgOptional,
                                             .arguments = {{.name = "username", .type = "string"},
                                                           {.name = "password", .type = "string"}}},
                                            {.name = "clientname",
                                             .type = "string",
                                             .token = "SETNAME",
                                             .flags = kArgOptional}}}}}},
      {.name = "select",
       .arity = 2,
       .flags = kLoading | kStale | kFast,
       .acl = acl::kConnection,
       .handler = Select,
       .doc = {.summary = "Change the selected database for the current connection",
               .since = "1.0.0",
               .group = "connection",
               .complexity = "O(1)",
               .arguments = {{.name = "index", .type = "integer"}}}},
      {.name = "client",
       .arity = -2,
       .doc = {.summary = "A container for client connection commands",
               .since = "2.4.0",
               .group = "connection",
               .complexity = "Depends on subcommand."},
       .subcommands =
           {
               {.name = "id",
                .arity = 2,
                .flags = kConnFlags,
                .acl = acl::kConnection,
                .handler = ClientId,
                .doc = {.summary = "Returns the client ID for the current connection",
                        .since = "5.0.0",
                        .group = "connection",
                        .complexity = "O(1)"}},
               {.name = "getname",
                .arity = 2,
                .flags = kConnFlags,
                .acl = acl::kConnection,
                .handler = ClientGetName,
                .doc = {.summary = "Get the current connection name",
                        .since = "2.6.9",
                        .group = "connection",
                        .complexity = "O(1)"}},
               {.name = "setname",
                .arity = 3,
                .flags = kConnFlags,
                .acl = acl::kConnection,
                .handler = ClientSetName,
                .doc = {.summary = "Set the current connection name",
                        .since = "2.6.9",
                        .group = "connection",
                        .complexity = "O(1)",
                        .arguments = {{.name = "connection-name", .type = "string"}}}},
               {.name = "info",
                .arity = 2,
                .flags = kConnFlags,
                .acl = acl::kConnection,
                .handler = ClientInfo,
                .doc = {.summary = "Returns information about the current client connection.",
                        .since = "6.2.0",
                        .group = "connection",
                        .complexity = "O(1)"},
                .tips = {"nondeterministic_output"}},
               {.name = "list",
                .arity = -2,
                .flags = kAdmin | kConnFlags,
                .acl = acl::kConnection,
                .handler = ClientList,
                .doc = {.summary = "Get the list of client connections",
                        .since = "2.4.0",
                        .group = "connection",
                        .complexity = "O(N) where N is the number of client connections",
                        .history = {{"2.8.12", "Added unique client `id` field."},
                                    {"5.0.0", "Added optional `TYPE` filter."},
                                    {"6.0.0", "Added `user` field."},
                                    {"6.2.0",
                                     "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields "
                                     "and the optional `ID` filter."},
                                    {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."},
                                    {"7.0.3", "Added `ssub` field."}},
                        .arguments = {{.name = "normal_master_replica_pubsub",
                                       .type = "oneof",
                                       .token = "TYPE",
                                       .since = "5.0.0",
                                       .flags = kArgOptional,
                                       .arguments = {{.name = "normal",
                                                      .type = "pure-token",
                                                      .token = "NORMAL"},
                                                     {.name = "master",
                                                      .type = "pure-token",
                                                      .token = "MASTER"},
                                                     {.name = "replica",
                                                      .type = "pure-token",
                                                      .token = "REPLICA"},
                                                     {.name = "pubsub",
                                                      .type = "pure-token",
                                                      .token = "PUBSUB"}}},
                                      {.name = "id",
                                       .type = "block",
                                       .token = "ID",
                                       .since = "6.2.0",
                                       .flags = kArgOptional,
                                       .arguments = {{.name = "client-id",
                                                      .type = "integer",
                                                      .flags = kArgMultiple}}}}},
                .tips = {"nondeterministic_output"}},
               {.name = "unblock",
                .arity = -3,
                .flags = kAdmin | kConnFlags,
                .acl = acl::kConnection,
                .handler = ClientUnblock,
                .doc = {.summary = "Unblock a client blocked in a blocking command from a "
                                   "different connection",
                        .since = "5.0.0",
                        .group = "connection",
                        .complexity = "O(log N) where N is the number of client connections",
                        .arguments = {{.name = "client-id", .type = "integer"},
                                      {.name = "timeout_error",
                                       .type = "oneof",
                                       .flags = kArgOptional,
                                       .arguments = {{.name = "timeout",
                                                      .type = "pure-token",
                                                      .token = "TIMEOUT"},
                                                     {.name = "error",
                                                      .type = "pure-token",
                                                      .token = "ERROR"}}}}}},
               {.name = "kill", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale,
                .acl = acl::kConnection, .handler = ClientKill,
                .doc = {.summary = "Kill the connection of a client",
                        .since = "2.4.0",
                        .group = "connection",
                        .complexity = "O(N) where N is the number of client connections",
                        .history = {{"2.8.12", "Added new filter format."}, {"2.8.12", "`ID` option."}, {"3.2.0", "Added `master` type in for `TYPE` option."}, {"5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."}, {"6.2.0", "`LADDR` option."}},
                        .arguments = {{.name = "filter", .type = "oneof", .arguments = {{.name = "ip:port", .type = "string", .deprecated_since = "2.8.12"},
                         {.name = "new-format", .type = "oneof", .flags = kArgMultiple, .arguments = {{.name = "client-id", .type = "integer", .token = "ID", .since = "2.8.12", .flags = kArgOptional},
                           {.name = "normal_master_slave_pubsub", .type = "oneof", .token = "TYPE", .since = "2.8.12", .flags = kArgOptional, .arguments = {{.name = "normal", .type = "pure-token", .token = "NORMAL"},
                             {.name = "master", .type = "pure-token", .token = "MASTER", .since = "3.2.0"},
                             {.name = "slave", .type = "pure-token", .token = "SLAVE"},
                             {.name = "replica", .type = "pure-token", .token = "REPLICA", .since = "5.0.0"},
                             {.name = "pubsub", .type = "pure-token", .token = "PUBSUB"}}},
                           {.name = "username", .type = "string", .token = "USER", .flags = kArgOptional},
                           {.name = "ip:port", .type = "string", .token = "ADDR", .flags = kArgOptional},
                           {.name = "ip:port", .type = "string", .token = "LADDR", .since = "6.2.0", .flags = kArgOptional},
                           {.name = "yes/no", .type = "string", .token = "SKIPME", .flags = kArgOptional}}}}}}}},
               {.name = "reply", .arity = 3, .flags = kNoScript | kLoading | kStale,
                .acl = acl::kConnection, .handler = ClientReply,
                .doc = {.summary = "Instruct the server whether to reply to commands",
                        .since = "3.2.0",
                        .group = "connection",
                        .complexity = "O(1)",
                        .arguments = {{.name = "on_off_skip", .type = "oneof", .arguments = {{.name = "on", .type = "pure-token", .token = "ON"},
                         {.name = "off", .type = "pure-token", .token = "OFF"},
                         {.name = "skip", .type = "pure-token", .token = "SKIP"}}}}}},
               {.name = "no-evict", .arity = 3, .flags = kAdmin | kNoScript | kLoading | kStale,
                .acl = acl::kConnection, .handler = ClientNoEvict,
                .doc = {.summary = "Set client eviction mode for the current connection",
                        .since = "7.0.0",
                        .group = "connection",
                        .complexity = "O(1)",
                        .arguments = {{.name = "enabled", .type = "oneof", .arguments = {{.name = "on", .type = "pure-token", .token = "ON"},
                         {.name = "off", .type = "pure-token", .token = "OFF"}}}}}},
               {.name = "pause", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale,
                .acl = acl::kConnection, .handler = ClientPause,
                .doc = {.summary = "Stop processing commands from clients for some time",
                        .since = "2.9.50",
                        .group = "connection",
                        .complexity = "O(1)",
                        .history = {{"6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."}},
                        .arguments = {{.name = "timeout", .type = "integer"},
                       {.name = "mode", .type = "oneof", .since = "6.2.0", .flags = kArgOptional, .arguments = {{.name = "write", .type = "pure-token", .token = "WRITE"},
                         {.name = "all", .type = "pure-token", .token = "ALL"}}}}}},
               {.name = "unpause", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale,
                .acl = acl::kConnection, .handler = ClientUnpause,
                .doc = {.summary = "Resume processing of clients that were paused",
                        .since = "6.2.0",
                        .group = "connection",
                        .complexity = "O(N) Where N is the number of paused clients"}},
               {.name = "tracking", .arity = -3, .flags = kNoScript | kLoading | kStale,
                .acl = acl::kConnection, .handler = ClientTrackingCommand,
                .doc = {.summary = "Enable or disable server assisted client side caching support",
                        .since = "6.0.0",
                        .group = "connection",
                        .complexity = "O(1). Some options may introduce additional complexity.",
                        .arguments = {{.name = "status", .type = "oneof", .arguments = {{.name = "on", .type = "pure-token", .token = "ON"},
                         {.name = "off", .type = "pure-token", .token = "OFF"}}},
                       {.name = "client-id", .type = "integer", .token = "REDIRECT", .flags = kArgOptional},
                       {.name = "prefix", .type = "string", .token = "PREFIX", .flags = kArgOptional | kArgMultiple | kArgMultipleToken},
                       {.name = "bcast", .type = "pure-token", .token = "BCAST", .flags = kArgOptional},
                       {.name = "optin", .type = "pure-token", .token = "OPTIN", .flags = kArgOptional},
                       {.name = "optout", .type = "pure-token", .token = "OPTOUT", .flags = kArgOptional},
                       {.name = "noloop", .type = "pure-token", .token = "NOLOOP", .flags = kArgOptional}}}},
               {.name = "caching", .arity = 3, .flags = kNoScript | kLoading | kStale,
                .acl = acl::kConnection, .handler = ClientCaching,
                .doc = {.summary = "Instruct the server about tracking or not keys in the next request",
                        .since = "6.0.0",
                        .group = "connection",
                        .complexity = "O(1)",
                        .arguments = {{.name = "mode", .type = "oneof", .arguments = {{.name = "yes", .type = "pure-token", .token = "YES"},
                         {.name = "no", .type = "pure-token", .token = "NO"}}}}}},
               {.name = "getredir", .arity = 2, .flags = kNoScript | kLoading | kStale,
                .acl = acl::kConnection, .handler = ClientGetredir,
                .doc = {.summary = "Get tracking notifications redirection client ID if any",
                        .since = "6.0.0",
                        .group = "connection",
                        .complexity = "O(1)"}},
               {.name = "trackinginfo", .arity = 2, .flags = kNoScript | kLoading | kStale,
                .acl = acl::kConnection, .handler = ClientTrackinginfo,
                .doc = {.summary = "Return information about server assisted client side caching for the current connection",
                        .since = "6.2.0",
                        .group = "connection",
                        .complexity = "O(1)"}},
               {.name = "help",
                .arity = 2,
                .flags = kLoading | kStale,
                .acl = acl::kConnection,
                .handler = ClientHelp,
                .doc = {.summary = "Show helpful text about the different subcommands",
                        .since = "5.0.0",
                        .group = "connection",
                        .complexity = "O(1)"}},
           }},
  });
}

}  // namespace cairn::engine
