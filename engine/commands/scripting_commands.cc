// Scripting commands: EVAL and friends and SCRIPT over engine/scripting/.
// Functions are not there yet; FUNCTION LIST and FUNCTION FLUSH answer as
// Redis 7.0 does with no library loaded, because test suites and operators'
// scripts send them between data commands.
#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/registry.h"
#include "engine/scripting/lua_scripts.h"

namespace cairn::engine {
namespace {

void FunctionList(CommandContext& ctx, ArgList args) {
  bool with_code = false, have_name = false;
  for (size_t i = 2; i < args.size(); i++) {
    if (!with_code && base::EqualsIgnoreCase(args[i], "withcode")) {
      with_code = true;
    } else if (!have_name && base::EqualsIgnoreCase(args[i], "libraryname")) {
      if (i + 1 >= args.size()) return ctx.Error("library name argument was not given");
      have_name = true;
      i++;
    } else {
      return ctx.Error("Unknown argument " + args[i]);
    }
  }
  ctx.reply.Array(0);  // no libraries until functions and Lua exist
}

void FunctionFlush(CommandContext& ctx, ArgList args) {
  if (args.size() == 3 && !base::EqualsIgnoreCase(args[2], "sync") &&
      !base::EqualsIgnoreCase(args[2], "async")) {
    return ctx.Error("FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  if (args.size() > 3) return ctx.Error("FUNCTION FLUSH only supports SYNC|ASYNC option");
  ctx.reply.Ok();
}


// EVAL / EVALSHA [_RO] script|sha numkeys key... arg..., checked in Redis
// 7.0's order: numkeys, then the script.
void EvalGeneric(CommandContext& ctx, ArgList args, bool by_sha, bool read_only) {
  auto numkeys = ctx.IntArg(args[2]);
  if (!numkeys) return;
  if (*numkeys < 0) return ctx.Error("Number of keys can't be negative");
  if (*numkeys > static_cast<int64_t>(args.size()) - 3) {
    return ctx.Error("Number of keys can't be greater than number of args");
  }
  std::string sha;
  if (by_sha) {
    if (!ctx.scripts.Exists(args[1])) {
      return ctx.Error({ErrorKind::kNoScript, "No matching script. Please use EVAL."});
    }
    sha = args[1];
  } else if (auto err = ctx.scripts.Load(args[1], &sha)) {
    return ctx.Error(*err);
  }
  const size_t first_arg = 3 + static_cast<size_t>(*numkeys);
  int64_t busy_after = 5000;
  if (auto it = ctx.config.values().other.find("busy-reply-threshold");
      it != ctx.config.values().other.end()) {
    busy_after = base::ParseInt64(it->second).value_or(5000);
  }
  ctx.scripts.Call(sha, ctx.client, args.subspan(3, static_cast<size_t>(*numkeys)),
                   args.subspan(first_arg), read_only, busy_after, ctx.reply);
}

void Eval(CommandContext& ctx, ArgList args) { EvalGeneric(ctx, args, false, false); }
void EvalSha(CommandContext& ctx, ArgList args) { EvalGeneric(ctx, args, true, false); }
void EvalRo(CommandContext& ctx, ArgList args) { EvalGeneric(ctx, args, false, true); }
void EvalShaRo(CommandContext& ctx, ArgList args) { EvalGeneric(ctx, args, true, true); }

void ScriptLoad(CommandContext& ctx, ArgList args) {
  std::string sha;
  if (auto err = ctx.scripts.Load(args[2], &sha)) return ctx.Error(*err);
  ctx.reply.Bulk(sha);
}

void ScriptExists(CommandContext& ctx, ArgList args) {
  ctx.reply.Array(args.size() - 2);
  for (size_t i = 2; i < args.size(); i++) ctx.reply.Int(ctx.scripts.Exists(args[i]) ? 1 : 0);
}

void ScriptFlush(CommandContext& ctx, ArgList args) {
  if (args.size() > 3 || (args.size() == 3 && !base::EqualsIgnoreCase(args[2], "sync") &&
                          !base::EqualsIgnoreCase(args[2], "async"))) {
    return ctx.Error("SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  ctx.scripts.Flush();
  ctx.reply.Ok();
}

void ScriptKill(CommandContext& ctx, ArgList) {
  if (auto err = ctx.scripts.Kill()) return ctx.Error(*err);
  ctx.reply.Ok();
}

void ScriptHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help."};
  ctx.reply.Array(std::size(kLines));
  for (auto l : kLines) ctx.reply.Simple(l);
}

}  // namespace

void RegisterScriptingCommands(CommandTable& t) {
  t.Add({
      {.name = "eval", .arity = -3, .flags = kNoScript | kStale | kRunsCommands | kSkipMonitor | kNoMandatoryKeys | kMovableKeys,
       .acl = acl::kScripting, .handler = Eval,
       .doc = {.summary = "Execute a Lua script server side",
               .since = "2.6.0",
               .group = "scripting",
               .complexity = "Depends on the script that is executed.",
               .arguments = {{.name = "script", .type = "string"},
              {.name = "numkeys", .type = "integer"},
              {.name = "key", .type = "key", .flags = kArgOptional | kArgMultiple, .key_spec_index = 0},
              {.name = "arg", .type = "string", .flags = kArgOptional | kArgMultiple}}},
       .key_specs = {{.notes = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", .flags = ks::kRW | ks::kAccess | ks::kUpdate, .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}}},

      {.name = "evalsha", .arity = -3, .flags = kNoScript | kStale | kRunsCommands | kSkipMonitor | kNoMandatoryKeys | kMovableKeys,
       .acl = acl::kScripting, .handler = EvalSha,
       .doc = {.summary = "Execute a Lua script server side",
               .since = "2.6.0",
               .group = "scripting",
               .complexity = "Depends on the script that is executed.",
               .arguments = {{.name = "sha1", .type = "string"},
              {.name = "numkeys", .type = "integer"},
              {.name = "key", .type = "key", .flags = kArgOptional | kArgMultiple, .key_spec_index = 0},
              {.name = "arg", .type = "string", .flags = kArgOptional | kArgMultiple}}},
       .key_specs = {{.flags = ks::kRW | ks::kAccess | ks::kUpdate, .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}}},

      {.name = "eval_ro", .arity = -3, .flags = kReadonly | kNoScript | kStale | kRunsCommands | kRunsCommands | kSkipMonitor | kNoMandatoryKeys | kMovableKeys,
       .acl = acl::kScripting, .handler = EvalRo,
       .doc = {.summary = "Execute a read-only Lua script server side",
               .since = "7.0.0",
               .group = "scripting",
               .complexity = "Depends on the script that is executed.",
               .arguments = {{.name = "script", .type = "string"},
              {.name = "numkeys", .type = "integer"},
              {.name = "key", .type = "key", .flags = kArgOptional | kArgMultiple, .key_spec_index = 0},
              {.name = "arg", .type = "string", .flags = kArgOptional | kArgMultiple}}},
       .key_specs = {{.notes = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", .flags = ks::kRO | ks::kAccess, .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}}},

      {.name = "evalsha_ro", .arity = -3, .flags = kReadonly | kNoScript | kStale | kRunsCommands | kRunsCommands | kSkipMonitor | kNoMandatoryKeys | kMovableKeys,
       .acl = acl::kScripting, .handler = EvalShaRo,
       .doc = {.summary = "Execute a read-only Lua script server side",
               .since = "7.0.0",
               .group = "scripting",
               .complexity = "Depends on the script that is executed.",
               .arguments = {{.name = "sha1", .type = "string"},
              {.name = "numkeys", .type = "integer"},
              {.name = "key", .type = "key", .flags = kArgOptional | kArgMultiple, .key_spec_index = 0},
              {.name = "arg", .type = "string", .flags = kArgOptional | kArgMultiple}}},
       .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}}},
      {.name = "script", .arity = -2,
       .doc = {.summary = "A container for Lua scripts management commands", .since = "2.6.0",
               .group = "scripting", .complexity = "Depends on subcommand."},
       .subcommands =
           {

               {.name = "load", .arity = 3, .flags = kNoScript | kStale,
                .acl = acl::kScripting, .handler = ScriptLoad,
                .doc = {.summary = "Load the specified Lua script into the script cache.",
                        .since = "2.6.0",
                        .group = "scripting",
                        .complexity = "O(N) with N being the length in bytes of the script body.",
                        .arguments = {{.name = "script", .type = "string"}}},
                .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}},

               {.name = "exists", .arity = -3, .flags = kNoScript,
                .acl = acl::kScripting, .handler = ScriptExists,
                .doc = {.summary = "Check existence of scripts in the script cache.",
                        .since = "2.6.0",
                        .group = "scripting",
                        .complexity = "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
                        .arguments = {{.name = "sha1", .type = "string", .flags = kArgMultiple}}},
                .tips = {"request_policy:all_shards", "response_policy:agg_logical_and"}},

               {.name = "flush", .arity = -2, .flags = kNoScript,
                .acl = acl::kScripting, .handler = ScriptFlush,
                .doc = {.summary = "Remove all the scripts from the script cache.",
                        .since = "2.6.0",
                        .group = "scripting",
                        .complexity = "O(N) with N being the number of scripts in cache",
                        .history = {{"6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers."}},
                        .arguments = {{.name = "async", .type = "oneof", .since = "6.2.0", .flags = kArgOptional, .arguments = {{.name = "async", .type = "pure-token", .token = "ASYNC"},
                         {.name = "sync", .type = "pure-token", .token = "SYNC"}}}}},
                .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}},

               {.name = "kill", .arity = 2, .flags = kNoScript | kAllowBusy,
                .acl = acl::kScripting, .handler = ScriptKill,
                .doc = {.summary = "Kill the script currently in execution.",
                        .since = "2.6.0",
                        .group = "scripting",
                        .complexity = "O(1)"},
                .tips = {"request_policy:all_shards", "response_policy:one_succeeded"}},

               {.name = "help", .arity = 2, .flags = kLoading | kStale,
                .acl = acl::kScripting, .handler = ScriptHelp,
                .doc = {.summary = "Show helpful text about the different subcommands",
                        .since = "5.0.0",
                        .group = "scripting",
                        .complexity = "O(1)"}},
           }},
      {.name = "function", .arity = -2,
       .doc = {.summary = "A container for function commands", .since = "7.0.0",
               .group = "scripting", .complexity = "Depends on subcommand."},
       .subcommands =
           {
               {.name = "list", .arity = -2, .flags = kNoScript, .acl = acl::kScripting,
                .handler = FunctionList,
                .doc = {.summary = "List information about all the functions", .since = "7.0.0",
                        .group = "scripting", .complexity = "O(N) where N is the number of "
                                                            "functions"},
                .tips = {"nondeterministic_output_order"}},
               {.name = "flush", .arity = -2, .flags = kWrite | kNoScript,
                .acl = acl::kScripting, .handler = FunctionFlush,
                .doc = {.summary = "Deleting all functions", .since = "7.0.0",
                        .group = "scripting",
                        .complexity = "O(N) where N is the number of functions deleted"},
                .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},
           }},
  });
}

}  // namespace cairn::engine
