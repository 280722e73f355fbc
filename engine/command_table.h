// The command table: the single list of what Cairn answers to. Each command
// is one CommandSpec (name, arity, flags, key positions, ACL categories, key
// specs, docs, handler); COMMAND INFO/DOCS/GETKEYS/COUNT/LIST, arity checks
// and the dispatcher all read it, so nothing else ever lists commands.
//
// Families register their entries from engine/commands/<family>_commands.cc
// through Register<Family>Commands(CommandTable&), called in register_all.cc.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cairn::engine {

class CommandContext;
struct ConfigValues;
using ArgList = std::span<const std::string>;
using Handler = void (*)(CommandContext& ctx, ArgList args);

// Command flags, in the order Redis 7.0's COMMAND INFO lists them.
enum CommandFlag : uint64_t {
  kWrite = 1 << 0,
  kReadonly = 1 << 1,
  kDenyOom = 1 << 2,
  kAdmin = 1 << 3,
  kPubsub = 1 << 4,
  kNoScript = 1 << 5,
  kBlocking = 1 << 6,
  kLoading = 1 << 7,
  kStale = 1 << 8,
  kSkipMonitor = 1 << 9,
  kSkipSlowlog = 1 << 10,
  kAsking = 1 << 11,
  kFast = 1 << 12,
  kNoAuth = 1 << 13,
  kNoMandatoryKeys = 1 << 14,
  kNoAsyncLoading = 1 << 15,
  kNoMulti = 1 << 16,
  kMovableKeys = 1 << 17,
  kAllowBusy = 1 << 18,
  // Not shown by COMMAND INFO (hidden in Redis too, or Cairn's own):
  kMayReplicate = 1 << 24,
  // The handler may call ctx.Propagate() with its deterministic form, which
  // then replaces argv in the log (ARCHITECTURE.md "Determinism"). Without
  // a call, argv is logged verbatim.
  kCustomPropagation = 1 << 25,
  // Internal: runs other commands (EXEC, EVAL...): their writes go to the
  // log as one group.
  kRunsCommands = 1 << 26,
};
inline constexpr int kVisibleFlagCount = 19;

// ACL categories, in Redis's bit order (which COMMAND INFO follows).
namespace acl {
enum Category : uint64_t {
  kKeyspace = 1 << 0, kRead = 1 << 1, kWrite = 1 << 2, kSet = 1 << 3, kSortedSet = 1 << 4,
  kList = 1 << 5, kHash = 1 << 6, kString = 1 << 7, kBitmap = 1 << 8, kHyperLogLog = 1 << 9,
  kGeo = 1 << 10, kStream = 1 << 11, kPubsub = 1 << 12, kAdmin = 1 << 13, kFast = 1 << 14,
  kSlow = 1 << 15, kBlocking = 1 << 16, kDangerous = 1 << 17, kConnection = 1 << 18,
  kTransaction = 1 << 19, kScripting = 1 << 20,
};
inline constexpr int kCategoryCount = 21;
std::string_view CategoryName(int bit);
}  // namespace acl

// Key-spec flags, in Redis's order.
namespace ks {
enum Flag : uint32_t {
  kRO = 1 << 0, kRW = 1 << 1, kOW = 1 << 2, kRM = 1 << 3, kAccess = 1 << 4, kUpdate = 1 << 5,
  kInsert = 1 << 6, kDelete = 1 << 7, kNotKey = 1 << 8, kIncomplete = 1 << 9,
  kVariableFlags = 1 << 10,
};
inline constexpr int kFlagCount = 11;
}  // namespace ks

// Where a command's keys are (Redis 7 key specs): begin_search finds the
// first key by index or by keyword; find_keys takes a range or a key count.
struct KeySpec {
  std::string_view notes;
  uint32_t flags = 0;
  int index = 0;                // begin_search by index, when keyword is empty
  std::string_view keyword;     // begin_search by keyword…
  int startfrom = 0;            // …searching from this index (negative: from the end)
  bool keynum = false;          // find_keys: range (false) or keynum (true)
  int lastkey = 0, keystep = 1, limit = 0;    // range
  int keynumidx = 0, firstkey = 1;            // keynum (uses keystep too)
  // Neither search can be described (SORT's BY/GET and STORE keys): both
  // show as type "unknown"; the command's getkeys function finds them.
  bool unknown = false;
};

// An argument in COMMAND DOCS (name, type, token, flags, nested arguments).
struct ArgDoc {
  std::string_view name;
  std::string_view type;  // key, string, integer, double, pattern, unix-time, pure-token, oneof, block
  std::optional<std::string_view> token;  // may be "" (MIGRATE's empty_string)
  std::string_view since;
  std::string_view deprecated_since;
  uint32_t flags = 0;  // kOptional, kMultiple, kMultipleToken
  int key_spec_index = -1;
  std::vector<ArgDoc> arguments;
};
inline constexpr uint32_t kArgOptional = 1, kArgMultiple = 2, kArgMultipleToken = 4;

struct CommandDoc {
  std::string_view summary;
  std::string_view since;
  std::string_view group;
  std::string_view complexity;
  std::vector<std::string_view> doc_flags;  // "deprecated", "syscmd"
  std::string_view deprecated_since;
  std::string_view replaced_by;
  // (version, what changed), as COMMAND DOCS lists them.
  std::vector<std::pair<std::string_view, std::string_view>> history;
  std::vector<ArgDoc> arguments;
};

// A command's own key finder, for layouts key specs cannot describe (Redis's
// getkeys_proc). Returns false when argv holds no valid key layout.
using GetKeysFn = bool (*)(std::span<const std::string> argv, std::vector<int>* positions);

struct CommandSpec {
  std::string_view name;  // lower case; "config|get" style names are built for subcommands
  int arity = 0;          // >0 exact argc, <0 at least -arity
  uint64_t flags = 0;
  struct { int first = 0, last = 0, step = 0; } keys;  // legacy key range
  uint64_t acl = 0;  // explicit categories; implied ones are added (see Finalize)
  Handler handler = nullptr;
  GetKeysFn getkeys = nullptr;  // overrides key_specs for COMMAND GETKEYS
  CommandDoc doc;
  std::vector<KeySpec> key_specs;
  std::vector<std::string_view> tips;
  std::vector<CommandSpec> subcommands;
  // A protected command (DEBUG, MODULE LOAD...): the enable-*-command
  // option ({no, yes, local}) that lets clients run it.
  int64_t ConfigValues::*protected_by = nullptr;

  // Filled in by CommandTable::Add.
  std::string full_name;  // "get", "config|get"
  const CommandSpec* parent = nullptr;
  int id = -1;  // 0.. across commands and subcommands (ACL's permission bits)
  std::unordered_map<std::string, const CommandSpec*> sub_index;  // lower-case names
};

class CommandTable {
 public:
  CommandTable() = default;
  CommandTable(const CommandTable&) = delete;
  CommandTable& operator=(const CommandTable&) = delete;

  // Registers commands; CAIRN_CHECKs that no name is registered twice.
  void Add(std::initializer_list<CommandSpec> specs);

  // rename-command: the top-level command `from` is found as `to` from now
  // on; an empty `to` removes it. Errors: Redis's texts.
  base::Status Rename(std::string_view from, std::string_view to);

  // Case-insensitive lookup of a top-level command; nullptr when unknown.
  const CommandSpec* Find(std::string_view name) const;
  // A container's subcommand by name (any case); nullptr when unknown.
  const CommandSpec* FindSubcommand(const CommandSpec& container, std::string_view sub) const;
  // The command argv runs: its subcommand for a container given one
  // (nullptr when unknown), else the command; nullptr for an unknown name.
  const CommandSpec* FindForArgv(std::span<const std::string> argv) const;
  // A command by full name, "get" or "config|get" (any case); nullptr when
  // unknown, or for "name|x" of a command without subcommands.
  const CommandSpec* FindFullName(std::string_view name) const;

  // Commands in registration order (COMMAND, COMMAND LIST).
  const std::vector<std::unique_ptr<CommandSpec>>& commands() const { return commands_; }
  size_t size() const { return commands_.size(); }
  // How many ids Add gave out (commands and subcommands).
  int id_count() const { return next_id_; }

 private:
  std::vector<std::unique_ptr<CommandSpec>> commands_;
  int next_id_ = 0;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, const CommandSpec*, Hash, std::equal_to<>> index_;
};

// Every family's registration, in one place (register_all.cc).
void RegisterAllCommands(CommandTable& table);

// Key positions of a command (COMMAND GETKEYS), from its key specs and argv.
// Returns false when the arguments do not hold a valid key layout.
// `written_only`: only the keys of key specs that may write (not RO), for
// WATCH; a command with its own getkeys function gives all its keys.
// `key_flags` (optional): each key's key-spec flags (ks::), for COMMAND
// GETKEYSANDFLAGS; for a command with its own getkeys function, the first
// key has the first spec's flags and the others the last spec's.
bool GetKeys(const CommandSpec& spec, ArgList argv, std::vector<int>* positions,
             bool written_only = false, std::vector<uint32_t>* key_flags = nullptr);

}  // namespace cairn::engine
