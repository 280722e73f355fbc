// SLOWLOG and LATENCY: what operators look at when the server is slow.
// The logs themselves are engine/ops/slowlog.h and latency_monitor.h; the
// engine feeds them after every command (Engine::Run).
#include <algorithm>
#include <ctime>

#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/registry.h"

namespace cairn::engine {
namespace {

// ---- SLOWLOG ---------------------------------------------------------------

void SlowlogGet(CommandContext& ctx, ArgList args) {
  if (args.size() > 3) {
    return ctx.Error("unknown subcommand or wrong number of arguments for '" + args[1] + "'. Try SLOWLOG HELP.");
  }
  int64_t count = 10;
  if (args.size() == 3) {
    auto n = base::ParseInt64(args[2]);
    if (!n || *n < -1) return ctx.Error("count should be greater than or equal to -1");
    count = *n;
  }
  const auto& entries = ctx.server.slowlog.entries();
  const size_t n = count == -1 ? entries.size()
                               : std::min(entries.size(), static_cast<size_t>(count));
  ctx.reply.Array(n);
  for (size_t i = 0; i < n; i++) {
    const SlowLogEntry& e = entries[i];
    ctx.reply.Array(6);
    ctx.reply.Int(static_cast<int64_t>(e.id));
    ctx.reply.Int(e.time_sec);
    ctx.reply.Int(e.duration_us);
    ctx.reply.Array(e.argv.size());
    for (const auto& a : e.argv) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.client_addr);
    ctx.reply.Bulk(e.client_name);
  }
}

void SlowlogLen(CommandContext& ctx, ArgList) {
  ctx.reply.Int(static_cast<int64_t>(ctx.server.slowlog.entries().size()));
}

void SlowlogReset(CommandContext& ctx, ArgList) {
  ctx.server.slowlog.Reset();
  ctx.reply.Ok();
}

void SlowlogHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help."};
  ctx.ReplyLines(kLines);
}

// ---- MONITOR ---------------------------------------------------------------

// The client sees every command from now on (Engine::FeedMonitors); it is
// a replica to Redis, so it may no longer read or write keys.
void Monitor(CommandContext& ctx, ArgList) {
  if (ctx.client.monitor) return;  // already one: Redis says nothing
  ctx.client.monitor = true;
  ctx.server.monitors.push_back(&ctx.client);
  ctx.reply.Ok();
}

// ---- LATENCY ---------------------------------------------------------------

void LatencyLatest(CommandContext& ctx, ArgList) {
  const auto& events = ctx.server.latency.events();
  ctx.reply.Array(events.size());
  for (const auto& [name, s] : events) {
    ctx.reply.Array(4);
    ctx.reply.Bulk(name);
    ctx.reply.Int(s.Latest().time_sec);
    ctx.reply.Int(s.Latest().ms);
    ctx.reply.Int(s.max);
  }
}

void LatencyHistory(CommandContext& ctx, ArgList args) {
  const auto& events = ctx.server.latency.events();
  auto it = events.find(args[2]);
  if (it == events.end()) return ctx.reply.Array(0);
  const auto samples = it->second.InOrder();
  ctx.reply.Array(samples.size());
  for (const auto& s : samples) {
    ctx.reply.Array(2);
    ctx.reply.Int(s.time_sec);
    ctx.reply.Int(s.ms);
  }
}

void LatencyReset(CommandContext& ctx, ArgList args) {
  if (args.size() == 2) {
    return ctx.reply.Int(static_cast<int64_t>(ctx.server.latency.ResetAll()));
  }
  int64_t n = 0;
  for (size_t i = 2; i < args.size(); i++) n += ctx.server.latency.Reset(args[i]);
  ctx.reply.Int(n);
}

void LatencyGraph(CommandContext& ctx, ArgList args) {
  const auto& events = ctx.server.latency.events();
  auto it = events.find(args[2]);
  if (it == events.end()) {
    return ctx.Error("No samples available for event '" + args[2] + "'");
  }
  ctx.reply.Verbatim("txt", LatencyMonitor::Graph(args[2], it->second, ctx.now_ms / 1000));
}

void LatencyDoctor(CommandContext& ctx, ArgList) {
  const auto& v = ctx.config.values();
  ctx.reply.Verbatim("txt", ctx.server.latency.Doctor(v.latency_monitor_threshold,
                                                      v.slowlog_log_slower_than));
}

void LatencyHistogramCmd(CommandContext& ctx, ArgList args) {
  // Every command with calls, or the named ones (unknown names skipped).
  std::vector<const CommandStat*> stats;
  if (args.size() == 2) {
    for (const auto& [spec, st] : ctx.server.stats.commandstats) {
      if (st.latency != nullptr) stats.push_back(&st);
    }
  } else {
    auto add = [&](const CommandSpec* cmd) {
      auto it = ctx.server.stats.commandstats.find(cmd);
      if (it != ctx.server.stats.commandstats.end() && it->second.latency != nullptr &&
          std::find(stats.begin(), stats.end(), &it->second) == stats.end()) {
        stats.push_back(&it->second);
      }
    };
    // "set", "config|set", or a container ("config": each subcommand).
    for (size_t i = 2; i < args.size(); i++) {
      const std::string_view name = args[i];
      const size_t bar = name.find('|');
      const CommandSpec* cmd = ctx.table.Find(name.substr(0, bar));
      if (cmd == nullptr) continue;
      if (bar != std::string_view::npos) {
        const CommandSpec* s = ctx.table.FindSubcommand(*cmd, name.substr(bar + 1));
        if (s != cmd) add(s);
      } else if (cmd->subcommands.empty()) {
        add(cmd);
      } else {
        for (const CommandSpec& s : cmd->subcommands) add(&s);
      }
    }
  }
  ctx.reply.Map(stats.size());
  for (const CommandStat* st : stats) {
    ctx.reply.Bulk(st->name);
    ctx.reply.Map(2);
    ctx.reply.Bulk("calls");
    ctx.reply.Int(static_cast<int64_t>(st->latency->count()));
    ctx.reply.Bulk("histogram_usec");
    const auto steps = st->latency->LogSteps();
    ctx.reply.Map(steps.size());
    for (const auto& [usec, cumulative] : steps) {
      ctx.reply.Int(usec);
      ctx.reply.Int(cumulative);
    }
  }
}

void LatencyHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Prints this help."};
  ctx.ReplyLines(kLines);
}

}  // namespace

void RegisterOpsCommands(CommandTable& t) {
  t.Add({
      {.name = "monitor", .arity = 1, .flags = kAdmin | kNoScript | kLoading | kStale,
       .handler = Monitor,
       .doc = {.summary = "Listen for all requests received by the server in real time",
               .since = "1.0.0",
               .group = "server",
               .complexity = ""}},
      {.name = "slowlog", .arity = -2,
       .doc = {.summary = "A container for slow log commands", .since = "2.2.12",
               .group = "server", .complexity = "Depends on subcommand."},
       .subcommands =
           {
           {.name = "get", .arity = -2, .flags = kAdmin | kLoading | kStale, .handler = SlowlogGet,
            .doc = {.summary = "Get the slow log's entries",
                    .since = "2.2.12",
                    .group = "server",
                    .complexity = "O(N) where N is the number of entries returned",
                    .history = {{"4.0.0", "Added client IP address, port and name to the reply."}},
                    .arguments = {{.name = "count", .type = "integer", .flags = kArgOptional}}},
            .tips = {"request_policy:all_nodes", "nondeterministic_output"}},
           {.name = "len", .arity = 2, .flags = kAdmin | kLoading | kStale, .handler = SlowlogLen,
            .doc = {.summary = "Get the slow log's length",
                    .since = "2.2.12",
                    .group = "server",
                    .complexity = "O(1)"},
            .tips = {"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}},
           {.name = "reset", .arity = 2, .flags = kAdmin | kLoading | kStale, .handler = SlowlogReset,
            .doc = {.summary = "Clear all entries from the slow log",
                    .since = "2.2.12",
                    .group = "server",
                    .complexity = "O(N) where N is the number of entries in the slowlog"},
            .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}},
           {.name = "help", .arity = 2, .flags = kLoading | kStale, .handler = SlowlogHelp,
            .doc = {.summary = "Show helpful text about the different subcommands",
                    .since = "6.2.0",
                    .group = "server",
                    .complexity = "O(1)"}}
           }},
      {.name = "latency", .arity = -2,
       .doc = {.summary = "A container for latency diagnostics commands", .since = "2.8.13",
               .group = "server", .complexity = "Depends on subcommand."},
       .subcommands =
           {
           {.name = "latest", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = LatencyLatest,
            .doc = {.summary = "Return the latest latency samples for all events.",
                    .since = "2.8.13",
                    .group = "server",
                    .complexity = "O(1)"},
            .tips = {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
           {.name = "history", .arity = 3, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = LatencyHistory,
            .doc = {.summary = "Return timestamp-latency samples for the event.",
                    .since = "2.8.13",
                    .group = "server",
                    .complexity = "O(1)",
                    .arguments = {{.name = "event", .type = "string"}}},
            .tips = {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
           {.name = "reset", .arity = -2, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = LatencyReset,
            .doc = {.summary = "Reset latency data for one or more events.",
                    .since = "2.8.13",
                    .group = "server",
                    .complexity = "O(1)",
                    .arguments = {{.name = "event", .type = "string", .flags = kArgOptional | kArgMultiple}}},
            .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}},
           {.name = "graph", .arity = 3, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = LatencyGraph,
            .doc = {.summary = "Return a latency graph for the event.",
                    .since = "2.8.13",
                    .group = "server",
                    .complexity = "O(1)",
                    .arguments = {{.name = "event", .type = "string"}}},
            .tips = {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
           {.name = "doctor", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = LatencyDoctor,
            .doc = {.summary = "Return a human readable latency analysis report.",
                    .since = "2.8.13",
                    .group = "server",
                    .complexity = "O(1)"},
            .tips = {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
           {.name = "histogram", .arity = -2, .flags = kAdmin | kNoScript | kLoading | kStale, .handler = LatencyHistogramCmd,
            .doc = {.summary = "Return the cumulative distribution of latencies of a subset of commands or all.",
                    .since = "7.0.0",
                    .group = "server",
                    .complexity = "O(N) where N is the number of commands with latency information being retrieved.",
                    .arguments = {{.name = "command", .type = "string", .flags = kArgOptional | kArgMultiple}}},
            .tips = {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
           {.name = "help", .arity = 2, .flags = kLoading | kStale, .handler = LatencyHelp,
            .doc = {.summary = "Show helpful text about the different subcommands.",
                    .since = "2.8.13",
                    .group = "server",
                    .complexity = "O(1)"}}
           }},
  });
}

}  // namespace cairn::engine
