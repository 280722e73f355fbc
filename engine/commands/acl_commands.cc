// ACL: users, their passwords and permissions (engine/acl/acl.h holds
// them), as Redis 7.0's ACL command manages them.
#include <algorithm>
#include <cstdio>
#include <random>

#include "base/string_util.h"
#include "engine/acl/acl.h"
#include "engine/command_context.h"
#include "engine/commands/registry.h"
#include "engine/engine.h"

namespace cairn::engine {
namespace {

constexpr std::string_view kNoAclFile =
    "This Redis instance is not configured to use an ACL file. You may want to specify users "
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.";

// CAT, GENPASS and LOG take one optional argument; more is Redis's
// subcommand-syntax error, naming the subcommand as typed.
bool TooManyArgs(CommandContext& ctx, ArgList args) {
  if (args.size() <= 3) return false;
  ctx.Error(errors::SubcommandSyntax(args[1], "acl"));
  return true;
}

// After SETUSER: a subscriber of `user` to a channel (or pattern) that no
// selector allows any more is disconnected, as Redis 7.0 does.
void DropRevokedSubscribers(CommandContext& ctx, const AclUser& user) {
  std::vector<const AclSelector*> selectors = {&user.root};
  for (const auto& s : user.selectors) selectors.push_back(&s);
  std::vector<std::string> allowed;
  for (const AclSelector* s : selectors) {
    if (s->all_channels) return;
    allowed.insert(allowed.end(), s->channels.begin(), s->channels.end());
  }
  auto ok = [&](const std::string& ch, bool literal) {
    return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& p) {
      return literal ? p == ch : base::GlobMatch(p, ch);
    });
  };
  ctx.ForEachClient([&](ClientState& cs) {
    if (cs.user != &user || !cs.subs.any()) return;
    bool kill = false;
    for (const auto& p : cs.subs.patterns) kill = kill || !ok(p, true);
    for (const auto& ch : cs.subs.channels) kill = kill || !ok(ch, false);
    for (const auto& ch : cs.subs.shard_channels) kill = kill || !ok(ch, false);
    if (kill) ctx.CloseClient(cs);
  });
}

void AclSetUser(CommandContext& ctx, ArgList args) {
  const std::string& name = args[2];
  if (name.find_first_of(std::string_view(" \0", 2)) != std::string::npos) {
    return ctx.Error("Usernames can't contain spaces or null characters");
  }
  std::string bad;
  base::Status s = ctx.acl.SetUser(name, args.subspan(3), &bad);
  if (s.ok()) {
    DropRevokedSubscribers(ctx, *ctx.acl.Find(name));
    return ctx.reply.Ok();
  }
  if (bad.empty()) return ctx.Error(s.message());
  ctx.Error("Error in ACL SETUSER modifier '" + std::string(errors::AsCString(bad)) +
            "': " + s.message());
}

// GETUSER's commands, keys and channels of one selector (three pairs).
void SelectorMap(CommandContext& ctx, const AclSelector& s) {
  ctx.reply.Bulk("commands");
  ctx.reply.Bulk(ctx.acl.DescribeCommands(s));
  ctx.reply.Bulk("keys");
  ctx.reply.Bulk(Acl::DescribeKeys(s));
  ctx.reply.Bulk("channels");
  ctx.reply.Bulk(Acl::DescribeChannels(s));
}

void AclGetUser(CommandContext& ctx, ArgList args) {
  const AclUser* u = ctx.acl.Find(args[2]);
  if (u == nullptr) return ctx.reply.Null();
  ctx.reply.Map(6);
  ctx.reply.Bulk("flags");
  const auto flags = Acl::Flags(*u);
  ctx.reply.Set(flags.size());
  for (const auto& f : flags) ctx.reply.Bulk(f);
  ctx.reply.Bulk("passwords");
  ctx.reply.Array(u->passwords.size());
  for (const auto& p : u->passwords) ctx.reply.Bulk(p);
  SelectorMap(ctx, u->root);
  ctx.reply.Bulk("selectors");
  ctx.reply.Array(u->selectors.size());
  for (const auto& s : u->selectors) {
    ctx.reply.Map(3);
    SelectorMap(ctx, s);
  }
}

// Ends the sessions of users that no longer exist (after DELUSER or LOAD):
// Redis disconnects their clients, the caller after its reply.
void DisconnectUsers(CommandContext& ctx, const std::vector<const AclUser*>& gone) {
  ctx.ForEachClient([&](ClientState& cs) {
    if (std::find(gone.begin(), gone.end(), cs.user) == gone.end()) return;
    cs.user = &ctx.acl.default_user();
    cs.authenticated = false;
    ctx.CloseClient(cs);
  });
}

void AclDelUser(CommandContext& ctx, ArgList args) {
  for (size_t i = 2; i < args.size(); i++) {
    if (args[i] == "default") return ctx.Error("The 'default' user cannot be removed");
  }
  std::vector<const AclUser*> gone;
  for (size_t i = 2; i < args.size(); i++) {
    const AclUser* u = ctx.acl.Find(args[i]);
    if (u == nullptr) continue;
    gone.push_back(u);
    DisconnectUsers(ctx, {u});
    ctx.acl.DelUser(args[i]);
  }
  ctx.reply.Int(static_cast<int64_t>(gone.size()));
}

void AclList(CommandContext& ctx, ArgList) {
  ctx.reply.Array(ctx.acl.users().size());
  for (const auto& [name, u] : ctx.acl.users()) ctx.reply.Bulk(ctx.acl.Describe(*u));
}

void AclUsers(CommandContext& ctx, ArgList) {
  ctx.reply.Array(ctx.acl.users().size());
  for (const auto& [name, u] : ctx.acl.users()) ctx.reply.Bulk(name);
}

void AclWhoAmI(CommandContext& ctx, ArgList) {
  ctx.reply.Bulk(ctx.acl.UserOf(ctx.client.user).name);
}

void AclCat(CommandContext& ctx, ArgList args) {
  if (TooManyArgs(ctx, args)) return;
  if (args.size() == 2) {
    const auto cats = Acl::Categories();
    ctx.reply.Array(cats.size());
    for (auto c : cats) ctx.reply.Bulk(c);
    return;
  }
  auto cmds = ctx.acl.CommandsIn(args[2]);
  if (!cmds) return ctx.Error("Unknown category '" + std::string(errors::AsCString(args[2])) + "'");
  ctx.reply.Array(cmds->size());
  for (const auto& c : *cmds) ctx.reply.Bulk(c);
}

void AclGenPass(CommandContext& ctx, ArgList args) {
  if (TooManyArgs(ctx, args)) return;
  int64_t bits = 256;
  if (args.size() == 3) {
    auto n = ctx.IntArg(args[2]);
    if (!n) return;
    if (*n <= 0 || *n > 4096) {
      return ctx.Error("ACL GENPASS argument must be the number of bits for the output "
                       "password, a positive number up to 4096");
    }
    bits = *n;
  }
  std::random_device rd;  // the kernel's entropy, as Redis's getRandomHexChars
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int64_t i = 0; i < (bits + 3) / 4; i++) out += kHex[rd() & 15];
  ctx.reply.Bulk(out);
}

void AclLog(CommandContext& ctx, ArgList args) {
  if (TooManyArgs(ctx, args)) return;
  size_t count = 10;
  if (args.size() == 3) {
    if (base::EqualsIgnoreCase(args[2], "reset")) {
      ctx.acl.ResetLog();
      return ctx.reply.Ok();
    }
    auto n = ctx.IntArg(args[2]);
    if (!n) return;
    count = *n < 0 ? 0 : static_cast<size_t>(*n);
  }
  const auto& log = ctx.acl.log();
  const size_t n = std::min(count, log.size());
  ctx.reply.Array(n);
  for (size_t i = 0; i < n; i++) {
    const AclLogEntry& e = log[i];
    ctx.reply.Map(7);
    ctx.reply.Bulk("count");
    ctx.reply.Int(static_cast<int64_t>(e.count));
    ctx.reply.Bulk("reason");
    ctx.reply.Bulk(e.reason);
    ctx.reply.Bulk("context");
    ctx.reply.Bulk(e.context);
    ctx.reply.Bulk("object");
    ctx.reply.Bulk(e.object);
    ctx.reply.Bulk("username");
    ctx.reply.Bulk(e.username);
    ctx.reply.Bulk("age-seconds");
    ctx.reply.Double(static_cast<double>(ctx.now_ms - e.created_ms) / 1000.0);
    ctx.reply.Bulk("client-info");
    ctx.reply.Bulk(e.client_info);
  }
}

void AclSave(CommandContext& ctx, ArgList) {
  const std::string& path = ctx.config.values().aclfile;
  if (path.empty()) return ctx.Error(kNoAclFile);
  base::Status s = ctx.acl.SaveFile(path);
  if (!s.ok()) return ctx.Error("There was an error trying to save the ACLs. Please check the server logs for more information");
  ctx.reply.Ok();
}

void AclLoad(CommandContext& ctx, ArgList) {
  const std::string& path = ctx.config.values().aclfile;
  if (path.empty()) return ctx.Error(kNoAclFile);
  // Users that disappear lose their sessions; the others keep theirs, with
  // the permissions the file gives them from now on.
  // LoadFile frees removed users; their clients are told by address,
  // remembered before the load.
  std::map<std::string, const AclUser*, std::less<>> by_name;
  for (const auto& [name, u] : ctx.acl.users()) by_name[name] = u.get();
  std::vector<std::string> removed_names;
  base::Status s = ctx.acl.LoadFile(path, &removed_names);
  if (!s.ok()) return ctx.Error(s.message());
  std::vector<const AclUser*> gone;
  for (const auto& n : removed_names) gone.push_back(by_name[n]);
  DisconnectUsers(ctx, gone);
  ctx.reply.Ok();
}

void AclDryRun(CommandContext& ctx, ArgList args) {
  const AclUser* u = ctx.acl.Find(args[2]);
  if (u == nullptr) return ctx.Error("User '" + args[2] + "' not found");
  const ArgList argv = args.subspan(3);
  const CommandSpec* cmd = ctx.table.FindForArgv(argv);
  if (cmd == nullptr) return ctx.Error("Command '" + args[3] + "' not found");
  const int argc = static_cast<int>(argv.size());
  if ((cmd->arity > 0 && argc != cmd->arity) || (cmd->arity < 0 && argc < -cmd->arity)) {
    return ctx.Error("wrong number of arguments for '" + cmd->full_name + "' command");
  }
  const AclVerdict v = ctx.acl.Check(*u, *cmd, argv);
  switch (v.denial) {
    case AclDenial::kNone:
      return ctx.reply.Ok();
    case AclDenial::kCommand:
      return ctx.reply.Bulk("This user has no permissions to run the '" + cmd->full_name +
                            "' command");
    case AclDenial::kKey:
      return ctx.reply.Bulk("This user has no permissions to access the '" +
                            argv[static_cast<size_t>(v.arg)] + "' key");
    default:
      return ctx.reply.Bulk("This user has no permissions to access the '" +
                            argv[static_cast<size_t>(v.arg)] + "' channel");
  }
}

void AclHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ctx.ReplyLines(kLines);
}

}  // namespace

void RegisterAclCommands(CommandTable& t) {
  t.Add({
      {.name = "acl", .arity = -2,
       .doc = {.summary = "A container for Access List Control commands ", .since = "6.0.0",
               .group = "server", .complexity = "Depends on subcommand."},
       .subcommands =
           {
           {.name = "cat", .arity = -2, .flags = kNoScript | kLoading | kStale, .handler = AclCat,
            .doc = {.summary = "List the ACL categories or the commands inside a category",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(1) since the categories and commands are a fixed set.",
                    .arguments = {{.name = "categoryname", .type = "string", .flags = kArgOptional}}}},
           {.name = "deluser", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = AclDelUser,
            .doc = {.summary = "Remove the specified ACL users and the associated rules",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(1) amortized time considering the typical user.",
                    .arguments = {{.name = "username", .type = "string", .flags = kArgMultiple}}}},
           {.name = "dryrun", .arity = -4, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = AclDryRun,
            .doc = {.summary = "Returns whether the user can execute the given command without executing the command.",
                    .since = "7.0.0",
                    .group = "server",
                    .complexity = "O(1).",
                    .arguments = {{.name = "username", .type = "string"},
                   {.name = "command", .type = "string"},
                   {.name = "arg", .type = "string", .flags = kArgOptional | kArgMultiple}}}},
           {.name = "genpass", .arity = -2, .flags = kNoScript | kLoading | kStale, .handler = AclGenPass,
            .doc = {.summary = "Generate a pseudorandom secure password to use for ACL users",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(1)",
                    .arguments = {{.name = "bits", .type = "integer", .flags = kArgOptional}}}},
           {.name = "getuser", .arity = 3, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = AclGetUser,
            .doc = {.summary = "Get the rules for a specific ACL user",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(N). Where N is the number of password, command and pattern rules that the user has.",
                    .history = {{"6.2.0", "Added Pub/Sub channel patterns."}, {"7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their rule representation."}},
                    .arguments = {{.name = "username", .type = "string"}}}},
           {.name = "list", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = AclList,
            .doc = {.summary = "List the current ACL rules in ACL config file format",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(N). Where N is the number of configured users."}},
           {.name = "load", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = AclLoad,
            .doc = {.summary = "Reload the ACLs from the configured ACL file",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(N). Where N is the number of configured users."}},
           {.name = "log", .arity = -2, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = AclLog,
            .doc = {.summary = "List latest events denied because of ACLs in place",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(N) with N being the number of entries shown.",
                    .arguments = {{.name = "operation", .type = "oneof", .flags = kArgOptional, .arguments = {{.name = "count", .type = "integer"},
                     {.name = "reset", .type = "pure-token", .token = "RESET"}}}}}},
           {.name = "save", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = AclSave,
            .doc = {.summary = "Save the current ACL rules in the configured ACL file",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(N). Where N is the number of configured users."}},
           {.name = "setuser", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = AclSetUser,
            .doc = {.summary = "Modify or create the rules for a specific ACL user",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(N). Where N is the number of rules provided.",
                    .history = {{"6.2.0", "Added Pub/Sub channel patterns."}, {"7.0.0", "Added selectors and key based permissions."}},
                    .arguments = {{.name = "username", .type = "string"},
                   {.name = "rule", .type = "string", .flags = kArgOptional | kArgMultiple}}}},
           {.name = "users", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = AclUsers,
            .doc = {.summary = "List the username of all the configured ACL rules",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(N). Where N is the number of configured users."}},
           {.name = "whoami", .arity = 2, .flags = kNoScript | kLoading | kStale, .handler = AclWhoAmI,
            .doc = {.summary = "Return the name of the user associated to the current connection",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(1)"}},
           {.name = "help", .arity = 2, .flags = kLoading | kStale, .handler = AclHelp,
            .doc = {.summary = "Show helpful text about the different subcommands",
                    .since = "6.0.0",
                    .group = "server",
                    .complexity = "O(1)"}},
           }},
  });
}

}  // namespace cairn::engine
