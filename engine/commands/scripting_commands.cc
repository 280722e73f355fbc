// Scripting commands. Functions and Lua are not there yet; FUNCTION LIST and
// FUNCTION FLUSH answer as Redis 7.0 does with no library loaded, because
// test suites and operators' scripts send them between data commands.
#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/registry.h"

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

}  // namespace

void RegisterScriptingCommands(CommandTable& t) {
  t.Add({
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
