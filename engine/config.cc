#include "engine/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/check.h"
#include "base/string_util.h"
#include "engine/config_file.h"
#include "engine/errors.h"
#include "protocol/request_parser.h"

namespace cairn::engine {
namespace {

using base::Status;
using Args = std::span<const std::string>;

enum class Type {
  kBool,
  kInt,
  kMemory,        // bytes; k/kb/m/mb/g/gb units
  kMemOrPercent,  // maxmemory-clients: a memory value or N%
  kOctal,         // unixsocketperm
  kEnum,
  kString,
  kSpecial,  // its own parse and format (set/get below)
};

enum Flags : uint32_t {
  kImmutable = 1,
  kProtected = 2,  // refused by CONFIG SET unless enable-protected-configs allows it
  kHidden = 4,     // CONFIG GET finds it by its exact name only
  kMultiArg = 8,   // takes any number of arguments (save, bind, ...)
  kUnsigned = 16,  // a memory value up to 2^64-1, shown unsigned
};

struct SetCtx {
  bool loading;
  bool first_save;  // loading: the first `save` line replaces the default
};

struct Option {
  std::string_view name;
  std::string_view alias;  // Redis 7's other name ("hash-max-ziplist-entries")
  Type type;
  std::string_view default_value;  // as a config line gives it
  uint32_t flags = 0;
  int64_t min = 0, max = 0;
  std::span<const std::string_view> choices;  // kEnum, in Redis's order
  // kEnum: how many of the choices an error lists (Redis's; Cairn's own
  // come after them, taken but not listed). 0: all.
  size_t listed_choices = 0;
  // Typed storage; options without any keep their CONFIG GET text in
  // ConfigValues::other.
  bool ConfigValues::*b = nullptr;
  int64_t ConfigValues::*i = nullptr;
  std::string ConfigValues::*s = nullptr;
  // kString: extra validation (Redis's message on failure).
  Status (*check)(std::string_view) = nullptr;
  // kSpecial.
  Status (*set)(ConfigValues&, Args, SetCtx) = nullptr;
  std::string (*get)(const ConfigValues&) = nullptr;
};

// ---- value syntax --------------------------------------------------------

// Redis's memtoull: optional digits then an optional b, k, kb, m, mb, g, gb
// (k = 1000, kb = 1024), any case. "" and "kb" are 0. Overflow saturates
// the digits and wraps the product, as in Redis.
std::optional<uint64_t> ParseMemory(std::string_view s) {
  std::string lower = base::ToLower(s);
  struct Unit {
    std::string_view suffix;
    uint64_t mul;
  };
  static constexpr Unit kUnits[] = {{"gb", 1ULL << 30}, {"mb", 1ULL << 20}, {"kb", 1ULL << 10},
                                    {"g", 1000000000ULL}, {"m", 1000000ULL}, {"k", 1000ULL},
                                    {"b", 1}};
  uint64_t mul = 1;
  std::string_view num = lower;
  for (const auto& u : kUnits) {
    if (num.ends_with(u.suffix)) {
      mul = u.mul;
      num.remove_suffix(u.suffix.size());
      break;
    }
  }
  uint64_t v = 0;
  for (char c : num) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
  }
  return v * mul;
}

// C strtoll(base) that must consume everything: leading blanks and a sign
// are fine, as Redis's save and oom-score-adj-values parsing allows.
std::optional<int64_t> ParseStrtoll(const std::string& s, int base_ = 10) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, base_);
  if (*end != '\0' || end == s.c_str()) return std::nullopt;
  return v;
}

std::string Join(std::span<const std::string_view> parts, std::string_view sep) {
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

Status WrongArgs() { return Status::InvalidArgument("wrong number of arguments"); }

// ---- validators ----------------------------------------------------------

Status NonEmptyBasename(std::string_view v, std::string_view what, std::string_view kind) {
  if (v.empty()) return Status::InvalidArgument(std::string(what) + " can't be empty");
  if (v.find('/') != std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + " can't be a path, just a " +
                                   std::string(kind));
  }
  return Status::Ok();
}
Status CheckAppendFilename(std::string_view v) {
  return NonEmptyBasename(v, "appendfilename", "filename");
}
Status CheckAppendDirname(std::string_view v) {
  return NonEmptyBasename(v, "appenddirname", "dirname");
}
Status CheckLogRetention(std::string_view v) {
  if (!ParseLogRetention(v)) {
    return Status::InvalidArgument("argument must be a size (1gb) or an age (24h, 30min, 7d)");
  }
  return Status::Ok();
}
Status CheckDbFilename(std::string_view v) {
  if (v.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("dbfilename can't be a path, just a filename");
  }
  return Status::Ok();
}
Status CheckProcTitleTemplate(std::string_view v) {
  static constexpr std::string_view kVars[] = {"{title}", "{listen-addr}", "{server-mode}",
                                               "{port}", "{tls-port}", "{unixsocket}",
                                               "{config-file}"};
  std::string rest(v);
  bool any = false;
  size_t pos = 0;
  while ((pos = rest.find('{')) != std::string::npos) {
    const size_t close = rest.find('}', pos);
    if (close == std::string::npos) break;
    const std::string_view var(rest.data() + pos, close - pos + 1);
    if (std::find(std::begin(kVars), std::end(kVars), var) == std::end(kVars)) {
      return Status::InvalidArgument("template format is invalid or contains unknown variables");
    }
    rest.erase(pos, close - pos + 1);
    any = true;
  }
  if (rest.find_first_of("{}") != std::string::npos || (!any && rest.empty())) {
    return Status::InvalidArgument("template format is invalid or contains unknown variables");
  }
  return Status::Ok();
}
Status CheckHostname(std::string_view v) {
  if (v.size() >= 256) return Status::InvalidArgument("Hostnames must be less than 256 characters");
  for (char c : v) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      return Status::InvalidArgument(
          "Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
  }
  return Status::Ok();
}

// ---- special options -----------------------------------------------------

// save <seconds> <changes> [...]: the first line of a load replaces the
// default, later ones add; `save ""` (or a bare `save`) clears at any
// point; CONFIG SET replaces.
Status SetSave(ConfigValues& v, Args args, SetCtx ctx) {
  const bool clear = args.empty() || (args.size() == 1 && args[0].empty());
  std::vector<std::pair<int64_t, int64_t>> pairs;
  if (!clear) {
    if (args.size() % 2 != 0) return Status::InvalidArgument("Invalid save parameters");
    for (size_t k = 0; k < args.size(); k += 2) {
      auto seconds = ParseStrtoll(args[k]);
      auto changes = ParseStrtoll(args[k + 1]);
      if (!seconds || !changes || *seconds < 1 || *changes < 0) {
        return Status::InvalidArgument("Invalid save parameters");
      }
      // Redis keeps changes in an int.
      pairs.emplace_back(*seconds, static_cast<int64_t>(static_cast<int>(*changes)));
    }
  }
  if (clear || !ctx.loading || ctx.first_save) v.save.clear();
  v.save.insert(v.save.end(), pairs.begin(), pairs.end());
  return Status::Ok();
}
std::string GetSave(const ConfigValues& v) {
  std::string out;
  for (const auto& [sec, changes] : v.save) {
    if (!out.empty()) out += ' ';
    out += std::to_string(sec) + " " + std::to_string(changes);
  }
  return out;
}

// client-output-buffer-limit <class> <hard> <soft> <seconds> [...]: every
// group is checked first; only the classes named change.
Status SetOutputBufferLimit(ConfigValues& v, Args args, SetCtx) {
  if (args.size() == 1 && args[0].empty()) return Status::Ok();  // nothing to change
  if (args.size() % 4 != 0) {
    return Status::InvalidArgument("Wrong number of arguments in buffer limit configuration.");
  }
  std::vector<std::pair<size_t, BufferLimit>> groups;
  for (size_t k = 0; k < args.size(); k += 4) {
    size_t cls;
    if (base::EqualsIgnoreCase(args[k], "normal")) {
      cls = 0;
    } else if (base::EqualsIgnoreCase(args[k], "slave") ||
               base::EqualsIgnoreCase(args[k], "replica")) {
      cls = 1;
    } else if (base::EqualsIgnoreCase(args[k], "pubsub")) {
      cls = 2;
    } else {
      return Status::InvalidArgument(
          "Invalid client class specified in buffer limit configuration.");
    }
    auto hard = ParseMemory(args[k + 1]);
    auto soft = ParseMemory(args[k + 2]);
    auto secs = ParseStrtoll(args[k + 3]);
    if (!hard || !soft || !secs || *secs < 0) {
      return Status::InvalidArgument(
          "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    }
    groups.push_back({cls, BufferLimit{static_cast<int64_t>(*hard), static_cast<int64_t>(*soft),
                                       *secs}});
  }
  for (const auto& [cls, limit] : groups) v.client_output_buffer_limit[cls] = limit;
  return Status::Ok();
}
std::string GetOutputBufferLimit(const ConfigValues& v) {
  static constexpr std::string_view kNames[] = {"normal", "slave", "pubsub"};
  std::string out;
  for (size_t c = 0; c < 3; c++) {
    const BufferLimit& l = v.client_output_buffer_limit[c];
    if (!out.empty()) out += ' ';
    out += std::string(kNames[c]) + " " + std::to_string(static_cast<uint64_t>(l.hard)) + " " +
           std::to_string(static_cast<uint64_t>(l.soft)) + " " + std::to_string(l.soft_seconds);
  }
  return out;
}

Status SetOomScoreAdjValues(ConfigValues& v, Args args, SetCtx) {
  if (args.size() != 3) return WrongArgs();
  std::string out;
  for (const auto& a : args) {
    auto n = ParseStrtoll(a);
    if (!n || *n < -2000 || *n > 2000) {
      return Status::InvalidArgument(
          "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
    }
    if (!out.empty()) out += ' ';
    out += std::to_string(*n);
  }
  v.other["oom-score-adj-values"] = out;
  return Status::Ok();
}
std::string GetOomScoreAdjValues(const ConfigValues& v) {
  return v.other.at("oom-score-adj-values");
}

Status SetBind(ConfigValues& v, Args args, SetCtx) {
  if (args.size() > 16) return Status::InvalidArgument("Too many bind addresses specified.");
  if (args.size() == 1 && args[0].empty()) {
    v.bind.clear();
    return Status::Ok();
  }
  v.bind.assign(args.begin(), args.end());
  return Status::Ok();
}
std::string GetBind(const ConfigValues& v) {
  std::string out;
  for (size_t k = 0; k < v.bind.size(); k++) {
    if (k > 0) out += ' ';
    out += v.bind[k];
  }
  return out;
}

constexpr std::string_view kNotifyChars = "Ag$lshzxeKEtmdn";
Status SetNotifyKeyspaceEvents(ConfigValues& v, Args args, SetCtx) {
  if (args.size() != 1) return WrongArgs();
  int flags = 0;
  for (char c : args[0]) {
    switch (c) {
      case 'A': flags |= notify::kAll; break;
      case 'g': flags |= notify::kGeneric; break;
      case '$': flags |= notify::kString; break;
      case 'l': flags |= notify::kList; break;
      case 's': flags |= notify::kSet; break;
      case 'h': flags |= notify::kHash; break;
      case 'z': flags |= notify::kZset; break;
      case 'x': flags |= notify::kExpired; break;
      case 'e': flags |= notify::kEvicted; break;
      case 'K': flags |= notify::kKeyspace; break;
      case 'E': flags |= notify::kKeyevent; break;
      case 't': flags |= notify::kStream; break;
      case 'm': flags |= notify::kKeyMiss; break;
      case 'd': flags |= notify::kModule; break;
      case 'n': flags |= notify::kNewKey; break;
      default:
        return Status::InvalidArgument("Invalid event class character. Use '" +
                                       std::string(kNotifyChars) + "'.");
    }
  }
  v.notify_keyspace_events = flags;
  return Status::Ok();
}
// Redis's canonical order; with every type class on, "A" stands for them
// (and, as in Redis 7.0, hides "n").
std::string GetNotifyKeyspaceEvents(const ConfigValues& v) {
  const int f = v.notify_keyspace_events;
  std::string out;
  if ((f & notify::kAll) == notify::kAll) {
    out = "A";
  } else {
    static constexpr std::pair<int, char> kOrder[] = {
        {notify::kGeneric, 'g'}, {notify::kString, '$'}, {notify::kList, 'l'},
        {notify::kSet, 's'},     {notify::kHash, 'h'},   {notify::kZset, 'z'},
        {notify::kExpired, 'x'}, {notify::kEvicted, 'e'}, {notify::kStream, 't'},
        {notify::kModule, 'd'},  {notify::kNewKey, 'n'}};
    for (auto [bit, c] : kOrder) {
      if (f & bit) out += c;
    }
  }
  if (f & notify::kKeyspace) out += 'K';
  if (f & notify::kKeyevent) out += 'E';
  if (f & notify::kKeyMiss) out += 'm';
  return out;
}

Status SetReplicaOf(ConfigValues& v, Args args, SetCtx) {
  if (args.size() != 2) return WrongArgs();
  if (base::EqualsIgnoreCase(args[0], "no") && base::EqualsIgnoreCase(args[1], "one")) {
    v.other["replicaof"] = "";
    return Status::Ok();
  }
  auto port = ParseStrtoll(args[1]);
  if (!port || *port < 0 || *port > 65535) return Status::InvalidArgument("Invalid master port");
  v.other["replicaof"] = args[0] + " " + std::to_string(*port);
  return Status::Ok();
}
std::string GetReplicaOf(const ConfigValues& v) { return v.other.at("replicaof"); }

Status SetPercentiles(ConfigValues& v, Args args, SetCtx) {
  std::string out;
  if (!(args.size() == 1 && args[0].empty())) {
    for (const auto& a : args) {
      char* end = nullptr;
      errno = 0;
      const double d = std::strtod(a.c_str(), &end);
      if (a.empty() || *end != '\0' || errno != 0) {
        return Status::InvalidArgument("Invalid latency-tracking-info-percentiles parameters");
      }
      if (d < 0.0 || d > 100.0) {
        return Status::InvalidArgument(
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
      }
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%f", d);
      std::string s = buf;
      while (!s.empty() && s.back() == '0') s.pop_back();
      if (!s.empty() && s.back() == '.') s.pop_back();
      if (!out.empty()) out += ' ';
      out += s;
    }
  }
  v.other["latency-tracking-info-percentiles"] = out;
  return Status::Ok();
}
std::string GetPercentiles(const ConfigValues& v) {
  return v.other.at("latency-tracking-info-percentiles");
}

// shutdown-on-sigint / -sigterm: a set of flags.
constexpr std::array<std::string_view, 5> kShutdownFlags = {"default", "save", "nosave", "now",
                                                            "force"};
template <const char* kName>
Status SetShutdownFlags(ConfigValues& v, Args args, SetCtx) {
  int flags = 0;
  auto bad = [] {
    return Status::InvalidArgument("argument(s) must be one of the following: " +
                                   Join(kShutdownFlags, ", "));
  };
  if (args.empty()) return bad();
  for (const auto& a : args) {
    size_t k = 0;
    while (k < kShutdownFlags.size() && !base::EqualsIgnoreCase(a, kShutdownFlags[k])) k++;
    if (k == kShutdownFlags.size()) return bad();
    if (k > 0) flags |= 1 << (k - 1);
  }
  if ((flags & 1) && (flags & 2)) {
    return Status::InvalidArgument(
        "shutdown options SAVE and NOSAVE can't be used simultaneously");
  }
  std::string out;
  for (size_t k = 1; k < kShutdownFlags.size(); k++) {
    if (flags & (1 << (k - 1))) {
      if (!out.empty()) out += ' ';
      out += kShutdownFlags[k];
    }
  }
  v.other[kName] = out.empty() ? "default" : out;
  return Status::Ok();
}
template <const char* kName>
std::string GetShutdownFlags(const ConfigValues& v) {
  return v.other.at(kName);
}
constexpr char kShutdownOnSigint[] = "shutdown-on-sigint";
constexpr char kShutdownOnSigterm[] = "shutdown-on-sigterm";

// dir: a chdir, now (later relative paths in the configuration resolve
// against it, as in Redis). The directory must exist, as Redis requires: a
// typo must not start an empty server.
Status SetDir(ConfigValues&, Args args, SetCtx) {
  if (args.size() != 1) return WrongArgs();
  if (chdir(args[0].c_str()) == 0) return Status::Ok();
  return Status::InvalidArgument(std::strerror(errno));
}
std::string GetDir(const ConfigValues&) {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string();
}

// ---- the table -----------------------------------------------------------

constexpr std::array<std::string_view, 3> kFsync = {"everysec", "always", "no"};
// Redis's eight, then Cairn's cold-lru (engine/memory/eviction.h).
constexpr std::array<std::string_view, 9> kMaxmemoryPolicies = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
    "allkeys-lfu",  "allkeys-random", "noeviction",    "cold-lru"};
constexpr std::array<std::string_view, 3> kNoYesLocal = {"no", "yes", "local"};
constexpr std::array<std::string_view, 4> kLogLevels = {"debug", "verbose", "notice", "warning"};
constexpr std::array<std::string_view, 4> kSupervised = {"upstart", "systemd", "auto", "no"};
constexpr std::array<std::string_view, 9> kSyslogFacilities = {
    "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};
constexpr std::array<std::string_view, 2> kAclPubsub = {"allchannels", "resetchannels"};
constexpr std::array<std::string_view, 3> kEndpointTypes = {"ip", "hostname", "unknown-endpoint"};
constexpr std::array<std::string_view, 4> kOomScoreAdj = {"no", "yes", "relative", "absolute"};
constexpr std::array<std::string_view, 3> kPropagationError = {"ignore", "panic",
                                                               "panic-on-replicas"};
constexpr std::array<std::string_view, 3> kDisklessLoad = {"disabled", "on-empty-db", "swapdb"};
constexpr std::array<std::string_view, 3> kSanitize = {"no", "yes", "clients"};
constexpr std::array<std::string_view, 3> kTlsAuthClients = {"no", "yes", "optional"};

constexpr int64_t kI32 = INT_MAX;
constexpr int64_t kI64 = LLONG_MAX;
using V = ConfigValues;

// Every option redis-server 7.0.15 has (CONFIG GET * and the hidden ones),
// in alphabetical order. Defaults are Redis's except where Cairn's differ
// on purpose: appendonly yes and appendfsync always (ARCHITECTURE.md,
// "The durability contract"), bind 127.0.0.1 -::1 (loopback until told
// otherwise).
const std::array kOptions = {
    Option{.name = "acl-pubsub-default", .type = Type::kEnum, .default_value = "resetchannels",
           .choices = kAclPubsub, .i = &V::acl_pubsub_default},
    Option{.name = "aclfile", .type = Type::kString, .default_value = "", .flags = kImmutable,
           .s = &V::aclfile},
    Option{.name = "acllog-max-len", .type = Type::kInt, .default_value = "128", .max = kI64,
           .i = &V::acllog_max_len},
    Option{.name = "active-defrag-cycle-max", .type = Type::kInt, .default_value = "25",
           .min = 1, .max = 99},
    Option{.name = "active-defrag-cycle-min", .type = Type::kInt, .default_value = "1", .min = 1,
           .max = 99},
    Option{.name = "active-defrag-ignore-bytes", .type = Type::kMemory,
           .default_value = "104857600", .min = 1, .max = kI64},
    Option{.name = "active-defrag-max-scan-fields", .type = Type::kInt, .default_value = "1000",
           .min = 1, .max = kI64},
    Option{.name = "active-defrag-threshold-lower", .type = Type::kInt, .default_value = "10",
           .max = 1000},
    Option{.name = "active-defrag-threshold-upper", .type = Type::kInt, .default_value = "100",
           .max = 1000},
    Option{.name = "active-expire-effort", .type = Type::kInt, .default_value = "1", .min = 1,
           .max = 10, .i = &V::active_expire_effort},
    Option{.name = "activedefrag", .type = Type::kBool, .default_value = "no"},
    Option{.name = "activerehashing", .type = Type::kBool, .default_value = "yes"},
    Option{.name = "always-show-logo", .type = Type::kBool, .default_value = "no",
           .flags = kImmutable},
    Option{.name = "aof-disable-auto-gc", .type = Type::kBool, .default_value = "no"},
    Option{.name = "aof-load-truncated", .type = Type::kBool, .default_value = "yes",
           .b = &V::aof_load_truncated},
    Option{.name = "aof-rewrite-incremental-fsync", .type = Type::kBool, .default_value = "yes"},
    Option{.name = "aof-timestamp-enabled", .type = Type::kBool, .default_value = "no"},
    Option{.name = "aof-use-rdb-preamble", .type = Type::kBool, .default_value = "yes",
           .b = &V::aof_use_rdb_preamble},
    Option{.name = "aof_rewrite_cpulist", .type = Type::kString, .default_value = "",
           .flags = kImmutable},
    Option{.name = "appenddirname", .type = Type::kString, .default_value = "appendonlydir",
           .flags = kImmutable, .s = &V::appenddirname, .check = CheckAppendDirname},
    Option{.name = "appendfilename", .type = Type::kString, .default_value = "appendonly.aof",
           .flags = kImmutable, .s = &V::appendfilename, .check = CheckAppendFilename},
    Option{.name = "appendfsync", .type = Type::kEnum, .default_value = "always",
           .choices = kFsync, .i = &V::appendfsync},
    Option{.name = "appendonly", .type = Type::kBool, .default_value = "yes",
           .b = &V::appendonly},
    Option{.name = "auto-aof-rewrite-min-size", .type = Type::kMemory, .default_value = "64mb",
           .max = kI64, .i = &V::auto_aof_rewrite_min_size},
    Option{.name = "auto-aof-rewrite-percentage", .type = Type::kInt, .default_value = "100",
           .max = kI32, .i = &V::auto_aof_rewrite_percentage},
    Option{.name = "bgsave_cpulist", .type = Type::kString, .default_value = "",
           .flags = kImmutable},
    Option{.name = "bind", .type = Type::kSpecial, .default_value = "127.0.0.1 -::1",
           .flags = kMultiArg, .set = SetBind, .get = GetBind},
    Option{.name = "bind-source-addr", .type = Type::kString, .default_value = ""},
    Option{.name = "bio_cpulist", .type = Type::kString, .default_value = "", .flags = kImmutable},
    Option{.name = "busy-reply-threshold", .alias = "lua-time-limit", .type = Type::kInt,
           .default_value = "5000", .max = kI64},
    Option{.name = "client-output-buffer-limit", .type = Type::kSpecial,
           .default_value = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
           .flags = kMultiArg, .set = SetOutputBufferLimit, .get = GetOutputBufferLimit},
    Option{.name = "client-query-buffer-limit", .type = Type::kMemory, .default_value = "1gb",
           .min = 1024 * 1024, .max = kI64, .i = &V::client_query_buffer_limit},
    Option{.name = "cluster-allow-pubsubshard-when-down", .type = Type::kBool,
           .default_value = "yes"},
    Option{.name = "cluster-allow-reads-when-down", .type = Type::kBool, .default_value = "no"},
    Option{.name = "cluster-allow-replica-migration", .type = Type::kBool,
           .default_value = "yes"},
    Option{.name = "cluster-announce-bus-port", .type = Type::kInt, .default_value = "0",
           .max = 65535},
    Option{.name = "cluster-announce-hostname", .type = Type::kString, .default_value = "",
           .check = CheckHostname},
    Option{.name = "cluster-announce-ip", .type = Type::kString, .default_value = ""},
    Option{.name = "cluster-announce-port", .type = Type::kInt, .default_value = "0",
           .max = 65535},
    Option{.name = "cluster-announce-tls-port", .type = Type::kInt, .default_value = "0",
           .max = 65535},
    Option{.name = "cluster-config-file", .type = Type::kString, .default_value = "nodes.conf",
           .flags = kImmutable},
    Option{.name = "cluster-enabled", .type = Type::kBool, .default_value = "no",
           .flags = kImmutable, .b = &V::cluster_enabled},
    Option{.name = "cluster-link-sendbuf-limit", .type = Type::kMemory, .default_value = "0",
           .flags = kUnsigned},
    Option{.name = "cluster-migration-barrier", .type = Type::kInt, .default_value = "1",
           .max = kI32},
    Option{.name = "cluster-node-timeout", .type = Type::kInt, .default_value = "15000",
           .max = kI64},
    Option{.name = "cluster-port", .type = Type::kInt, .default_value = "0", .flags = kImmutable,
           .max = 65535},
    Option{.name = "cluster-preferred-endpoint-type", .type = Type::kEnum, .default_value = "ip",
           .choices = kEndpointTypes},
    Option{.name = "cluster-replica-no-failover", .alias = "cluster-slave-no-failover",
           .type = Type::kBool, .default_value = "no"},
    Option{.name = "cluster-replica-validity-factor", .alias = "cluster-slave-validity-factor",
           .type = Type::kInt, .default_value = "10", .max = kI32},
    Option{.name = "cluster-require-full-coverage", .type = Type::kBool, .default_value = "yes"},
    Option{.name = "crash-log-enabled", .type = Type::kBool, .default_value = "yes"},
    Option{.name = "crash-memcheck-enabled", .type = Type::kBool, .default_value = "yes"},
    Option{.name = "daemonize", .type = Type::kBool, .default_value = "no", .flags = kImmutable,
           .b = &V::daemonize},
    Option{.name = "databases", .type = Type::kInt, .default_value = "16", .flags = kImmutable,
           .min = 1, .max = kI32, .i = &V::databases},
    Option{.name = "dbfilename", .type = Type::kString, .default_value = "dump.rdb",
           .flags = kProtected, .s = &V::dbfilename, .check = CheckDbFilename},
    Option{.name = "dir", .type = Type::kSpecial, .default_value = "", .flags = kProtected,
           .set = SetDir, .get = GetDir},
    Option{.name = "disable-thp", .type = Type::kBool, .default_value = "yes",
           .flags = kImmutable},
    Option{.name = "dynamic-hz", .type = Type::kBool, .default_value = "yes"},
    Option{.name = "enable-debug-command", .type = Type::kEnum, .default_value = "no",
           .flags = kImmutable, .choices = kNoYesLocal, .i = &V::enable_debug_command},
    Option{.name = "enable-module-command", .type = Type::kEnum, .default_value = "no",
           .flags = kImmutable, .choices = kNoYesLocal, .i = &V::enable_module_command},
    Option{.name = "enable-protected-configs", .type = Type::kEnum, .default_value = "no",
           .flags = kImmutable | kProtected, .choices = kNoYesLocal,
           .i = &V::enable_protected_configs},
    Option{.name = "hash-max-listpack-entries", .alias = "hash-max-ziplist-entries",
           .type = Type::kInt, .default_value = "512", .max = kI64,
           .i = &V::hash_max_listpack_entries},
    Option{.name = "hash-max-listpack-value", .alias = "hash-max-ziplist-value",
           .type = Type::kMemory, .default_value = "64", .max = kI64,
           .i = &V::hash_max_listpack_value},
    Option{.name = "hll-sparse-max-bytes", .type = Type::kMemory, .default_value = "3000",
           .max = kI64, .i = &V::hll_sparse_max_bytes},
    Option{.name = "hz", .type = Type::kInt, .default_value = "10", .max = kI32, .i = &V::hz},
    Option{.name = "ignore-warnings", .type = Type::kString, .default_value = ""},
    Option{.name = "io-threads", .type = Type::kInt, .default_value = "1", .flags = kImmutable,
           .min = 1, .max = 128},
    Option{.name = "io-threads-do-reads", .type = Type::kBool, .default_value = "no",
           .flags = kImmutable},
    Option{.name = "jemalloc-bg-thread", .type = Type::kBool, .default_value = "yes",
           .b = &V::jemalloc_bg_thread},
    Option{.name = "key-load-delay", .type = Type::kInt, .default_value = "0", .flags = kHidden,
           .min = INT_MIN, .max = kI32},
    Option{.name = "latency-monitor-threshold", .type = Type::kInt, .default_value = "0",
           .max = kI64, .i = &V::latency_monitor_threshold},
    Option{.name = "latency-tracking", .type = Type::kBool, .default_value = "yes",
           .b = &V::latency_tracking},
    Option{.name = "latency-tracking-info-percentiles", .type = Type::kSpecial,
           .default_value = "50 99 99.9", .flags = kMultiArg, .set = SetPercentiles,
           .get = GetPercentiles},
    Option{.name = "lazyfree-lazy-eviction", .type = Type::kBool, .default_value = "no",
           .b = &V::lazyfree_lazy_eviction},
    Option{.name = "lazyfree-lazy-expire", .type = Type::kBool, .default_value = "no",
           .b = &V::lazyfree_lazy_expire},
    Option{.name = "lazyfree-lazy-server-del", .type = Type::kBool, .default_value = "no",
           .b = &V::lazyfree_lazy_server_del},
    Option{.name = "lazyfree-lazy-user-del", .type = Type::kBool, .default_value = "no",
           .b = &V::lazyfree_lazy_user_del},
    Option{.name = "lazyfree-lazy-user-flush", .type = Type::kBool, .default_value = "no",
           .b = &V::lazyfree_lazy_user_flush},
    Option{.name = "lfu-decay-time", .type = Type::kInt, .default_value = "1", .max = kI32,
           .i = &V::lfu_decay_time},
    Option{.name = "lfu-log-factor", .type = Type::kInt, .default_value = "10", .max = kI32,
           .i = &V::lfu_log_factor},
    Option{.name = "list-compress-depth", .type = Type::kInt, .default_value = "0", .max = kI32,
           .i = &V::list_compress_depth},
    Option{.name = "list-max-listpack-size", .alias = "list-max-ziplist-size", .type = Type::kInt,
           .default_value = "-2", .min = INT_MIN, .max = kI32, .i = &V::list_max_listpack_size},
    Option{.name = "loading-process-events-interval-bytes", .type = Type::kInt,
           .default_value = "2097152", .flags = kHidden, .min = 1024, .max = kI32},
    Option{.name = "logfile", .type = Type::kString, .default_value = "", .flags = kImmutable,
           .s = &V::logfile},
    Option{.name = "loglevel", .type = Type::kEnum, .default_value = "notice",
           .choices = kLogLevels, .i = &V::loglevel},
    Option{.name = "lua-enable-deprecated-api", .type = Type::kBool, .default_value = "no",
           .flags = kImmutable | kHidden},
    Option{.name = "masterauth", .type = Type::kString, .default_value = ""},
    Option{.name = "masteruser", .type = Type::kString, .default_value = ""},
    Option{.name = "maxclients", .type = Type::kInt, .default_value = "10000", .min = 1,
           .max = UINT_MAX, .i = &V::maxclients},
    Option{.name = "maxmemory", .type = Type::kMemory, .default_value = "0", .flags = kUnsigned,
           .i = &V::maxmemory},
    Option{.name = "maxmemory-clients", .type = Type::kMemOrPercent, .default_value = "0"},
    Option{.name = "maxmemory-eviction-tenacity", .type = Type::kInt, .default_value = "10",
           .max = 100, .i = &V::maxmemory_eviction_tenacity},
    Option{.name = "maxmemory-policy", .type = Type::kEnum, .default_value = "noeviction",
           .choices = kMaxmemoryPolicies, .listed_choices = 8, .i = &V::maxmemory_policy},
    Option{.name = "maxmemory-samples", .type = Type::kInt, .default_value = "5", .min = 1,
           .max = kI32, .i = &V::maxmemory_samples},
    Option{.name = "min-replicas-max-lag", .alias = "min-slaves-max-lag", .type = Type::kInt,
           .default_value = "10", .max = kI32, .i = &V::min_replicas_max_lag},
    Option{.name = "min-replicas-to-write", .alias = "min-slaves-to-write", .type = Type::kInt,
           .default_value = "0", .max = kI32, .i = &V::min_replicas_to_write},
    Option{.name = "no-appendfsync-on-rewrite", .type = Type::kBool, .default_value = "no"},
    Option{.name = "notify-keyspace-events", .type = Type::kSpecial, .default_value = "",
           .set = SetNotifyKeyspaceEvents, .get = GetNotifyKeyspaceEvents},
    Option{.name = "oom-score-adj", .type = Type::kEnum, .default_value = "no",
           .choices = kOomScoreAdj},
    Option{.name = "oom-score-adj-values", .type = Type::kSpecial, .default_value = "0 200 800",
           .flags = kMultiArg, .set = SetOomScoreAdjValues, .get = GetOomScoreAdjValues},
    Option{.name = "pidfile", .type = Type::kString, .default_value = "", .flags = kImmutable,
           .s = &V::pidfile},
    Option{.name = "port", .type = Type::kInt, .default_value = "6379", .max = 65535,
           .i = &V::port},
    Option{.name = "proc-title-template", .type = Type::kString,
           .default_value = "{title} {listen-addr} {server-mode}", .check = CheckProcTitleTemplate},
    Option{.name = "propagation-error-behavior", .type = Type::kEnum, .default_value = "ignore",
           .choices = kPropagationError},
    Option{.name = "protected-mode", .type = Type::kBool, .default_value = "yes",
           .b = &V::protected_mode},
    Option{.name = "proto-max-bulk-len", .type = Type::kMemory, .default_value = "512mb",
           .min = 1024 * 1024, .max = kI64, .i = &V::proto_max_bulk_len},
    Option{.name = "rdb-del-sync-files", .type = Type::kBool, .default_value = "no"},
    Option{.name = "rdb-key-save-delay", .type = Type::kInt, .default_value = "0",
           .flags = kHidden, .min = INT_MIN, .max = kI32},
    Option{.name = "rdb-save-incremental-fsync", .type = Type::kBool, .default_value = "yes"},
    Option{.name = "rdbchecksum", .type = Type::kBool, .default_value = "yes",
           .flags = kImmutable, .b = &V::rdbchecksum},
    Option{.name = "rdbcompression", .type = Type::kBool, .default_value = "yes",
           .b = &V::rdbcompression},
    Option{.name = "repl-backlog-size", .type = Type::kMemory, .default_value = "1048576",
           .min = 1, .max = kI64, .i = &V::repl_backlog_size},
    Option{.name = "repl-backlog-ttl", .type = Type::kInt, .default_value = "3600", .max = kI64},
    Option{.name = "repl-disable-tcp-nodelay", .type = Type::kBool, .default_value = "no"},
    Option{.name = "repl-diskless-load", .type = Type::kEnum, .default_value = "disabled",
           .choices = kDisklessLoad},
    Option{.name = "repl-diskless-sync", .type = Type::kBool, .default_value = "yes",
           .b = &V::repl_diskless_sync},
    Option{.name = "repl-diskless-sync-delay", .type = Type::kInt, .default_value = "5",
           .max = kI32, .i = &V::repl_diskless_sync_delay},
    Option{.name = "repl-diskless-sync-max-replicas", .type = Type::kInt, .default_value = "0",
           .max = kI32, .i = &V::repl_diskless_sync_max_replicas},
    // Cairn's own: hidden, so that CONFIG GET * lists what Redis's does.
    Option{.name = "repl-log-retention", .type = Type::kString, .default_value = "1gb",
           .flags = kHidden, .s = &V::repl_log_retention, .check = CheckLogRetention},
    Option{.name = "repl-ping-replica-period", .alias = "repl-ping-slave-period",
           .type = Type::kInt, .default_value = "10", .min = 1, .max = kI32,
           .i = &V::repl_ping_replica_period},
    Option{.name = "repl-timeout", .type = Type::kInt, .default_value = "60", .min = 1,
           .max = kI32, .i = &V::repl_timeout},
    Option{.name = "replica-announce-ip", .alias = "slave-announce-ip", .type = Type::kString,
           .default_value = ""},
    Option{.name = "replica-announce-port", .alias = "slave-announce-port", .type = Type::kInt,
           .default_value = "0", .max = 65535},
    Option{.name = "replica-announced", .type = Type::kBool, .default_value = "yes"},
    Option{.name = "replica-ignore-disk-write-errors", .type = Type::kBool,
           .default_value = "no"},
    Option{.name = "replica-ignore-maxmemory", .alias = "slave-ignore-maxmemory",
           .type = Type::kBool, .default_value = "yes", .b = &V::replica_ignore_maxmemory},
    Option{.name = "replica-lazy-flush", .alias = "slave-lazy-flush", .type = Type::kBool,
           .default_value = "no"},
    Option{.name = "replica-priority", .alias = "slave-priority", .type = Type::kInt,
           .default_value = "100", .max = kI32},
    Option{.name = "replica-read-only", .alias = "slave-read-only", .type = Type::kBool,
           .default_value = "yes", .b = &V::replica_read_only},
    Option{.name = "replica-serve-stale-data", .alias = "slave-serve-stale-data",
           .type = Type::kBool, .default_value = "yes", .b = &V::replica_serve_stale_data},
    Option{.name = "replicaof", .alias = "slaveof", .type = Type::kSpecial, .default_value = "",
           .flags = kImmutable | kMultiArg, .set = SetReplicaOf, .get = GetReplicaOf},
    Option{.name = "requirepass", .type = Type::kString, .default_value = "",
           .s = &V::requirepass},
    Option{.name = "sanitize-dump-payload", .type = Type::kEnum, .default_value = "no",
           .choices = kSanitize},
    Option{.name = "save", .type = Type::kSpecial, .default_value = "3600 1 300 100 60 10000",
           .flags = kMultiArg, .set = SetSave, .get = GetSave},
    Option{.name = "server_cpulist", .type = Type::kString, .default_value = "",
           .flags = kImmutable},
    Option{.name = "set-max-intset-entries", .type = Type::kInt, .default_value = "512",
           .max = kI64, .i = &V::set_max_intset_entries},
    Option{.name = "set-proc-title", .type = Type::kBool, .default_value = "yes",
           .flags = kImmutable},
    Option{.name = "shutdown-on-sigint", .type = Type::kSpecial, .default_value = "default",
           .flags = kMultiArg, .set = SetShutdownFlags<kShutdownOnSigint>,
           .get = GetShutdownFlags<kShutdownOnSigint>},
    Option{.name = "shutdown-on-sigterm", .type = Type::kSpecial, .default_value = "default",
           .flags = kMultiArg, .set = SetShutdownFlags<kShutdownOnSigterm>,
           .get = GetShutdownFlags<kShutdownOnSigterm>},
    Option{.name = "shutdown-timeout", .type = Type::kInt, .default_value = "10", .max = kI32},
    Option{.name = "slowlog-log-slower-than", .type = Type::kInt, .default_value = "10000",
           .min = -1, .max = kI64, .i = &V::slowlog_log_slower_than},
    Option{.name = "slowlog-max-len", .type = Type::kInt, .default_value = "128", .max = kI64,
           .i = &V::slowlog_max_len},
    Option{.name = "socket-mark-id", .type = Type::kInt, .default_value = "0",
           .flags = kImmutable, .max = UINT_MAX},
    Option{.name = "stop-writes-on-bgsave-error", .type = Type::kBool, .default_value = "yes",
           .b = &V::stop_writes_on_bgsave_error},
    Option{.name = "stream-node-max-bytes", .type = Type::kMemory, .default_value = "4096",
           .max = kI64, .i = &V::stream_node_max_bytes},
    Option{.name = "stream-node-max-entries", .type = Type::kInt, .default_value = "100",
           .max = kI64, .i = &V::stream_node_max_entries},
    Option{.name = "supervised", .type = Type::kEnum, .default_value = "no", .flags = kImmutable,
           .choices = kSupervised, .i = &V::supervised},
    Option{.name = "syslog-enabled", .type = Type::kBool, .default_value = "no",
           .flags = kImmutable, .b = &V::syslog_enabled},
    Option{.name = "syslog-facility", .type = Type::kEnum, .default_value = "local0",
           .flags = kImmutable, .choices = kSyslogFacilities, .i = &V::syslog_facility},
    Option{.name = "syslog-ident", .type = Type::kString, .default_value = "redis",
           .flags = kImmutable, .s = &V::syslog_ident},
    Option{.name = "tcp-backlog", .type = Type::kInt, .default_value = "511", .flags = kImmutable,
           .max = kI32, .i = &V::tcp_backlog},
    Option{.name = "tcp-keepalive", .type = Type::kInt, .default_value = "300", .max = kI32,
           .i = &V::tcp_keepalive},
    Option{.name = "timeout", .type = Type::kInt, .default_value = "0", .max = kI32,
           .i = &V::timeout},
    Option{.name = "tls-auth-clients", .type = Type::kEnum, .default_value = "yes",
           .choices = kTlsAuthClients},
    Option{.name = "tls-ca-cert-dir", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-ca-cert-file", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-cert-file", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-ciphers", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-ciphersuites", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-client-cert-file", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-client-key-file", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-client-key-file-pass", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-cluster", .type = Type::kBool, .default_value = "no"},
    Option{.name = "tls-dh-params-file", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-key-file", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-key-file-pass", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-port", .type = Type::kInt, .default_value = "0", .max = 65535,
           .i = &V::tls_port},
    Option{.name = "tls-prefer-server-ciphers", .type = Type::kBool, .default_value = "no"},
    Option{.name = "tls-protocols", .type = Type::kString, .default_value = ""},
    Option{.name = "tls-replication", .type = Type::kBool, .default_value = "no"},
    Option{.name = "tls-session-cache-size", .type = Type::kInt, .default_value = "20480",
           .max = kI32},
    Option{.name = "tls-session-cache-timeout", .type = Type::kInt, .default_value = "300",
           .max = kI32},
    Option{.name = "tls-session-caching", .type = Type::kBool, .default_value = "yes"},
    Option{.name = "tracking-table-max-keys", .type = Type::kInt, .default_value = "1000000",
           .max = kI64, .i = &V::tracking_table_max_keys},
    Option{.name = "unixsocket", .type = Type::kString, .default_value = "", .flags = kImmutable,
           .s = &V::unixsocket},
    Option{.name = "unixsocketperm", .type = Type::kOctal, .default_value = "0",
           .flags = kImmutable, .max = 0777, .i = &V::unixsocketperm},
    Option{.name = "use-exit-on-panic", .type = Type::kBool, .default_value = "no",
           .flags = kHidden},
    Option{.name = "watchdog-period", .type = Type::kInt, .default_value = "0", .flags = kHidden,
           .max = kI32},
    Option{.name = "zset-max-listpack-entries", .alias = "zset-max-ziplist-entries",
           .type = Type::kInt, .default_value = "128", .max = kI64,
           .i = &V::zset_max_listpack_entries},
    Option{.name = "zset-max-listpack-value", .alias = "zset-max-ziplist-value",
           .type = Type::kMemory, .default_value = "64", .max = kI64,
           .i = &V::zset_max_listpack_value},
};
// 180 options: the 173 CONFIG GET * lists, as Redis 7.0's, and 7 hidden
// ones (Redis's 6 and Cairn's repl-log-retention).
static_assert(kOptions.size() == 180);

// Found by name or alias (any case); `*via_alias` says which.
const Option* FindOption(std::string_view name, bool* via_alias = nullptr) {
  for (const auto& o : kOptions) {
    if (base::EqualsIgnoreCase(o.name, name)) {
      if (via_alias) *via_alias = false;
      return &o;
    }
    if (!o.alias.empty() && base::EqualsIgnoreCase(o.alias, name)) {
      if (via_alias) *via_alias = true;
      return &o;
    }
  }
  return nullptr;
}

std::string FormatValue(const ConfigValues& v, const Option& o) {
  auto stored = [&]() -> std::string {
    auto it = v.other.find(o.name);
    return it == v.other.end() ? std::string() : it->second;
  };
  switch (o.type) {
    case Type::kBool:
      return o.b ? (v.*o.b ? "yes" : "no") : stored();
    case Type::kInt:
    case Type::kMemory:
      if (!o.i) return stored();
      if (o.flags & kUnsigned) return std::to_string(static_cast<uint64_t>(v.*o.i));
      return std::to_string(v.*o.i);
    case Type::kOctal: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(v.*o.i));
      return buf;
    }
    case Type::kEnum:
      return o.i ? std::string(o.choices[static_cast<size_t>(v.*o.i)]) : stored();
    case Type::kString:
      return o.s ? v.*o.s : stored();
    case Type::kMemOrPercent:
      return stored();
    case Type::kSpecial:
      return o.get(v);
  }
  return "";
}

// Applies `args` to `o` in `v`, or says (in Redis's words) why not.
Status ApplyValue(ConfigValues& v, const Option& o, Args args, SetCtx ctx) {
  if (o.type == Type::kSpecial) return o.set(v, args, ctx);
  if (args.size() != 1) return WrongArgs();
  const std::string& value = args[0];
  switch (o.type) {
    case Type::kBool: {
      bool b;
      if (base::EqualsIgnoreCase(value, "yes")) {
        b = true;
      } else if (base::EqualsIgnoreCase(value, "no")) {
        b = false;
      } else {
        return Status::InvalidArgument("argument must be 'yes' or 'no'");
      }
      if (o.b) {
        v.*o.b = b;
      } else {
        v.other[std::string(o.name)] = b ? "yes" : "no";
      }
      return Status::Ok();
    }
    case Type::kInt:
    case Type::kMemory: {
      int64_t n;
      if (o.type == Type::kInt) {
        auto parsed = base::ParseInt64(value);
        if (!parsed) return Status::InvalidArgument("argument couldn't be parsed into an integer");
        n = *parsed;
      } else {
        if (!value.empty() && value[0] == '-') {
          return Status::InvalidArgument("argument must be a memory value");
        }
        auto parsed = ParseMemory(value);
        if (!parsed) return Status::InvalidArgument("argument must be a memory value");
        if (o.flags & kUnsigned) {
          n = static_cast<int64_t>(*parsed);  // the bits: shown unsigned
          if (o.i) {
            v.*o.i = n;
          } else {
            v.other[std::string(o.name)] = std::to_string(*parsed);
          }
          return Status::Ok();
        }
        n = static_cast<int64_t>(*parsed);  // beyond 2^63 reads negative: out of range
      }
      // Unsigned fields in Redis (maxclients) see a negative number as a
      // huge one: the same range error either way.
      if (n < o.min || n > o.max) {
        return Status::InvalidArgument("argument must be between " + std::to_string(o.min) +
                                       " and " + std::to_string(o.max) + " inclusive");
      }
      if (o.i) {
        v.*o.i = n;
      } else {
        v.other[std::string(o.name)] = std::to_string(n);
      }
      return Status::Ok();
    }
    case Type::kOctal: {
      std::optional<int64_t> n = value.empty() ? std::optional<int64_t>(0)
                                               : ParseStrtoll(value, 8);
      if (!n) return Status::InvalidArgument("argument couldn't be parsed as an octal number");
      if (*n < 0 || *n > o.max) {
        return Status::InvalidArgument("argument must be between 0 and 777 inclusive");
      }
      v.*o.i = *n;
      return Status::Ok();
    }
    case Type::kMemOrPercent: {
      std::string shown;
      if (value.ends_with('%')) {
        auto n = base::ParseInt64(std::string_view(value).substr(0, value.size() - 1));
        if (!n || *n < 0) return Status::InvalidArgument("argument must be a memory or percent value");
        if (*n > 100) {
          return Status::InvalidArgument("percentage argument must be less or equal to 100");
        }
        shown = std::to_string(*n) + "%";
      } else {
        auto n = value.starts_with('-') ? std::nullopt : ParseMemory(value);
        if (!n) return Status::InvalidArgument("argument must be a memory or percent value");
        if (*n > static_cast<uint64_t>(LLONG_MAX)) {
          return Status::InvalidArgument("argument must be between -100 and " +
                                         std::to_string(LLONG_MAX) + " inclusive");
        }
        shown = std::to_string(*n);
      }
      v.other[std::string(o.name)] = shown;
      return Status::Ok();
    }
    case Type::kEnum:
      for (size_t k = 0; k < o.choices.size(); k++) {
        if (base::EqualsIgnoreCase(value, o.choices[k])) {
          // A synonym shows as the first choice of its value
          // (oom-score-adj relative is yes).
          size_t shown = k;
          if (o.choices.data() == kOomScoreAdj.data() && k == 2) shown = 1;
          if (o.i) {
            v.*o.i = static_cast<int64_t>(shown);
          } else {
            v.other[std::string(o.name)] = std::string(o.choices[shown]);
          }
          return Status::Ok();
        }
      }
      return Status::InvalidArgument(
          "argument(s) must be one of the following: " +
          Join(o.listed_choices == 0 ? o.choices : o.choices.first(o.listed_choices), ", "));
    case Type::kString:
      if (o.check) CAIRN_RETURN_IF_ERROR(o.check(value));
      if (o.s) {
        v.*o.s = value;
      } else {
        v.other[std::string(o.name)] = value;
      }
      return Status::Ok();
    case Type::kSpecial:
      break;
  }
  return Status::Ok();
}

// The words a value given as one string (CONFIG SET, a default) stands for:
// multi-argument options split on single spaces, keeping empty words, as
// Redis 7.0 does; others are one word.
std::vector<std::string> Words(const Option& o, std::string_view value) {
  std::vector<std::string> out;
  if (!(o.flags & kMultiArg)) {
    out.emplace_back(value);
    return out;
  }
  size_t start = 0;
  while (true) {
    const size_t sp = value.find(' ', start);
    out.emplace_back(value.substr(start, sp == std::string_view::npos ? sp : sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

}  // namespace

std::optional<LogRetention> ParseLogRetention(std::string_view s) {
  const std::string lower = base::ToLower(s);
  struct Unit {
    std::string_view suffix;
    int64_t seconds;
  };
  static constexpr Unit kAges[] = {{"min", 60}, {"s", 1}, {"h", 3600}, {"d", 86400}};
  for (const auto& u : kAges) {
    if (!lower.ends_with(u.suffix)) continue;
    auto n = base::ParseInt64(std::string_view(lower).substr(0, lower.size() - u.suffix.size()));
    if (!n || *n < 0 || *n > INT64_MAX / u.seconds) return std::nullopt;
    return LogRetention{.seconds = *n * u.seconds};
  }
  if (lower.empty()) return std::nullopt;
  auto bytes = ParseMemory(lower);
  if (!bytes) return std::nullopt;
  return LogRetention{.bytes = *bytes};
}

Config::Config() {
  for (const auto& o : kOptions) {
    if (o.name == "dir") continue;  // the working directory as it is
    if (o.set == SetReplicaOf) {    // no master: no line could say it
      values_.other["replicaof"] = "";
      continue;
    }
    auto words = Words(o, o.default_value);
    Status s = ApplyValue(values_, o, words, SetCtx{.loading = true, .first_save = true});
    CAIRN_CHECK(s.ok());
  }
}

Status Config::Apply(std::string_view name, Args args, bool loading) {
  const Option* o = FindOption(name);
  if (o == nullptr) return Status::NotFound("Bad directive or wrong number of arguments");
  if (!loading && (o->flags & kImmutable)) {
    return Status::InvalidArgument("can't set immutable config");
  }
  SetCtx ctx{.loading = loading, .first_save = false};
  if (o->set == SetSave && loading) {
    ctx.first_save = !save_seen_;
    save_seen_ = true;
  }
  // One word given to a multi-argument option is split into arguments as a
  // config line would be, as Redis 7.0 does (`--save "900 1"` is
  // `save 900 1`).
  generation_++;
  if ((o->flags & kMultiArg) && args.size() == 1 && !args[0].empty()) {
    std::vector<std::string> words;
    if (!protocol::SplitInlineArgs(args[0], &words)) {
      return Status::InvalidArgument("Unbalanced quotes in configuration line");
    }
    return ApplyValue(values_, *o, words, ctx);
  }
  return ApplyValue(values_, *o, args, ctx);
}

Status Config::FinishLoad() {
  // Redis clamps hz into 1..500 once everything is read.
  generation_++;
  values_.hz = std::clamp<int64_t>(values_.hz, 1, 500);
  if (!values_.logfile.empty()) {
    FILE* f = std::fopen(values_.logfile.c_str(), "a");
    if (f == nullptr) {
      return Status::InvalidArgument(std::string("Can't open the log file: ") +
                                     std::strerror(errno));
    }
    std::fclose(f);
  }
  if (values_.cluster_enabled && !values_.other.at("replicaof").empty()) {
    return Status::InvalidArgument("replicaof directive not allowed in cluster mode");
  }
  return Status::Ok();
}

namespace {

// A memory value as CONFIG REWRITE writes it: the largest unit it is a
// whole number of (rewriteConfigBytesOption).
std::string BytesText(int64_t v) {
  constexpr int64_t kKb = 1024, kMb = kKb * 1024, kGb = kMb * 1024;
  if (v != 0 && v % kGb == 0) return std::to_string(v / kGb) + "gb";
  if (v != 0 && v % kMb == 0) return std::to_string(v / kMb) + "mb";
  if (v != 0 && v % kKb == 0) return std::to_string(v / kKb) + "kb";
  return std::to_string(v);
}

// The lines (after the option's name) that say `o`'s value in a file.
std::vector<std::string> RewriteLines(const ConfigValues& v, const Option& o,
                                      const ConfigValues& defaults) {
  const std::string value = FormatValue(v, o);
  if (o.name == "save") {
    if (value.empty()) return {"\"\""};
    std::vector<std::string> out;
    std::istringstream words(value);
    for (std::string secs, changes; words >> secs >> changes;) out.push_back(secs + " " + changes);
    return out;
  }
  if (o.name == "client-output-buffer-limit") {
    // One line per class that is not at its default.
    static constexpr std::string_view kNames[] = {"normal", "replica", "pubsub"};
    std::vector<std::string> out;
    for (size_t c = 0; c < 3; c++) {
      const BufferLimit& l = v.client_output_buffer_limit[c];
      const BufferLimit& d = defaults.client_output_buffer_limit[c];
      if (l.hard == d.hard && l.soft == d.soft && l.soft_seconds == d.soft_seconds) continue;
      out.push_back(std::string(kNames[c]) + " " + BytesText(l.hard) + " " + BytesText(l.soft) +
                    " " + std::to_string(l.soft_seconds));
    }
    return out;
  }
  if (o.type == Type::kString || o.name == "dir" || o.name == "notify-keyspace-events") {
    return {base::QuoteRepr(value)};
  }
  if (o.type == Type::kMemory && o.i != nullptr) return {BytesText(v.*o.i)};
  if (value.empty()) return {"\"\""};
  return {value};
}

}  // namespace

base::Status Config::Rewrite(const std::string& path, const std::vector<std::string>& users) const {
  static constexpr std::string_view kMarker = "# Generated by CONFIG REWRITE";
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    if (!in && errno != ENOENT) {
      return base::Status::IoErrorFromErrno("Rewriting config file", errno);
    }
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  // Which lines set what (by canonical option name, or "user").
  std::map<std::string, std::vector<size_t>, std::less<>> slots;
  bool has_marker = false;
  for (size_t i = 0; i < lines.size(); i++) {
    std::string_view t = lines[i];
    const size_t b = t.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) continue;
    t = t.substr(b);
    if (t == kMarker) has_marker = true;
    if (t[0] == '#') continue;
    std::vector<std::string> argv;
    if (!SplitConfigLine(t, &argv) || argv.empty()) continue;
    const std::string name = base::ToLower(argv[0]);
    if (name == "user") {
      slots["user"].push_back(i);
    } else if (const Option* o = FindOption(name)) {
      slots[std::string(o->name)].push_back(i);
    }
  }
  static const Config kDefaults;
  std::vector<std::string> appended;
  auto place = [&](std::string_view key, const std::vector<std::string>& new_lines) {
    auto it = slots.find(key);
    const std::vector<size_t> none;
    const std::vector<size_t>& at = it == slots.end() ? none : it->second;
    for (size_t k = 0; k < new_lines.size(); k++) {
      if (k < at.size()) {
        lines[at[k]] = new_lines[k];
      } else {
        appended.push_back(new_lines[k]);
      }
    }
    for (size_t k = new_lines.size(); k < at.size(); k++) lines[at[k]].clear();
  };
  for (const auto& o : kOptions) {
    if (o.flags & kHidden) continue;
    const bool named = slots.count(o.name) > 0;
    // dir is always written, as Redis does (a relative start-up dir would
    // otherwise mean something else to a server started elsewhere).
    const bool changed = o.name == "dir" ||
                         FormatValue(values_, o) != FormatValue(kDefaults.values_, o);
    if (!named && !changed) continue;
    std::vector<std::string> out;
    for (const auto& rest : RewriteLines(values_, o, kDefaults.values_)) {
      out.push_back(std::string(o.name) + " " + rest);
    }
    place(o.name, out);
  }
  place("user", users);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  if (!appended.empty()) {
    if (!has_marker) text += "\n" + std::string(kMarker) + "\n";
    for (const auto& l : appended) text += l + "\n";
  }
  const std::string tmp = path + ".tmp-cairn-rewrite";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::Status::IoErrorFromErrno("Rewriting config file " + tmp, errno);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return base::Status::IoErrorFromErrno("Rewriting config file " + tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return base::Status::IoErrorFromErrno("Rewriting config file " + path, err);
  }
  return base::Status::Ok();
}

std::vector<std::pair<std::string, std::string>> Config::Get(Args patterns) const {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const Option& o, std::string_view shown_as) {
    for (const auto& [name, value] : out) {
      if (base::EqualsIgnoreCase(name, shown_as)) return;
    }
    out.emplace_back(std::string(shown_as), FormatValue(values_, o));
  };
  for (const auto& p : patterns) {
    // Redis 7.0 looks a plain name up directly (hidden ones too) and echoes
    // it as typed; only a glob pattern is matched against every option.
    if (p.find_first_of("[*?") == std::string::npos) {
      if (const Option* o = FindOption(p)) add(*o, p);
      continue;
    }
    for (const auto& o : kOptions) {
      if (o.flags & kHidden) continue;
      if (base::GlobMatch(p, o.name, true)) add(o, o.name);
      if (!o.alias.empty() && base::GlobMatch(p, o.alias, true)) add(o, o.alias);
    }
  }
  return out;
}

bool Config::SetFromClient(Args args, bool local, std::string* error) {
  // Redis 7.0 reports the first problem with the names before setting
  // anything, then sets on a copy, so a failure changes nothing.
  auto failed = [&](std::string_view arg, std::string_view why) {
    *error = "CONFIG SET failed (possibly related to argument '" +
             std::string(errors::AsCString(arg)) + "') - " + std::string(why);
    return false;
  };
  const bool protected_ok = values_.enable_protected_configs == 1 ||
                            (values_.enable_protected_configs == 2 && local);
  for (size_t k = 0; k + 1 < args.size(); k += 2) {
    const Option* o = FindOption(args[k]);
    if (o == nullptr) {
      *error = "Unknown option or number of arguments for CONFIG SET - '" +
               std::string(errors::AsCString(args[k])) + "'";
      return false;
    }
    if (o->flags & kImmutable) return failed(args[k], "can't set immutable config");
    if ((o->flags & kProtected) && !protected_ok) {
      return failed(args[k], "can't set protected config");
    }
    for (size_t j = 0; j < k; j += 2) {
      // The same entry under the same name (any case); an alias and its
      // option are different names, and the last one wins (Redis 7.0).
      if (base::EqualsIgnoreCase(args[j], args[k])) return failed(args[k], "duplicate parameter");
    }
  }
  ConfigValues copy = values_;
  std::string new_dir;
  for (size_t k = 0; k + 1 < args.size(); k += 2) {
    bool via_alias = false;
    const Option* o = FindOption(args[k], &via_alias);
    const std::string_view shown = via_alias ? o->alias : o->name;
    if (o->set == SetDir) {
      // Moved into last, once every other value and the apply hook agreed.
      struct stat st;
      if (stat(args[k + 1].c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return failed(shown, std::strerror(stat(args[k + 1].c_str(), &st) != 0 ? errno
                                                                               : ENOTDIR));
      }
      new_dir = args[k + 1];
      continue;
    }
    Status s = ApplyValue(copy, *o, Words(*o, args[k + 1]),
                          SetCtx{.loading = false, .first_save = false});
    if (!s.ok()) return failed(shown, s.message());
  }
  copy.hz = std::clamp<int64_t>(copy.hz, 1, 500);
  if (apply_hook_) {
    std::string option;
    std::string why = apply_hook_(values_, copy, &option);
    if (!why.empty()) return failed(option, why);
  }
  if (!new_dir.empty() && chdir(new_dir.c_str()) != 0) return failed("dir", std::strerror(errno));
  values_ = std::move(copy);
  generation_++;
  return true;
}

std::vector<Config::OptionInfo> Config::Options() {
  Config defaults;
  std::vector<OptionInfo> out;
  for (const auto& o : kOptions) {
    out.push_back({.name = o.name,
                   .alias = o.alias,
                   .default_value = o.name == "dir" ? "" : FormatValue(defaults.values_, o),
                   .hidden = (o.flags & kHidden) != 0,
                   .immutable = (o.flags & kImmutable) != 0});
  }
  return out;
}

}  // namespace cairn::engine
