// Scripting commands: EVAL and friends and SCRIPT over engine/scripting/.
// Functions are not there yet; FUNCTION LIST and FUNCTION FLUSH answer as
// Redis 7.0 does with no library loaded, because test suites and operators'
// scripts send them between data commands.
#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/registry.h"
#include "snapshot/value_codec.h"
#include "engine/scripting/lua_scripts.h"

namespace cairn::engine {
namespace {

// busy-reply-threshold (lua-time-limit), in ms.
int64_t BusyThresholdMs(CommandContext& ctx) {
  auto it = ctx.config.values().other.find("busy-reply-threshold");
  if (it == ctx.config.values().other.end()) return 5000;
  return base::ParseInt64(it->second).value_or(5000);
}

// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: libraries in name order
// (Redis walks a hash table; replies compare as sets).
void FunctionList(CommandContext& ctx, ArgList args) {
  bool with_code = false;
  const std::string* pattern = nullptr;
  for (size_t i = 2; i < args.size(); i++) {
    if (!with_code && base::EqualsIgnoreCase(args[i], "withcode")) {
      with_code = true;
    } else if (pattern == nullptr && base::EqualsIgnoreCase(args[i], "libraryname")) {
      if (i + 1 >= args.size()) return ctx.Error("library name argument was not given");
      pattern = &args[++i];
    } else {
      return ctx.Error("Unknown argument " + args[i]);
    }
  }
  std::vector<const LuaScripts::Library*> libs;
  for (const auto& [name, lib] : ctx.functions.libraries()) {
    if (pattern == nullptr || base::GlobMatch(*pattern, name)) libs.push_back(&lib);
  }
  ctx.reply.Array(libs.size());
  for (const LuaScripts::Library* lib : libs) {
    ctx.reply.Map(with_code ? 4 : 3);
    ctx.reply.Bulk("library_name");
    ctx.reply.Bulk(lib->name);
    ctx.reply.Bulk("engine");
    ctx.reply.Bulk("LUA");
    ctx.reply.Bulk("functions");
    ctx.reply.Array(lib->functions.size());
    for (const std::string& fn : lib->functions) {
      const LuaScripts::FunctionInfo* f = ctx.functions.FindFunction(fn);
      ctx.reply.Map(3);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(f->name);
      ctx.reply.Bulk("description");
      if (f->has_description) {
        ctx.reply.Bulk(f->description);
      } else {
        ctx.reply.Null();
      }
      ctx.reply.Bulk("flags");
      ctx.reply.Set(f->flags.size());
      for (const std::string& fl : f->flags) ctx.reply.Simple(fl);
    }
    if (with_code) {
      ctx.reply.Bulk("library_code");
      ctx.reply.Bulk(lib->code);
    }
  }
}

void FunctionFlush(CommandContext& ctx, ArgList args) {
  if (args.size() == 3 && !base::EqualsIgnoreCase(args[2], "sync") &&
      !base::EqualsIgnoreCase(args[2], "async")) {
    return ctx.Error("FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  if (args.size() > 3) return ctx.Error("FUNCTION FLUSH only supports SYNC|ASYNC option");
  ctx.functions.Flush();
  ctx.Dirty();
  ctx.reply.Ok();
}

void FunctionLoad(CommandContext& ctx, ArgList args) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < args.size(); i++) {
    if (!base::EqualsIgnoreCase(args[i], "replace")) return ctx.Error("Unknown option given: " + args[i]);
    replace = true;
  }
  if (i + 1 != args.size()) return ctx.Error("Function code is missing");
  std::string name;
  if (auto err = ctx.functions.LoadLibrary(args[i], replace, &name)) return ctx.Error(*err);
  ctx.Dirty();
  ctx.reply.Bulk(name);
}

void FunctionDelete(CommandContext& ctx, ArgList args) {
  if (!ctx.functions.DeleteLibrary(args[2])) return ctx.Error("Library not found");
  ctx.Dirty();
  ctx.reply.Ok();
}

void FunctionStats(CommandContext& ctx, ArgList) {
  ctx.reply.Map(2);
  ctx.reply.Bulk("running_script");
  ctx.reply.Null();  // nothing else runs while a function does, but the caller
  ctx.reply.Bulk("engines");
  ctx.reply.Map(1);
  ctx.reply.Bulk("LUA");
  ctx.reply.Map(2);
  ctx.reply.Bulk("libraries_count");
  ctx.reply.Int(static_cast<int64_t>(ctx.functions.libraries().size()));
  ctx.reply.Bulk("functions_count");
  ctx.reply.Int(static_cast<int64_t>(ctx.functions.function_count()));
}

void FunctionKill(CommandContext& ctx, ArgList) {
  if (auto err = ctx.functions.Kill()) return ctx.Error(*err);
  ctx.reply.Ok();
}

// FCALL / FCALL_RO function numkeys key... arg...
void FCallGeneric(CommandContext& ctx, ArgList args, bool read_only) {
  // Redis looks the function up first, then checks numkeys.
  const LuaScripts::FunctionInfo* f = ctx.functions.FindFunction(args[1]);
  if (f == nullptr) return ctx.Error("Function not found");
  auto numkeys = ctx.IntArg(args[2]);
  if (!numkeys) return;
  if (*numkeys < 0) return ctx.Error("Number of keys can't be negative");
  if (*numkeys > static_cast<int64_t>(args.size()) - 3) {
    return ctx.Error("Number of keys can't be greater than number of args");
  }
  if (read_only && !f->no_writes) {
    return ctx.Error("Can not execute a script with write flag using *_ro command.");
  }
  const int64_t busy_after = BusyThresholdMs(ctx);
  ctx.functions.CallFunction(*f, ctx.client, args.subspan(3, static_cast<size_t>(*numkeys)),
                             args.subspan(3 + static_cast<size_t>(*numkeys)), busy_after,
                             ctx.reply);
}

void FunctionDump(CommandContext& ctx, ArgList) {
  std::vector<std::string> codes;
  for (const auto& [name, lib] : ctx.functions.libraries()) codes.push_back(lib.code);
  ctx.reply.Bulk(snapshot::FunctionsDumpPayload(codes, ctx.config.values().rdbcompression));
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] (APPEND: a name already
// loaded aborts the whole restore, checked before anything changes).
void FunctionRestore(CommandContext& ctx, ArgList args) {
  enum { kAppend, kReplace, kFlush } policy = kAppend;
  if (args.size() > 4) return ctx.Error(errors::kSyntax);
  if (args.size() == 4) {
    if (base::EqualsIgnoreCase(args[3], "append")) {
      policy = kAppend;
    } else if (base::EqualsIgnoreCase(args[3], "replace")) {
      policy = kReplace;
    } else if (base::EqualsIgnoreCase(args[3], "flush")) {
      policy = kFlush;
    } else {
      return ctx.Error("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    }
  }
  auto codes = snapshot::FunctionsRestorePayload(args[2]);
  if (!codes.ok()) return ctx.Error(codes.status().message());
  if (policy == kFlush) ctx.functions.Flush();
  for (const std::string& code : codes.value()) {
    std::string name;
    if (auto err = ctx.functions.LoadLibrary(code, policy != kAppend, &name)) {
      ctx.Dirty();  // what loaded before the failure stays, and is logged
      return ctx.Error(*err);
    }
  }
  ctx.Dirty();
  ctx.reply.Ok();
}

void FunctionHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help."};
  ctx.ReplyLines(kLines);
}

void FCall(CommandContext& ctx, ArgList args) { FCallGeneric(ctx, args, false); }
void FCallRo(CommandContext& ctx, ArgList args) { FCallGeneric(ctx, args, true); }

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
  const int64_t busy_after = BusyThresholdMs(ctx);
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

// SCRIPT DEBUG: Cairn has no Lua debugger (Redis's LDB, a session of its
// own protocol); NO, debugging off, is every client's state already.
void ScriptDebug(CommandContext& ctx, ArgList args) {
  // (Commands may not block only inside EXEC here: scripts cannot run this.)
  if (!ctx.may_block) return ctx.Error("SCRIPT DEBUG must be called outside a pipeline");
  if (base::EqualsIgnoreCase(args[2], "no")) return ctx.reply.Ok();
  if (base::EqualsIgnoreCase(args[2], "yes") || base::EqualsIgnoreCase(args[2], "sync")) {
    return ctx.Error("SCRIPT DEBUG YES and SYNC are not supported: Cairn has no Lua debugger");
  }
  ctx.Error("Use SCRIPT DEBUG YES/SYNC/NO");
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
  ctx.ReplyLines(kLines);
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
               {.name = "debug", .arity = 3, .flags = kNoScript, .acl = acl::kScripting,
                .handler = ScriptDebug,
                .doc = {.summary = "Set the debug mode for executed scripts.", .since = "3.2.0",
                        .group = "scripting", .complexity = "O(1)",
                        .arguments = {{.name = "mode", .type = "oneof",
                                       .arguments = {{.name = "yes", .type = "pure-token",
                                                      .token = "YES"},
                                                     {.name = "sync", .type = "pure-token",
                                                      .token = "SYNC"},
                                                     {.name = "no", .type = "pure-token",
                                                      .token = "NO"}}}}}},
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
      {.name = "fcall", .arity = -3, .flags = kNoScript | kStale | kRunsCommands | kSkipMonitor | kNoMandatoryKeys | kMovableKeys,
       .acl = acl::kScripting, .handler = FCall,
       .doc = {.summary = "Invoke a function",
               .since = "7.0.0",
               .group = "scripting",
               .complexity = "Depends on the function that is executed.",
               .arguments = {{.name = "function", .type = "string"},
              {.name = "numkeys", .type = "integer"},
              {.name = "key", .type = "key", .flags = kArgOptional | kArgMultiple, .key_spec_index = 0},
              {.name = "arg", .type = "string", .flags = kArgOptional | kArgMultiple}}},
       .key_specs = {{.notes = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", .flags = ks::kRW | ks::kAccess | ks::kUpdate, .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}}},

      {.name = "fcall_ro", .arity = -3, .flags = kReadonly | kNoScript | kStale | kRunsCommands | kSkipMonitor | kNoMandatoryKeys | kMovableKeys,
       .acl = acl::kScripting, .handler = FCallRo,
       .doc = {.summary = "Invoke a read-only function",
               .since = "7.0.0",
               .group = "scripting",
               .complexity = "Depends on the function that is executed.",
               .arguments = {{.name = "function", .type = "string"},
              {.name = "numkeys", .type = "integer"},
              {.name = "key", .type = "key", .flags = kArgOptional | kArgMultiple, .key_spec_index = 0},
              {.name = "arg", .type = "string", .flags = kArgOptional | kArgMultiple}}},
       .key_specs = {{.notes = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", .flags = ks::kRO | ks::kAccess, .index = 2, .keynum = true, .keynumidx = 0, .firstkey = 1}}},
      {.name = "function", .arity = -2,
       .doc = {.summary = "A container for function commands", .since = "7.0.0",
               .group = "scripting", .complexity = "Depends on subcommand."},
       .subcommands =
           {

               {.name = "load", .arity = -3, .flags = kWrite | kDenyOom | kNoScript,
                .acl = acl::kScripting, .handler = FunctionLoad,
                .doc = {.summary = "Create a function with the given arguments (name, code, description)",
                        .since = "7.0.0",
                        .group = "scripting",
                        .complexity = "O(1) (considering compilation time is redundant)",
                        .arguments = {{.name = "replace", .type = "pure-token", .token = "REPLACE", .flags = kArgOptional},
                       {.name = "function-code", .type = "string"}}},
                .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},

               {.name = "delete", .arity = 3, .flags = kWrite | kNoScript,
                .acl = acl::kScripting, .handler = FunctionDelete,
                .doc = {.summary = "Delete a function by name",
                        .since = "7.0.0",
                        .group = "scripting",
                        .complexity = "O(1)",
                        .arguments = {{.name = "library-name", .type = "string"}}},
                .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},

               {.name = "stats", .arity = 2, .flags = kNoScript | kAllowBusy,
                .acl = acl::kScripting, .handler = FunctionStats,
                .doc = {.summary = "Return information about the function currently running (name, description, duration)",
                        .since = "7.0.0",
                        .group = "scripting",
                        .complexity = "O(1)"},
                .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},

               {.name = "kill", .arity = 2, .flags = kNoScript | kAllowBusy,
                .acl = acl::kScripting, .handler = FunctionKill,
                .doc = {.summary = "Kill the function currently in execution.",
                        .since = "7.0.0",
                        .group = "scripting",
                        .complexity = "O(1)"},
                .tips = {"request_policy:all_shards", "response_policy:one_succeeded"}},
               {.name = "dump", .arity = 2, .flags = kNoScript,
                .acl = acl::kScripting, .handler = FunctionDump,
                .doc = {.summary = "Dump all functions into a serialized binary payload",
                        .since = "7.0.0",
                        .group = "scripting",
                        .complexity = "O(N) where N is the number of functions"}},

               {.name = "restore", .arity = -3, .flags = kWrite | kDenyOom | kNoScript,
                .acl = acl::kScripting, .handler = FunctionRestore,
                .doc = {.summary = "Restore all the functions on the given payload",
                        .since = "7.0.0",
                        .group = "scripting",
                        .complexity = "O(N) where N is the number of functions on the payload",
                        .arguments = {{.name = "serialized-value", .type = "string"},
                       {.name = "policy", .type = "oneof", .flags = kArgOptional, .arguments = {{.name = "flush", .type = "pure-token", .token = "FLUSH"},
                         {.name = "append", .type = "pure-token", .token = "APPEND"},
                         {.name = "replace", .type = "pure-token", .token = "REPLACE"}}}}},
                .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},

               {.name = "help", .arity = 2, .flags = kLoading | kStale,
                .acl = acl::kScripting, .handler = FunctionHelp,
                .doc = {.summary = "Show helpful text about the different subcommands",
                        .since = "7.0.0",
                        .group = "scripting",
                        .complexity = "O(1)"}},
               {.name = "list", .arity = -2, .flags = kNoScript, .acl = acl::kScripting,
                .handler = FunctionList,
                .doc = {.summary = "List information about all the functions", .since = "7.0.0",
                        .group = "scripting", .complexity = "O(N) where N is the number of "
                                                            "functions",
                        .arguments = {{.name = "library-name-pattern",
                                       .type = "string",
                                       .token = "LIBRARYNAME",
                                       .flags = kArgOptional},
                                      {.name = "withcode",
                                       .type = "pure-token",
                                       .token = "WITHCODE",
                                       .flags = kArgOptional}}},
                .tips = {"nondeterministic_output_order"}},
               {.name = "flush", .arity = -2, .flags = kWrite | kNoScript,
                .acl = acl::kScripting, .handler = FunctionFlush,
                .doc = {.summary = "Deleting all functions", .since = "7.0.0",
                        .group = "scripting",
                        .complexity = "O(N) where N is the number of functions deleted",
                        .arguments = {{.name = "async",
                                       .type = "oneof",
                                       .flags = kArgOptional,
                                       .arguments = {{.name = "async",
                                                      .type = "pure-token",
                                                      .token = "ASYNC"},
                                                     {.name = "sync",
                                                      .type = "pure-token",
                                                      .token = "SYNC"}}}}},
                .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},
           }},
  });
}

}  // namespace cairn::engine
