// Server commands: COMMAND, INFO, CONFIG, SHUTDOWN.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/clock.h"
#include "base/logging.h"
#include "base/memory.h"
#include "base/string_util.h"
#include "engine/acl/acl.h"
#include "engine/aof.h"
#include "engine/blocking/blocked_clients.h"
#include "engine/command_context.h"
#include "engine/replication_hooks.h"
#include "engine/memory/cold_tier.h"
#include "engine/memory/lazy_free.h"
#include "engine/scripting/lua_scripts.h"
#include "engine/snapshots.h"
#include "engine/commands/registry.h"

namespace cairn::engine {
namespace {

// ---- COMMAND ---------------------------------------------------------------

// A RESP3 set (RESP2 array) of the names of the bits set in `bits`, in bit
// order: command flags, key-spec flags and ACL categories all reply so.
template <typename NameOf>
void WriteBitNames(protocol::RespWriter& r, uint64_t bits, int count, NameOf name_of) {
  size_t n = 0;
  for (int i = 0; i < count; i++) n += (bits >> i) & 1;
  r.Set(n);
  for (int i = 0; i < count; i++) {
    if ((bits >> i) & 1) r.Simple(name_of(i));
  }
}

void WriteFlagSet(protocol::RespWriter& r, uint64_t flags) {
  static constexpr std::string_view kNames[kVisibleFlagCount] = {
      "write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking",
      "loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth",
      "no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys", "allow_busy"};
  WriteBitNames(r, flags, kVisibleFlagCount, [](int i) { return kNames[i]; });
}

constexpr std::string_view kKeySpecFlagNames[ks::kFlagCount] = {
    "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete",
    "variable_flags"};

void WriteKeySpec(protocol::RespWriter& r, const KeySpec& k) {
  const auto& kNames = kKeySpecFlagNames;
  r.Map(k.notes.empty() ? 3 : 4);
  if (!k.notes.empty()) {
    r.Bulk("notes");
    r.Bulk(k.notes);
  }
  r.Bulk("flags");
  WriteBitNames(r, k.flags, ks::kFlagCount, [](int i) { return kNames[i]; });
  r.Bulk("begin_search");
  r.Map(2);
  r.Bulk("type");
  if (k.unknown) {
    r.Bulk("unknown");
    r.Bulk("spec");
    r.Map(0);
    r.Bulk("find_keys");
    r.Map(2);
    r.Bulk("type");
    r.Bulk("unknown");
    r.Bulk("spec");
    r.Map(0);
    return;
  }
  if (k.keyword.empty()) {
    r.Bulk("index");
    r.Bulk("spec");
    r.Map(1);
    r.Bulk("index");
    r.Int(k.index);
  } else {
    r.Bulk("keyword");
    r.Bulk("spec");
    r.Map(2);
    r.Bulk("keyword");
    r.Bulk(k.keyword);
    r.Bulk("startfrom");
    r.Int(k.startfrom);
  }
  r.Bulk("find_keys");
  r.Map(2);
  r.Bulk("type");
  if (!k.keynum) {
    r.Bulk("range");
    r.Bulk("spec");
    r.Map(3);
    r.Bulk("lastkey");
    r.Int(k.lastkey);
    r.Bulk("keystep");
    r.Int(k.keystep);
    r.Bulk("limit");
    r.Int(k.limit);
  } else {
    r.Bulk("keynum");
    r.Bulk("spec");
    r.Map(3);
    r.Bulk("keynumidx");
    r.Int(k.keynumidx);
    r.Bulk("firstkey");
    r.Int(k.firstkey);
    r.Bulk("keystep");
    r.Int(k.keystep);
  }
}

void WriteCommandInfo(protocol::RespWriter& r, const CommandSpec& c) {
  r.Array(10);
  r.Bulk(c.full_name);
  r.Int(c.arity);
  WriteFlagSet(r, c.flags);
  r.Int(c.keys.first);
  r.Int(c.keys.last);
  r.Int(c.keys.step);
  WriteBitNames(r, c.acl, acl::kCategoryCount,
                [](int i) { return "@" + std::string(acl::CategoryName(i)); });
  r.Set(c.tips.size());
  for (auto t : c.tips) r.Bulk(t);
  r.Set(c.key_specs.size());
  for (const auto& k : c.key_specs) WriteKeySpec(r, k);
  r.Set(c.subcommands.size());
  for (const auto& s : c.subcommands) WriteCommandInfo(r, s);
}

void WriteArgDocs(protocol::RespWriter& r, const std::vector<ArgDoc>& args) {
  r.Array(args.size());
  for (const auto& a : args) {
    bool nested = a.type == "oneof" || a.type == "block";
    // (A pattern naming keys, SORT's BY and GET, has a key spec too.)
    const bool spec = a.type == "key" || a.key_spec_index >= 0;
    const bool token = a.token.has_value();
    size_t fields = 2 + spec + token + !a.since.empty() +
                    !a.deprecated_since.empty() + (a.flags != 0) + nested;
    r.Map(fields);
    r.Bulk("name");
    r.Bulk(a.name);
    r.Bulk("type");
    r.Bulk(a.type);
    if (spec) {
      r.Bulk("key_spec_index");
      r.Int(a.key_spec_index);
    }
    if (token) {
      r.Bulk("token");
      r.Bulk(*a.token);
    }
    if (!a.since.empty()) {
      r.Bulk("since");
      r.Bulk(a.since);
    }
    if (!a.deprecated_since.empty()) {
      r.Bulk("deprecated_since");
      r.Bulk(a.deprecated_since);
    }
    if (a.flags != 0) {
      r.Bulk("flags");
      r.Set(std::popcount(a.flags));
      if (a.flags & kArgOptional) r.Simple("optional");
      if (a.flags & kArgMultiple) r.Simple("multiple");
      if (a.flags & kArgMultipleToken) r.Simple("multiple_token");
    }
    if (nested) {
      r.Bulk("arguments");
      WriteArgDocs(r, a.arguments);
    }
  }
}

void WriteCommandDocs(protocol::RespWriter& r, const CommandSpec& c) {
  const CommandDoc& d = c.doc;
  r.Map(3 + !d.complexity.empty() + !d.doc_flags.empty() + !d.deprecated_since.empty() +
        !d.replaced_by.empty() + !d.history.empty() + !d.arguments.empty() +
        !c.subcommands.empty());
  r.Bulk("summary");
  r.Bulk(d.summary);
  r.Bulk("since");
  r.Bulk(d.since);
  r.Bulk("group");
  r.Bulk(d.group);
  if (!d.complexity.empty()) {  // (MONITOR, LOLWUT, SYNC and PSYNC have none)
    r.Bulk("complexity");
    r.Bulk(d.complexity);
  }
  if (!d.doc_flags.empty()) {
    r.Bulk("doc_flags");
    r.Set(d.doc_flags.size());
    for (std::string_view f : d.doc_flags) r.Simple(f);
  }
  if (!d.deprecated_since.empty()) {
    r.Bulk("deprecated_since");
    r.Bulk(d.deprecated_since);
  }
  if (!d.replaced_by.empty()) {
    r.Bulk("replaced_by");
    r.Bulk(d.replaced_by);
  }
  if (!d.history.empty()) {
    r.Bulk("history");
    r.Array(d.history.size());
    for (const auto& [version, what] : d.history) {
      r.Array(2);
      r.Bulk(version);
      r.Bulk(what);
    }
  }
  if (!d.arguments.empty()) {
    r.Bulk("arguments");
    WriteArgDocs(r, d.arguments);
  }
  if (!c.subcommands.empty()) {
    r.Bulk("subcommands");
    r.Map(c.subcommands.size());
    for (const auto& s : c.subcommands) {
      r.Bulk(s.full_name);
      WriteCommandDocs(r, s);
    }
  }
}


void Command(CommandContext& ctx, ArgList) {
  const auto& all = ctx.table.commands();
  ctx.reply.Array(all.size());
  for (const auto& c : all) WriteCommandInfo(ctx.reply, *c);
}

void CommandCount(CommandContext& ctx, ArgList) {
  ctx.reply.Int(static_cast<int64_t>(ctx.table.size()));
}

void CommandInfo(CommandContext& ctx, ArgList args) {
  if (args.size() == 2) return Command(ctx, args);
  ctx.reply.Array(args.size() - 2);
  for (size_t j = 2; j < args.size(); j++) {
    const CommandSpec* c = ctx.table.FindFullName(args[j]);
    if (c == nullptr) {
      ctx.reply.Null();
    } else {
      WriteCommandInfo(ctx.reply, *c);
    }
  }
}

void CommandDocs(CommandContext& ctx, ArgList args) {
  std::vector<const CommandSpec*> found;
  if (args.size() == 2) {
    for (const auto& c : ctx.table.commands()) found.push_back(c.get());
  } else {
    for (size_t j = 2; j < args.size(); j++) {
      if (const CommandSpec* c = ctx.table.FindFullName(args[j])) found.push_back(c);
    }
  }
  ctx.reply.Map(found.size());
  for (const CommandSpec* c : found) {
    ctx.reply.Bulk(c->full_name);
    WriteCommandDocs(ctx.reply, *c);
  }
}

void CommandGetKeysGeneric(CommandContext& ctx, ArgList args, bool with_flags) {
  ArgList argv = args.subspan(2);
  const CommandSpec* c = ctx.table.FindForArgv(argv);
  if (c == nullptr) return ctx.Error("Invalid command specified");
  int argc = static_cast<int>(argv.size());
  if ((c->arity > 0 && argc != c->arity) || argc < -c->arity) {
    return ctx.Error("Invalid number of arguments specified for command");
  }
  std::vector<int> positions;
  std::vector<uint32_t> flags;
  if (!GetKeys(*c, argv, &positions, /*written_only=*/false, with_flags ? &flags : nullptr)) {
    return ctx.Error("Invalid arguments specified for command");
  }
  if (positions.empty()) return ctx.Error("The command has no key arguments");
  // Key specs with variable flags: what Redis's getkeys functions decide
  // from the arguments (SET with GET reads; BITFIELD without SET or INCRBY only reads).
  for (uint32_t& f : flags) {
    if (!(f & ks::kVariableFlags)) continue;
    bool reads = false, writes = false;
    for (size_t j = 1; j < argv.size(); j++) {
      if (base::EqualsIgnoreCase(argv[j], "get")) reads = true;
      if (base::EqualsIgnoreCase(argv[j], "set") || base::EqualsIgnoreCase(argv[j], "incrby")) {
        writes = true;
      }
    }
    if (c->full_name == "set") {
      f = reads ? (ks::kRW | ks::kAccess | ks::kUpdate) : (ks::kOW | ks::kUpdate);
    } else if (c->full_name == "bitfield") {
      f = writes ? (ks::kRW | ks::kAccess | ks::kUpdate) : (ks::kRO | ks::kAccess);
    } else {
      f &= ~static_cast<uint32_t>(ks::kVariableFlags);
    }
  }
  ctx.reply.Array(positions.size());
  for (size_t i = 0; i < positions.size(); i++) {
    if (!with_flags) {
      ctx.reply.Bulk(argv[static_cast<size_t>(positions[i])]);
      continue;
    }
    ctx.reply.Array(2);
    ctx.reply.Bulk(argv[static_cast<size_t>(positions[i])]);
    ctx.reply.Array(static_cast<size_t>(__builtin_popcount(flags[i])));
    for (int b = 0; b < ks::kFlagCount; b++) {
      if (flags[i] & (1u << b)) ctx.reply.Simple(kKeySpecFlagNames[b]);
    }
  }
}

void CommandGetKeys(CommandContext& ctx, ArgList args) { CommandGetKeysGeneric(ctx, args, false); }
void CommandGetKeysAndFlags(CommandContext& ctx, ArgList args) {
  CommandGetKeysGeneric(ctx, args, true);
}

void CommandList(CommandContext& ctx, ArgList args) {
  std::string pattern;
  uint64_t category = 0;
  if (args.size() != 2) {
    if (args.size() != 5 || !base::EqualsIgnoreCase(args[2], "filterby")) {
      return ctx.Error(errors::kSyntax);
    }
    if (base::EqualsIgnoreCase(args[3], "pattern")) {
      pattern = args[4];
    } else if (base::EqualsIgnoreCase(args[3], "aclcat")) {
      for (int i = 0; i < acl::kCategoryCount; i++) {
        if (base::EqualsIgnoreCase(acl::CategoryName(i), args[4])) category = 1ULL << i;
      }
      if (category == 0) return ctx.reply.Array(0);
    } else if (base::EqualsIgnoreCase(args[3], "module")) {
      return ctx.reply.Array(0);
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  std::vector<std::string_view> names;
  auto consider = [&](const CommandSpec& c) {
    if (!pattern.empty() && !base::GlobMatch(pattern, c.full_name, true)) return;
    if (category != 0 && !(c.acl & category)) return;
    names.push_back(c.full_name);
  };
  for (const auto& c : ctx.table.commands()) {
    consider(*c);
    for (const auto& s : c->subcommands) consider(s);
  }
  ctx.reply.Array(names.size());
  for (auto n : names) ctx.reply.Bulk(n);
}

void CommandHelp(CommandContext& ctx, ArgList) {
  ctx.ReplyLines({"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "(no subcommand)", "    Return details about all Redis commands.", "COUNT",
                  "    Return the total number of commands in this Redis server.",
                  "LIST", "    Return a list of all commands in this Redis server.",
                  "INFO [<command-name> ...]",
                  "    Return details about multiple Redis commands.",
                  "DOCS [<command-name> ...]",
                  "    Return documentation details about multiple Redis commands.",
                  "GETKEYS <full-command>",
                  "    Return the keys from a full Redis command.", "HELP",
                  "    Print this help."});
}

// ---- INFO ------------------------------------------------------------------

size_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::string InfoServer(CommandContext& ctx) {
  const ServerState& s = ctx.server;
  struct utsname u;
  uname(&u);
  int64_t uptime = (ctx.now_ms - s.start_ms) / 1000;
  static constexpr const char* kSupervised[] = {"upstart", "systemd", "unknown", "no"};
  std::string out = "# Server\r\n";
  out += "redis_version:" + std::string(kRedisVersion) + "\r\n";
  out += "cairn_version:" + std::string(kCairnVersion) + "\r\n";
  out += "redis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\n"
         "redis_mode:standalone\r\n";
  out += "os:" + std::string(u.sysname) + " " + u.release + " " + u.machine + "\r\n";
  out += "arch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\n"
         "atomicvar_api:c11-builtin\r\n";
  out += "gcc_version:" + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__) + "\r\n";
  out += "process_id:" + std::to_string(getpid()) + "\r\n";
  out += "process_supervised:" +
         std::string(kSupervised[std::clamp<int64_t>(ctx.config.values().supervised, 0, 3)]) +
         "\r\n";
  out += "run_id:" + s.run_id + "\r\n";
  out += "tcp_port:" + std::to_string(ctx.config.values().port) + "\r\n";
  out += "server_time_usec:" + std::to_string(ctx.now_ms * 1000) + "\r\n";
  out += "uptime_in_seconds:" + std::to_string(uptime) + "\r\n";
  out += "uptime_in_days:" + std::to_string(uptime / 86400) + "\r\n";
  out += "hz:" + std::to_string(ctx.config.values().hz) + "\r\n";
  out += "configured_hz:" + std::to_string(ctx.config.values().hz) + "\r\n";
  // Redis's LRU clock: seconds, 24 bits.
  out += "lru_clock:" + std::to_string((ctx.now_ms / 1000) & ((1 << 24) - 1)) + "\r\n";
  out += "executable:" + s.executable + "\r\n";
  out += "config_file:" + s.config_file + "\r\n";
  out += "io_threads_active:0\r\n";
  return out;
}

std::string InfoClients(CommandContext& ctx) {
  std::string out = "# Clients\r\n";
  out += "connected_clients:" + std::to_string(ctx.server.connected_clients) + "\r\n";
  out += "cluster_connections:0\r\n";
  out += "maxclients:" + std::to_string(ctx.config.values().maxclients) + "\r\n";
  // (Redis's "recent" is its last few seconds; here it is now.)
  size_t max_in = 0, max_out = 0;
  for (const auto& [id, c] : ctx.server.clients) {
    const ClientBuffers b = BuffersOf(*c);
    max_in = std::max(max_in, b.qbuf + b.qbuf_free);
    max_out = std::max(max_out, b.omem);
  }
  out += "client_recent_max_input_buffer:" + std::to_string(max_in) +
         "\r\nclient_recent_max_output_buffer:" + std::to_string(max_out) + "\r\n";
  out += "blocked_clients:" + std::to_string(ctx.blocked.blocked_clients()) + "\r\n";
  out += "tracking_clients:" + std::to_string(ctx.tracking.tracking_clients()) + "\r\n";
  out += "clients_in_timeout_table:" + std::to_string(ctx.blocked.timed_clients()) + "\r\n";
  return out;
}

// Redis's bytesToHuman: 1023B, 1.00K, 1.50M, ...
std::string HumanBytes(double n) {
  static constexpr const char* kUnits[] = {"K", "M", "G", "T", "P"};
  char buf[64];
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
    return buf;
  }
  int u = -1;
  while (n >= 1024 && u < 4) {
    n /= 1024;
    u++;
  }
  std::snprintf(buf, sizeof(buf), "%.2f%s", n, kUnits[u]);
  return buf;
}

// Where the memory goes, as INFO memory and MEMORY STATS report it. The
// overhead is Cairn's own: per database, the bucket array and each key's
// node (key bytes and values count as data), and the expiry map.
struct MemoryFigures {
  size_t used = 0, rss = 0, peak = 0, startup = 0, overhead = 0, dataset = 0, keys = 0;
  size_t lua_eval = 0, lua_functions = 0, scripts_eval = 0, functions = 0;
  size_t clients_normal = 0, clients_replicas = 0;  // their buffers (ClientBuffers)
  size_t backlog = 0, replication_buffers = 0;
  size_t aof_buffer = 0;  // the log's records not yet durable
  struct DbOverhead {
    int db;
    size_t main, expires;
  };
  std::vector<DbOverhead> dbs;
  base::AllocatorFigures alloc;
};

MemoryFigures ComputeMemory(CommandContext& ctx) {
  MemoryFigures f;
  f.used = base::UsedMemory();
  ctx.server.used_memory_peak = std::max(ctx.server.used_memory_peak, f.used);
  f.peak = ctx.server.used_memory_peak;
  f.startup = ctx.server.used_memory_startup;
  f.rss = RssBytes();
  f.alloc = base::AllocatorNumbers();
  f.lua_eval = ctx.scripts.vm_memory();
  f.lua_functions = ctx.functions.vm_memory();
  f.scripts_eval = ctx.scripts.script_count() * (sizeof(std::string) + 48);
  for (const auto& [name, lib] : ctx.functions.libraries()) f.functions += lib.code.size();
  for (const auto& [id, c] : ctx.server.clients) {
    (c->replica ? f.clients_replicas : f.clients_normal) += BuffersOf(*c).total();
  }
  if (ctx.replication != nullptr) {
    f.backlog = ctx.replication->BacklogMemory();
    f.replication_buffers = ctx.replication->ReplicationBufferMemory();
  }
  if (ctx.aof != nullptr) f.aof_buffer = ctx.aof->buffer_memory();
  f.overhead = f.startup + f.scripts_eval + f.functions + f.clients_normal + f.clients_replicas +
               f.aof_buffer;
  for (int i = 0; i < ctx.keyspace.databases(); i++) {
    const Db& db = ctx.keyspace.db(i);
    if (db.size() == 0) continue;
    const size_t main = db.entries().bucket_count() * sizeof(void*) +
                        db.size() * KeyTable::kKeyOffset;
    const size_t expires = db.expires() * 40;  // a map node and its bucket
    f.dbs.push_back({i, main, expires});
    f.overhead += main + expires;
    f.keys += db.size();
  }
  f.dataset = f.used > f.overhead ? f.used - f.overhead : 0;
  return f;
}

double Ratio(double a, double b) { return b == 0 ? 0 : a / b; }

std::string InfoMemory(CommandContext& ctx) {
  const MemoryFigures f = ComputeMemory(ctx);
  const ConfigValues& v = ctx.config.values();
  const std::string policy = ctx.config.Get(std::vector<std::string>{"maxmemory-policy"})[0].second;
  const size_t system = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) *
                        static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t vm_total = f.lua_eval + f.lua_functions;
  const LazyFree* lazy = ctx.keyspace.free_policy().lazy;
  char buf[64];
  auto pct = [&](double x) {
    std::snprintf(buf, sizeof(buf), "%.2f%%", x);
    return std::string(buf);
  };
  auto ratio = [&](double x) {
    std::snprintf(buf, sizeof(buf), "%.2f", x);
    return std::string(buf);
  };
  auto diff = [](size_t a, size_t b) {
    return std::to_string(static_cast<int64_t>(a) - static_cast<int64_t>(b));
  };
  const std::pair<const char*, std::string> fields[] = {
      {"used_memory", std::to_string(f.used)},
      {"used_memory_human", HumanBytes(static_cast<double>(f.used))},
      {"used_memory_rss", std::to_string(f.rss)},
      {"used_memory_rss_human", HumanBytes(static_cast<double>(f.rss))},
      {"used_memory_peak", std::to_string(f.peak)},
      {"used_memory_peak_human", HumanBytes(static_cast<double>(f.peak))},
      {"used_memory_peak_perc", pct(Ratio(100.0 * f.used, static_cast<double>(f.peak)))},
      {"used_memory_overhead", std::to_string(f.overhead)},
      {"used_memory_startup", std::to_string(f.startup)},
      {"used_memory_dataset", std::to_string(f.dataset)},
      {"used_memory_dataset_perc",
       pct(Ratio(100.0 * f.dataset,
                 static_cast<double>(f.used > f.startup ? f.used - f.startup : 0)))},
      {"allocator_allocated", std::to_string(f.alloc.allocated)},
      {"allocator_active", std::to_string(f.alloc.active)},
      {"allocator_resident", std::to_string(f.alloc.resident)},
      {"total_system_memory", std::to_string(system)},
      {"total_system_memory_human", HumanBytes(static_cast<double>(system))},
      {"used_memory_lua", std::to_string(f.lua_eval)},
      {"used_memory_vm_eval", std::to_string(f.lua_eval)},
      {"used_memory_lua_human", HumanBytes(static_cast<double>(f.lua_eval))},
      {"used_memory_scripts_eval", std::to_string(f.scripts_eval)},
      {"number_of_cached_scripts", std::to_string(ctx.scripts.script_count())},
      {"number_of_functions", std::to_string(ctx.functions.function_count())},
      {"number_of_libraries", std::to_string(ctx.functions.libraries().size())},
      {"used_memory_vm_functions", std::to_string(f.lua_functions)},
      {"used_memory_vm_total", std::to_string(vm_total)},
      {"used_memory_vm_total_human", HumanBytes(static_cast<double>(vm_total))},
      {"used_memory_functions", std::to_string(f.functions)},
      {"used_memory_scripts", std::to_string(f.scripts_eval + f.functions)},
      {"used_memory_scripts_human", HumanBytes(static_cast<double>(f.scripts_eval + f.functions))},
      {"maxmemory", std::to_string(v.maxmemory)},
      {"maxmemory_human", HumanBytes(static_cast<double>(v.maxmemory))},
      {"maxmemory_policy", policy},
      {"allocator_frag_ratio", ratio(Ratio(f.alloc.active, f.alloc.allocated))},
      {"allocator_frag_bytes", diff(f.alloc.active, f.alloc.allocated)},
      {"allocator_rss_ratio", ratio(Ratio(f.alloc.resident, f.alloc.active))},
      {"allocator_rss_bytes", diff(f.alloc.resident, f.alloc.active)},
      {"rss_overhead_ratio", ratio(Ratio(f.rss, f.alloc.resident))},
      {"rss_overhead_bytes", diff(f.rss, f.alloc.resident)},
      {"mem_fragmentation_ratio", ratio(Ratio(f.rss, f.used))},
      {"mem_fragmentation_bytes", diff(f.rss, f.used)},
      {"mem_not_counted_for_evict",
       std::to_string((ctx.replication != nullptr ? ctx.replication->NotCountedMemory() : 0) +
                      ctx.keyspace.cold()->memory_bytes())},
      {"mem_replication_backlog", std::to_string(f.backlog)},
      {"mem_total_replication_buffers", std::to_string(f.replication_buffers)},
      {"mem_clients_slaves", std::to_string(f.clients_replicas)},
      {"mem_clients_normal", std::to_string(f.clients_normal)},
      {"mem_cluster_links", "0"},
      {"mem_aof_buffer", std::to_string(f.aof_buffer)},
      {"mem_allocator", base::AllocatorName()},
      {"active_defrag_running", "0"},
      {"lazyfree_pending_objects", std::to_string(lazy ? lazy->pending() : 0)},
      {"lazyfreed_objects", std::to_string(lazy ? lazy->freed() : 0)},
  };
  std::string out = "# Memory\r\n";
  for (const auto& [k, val] : fields) out += std::string(k) + ":" + val + "\r\n";
  return out;
}

std::string InfoStats(CommandContext& ctx) {
  const ServerStats& st = ctx.server.stats;
  const int64_t current_over_ms =
      st.eviction_over_since_ms == 0 ? 0 : ctx.now_ms - st.eviction_over_since_ms;
  char kbps[64];
  auto kb = [&](double v) {
    std::snprintf(kbps, sizeof(kbps), "%.2f", v / 1024);
    return std::string(kbps);
  };
  // Features Cairn does not have (yet): replication (issue 13), eviction
  // (issue 15), defragmentation, I/O threads: zeros.
  const std::pair<const char*, std::string> fields[] = {
      {"total_connections_received", std::to_string(st.total_connections_received)},
      {"total_commands_processed", std::to_string(st.total_commands_processed)},
      {"instantaneous_ops_per_sec", std::to_string(static_cast<int64_t>(st.ops_per_sec.Rate()))},
      {"total_net_input_bytes", std::to_string(st.total_net_input_bytes)},
      {"total_net_output_bytes", std::to_string(st.total_net_output_bytes)},
      {"total_net_repl_input_bytes", "0"},
      {"total_net_repl_output_bytes", std::to_string(st.total_net_repl_output_bytes)},
      {"instantaneous_input_kbps", kb(st.input_per_sec.Rate())},
      {"instantaneous_output_kbps", kb(st.output_per_sec.Rate())},
      {"instantaneous_input_repl_kbps", "0.00"},
      {"instantaneous_output_repl_kbps", "0.00"},
      {"rejected_connections", std::to_string(st.rejected_connections)},
      {"sync_full", std::to_string(st.sync_full)},
      {"sync_partial_ok", std::to_string(st.sync_partial_ok)},
      {"sync_partial_err", std::to_string(st.sync_partial_err)},
      {"expired_keys", std::to_string(st.expired_keys)},
      {"expired_stale_perc", "0.00"},
      {"expired_time_cap_reached_count", "0"},
      {"expire_cycle_cpu_milliseconds", "0"},
      {"evicted_keys", std::to_string(st.evicted_keys)},
      {"evicted_clients", "0"},
      {"total_eviction_exceeded_time",
       std::to_string(st.eviction_exceeded_ms + current_over_ms)},
      {"current_eviction_exceeded_time", std::to_string(current_over_ms)},
      {"keyspace_hits", std::to_string(st.keyspace_hits)},
      {"keyspace_misses", std::to_string(st.keyspace_misses)},
      {"pubsub_channels", std::to_string(ctx.pubsub.ChannelCount(PubSub::Kind::kChannel))},
      {"pubsub_patterns", std::to_string(ctx.pubsub.Patterns())},
      {"pubsubshard_channels", std::to_string(ctx.pubsub.ChannelCount(PubSub::Kind::kShard))},
      {"latest_fork_usec", "0"},
      {"total_forks", "0"},
      {"migrate_cached_sockets", "0"},
      {"slave_expires_tracked_keys", "0"},
      {"active_defrag_hits", "0"},
      {"active_defrag_misses", "0"},
      {"active_defrag_key_hits", "0"},
      {"active_defrag_key_misses", "0"},
      {"total_active_defrag_time", "0"},
      {"current_active_defrag_time", "0"},
      {"tracking_total_keys", std::to_string(ctx.tracking.total_keys())},
      {"tracking_total_items", std::to_string(ctx.tracking.total_items())},
      {"tracking_total_prefixes", std::to_string(ctx.tracking.total_prefixes())},
      {"unexpected_error_replies", "0"},
      {"total_error_replies", std::to_string(st.total_error_replies)},
      {"dump_payload_sanitizations", "0"},
      {"total_reads_processed", std::to_string(st.total_reads_processed)},
      {"total_writes_processed", std::to_string(st.total_writes_processed)},
      {"io_threaded_reads_processed", "0"},
      {"io_threaded_writes_processed", "0"},
      {"reply_buffer_shrinks", "0"},
      {"reply_buffer_expands", "0"},
  };
  std::string out = "# Stats\r\n";
  for (const auto& [k, v] : fields) out += std::string(k) + ":" + v + "\r\n";
  return out;
}

std::string InfoPersistence(CommandContext& ctx) {
  // The current_* fields describe a fork in progress in Redis; Cairn's
  // snapshot progress is not reported there (zeros).
  std::string out =
      "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\n"
      "current_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n"
      "current_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n";
  if (ctx.snapshots != nullptr) out += ctx.snapshots->Info(ctx.now_ms);
  if (ctx.aof != nullptr) {
    out += ctx.aof->Info(ctx.now_ms);
  } else {
    out += "aof_enabled:0\r\n";
  }
  return out;
}

// Without a replication layer (engine tests): a primary with no replicas,
// the fields Redis shows then, its backlog not yet created.
std::string InfoReplication(CommandContext& ctx) {
  if (ctx.replication != nullptr) return ctx.replication->Info(ctx);
  return "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
         "master_failover_state:no-failover\r\nmaster_replid:" + ctx.server.replid +
         "\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n"
         "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
         "repl_backlog_size:" + ctx.config.Get(std::vector<std::string>{"repl-backlog-size"})[0].second +
         "\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n";
}

std::string InfoCpu(CommandContext&) {
  struct rusage self, children, thread;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);  // INFO runs on the engine thread: the main one
  std::string out = "# CPU\r\n";
  auto add = [&](const char* name, const timeval& tv) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%s:%ld.%06ld\r\n", name, static_cast<long>(tv.tv_sec),
                  static_cast<long>(tv.tv_usec));
    out += buf;
  };
  add("used_cpu_sys", self.ru_stime);
  add("used_cpu_user", self.ru_utime);
  add("used_cpu_sys_children", children.ru_stime);
  add("used_cpu_user_children", children.ru_utime);
  add("used_cpu_sys_main_thread", thread.ru_stime);
  add("used_cpu_user_main_thread", thread.ru_utime);
  return out;
}

std::string InfoModules(CommandContext&) { return "# Modules\r\n"; }

std::string InfoErrorstats(CommandContext& ctx) {
  std::string out = "# Errorstats\r\n";
  for (const auto& [code, n] : ctx.server.stats.errorstats) {
    out += "errorstat_" + code + ":count=" + std::to_string(n) + "\r\n";
  }
  return out;
}

std::string InfoCluster(CommandContext&) { return "# Cluster\r\ncluster_enabled:0\r\n"; }

std::string InfoCommandstats(CommandContext& ctx) {
  std::string out = "# Commandstats\r\n";
  std::vector<const CommandStat*> all;
  for (const auto& [spec, st] : ctx.server.stats.commandstats) all.push_back(&st);
  std::sort(all.begin(), all.end(),
            [](const CommandStat* a, const CommandStat* b) { return a->name < b->name; });
  for (const CommandStat* stp : all) {
    const CommandStat& st = *stp;
    const std::string& name = st.name;
    char per_call[32];
    std::snprintf(per_call, sizeof(per_call), "%.2f",
                  st.calls == 0 ? 0.0 : static_cast<double>(st.usec) / static_cast<double>(st.calls));
    out += "cmdstat_" + name + ":calls=" + std::to_string(st.calls) +
           ",usec=" + std::to_string(st.usec) + ",usec_per_call=" + per_call +
           ",rejected_calls=" + std::to_string(st.rejected_calls) +
           ",failed_calls=" + std::to_string(st.failed_calls) + "\r\n";
  }
  return out;
}

// latency_percentiles_usec_<command>:p50=..,p99=..: from each command's
// latency histogram, at latency-tracking-info-percentiles.
std::string InfoLatencystats(CommandContext& ctx) {
  std::string out = "# Latencystats\r\n";
  if (!ctx.config.values().latency_tracking) return out;
  std::vector<std::string> percentiles;  // as CONFIG GET shows them: "50 99 99.9"
  {
    std::istringstream words(ctx.config.values().other.at("latency-tracking-info-percentiles"));
    for (std::string w; words >> w;) percentiles.push_back(w);
  }
  std::vector<const CommandStat*> all;
  for (const auto& [spec, st] : ctx.server.stats.commandstats) {
    if (st.latency != nullptr) all.push_back(&st);
  }
  std::sort(all.begin(), all.end(),
            [](const CommandStat* a, const CommandStat* b) { return a->name < b->name; });
  for (const CommandStat* st : all) {
    out += "latency_percentiles_usec_" + st->name + ":";
    for (size_t i = 0; i < percentiles.size(); i++) {
      char v[64];
      std::snprintf(v, sizeof(v), "%.3f",
                    static_cast<double>(st->latency->ValueAtPercentile(
                        std::strtod(percentiles[i].c_str(), nullptr))) / 1000.0);
      out += (i ? ",p" : "p") + percentiles[i] + "=" + v;
    }
    out += "\r\n";
  }
  return out;
}

std::string InfoKeyspace(CommandContext& ctx) {
  std::string out = "# Keyspace\r\n";
  for (int i = 0; i < ctx.keyspace.databases(); i++) {
    const Db& db = ctx.keyspace.db(i);
    if (db.size() == 0) continue;
    out += "db" + std::to_string(i) + ":keys=" + std::to_string(db.size()) +
           ",expires=" + std::to_string(db.expires()) +
           ",avg_ttl=" + std::to_string(db.avg_ttl()) + "\r\n";
  }
  return out;
}

// Cairn's own: the cold tier (engine/memory/cold_tier.h). Only by name
// (INFO cold): INFO, INFO all and INFO everything stay Redis's.
std::string InfoCold(CommandContext& ctx) {
  const ColdTier::Stats st = ctx.keyspace.cold()->stats();
  char lat[128];
  std::snprintf(lat, sizeof(lat), "p50=%.0f,p99=%.0f,p99.9=%.0f", st.read_p50_us, st.read_p99_us,
                st.read_p999_us);
  return std::string("# Cold\r\n") + "cold_keys:" + std::to_string(st.keys) +
         "\r\ncold_bytes_on_disk:" + std::to_string(st.disk_bytes) +
         "\r\ncold_memory_bytes:" + std::to_string(st.memory_bytes) +
         "\r\ncold_block_cache_bytes:" + std::to_string(st.cache_bytes) +
         "\r\ncold_memtable_bytes:" + std::to_string(st.memtable_bytes) +
         "\r\ncold_spills:" + std::to_string(st.spills) +
         "\r\ncold_spilled_bytes:" + std::to_string(st.spilled_bytes) +
         "\r\ncold_promotes:" + std::to_string(st.promotes) +
         "\r\ncold_borrows:" + std::to_string(st.borrows) +
         "\r\ncold_reads:" + std::to_string(st.reads) +
         "\r\ncold_read_errors:" + std::to_string(st.read_errors) +
         "\r\ncold_read_latency_usec:" + lat + "\r\n";
}

struct InfoSection {
  std::string_view name;
  std::string (*render)(CommandContext&);
  bool in_default;
  bool in_all = true;  // false: Cairn's own, shown when asked for by name
};

constexpr InfoSection kInfoSections[] = {
    {"server", InfoServer, true},   {"clients", InfoClients, true},
    {"memory", InfoMemory, true},   {"persistence", InfoPersistence, true},
    {"stats", InfoStats, true},
    {"replication", InfoReplication, true}, {"cpu", InfoCpu, true},
    {"modules", InfoModules, true}, {"commandstats", InfoCommandstats, false},
    {"errorstats", InfoErrorstats, true}, {"latencystats", InfoLatencystats, false},
    {"cluster", InfoCluster, true},
    {"keyspace", InfoKeyspace, true},
    {"cold", InfoCold, false, false},
};

void Info(CommandContext& ctx, ArgList args) {
  std::vector<bool> want(std::size(kInfoSections), false);
  for (size_t i = 0; i < std::size(kInfoSections); i++) {
    want[i] = args.size() == 1 && kInfoSections[i].in_default;
  }
  for (size_t j = 1; j < args.size(); j++) {
    const bool everything = base::EqualsIgnoreCase(args[j], "all") ||
                            base::EqualsIgnoreCase(args[j], "everything");
    const bool defaults = base::EqualsIgnoreCase(args[j], "default");
    for (size_t i = 0; i < std::size(kInfoSections); i++) {
      if ((everything && kInfoSections[i].in_all) || (defaults && kInfoSections[i].in_default) ||
          base::EqualsIgnoreCase(args[j], kInfoSections[i].name)) {
        want[i] = true;
      }
    }
  }
  std::string out;
  for (size_t i = 0; i < std::size(kInfoSections); i++) {
    if (!want[i]) continue;
    if (!out.empty()) out += "\r\n";
    out += kInfoSections[i].render(ctx);
  }
  ctx.reply.Verbatim("txt", out);
}

// ---- MEMORY ------------------------------------------------------------------

// MEMORY USAGE key [SAMPLES n]: the key's node (its bytes included) and its
// value as Cairn holds them; the whole value is measured (SAMPLES is
// accepted for compatibility).
void MemoryUsageCmd(CommandContext& ctx, ArgList args) {
  if (args.size() != 3 && args.size() != 5) return ctx.Error(errors::kSyntax);
  if (args.size() == 5) {
    if (!base::EqualsIgnoreCase(args[3], "samples")) return ctx.Error(errors::kSyntax);
    auto n = ctx.IntArg(args[4]);
    if (!n) return;
  }
  Entry* e = ctx.db().Find(args[2], ctx.now_ms, /*touch=*/false);
  if (e == nullptr) return ctx.reply.Null();
  ctx.reply.Int(static_cast<int64_t>(e->value.KeyMemoryUsage(args[2].size())));
}

// MEMORY STATS: Redis's fields, from the same figures as INFO memory.
void MemoryStats(CommandContext& ctx, ArgList) {
  const MemoryFigures f = ComputeMemory(ctx);
  auto& r = ctx.reply;
  r.Map(27 + f.dbs.size());
  auto num = [&](const char* k, int64_t v) {
    r.Bulk(k);
    r.Int(v);
  };
  auto dbl = [&](const char* k, double v) {
    r.Bulk(k);
    r.Double(v);
  };
  const auto i = [](size_t v) { return static_cast<int64_t>(v); };
  num("peak.allocated", i(f.peak));
  num("total.allocated", i(f.used));
  num("startup.allocated", i(f.startup));
  num("replication.backlog", i(f.backlog));
  num("clients.slaves", i(f.clients_replicas));
  num("clients.normal", i(f.clients_normal));
  num("cluster.links", 0);
  num("aof.buffer", i(f.aof_buffer));
  num("lua.caches", i(f.scripts_eval));
  num("functions.caches", i(f.functions));
  for (const auto& d : f.dbs) {
    r.Bulk("db." + std::to_string(d.db));
    r.Map(3);
    num("overhead.hashtable.main", i(d.main));
    num("overhead.hashtable.expires", i(d.expires));
    num("overhead.hashtable.slot-to-keys", 0);
  }
  num("overhead.total", i(f.overhead));
  num("keys.count", i(f.keys));
  num("keys.bytes-per-key",
      f.keys == 0 ? 0 : i((f.used > f.startup ? f.used - f.startup : 0) / f.keys));
  num("dataset.bytes", i(f.dataset));
  dbl("dataset.percentage",
      Ratio(100.0 * f.dataset, static_cast<double>(f.used > f.startup ? f.used - f.startup : 0)));
  dbl("peak.percentage", Ratio(100.0 * f.used, static_cast<double>(f.peak)));
  num("allocator.allocated", i(f.alloc.allocated));
  num("allocator.active", i(f.alloc.active));
  num("allocator.resident", i(f.alloc.resident));
  dbl("allocator-fragmentation.ratio", Ratio(f.alloc.active, f.alloc.allocated));
  num("allocator-fragmentation.bytes", i(f.alloc.active) - i(f.alloc.allocated));
  dbl("allocator-rss.ratio", Ratio(f.alloc.resident, f.alloc.active));
  num("allocator-rss.bytes", i(f.alloc.resident) - i(f.alloc.active));
  dbl("rss-overhead.ratio", Ratio(f.rss, f.alloc.resident));
  num("rss-overhead.bytes", i(f.rss) - i(f.alloc.resident));
  dbl("fragmentation", Ratio(f.rss, f.used));
  num("fragmentation.bytes", i(f.rss) - i(f.used));
}

void MemoryDoctor(CommandContext& ctx, ArgList) {
  // Redis's doctor has nothing to say below 5 MB; above, Cairn has no
  // fragmentation or peak analysis of its own to report.
  if (base::UsedMemory() < 5 * 1024 * 1024) {
    return ctx.reply.Verbatim(
        "txt",
        "Hi Sam, this instance is empty or is using very little memory, my issues detector "
        "can't be used in these conditions. Please, leave for your mission on Earth and fill "
        "it with some data. The new Sam and I will be back to our programming as soon as I "
        "finished rebooting.\n");
  }
  ctx.reply.Verbatim("txt",
                     "Hi Sam, I can't find any memory issue in your instance. I can only account "
                     "for what occurs on this base.\n");
}

void MemoryPurge(CommandContext& ctx, ArgList) {
  base::PurgeAllocator();
  ctx.reply.Ok();
}

void MemoryMallocStats(CommandContext& ctx, ArgList) {
  ctx.reply.Verbatim("txt", base::AllocatorStats());
}

void MemoryHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help."};
  ctx.ReplyLines(kLines);
}

// ---- MODULE ----------------------------------------------------------------
// Redis modules are built against Redis's module API, which Cairn does not
// have: no module is ever loaded, so MODULE LIST is empty (as on a Redis
// without modules) and a load fails as Redis's does for a module it cannot
// open. Who may load (enable-module-command) is checked before, as for DEBUG.

void ModuleHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LIST",
      "    Return a list of loaded modules.",
      "LOAD <path> [<arg> ...]",
      "    Load a module library from <path>, passing to it any optional arguments.",
      "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
      "    Load a module library from <path>, while passing it module configurations and "
      "optional arguments.",
      "UNLOAD <name>",
      "    Unload a module.",
      "HELP",
      "    Prints this help."};
  ctx.ReplyLines(kLines);
}

void ModuleList(CommandContext& ctx, ArgList) { ctx.reply.Array(0); }

void ModuleLoad(CommandContext& ctx, ArgList args) {
  CAIRN_LOG_WARNING("Module %s failed to load: Cairn cannot load Redis modules",
                    args[2].c_str());
  ctx.Error("Error loading the extension. Please check the server logs.");
}

void ModuleUnload(CommandContext& ctx, ArgList) {
  ctx.Error("Error unloading module: no such module with that name");
}

// ---- CONFIG ----------------------------------------------------------------

void ConfigGet(CommandContext& ctx, ArgList args) {
  auto pairs = ctx.config.Get(args.subspan(2));
  ctx.reply.Map(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

void ConfigSet(CommandContext& ctx, ArgList args) {
  if (args.size() % 2 != 0) return ctx.Error(errors::kSyntax);
  std::string error;
  if (!ctx.config.SetFromClient(args.subspan(2), ctx.client.local, &error)) {
    return ctx.Error(error);
  }
  if (ctx.aof != nullptr) ctx.aof->ApplyConfig();
  ctx.reply.Ok();
}

void ConfigResetStat(CommandContext& ctx, ArgList) {
  ctx.server.stats = ServerStats{};
  ctx.reply.Ok();
}

void ConfigRewrite(CommandContext& ctx, ArgList) {
  if (ctx.server.config_file.empty()) {
    return ctx.Error("The server is running without a config file");
  }
  // Without an aclfile, the users live in the configuration file.
  std::vector<std::string> users;
  if (ctx.config.values().aclfile.empty()) {
    for (const auto& [name, u] : ctx.acl.users()) users.push_back(ctx.acl.Describe(*u));
  }
  base::Status s = ctx.config.Rewrite(ctx.server.config_file, users);
  if (!s.ok()) {
    CAIRN_LOG_WARNING("CONFIG REWRITE failed: %s", s.message().c_str());
    return ctx.Error("Rewriting config file: " + s.message());
  }
  CAIRN_LOG_NOTICE("CONFIG REWRITE executed with success.");
  ctx.reply.Ok();
}

void ConfigHelp(CommandContext& ctx, ArgList) {
  ctx.ReplyLines({"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
                  "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
                  "RESETSTAT", "    Reset statistics reported by the INFO command.",
                  "REWRITE", "    Rewrite the configuration file.",
                  "HELP", "    Prints this help."});
}

// ---- BGREWRITEAOF ----------------------------------------------------------

void BgRewriteAof(CommandContext& ctx, ArgList) {
  if (ctx.aof == nullptr) return ctx.Error("Background append only file rewriting is not available");
  bool scheduled = false;
  std::string err = ctx.aof->StartRewrite(&scheduled);
  if (!err.empty()) return ctx.Error(err);
  ctx.reply.Simple(scheduled ? "Background append only file rewriting scheduled"
                             : "Background append only file rewriting started");
}

// ---- SAVE, BGSAVE, LASTSAVE ------------------------------------------------

void Save(CommandContext& ctx, ArgList) {
  if (ctx.snapshots == nullptr) return ctx.Error("saving is not available");
  std::string err = ctx.snapshots->Save();
  if (err == "ERR") return ctx.reply.Error("ERR");  // Redis's bare shared.err
  if (!err.empty()) return ctx.Error(err);
  ctx.reply.Ok();
}

void BgSave(CommandContext& ctx, ArgList args) {
  bool schedule = false;
  if (args.size() == 2) {
    if (!base::EqualsIgnoreCase(args[1], "schedule")) return ctx.Error(errors::kSyntax);
    schedule = true;
  } else if (args.size() > 2) {
    return ctx.Error(errors::kSyntax);
  }
  if (ctx.snapshots == nullptr) return ctx.Error("saving is not available");
  bool scheduled = false;
  std::string err = ctx.snapshots->StartBgsave(schedule, &scheduled);
  if (!err.empty()) return ctx.Error(err);
  ctx.reply.Simple(scheduled ? "Background saving scheduled" : "Background saving started");
}

// TIME: [unix seconds, microseconds], from the wall clock now (not the
// command's cached millisecond), as Redis answers it.
void Time(CommandContext& ctx, ArgList) {
  const int64_t us = base::NowUs();
  ctx.reply.Array(2);
  ctx.reply.Bulk(std::to_string(us / 1000000));
  ctx.reply.Bulk(std::to_string(us % 1000000));
}

void LastSave(CommandContext& ctx, ArgList) {
  ctx.reply.Int(ctx.snapshots ? ctx.snapshots->lastsave_sec() : ctx.server.start_ms / 1000);
}

// ---- SHUTDOWN --------------------------------------------------------------

void Shutdown(CommandContext& ctx, ArgList args) {
  ShutdownRequest mode = ShutdownRequest::kDefault;
  for (size_t j = 1; j < args.size(); j++) {
    if (base::EqualsIgnoreCase(args[j], "nosave")) {
      mode = ShutdownRequest::kNoSave;
    } else if (base::EqualsIgnoreCase(args[j], "save")) {
      mode = ShutdownRequest::kSave;
    } else if (base::EqualsIgnoreCase(args[j], "now") ||
               base::EqualsIgnoreCase(args[j], "force")) {
      // Nothing to wait for (no replicas yet) and nothing to force past.
    } else if (base::EqualsIgnoreCase(args[j], "abort") && args.size() == 2) {
      return ctx.Error("No shutdown in progress.");
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }
  // Redis saves on SHUTDOWN when save points are set (or SAVE is given);
  // a failed save keeps the server up and says so.
  if (ctx.snapshots != nullptr &&
      (mode == ShutdownRequest::kSave ||
       (mode == ShutdownRequest::kDefault && !ctx.config.values().save.empty()))) {
    if (!ctx.snapshots->Save().empty()) return ctx.Error("Errors trying to SHUTDOWN. Check logs.");
  }
  // No reply: the connection closes as the server stops, as with Redis.
  ctx.server.shutdown = mode;
}

constexpr uint64_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale;

}  // namespace

void RegisterServerCommands(CommandTable& t) {
  constexpr uint64_t kModuleLoadFlags = kAdmin | kNoScript | kNoAsyncLoading;
  t.Add({
      {.name = "module", .arity = -2,
       .doc = {.summary = "A container for module commands", .since = "4.0.0",
               .group = "server", .complexity = "Depends on subcommand."},
       .subcommands =
           {
               {.name = "help", .arity = 2, .flags = kLoading | kStale, .handler = ModuleHelp,
                .doc = {.summary = "Show helpful text about the different subcommands",
                        .since = "5.0.0", .group = "server", .complexity = "O(1)"}},
               {.name = "load", .arity = -3, .flags = kModuleLoadFlags, .handler = ModuleLoad,
                .doc = {.summary = "Load a module", .since = "4.0.0", .group = "server",
                        .complexity = "O(1)",
                        .arguments = {{.name = "path", .type = "string"},
                                      {.name = "arg", .type = "string",
                                       .flags = kArgOptional | kArgMultiple}}},
                .protected_by = &ConfigValues::enable_module_command},
               {.name = "loadex", .arity = -3, .flags = kModuleLoadFlags, .handler = ModuleLoad,
                .doc = {.summary = "Load a module with extended parameters", .since = "7.0.0",
                        .group = "server", .complexity = "O(1)",
                        .arguments = {{.name = "path", .type = "string"},
                                      {.name = "configs", .type = "block", .token = "CONFIG",
                                       .flags = kArgOptional | kArgMultiple | kArgMultipleToken,
                                       .arguments = {{.name = "name", .type = "string"},
                                                     {.name = "value", .type = "string"}}},
                                      {.name = "args", .type = "block", .token = "ARGS",
                                       .flags = kArgOptional | kArgMultiple,
                                       .arguments = {{.name = "arg", .type = "string"}}}}},
                .protected_by = &ConfigValues::enable_module_command},
               {.name = "list", .arity = 2, .flags = kAdmin | kNoScript, .handler = ModuleList,
                .doc = {.summary = "List all modules loaded by the server", .since = "4.0.0",
                        .group = "server",
                        .complexity = "O(N) where N is the number of loaded modules."},
                .tips = {"nondeterministic_output_order"}},
               {.name = "unload", .arity = 3, .flags = kModuleLoadFlags, .handler = ModuleUnload,
                .doc = {.summary = "Unload a module", .since = "4.0.0", .group = "server",
                        .complexity = "O(1)",
                        .arguments = {{.name = "name", .type = "string"}}},
                .protected_by = &ConfigValues::enable_module_command},
           }},
      {.name = "command", .arity = -1, .flags = kLoading | kStale, .acl = acl::kConnection,
       .handler = Command,
       .doc = {.summary = "Get array of Redis command details", .since = "2.8.13",
               .group = "server", .complexity = "O(N) where N is the total number of Redis commands"},
       .tips = {"nondeterministic_output_order"},
       .subcommands =
           {
               {.name = "count", .arity = 2, .flags = kLoading | kStale,
                .acl = acl::kConnection, .handler = CommandCount,
                .doc = {.summary = "Get total number of Redis commands", .since = "2.8.13",
                        .group = "server", .complexity = "O(1)"}},
               {.name = "info", .arity = -2, .flags = kLoading | kStale,
                .acl = acl::kConnection, .handler = CommandInfo,
                .doc = {.summary = "Get array of specific Redis command details, or all when no argument is given.",
                        .since = "2.8.13", .group = "server",
                        .complexity = "O(N) where N is the number of commands to look up",
                        .history = {{"7.0.0",
                                     "Allowed to be called with no argument to get info on "
                                     "all commands."}},
                        .arguments = {{.name = "command-name", .type = "string",
                                       .flags = kArgOptional | kArgMultiple}}},
                .tips = {"nondeterministic_output_order"}},
               {.name = "docs", .arity = -2, .flags = kLoading | kStale,
                .acl = acl::kConnection, .handler = CommandDocs,
                .doc = {.summary = "Get array of specific Redis command documentation",
                        .since = "7.0.0", .group = "server",
                        .complexity = "O(N) where N is the number of commands to look up",
                        .arguments = {{.name = "command-name", .type = "string",
                                       .flags = kArgOptional | kArgMultiple}}},
                .tips = {"nondeterministic_output_order"}},
               {.name = "getkeysandflags", .arity = -4, .flags = kLoading | kStale,
                .acl = acl::kConnection, .handler = CommandGetKeysAndFlags,
                .doc = {.summary = "Extract keys and access flags given a full Redis command",
                        .since = "7.0.0", .group = "server",
                        .complexity = "O(N) where N is the number of arguments to the command"}},
               {.name = "getkeys", .arity = -4, .flags = kLoading | kStale,
                .acl = acl::kConnection, .handler = CommandGetKeys,
                .doc = {.summary = "Extract keys given a full Redis command", .since = "2.8.13",
                        .group = "server",
                        .complexity = "O(N) where N is the number of arguments to the command"}},
               {.name = "list", .arity = -2, .flags = kLoading | kStale,
                .acl = acl::kConnection, .handler = CommandList,
                .doc = {.summary = "Get an array of Redis command names", .since = "7.0.0",
                        .group = "server",
                        .complexity = "O(N) where N is the total number of Redis commands",
                        .arguments = {{.name = "filterby",
                                       .type = "oneof",
                                       .token = "FILTERBY",
                                       .flags = kArgOptional,
                                       .arguments = {{.name = "module-name",
                                                      .type = "string",
                                                      .token = "MODULE"},
                                                     {.name = "category",
                                                      .type = "string",
                                                      .token = "ACLCAT"},
                                                     {.name = "pattern",
                                                      .type = "pattern",
                                                      .token = "PATTERN"}}}}},
                .tips = {"nondeterministic_output_order"}},
               {.name = "help", .arity = 2, .flags = kLoading | kStale,
                .acl = acl::kConnection, .handler = CommandHelp,
                .doc = {.summary = "Show helpful text about the different subcommands",
                        .since = "5.0.0", .group = "server", .complexity = "O(1)"}},
           }},
      {.name = "info", .arity = -1, .flags = kLoading | kStale, .acl = acl::kDangerous,
       .handler = Info,
       .doc = {.summary = "Get information and statistics about the server", .since = "1.0.0",
               .group = "server", .complexity = "O(1)",
               .history = {{"7.0.0", "Added support for taking multiple section arguments."}},
               .arguments = {{.name = "section", .type = "string",
                              .flags = kArgOptional | kArgMultiple}}},
       .tips = {"nondeterministic_output", "request_policy:all_shards",
                "response_policy:special"}},
      {.name = "config", .arity = -2,
       .doc = {.summary = "A container for server configuration commands", .since = "2.0.0",
               .group = "server", .complexity = "Depends on subcommand."},
       .subcommands =
           {
               {.name = "get", .arity = -3, .flags = kAdminFlags, .handler = ConfigGet,
                .doc = {.summary = "Get the values of configuration parameters",
                        .since = "2.0.0", .group = "server",
                        .complexity = "O(N) when N is the number of configuration parameters "
                                      "provided",
                        .history = {{"7.0.0",
                                     "Added the ability to pass multiple pattern parameters "
                                     "in one call"}},
                        .arguments = {{.name = "parameter",
                                       .type = "block",
                                       .flags = kArgMultiple,
                                       .arguments = {{.name = "parameter", .type = "string"}}}}}},
               {.name = "set", .arity = -4, .flags = kAdminFlags, .handler = ConfigSet,
                .doc = {.summary = "Set configuration parameters to the given values",
                        .since = "2.0.0", .group = "server",
                        .complexity = "O(N) when N is the number of configuration parameters "
                                      "provided",
                        .history = {{"7.0.0",
                                     "Added the ability to set multiple parameters in one call."}},
                        .arguments = {{.name = "parameter_value",
                                       .type = "block",
                                       .flags = kArgMultiple,
                                       .arguments = {{.name = "parameter", .type = "string"},
                                                     {.name = "value", .type = "string"}}}}},
                .tips = {"request_policy:all_nodes", "response_policy:all_succeeded"}},
               {.name = "resetstat", .arity = 2, .flags = kAdminFlags,
                .handler = ConfigResetStat,
                .doc = {.summary = "Reset the stats returned by INFO", .since = "2.0.0",
                        .group = "server", .complexity = "O(1)"}},
               {.name = "rewrite", .arity = 2, .flags = kAdminFlags, .handler = ConfigRewrite,
                .doc = {.summary = "Rewrite the configuration file with the in memory configuration",
                        .since = "2.8.0", .group = "server", .complexity = "O(1)"}},
               {.name = "help", .arity = 2, .flags = kLoading | kStale, .handler = ConfigHelp,
                .doc = {.summary = "Show helpful text about the different subcommands",
                        .since = "5.0.0", .group = "server", .complexity = "O(1)"}},
           }},
      {.name = "bgrewriteaof", .arity = 1, .flags = kAdmin | kNoAsyncLoading | kNoScript,
       .handler = BgRewriteAof,
       .doc = {.summary = "Asynchronously rewrite the append-only file", .since = "1.0.0",
               .group = "server", .complexity = "O(1)"}},
      {.name = "save", .arity = 1, .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
       .handler = Save,
       .doc = {.summary = "Synchronously save the dataset to disk", .since = "1.0.0",
               .group = "server",
               .complexity = "O(N) where N is the total number of keys in all databases"}},
      {.name = "bgsave", .arity = -1, .flags = kAdmin | kNoScript | kNoAsyncLoading,
       .handler = BgSave,
       .doc = {.summary = "Asynchronously save the dataset to disk", .since = "1.0.0",
               .group = "server", .complexity = "O(1)",
               .history = {{"3.2.2", "Added the `SCHEDULE` option."}},
               .arguments = {{.name = "schedule", .type = "pure-token", .token = "SCHEDULE",
                              .since = "3.2.2", .flags = kArgOptional}}}},
      {.name = "memory", .arity = -2,
       .doc = {.summary = "A container for memory diagnostics commands", .since = "4.0.0",
               .group = "server", .complexity = "Depends on subcommand."},
       .subcommands =
           {
               {.name = "stats", .arity = 2, .handler = MemoryStats,
                .doc = {.summary = "Show memory usage details",
                        .since = "4.0.0",
                        .group = "server",
                        .complexity = "O(1)"},
                .tips = {"nondeterministic_output", "request_policy:all_shards",
                         "response_policy:special"}},
               {.name = "usage", .arity = -3, .flags = kReadonly, .keys = {2, 2, 1}, .handler = MemoryUsageCmd,
                .doc = {.summary = "Estimate the memory usage of a key",
                        .since = "4.0.0",
                        .group = "server",
                        .complexity = "O(N) where N is the number of samples.",
                        .arguments = {{.name = "key", .type = "key", .key_spec_index = 0},
                       {.name = "count", .type = "integer", .token = "SAMPLES", .flags = kArgOptional}}},
                .key_specs = {{.flags = ks::kRO, .index = 2}}},

               {.name = "doctor", .arity = 2, .handler = MemoryDoctor,
                .doc = {.summary = "Outputs memory problems report",
                        .since = "4.0.0",
                        .group = "server",
                        .complexity = "O(1)"},
                .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},

               {.name = "purge", .arity = 2, .handler = MemoryPurge,
                .doc = {.summary = "Ask the allocator to release memory",
                        .since = "4.0.0",
                        .group = "server",
                        .complexity = "Depends on how much memory is allocated, could be slow"},
                .tips = {"request_policy:all_shards", "response_policy:all_succeeded"}},

               {.name = "malloc-stats", .arity = 2, .handler = MemoryMallocStats,
                .doc = {.summary = "Show allocator internal stats",
                        .since = "4.0.0",
                        .group = "server",
                        .complexity = "Depends on how much memory is allocated, could be slow"},
                .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},

               {.name = "help", .arity = 2, .flags = kLoading | kStale, .handler = MemoryHelp,
                .doc = {.summary = "Show helpful text about the different subcommands",
                        .since = "4.0.0",
                        .group = "server",
                        .complexity = "O(1)"}},
           }},
      {.name = "time", .arity = 1, .flags = kLoading | kStale | kFast, .handler = Time,
       .doc = {.summary = "Return the current server time",
               .since = "2.6.0",
               .group = "server",
               .complexity = "O(1)"},
       .tips = {"nondeterministic_output"}},
      {.name = "lastsave", .arity = 1, .flags = kLoading | kStale | kFast,
       .acl = acl::kAdmin | acl::kDangerous, .handler = LastSave,
       .doc = {.summary = "Get the UNIX time stamp of the last successful save to disk",
               .since = "1.0.0", .group = "server", .complexity = "O(1)"},
       .tips = {"nondeterministic_output"}},
      {.name = "shutdown", .arity = -1,
       .flags = kAdmin | kNoScript | kLoading | kStale | kNoMulti | kAllowBusy,
       .handler = Shutdown,
       .doc = {.summary = "Synchronously save the dataset to disk and then shut down the server",
               .since = "1.0.0", .group = "server",
               .complexity = "O(N) when saving, where N is the total number of keys in all "
                             "databases when saving data, otherwise O(1)",
               .history = {{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}},
               .arguments = {{.name = "nosave_save",
                              .type = "oneof",
                              .flags = kArgOptional,
                              .arguments =
                                  {{.name = "nosave", .type = "pure-token", .token = "NOSAVE"},
                                   {.name = "save", .type = "pure-token", .token = "SAVE"}}},
                             {.name = "now",
                              .type = "pure-token",
                              .token = "NOW",
                              .since = "7.0.0",
                              .flags = kArgOptional},
                             {.name = "force",
                              .type = "pure-token",
                              .token = "FORCE",
                              .since = "7.0.0",
                              .flags = kArgOptional},
                             {.name = "abort",
                              .type = "pure-token",
                              .token = "ABORT",
                              .since = "7.0.0",
                              .flags = kArgOptional}}}},
  });
}

}  // namespace cairn::engine
