#include "engine/config.h"

#include <unistd.h>

#include <array>
#include <cctype>
#include <climits>
#include <optional>

#include "base/string_util.h"
#include "protocol/request_parser.h"

namespace cairn::engine {
namespace {

enum class Type { kBool, kInt, kMemory, kEnum, kString, kSave };
enum Flags : uint32_t {
  kImmutable = 1,
  kProtected = 2,  // refused by CONFIG SET, as Redis does with enable-protected-configs no
};

struct Option {
  std::string_view name;
  std::string_view alias;  // Redis 7's old name ("hash-max-ziplist-entries")
  Type type;
  std::string_view default_value;
  uint32_t flags = 0;
  int64_t min = 0, max = 0;
  std::span<const std::string_view> choices;  // kEnum
  bool ConfigValues::*b = nullptr;
  int64_t ConfigValues::*i = nullptr;
  std::string ConfigValues::*s = nullptr;
};

constexpr std::array<std::string_view, 3> kFsyncChoices = {"always", "everysec", "no"};
constexpr std::array<std::string_view, 8> kMaxmemoryPolicies = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};
constexpr std::array<std::string_view, 3> kProtectedAction = {"no", "yes", "local"};
constexpr std::array<std::string_view, 4> kLogLevels = {"debug", "verbose", "notice", "warning"};
// Redis lists enum choices in its own order in errors: "everysec, always, no".
constexpr std::array<std::string_view, 3> kFsyncErrorOrder = {"everysec", "always", "no"};

using V = ConfigValues;
const std::array kOptions = {
    Option{.name = "port", .type = Type::kInt, .default_value = "6379", .min = 0, .max = 65535,
           .i = &V::port},
    Option{.name = "bind", .type = Type::kString, .default_value = "127.0.0.1 -::1",
           .s = &V::bind},
    Option{.name = "dir", .type = Type::kString, .default_value = ".", .flags = kProtected,
           .s = &V::dir},
    Option{.name = "logfile", .type = Type::kString, .default_value = "", .flags = kImmutable,
           .s = &V::logfile},
    Option{.name = "loglevel", .type = Type::kEnum, .default_value = "notice",
           .choices = kLogLevels, .i = &V::loglevel},
    Option{.name = "daemonize", .type = Type::kBool, .default_value = "no", .flags = kImmutable,
           .b = &V::daemonize},
    Option{.name = "protected-mode", .type = Type::kBool, .default_value = "yes",
           .b = &V::protected_mode},
    Option{.name = "databases", .type = Type::kInt, .default_value = "16", .flags = kImmutable,
           .min = 1, .max = INT_MAX, .i = &V::databases},
    Option{.name = "maxclients", .type = Type::kInt, .default_value = "10000", .min = 1,
           .max = UINT_MAX, .i = &V::maxclients},
    Option{.name = "timeout", .type = Type::kInt, .default_value = "0", .min = 0,
           .max = INT_MAX, .i = &V::timeout},
    Option{.name = "tcp-keepalive", .type = Type::kInt, .default_value = "300", .min = 0,
           .max = INT_MAX, .i = &V::tcp_keepalive},
    Option{.name = "tcp-backlog", .type = Type::kInt, .default_value = "511",
           .flags = kImmutable, .min = 0, .max = INT_MAX, .i = &V::tcp_backlog},
    Option{.name = "hz", .type = Type::kInt, .default_value = "10", .min = 0, .max = INT_MAX,
           .i = &V::hz},
    Option{.name = "proto-max-bulk-len", .type = Type::kMemory, .default_value = "512mb",
           .min = 1024 * 1024, .max = LLONG_MAX, .i = &V::proto_max_bulk_len},
    Option{.name = "client-query-buffer-limit", .type = Type::kMemory,
           .default_value = "1gb", .min = 1024 * 1024, .max = LLONG_MAX,
           .i = &V::client_query_buffer_limit},
    Option{.name = "appendonly", .type = Type::kBool, .default_value = "yes",
           .b = &V::appendonly},
    Option{.name = "appendfsync", .type = Type::kEnum, .default_value = "always",
           .choices = kFsyncChoices, .i = &V::appendfsync},
    Option{.name = "appendfilename", .type = Type::kString, .default_value = "appendonly.aof",
           .flags = kImmutable, .s = &V::appendfilename},
    Option{.name = "appenddirname", .type = Type::kString, .default_value = "appendonlydir",
           .flags = kImmutable, .s = &V::appenddirname},
    Option{.name = "dbfilename", .type = Type::kString, .default_value = "dump.rdb",
           .flags = kProtected, .s = &V::dbfilename},
    Option{.name = "save", .type = Type::kSave, .default_value = "3600 1 300 100 60 10000",
           .s = &V::save},
    Option{.name = "aof-load-truncated", .type = Type::kBool, .default_value = "yes",
           .b = &V::aof_load_truncated},
    Option{.name = "auto-aof-rewrite-percentage", .type = Type::kInt, .default_value = "100",
           .min = 0, .max = INT_MAX, .i = &V::auto_aof_rewrite_percentage},
    Option{.name = "auto-aof-rewrite-min-size", .type = Type::kMemory, .default_value = "64mb",
           .min = 0, .max = LLONG_MAX, .i = &V::auto_aof_rewrite_min_size},
    Option{.name = "aof-use-rdb-preamble", .type = Type::kBool, .default_value = "yes",
           .b = &V::aof_use_rdb_preamble},
    Option{.name = "rdbcompression", .type = Type::kBool, .default_value = "yes",
           .b = &V::rdbcompression},
    Option{.name = "stop-writes-on-bgsave-error", .type = Type::kBool, .default_value = "yes",
           .b = &V::stop_writes_on_bgsave_error},
    Option{.name = "enable-debug-command", .type = Type::kEnum, .default_value = "no",
           .flags = kImmutable, .choices = kProtectedAction, .i = &V::enable_debug_command},
    Option{.name = "list-max-listpack-size", .alias = "list-max-ziplist-size", .type = Type::kInt,
           .default_value = "-2", .min = INT_MIN, .max = INT_MAX,
           .i = &V::list_max_listpack_size},
    Option{.name = "list-compress-depth", .type = Type::kInt, .default_value = "0", .min = 0,
           .max = INT_MAX, .i = &V::list_compress_depth},
    Option{.name = "set-max-intset-entries", .type = Type::kInt, .default_value = "512",
           .min = 0, .max = LONG_MAX, .i = &V::set_max_intset_entries},
    Option{.name = "hash-max-listpack-entries", .alias = "hash-max-ziplist-entries",
           .type = Type::kInt, .default_value = "512", .min = 0, .max = LONG_MAX,
           .i = &V::hash_max_listpack_entries},
    Option{.name = "hash-max-listpack-value", .alias = "hash-max-ziplist-value",
           .type = Type::kInt, .default_value = "64", .min = 0, .max = LONG_MAX,
           .i = &V::hash_max_listpack_value},
    Option{.name = "zset-max-listpack-entries", .alias = "zset-max-ziplist-entries",
           .type = Type::kInt, .default_value = "128", .min = 0, .max = LONG_MAX,
           .i = &V::zset_max_listpack_entries},
    Option{.name = "zset-max-listpack-value", .alias = "zset-max-ziplist-value",
           .type = Type::kInt, .default_value = "64", .min = 0, .max = LONG_MAX,
           .i = &V::zset_max_listpack_value},
    Option{.name = "stream-node-max-bytes", .type = Type::kMemory, .default_value = "4096",
           .min = 0, .max = LONG_MAX, .i = &V::stream_node_max_bytes},
    Option{.name = "stream-node-max-entries", .type = Type::kInt, .default_value = "100",
           .min = 0, .max = LLONG_MAX, .i = &V::stream_node_max_entries},
    Option{.name = "hll-sparse-max-bytes", .type = Type::kMemory, .default_value = "3000",
           .min = 0, .max = LONG_MAX, .i = &V::hll_sparse_max_bytes},
    Option{.name = "active-expire-effort", .type = Type::kInt, .default_value = "1", .min = 1,
           .max = 10, .i = &V::active_expire_effort},
    Option{.name = "maxmemory", .type = Type::kMemory, .default_value = "0", .min = 0,
           .max = LLONG_MAX, .i = &V::maxmemory},
    Option{.name = "maxmemory-policy", .type = Type::kEnum, .default_value = "noeviction",
           .choices = kMaxmemoryPolicies, .i = &V::maxmemory_policy},
    Option{.name = "maxmemory-samples", .type = Type::kInt, .default_value = "5", .min = 1,
           .max = INT_MAX, .i = &V::maxmemory_samples},
    Option{.name = "notify-keyspace-events", .type = Type::kString, .default_value = "",
           .s = &V::notify_keyspace_events},
    Option{.name = "rdbchecksum", .type = Type::kBool, .default_value = "yes",
           .flags = kImmutable, .b = &V::rdbchecksum},
};

const Option* FindOption(std::string_view name) {
  for (const auto& o : kOptions) {
    if (base::EqualsIgnoreCase(o.name, name) ||
        (!o.alias.empty() && base::EqualsIgnoreCase(o.alias, name))) {
      return &o;
    }
  }
  return nullptr;
}

// Redis's memtoull: a number with an optional b, k, kb, m, mb, g, gb unit
// (k = 1000, kb = 1024), case-insensitive.
std::optional<int64_t> ParseMemory(std::string_view s) {
  std::string lower = base::ToLower(s);
  struct Unit {
    std::string_view suffix;
    int64_t mul;
  };
  static constexpr Unit kUnits[] = {{"gb", 1024LL * 1024 * 1024}, {"mb", 1024 * 1024},
                                    {"kb", 1024}, {"g", 1000LL * 1000 * 1000},
                                    {"m", 1000 * 1000}, {"k", 1000}, {"b", 1}};
  int64_t mul = 1;
  std::string_view num = lower;
  for (const auto& u : kUnits) {
    if (num.size() > u.suffix.size() && num.ends_with(u.suffix)) {
      mul = u.mul;
      num.remove_suffix(u.suffix.size());
      break;
    }
  }
  auto v = base::ParseInt64(num);
  if (!v || *v < 0 || (mul > 1 && *v > LLONG_MAX / mul)) return std::nullopt;
  return *v * mul;
}

bool ValidSave(std::string_view v) {
  std::vector<std::string> parts;
  if (!protocol::SplitInlineArgs(v, &parts)) return false;
  if (parts.size() % 2 != 0) return false;
  for (const auto& p : parts) {
    auto n = base::ParseInt64(p);
    if (!n || *n < 0) return false;
  }
  return true;
}

std::string JoinChoices(std::span<const std::string_view> choices) {
  std::string out;
  for (auto c : choices) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  return out;
}

std::string FormatValue(const ConfigValues& v, const Option& o) {
  switch (o.type) {
    case Type::kBool:
      return v.*o.b ? "yes" : "no";
    case Type::kInt:
    case Type::kMemory:
      return std::to_string(v.*o.i);
    case Type::kEnum:
      return std::string(o.choices[static_cast<size_t>(v.*o.i)]);
    case Type::kString:
    case Type::kSave:
      return v.*o.s;
  }
  return "";
}

// Applies `value` to `o` in `v`, or explains (Redis's words) why not.
base::Status Apply(ConfigValues& v, const Option& o, std::string_view value, bool append_save) {
  switch (o.type) {
    case Type::kBool:
      if (base::EqualsIgnoreCase(value, "yes")) {
        v.*o.b = true;
      } else if (base::EqualsIgnoreCase(value, "no")) {
        v.*o.b = false;
      } else {
        return base::Status::InvalidArgument("argument must be 'yes' or 'no'");
      }
      return base::Status::Ok();
    case Type::kInt:
    case Type::kMemory: {
      auto n = o.type == Type::kInt ? base::ParseInt64(value) : ParseMemory(value);
      if (!n) {
        return base::Status::InvalidArgument(o.type == Type::kInt
                                                 ? "argument couldn't be parsed into an integer"
                                                 : "argument must be a memory value");
      }
      if (*n < o.min || *n > o.max) {
        return base::Status::InvalidArgument("argument must be between " +
                                             std::to_string(o.min) + " and " +
                                             std::to_string(o.max) + " inclusive");
      }
      v.*o.i = *n;
      return base::Status::Ok();
    }
    case Type::kEnum:
      for (size_t k = 0; k < o.choices.size(); k++) {
        if (base::EqualsIgnoreCase(value, o.choices[k])) {
          v.*o.i = static_cast<int64_t>(k);
          return base::Status::Ok();
        }
      }
      return base::Status::InvalidArgument(
          "argument(s) must be one of the following: " +
          JoinChoices(o.i == &V::appendfsync ? std::span<const std::string_view>(kFsyncErrorOrder)
                                             : o.choices));
    case Type::kSave: {
      if (!ValidSave(value)) return base::Status::InvalidArgument("Invalid save parameters");
      std::vector<std::string> parts;
      protocol::SplitInlineArgs(value, &parts);
      // `save ""` clears every save point, even in a config file.
      std::string joined = append_save && !parts.empty() ? v.*o.s : "";
      for (const auto& p : parts) {
        if (!joined.empty()) joined += ' ';
        joined += std::to_string(*base::ParseInt64(p));
      }
      v.*o.s = joined;
      return base::Status::Ok();
    }
    case Type::kString:
      v.*o.s = std::string(value);
      return base::Status::Ok();
  }
  return base::Status::Ok();
}

}  // namespace

Config::Config() {
  for (const auto& o : kOptions) {
    base::Status s = Apply(values_, o, o.default_value, false);
    CAIRN_CHECK(s.ok());
  }
}

base::Status Config::Set(std::string_view name, std::string_view value, bool loading) {
  const Option* o = FindOption(name);
  if (o == nullptr) return base::Status::NotFound("unknown option '" + std::string(name) + "'");
  if (!loading && (o->flags & kImmutable)) {
    return base::Status::InvalidArgument("can't set immutable config");
  }
  if (!loading && (o->flags & kProtected)) {
    return base::Status::InvalidArgument("can't set protected config");
  }
  return Apply(values_, *o, value, loading);
}

namespace {
// At load time the first `save` directive replaces the default, later ones
// add to it (redis.conf lists one "save <seconds> <changes>" per line).
struct LoadState {
  bool save_seen = false;
};

base::Status LoadOne(Config* config, LoadState* st, std::string_view name,
                     std::string_view value) {
  if (base::EqualsIgnoreCase(name, "save") && !st->save_seen) {
    st->save_seen = true;
    CAIRN_RETURN_IF_ERROR(config->Set("save", "", true));
  }
  return config->Set(name, value, true);
}
}  // namespace

base::Status Config::LoadText(std::string_view text) {
  LoadState st;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    line_no++;
    std::vector<std::string> args;
    if (!protocol::SplitInlineArgs(line, &args)) {
      return base::Status::InvalidArgument("line " + std::to_string(line_no) +
                                           ": unbalanced quotes in '" + std::string(line) + "'");
    }
    if (args.empty() || args[0][0] == '#') continue;
    if (args.size() < 2) {
      return base::Status::InvalidArgument("line " + std::to_string(line_no) +
                                           ": missing value for '" + args[0] + "'");
    }
    std::string value;
    for (size_t k = 1; k < args.size(); k++) {
      if (k > 1) value += ' ';
      value += args[k];
    }
    base::Status s = LoadOne(this, &st, args[0], value);
    if (!s.ok()) {
      return base::Status::InvalidArgument("line " + std::to_string(line_no) + ": " +
                                           (s.code() == base::StatusCode::kNotFound
                                                ? s.message()
                                                : "'" + args[0] + "': " + s.message()));
    }
  }
  return base::Status::Ok();
}

base::Status Config::LoadArgs(std::span<const std::string> args) {
  LoadState st;
  size_t k = 0;
  while (k < args.size()) {
    const std::string& a = args[k];
    if (!a.starts_with("--") || a.size() == 2) {
      return base::Status::InvalidArgument("expected an option like --port, got '" + a + "'");
    }
    std::string name = a.substr(2);
    std::string value;
    size_t j = k + 1;
    // Values run up to the next "--option", as redis-server reads them.
    for (; j < args.size() && !(args[j].starts_with("--") && args[j].size() > 2); j++) {
      if (j > k + 1) value += ' ';
      value += args[j];
    }
    if (j == k + 1) {
      return base::Status::InvalidArgument("missing value for option '" + name + "'");
    }
    base::Status s = LoadOne(this, &st, name, value);
    if (!s.ok()) {
      return base::Status::InvalidArgument(s.code() == base::StatusCode::kNotFound
                                               ? s.message()
                                               : "option '" + name + "': " + s.message());
    }
    k = j;
  }
  return base::Status::Ok();
}

std::vector<std::pair<std::string, std::string>> Config::Get(
    std::span<const std::string> patterns) const {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const Option& o, std::string_view shown_as) {
    for (const auto& [name, value] : out) {
      if (base::EqualsIgnoreCase(name, shown_as)) return;
    }
    out.emplace_back(std::string(shown_as), FormatValue(values_, o));
  };
  for (const auto& p : patterns) {
    // Redis 7.0 looks a plain name up directly and echoes it as typed; only
    // a glob pattern is matched against every option.
    if (p.find_first_of("[*?") == std::string::npos) {
      if (const Option* o = FindOption(p)) add(*o, p);
      continue;
    }
    // Redis 7.0 reports an old alias beside its option when both match.
    for (const auto& o : kOptions) {
      if (base::GlobMatch(p, o.name, true)) add(o, o.name);
      if (!o.alias.empty() && base::GlobMatch(p, o.alias, true)) add(o, o.alias);
    }
  }
  return out;
}

bool Config::SetFromClient(std::span<const std::string> args, std::string* error) {
  // Validate every pair on a copy first, so a failure changes nothing.
  ConfigValues copy = values_;
  for (size_t k = 0; k + 1 < args.size(); k += 2) {
    const Option* o = FindOption(args[k]);
    if (o == nullptr) {
      *error = "Unknown option or number of arguments for CONFIG SET - '" + args[k] + "'";
      return false;
    }
    for (size_t j = 0; j < k; j += 2) {
      if (base::EqualsIgnoreCase(args[j], args[k])) {
        *error = "Duplicate parameter - " + args[k];
        return false;
      }
    }
    base::Status s;
    if (o->flags & kImmutable) {
      s = base::Status::InvalidArgument("can't set immutable config");
    } else if (o->flags & kProtected) {
      s = base::Status::InvalidArgument("can't set protected config");
    } else {
      s = Apply(copy, *o, args[k + 1], false);
    }
    if (!s.ok()) {
      *error = "CONFIG SET failed (possibly related to argument '" + args[k] + "') - " +
               s.message();
      return false;
    }
  }
  values_ = copy;
  return true;
}

}  // namespace cairn::engine
