// SLOWLOG and LATENCY: what operators look at when the server is slow.
// The logs themselves are engine/ops/slowlog.h and latency_monitor.h; the
// engine feeds them after every command (Engine::Run).
#include <algorithm>
#include <cmath>
#include <ctime>
#include <random>
#include <vector>

#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/registry.h"

namespace cairn::engine {
namespace {

// ---- SLOWLOG ---------------------------------------------------------------

void SlowlogGet(CommandContext& ctx, ArgList args) {
  if (args.size() > 3) {
    return ctx.Error(errors::SubcommandSyntax(args[1], "slowlog"));
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

// ---- LOLWUT ----------------------------------------------------------------

// A canvas of pixels drawn as Braille characters (2x4 dots each), for
// LOLWUT VERSION 5's rendition of Georg Nees's "Schotter" (1968): a grid
// of squares, more and more rotated and displaced row after row.
class BrailleCanvas {
 public:
  BrailleCanvas(int width, int height)
      : w_(width), h_(height), px_(static_cast<size_t>(width * height), false) {}
  void Set(int x, int y) {
    if (x >= 0 && y >= 0 && x < w_ && y < h_) px_[static_cast<size_t>(y * w_ + x)] = true;
  }
  void Line(double x0, double y0, double x1, double y1) {
    const int steps = static_cast<int>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; i++) {
      const double t = static_cast<double>(i) / steps;
      Set(static_cast<int>(std::lround(x0 + (x1 - x0) * t)),
          static_cast<int>(std::lround(y0 + (y1 - y0) * t)));
    }
  }
  std::string Render() const {
    // Braille dot bits by (dx, dy) within a cell.
    static constexpr int kBit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
    std::string out;
    for (int cy = 0; cy < h_; cy += 4) {
      for (int cx = 0; cx < w_; cx += 2) {
        int code = 0;
        for (int dy = 0; dy < 4; dy++) {
          for (int dx = 0; dx < 2; dx++) {
            const int x = cx + dx, y = cy + dy;
            if (x < w_ && y < h_ && px_[static_cast<size_t>(y * w_ + x)]) code |= kBit[dy][dx];
          }
        }
        const int cp = 0x2800 + code;  // UTF-8 of U+28xx: three bytes
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
      out += '\n';
    }
    return out;
  }

 private:
  int w_, h_;
  std::vector<bool> px_;
};

std::string Schotter(int cols, int per_row, int per_col) {
  static std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  const int width = cols * 2;
  const int side = std::max(1, width / (per_row + 2));
  const int height = side * (per_col + 2);
  BrailleCanvas canvas(width, height);
  for (int row = 0; row < per_col; row++) {
    const double chaos = static_cast<double>(row) / per_col;  // grows down the sheet
    for (int col = 0; col < per_row; col++) {
      const double cx = side * (col + 1.5) + unit(rng) * chaos * side / 2;
      const double cy = side * (row + 1.5) + unit(rng) * chaos * side / 2;
      const double angle = unit(rng) * chaos * 3.14159265358979 / 4;
      double px[4], py[4];
      for (int k = 0; k < 4; k++) {
        const double a = angle + 3.14159265358979 / 4 + k * 3.14159265358979 / 2;
        px[k] = cx + std::cos(a) * side / 1.4142;
        py[k] = cy + std::sin(a) * side / 1.4142;
      }
      for (int k = 0; k < 4; k++) canvas.Line(px[k], py[k], px[(k + 1) % 4], py[(k + 1) % 4]);
    }
  }
  return canvas.Render();
}

// LOLWUT [VERSION v] [arguments]: version 5 draws "Schotter" (arguments:
// columns, squares per row, squares per column); every other version says
// the version only (Redis draws a different picture for 6; Cairn does not).
void Lolwut(CommandContext& ctx, ArgList args) {
  int64_t version = 0;
  size_t next = 1;
  if (args.size() >= 3 && base::EqualsIgnoreCase(args[1], "version")) {
    auto v = ctx.IntArg(args[2]);
    if (!v) return;
    version = *v;
    next = 3;
  }
  const std::string tail = std::string("Redis ver. ") + kRedisVersion + "\n";
  if (version != 5) return ctx.reply.Verbatim("txt", tail);
  int64_t params[3] = {66, 8, 12};
  for (size_t i = 0; i < 3 && next + i < args.size(); i++) {
    auto v = ctx.IntArg(args[next + i]);
    if (!v) return;
    params[i] = *v;
  }
  // Redis's bounds: 1..1000 columns, 1..200 squares each way.
  params[0] = std::clamp<int64_t>(params[0], 1, 1000);
  params[1] = std::clamp<int64_t>(params[1], 1, 200);
  params[2] = std::clamp<int64_t>(params[2], 1, 200);
  ctx.reply.Verbatim("txt", Schotter(static_cast<int>(params[0]), static_cast<int>(params[1]),
                                     static_cast<int>(params[2])) +
                                "\nGeorg Nees - schotter, plotter on paper, 1968. " + tail);
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
      const CommandSpec* cmd = ctx.table.FindFullName(args[i]);
      if (cmd == nullptr) continue;
      if (cmd->subcommands.empty()) {
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
      {.name = "lolwut", .arity = -1, .flags = kReadonly | kFast, .handler = Lolwut,
       .doc = {.summary = "Display some computer art and the Redis version",
               .since = "5.0.0",
               .group = "server",
               .arguments = {{.name = "version", .type = "integer", .token = "VERSION",
                              .flags = kArgOptional}}}},
      {.name = "monitor", .arity = 1, .flags = kAdmin | kNoScript | kLoading | kStale,
       .handler = Monitor,
       .doc = {.summary = "Listen for all requests received by the server in real time",
               .since = "1.0.0",
               .group = "server"}},
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
