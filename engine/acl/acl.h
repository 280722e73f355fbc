// ACL: Redis 7.0's users and what each may do. A user has passwords (kept
// as SHA-256 hex, as Redis keeps them), an on/off switch, and one or more
// selectors; a command runs if one selector allows the command itself,
// every key it touches (for reading, writing or both, by its key specs)
// and every channel it publishes or subscribes to. The root selector is the
// user's own rules; "(...)" adds more.
//
// Rules are parsed and described as Redis 7.0 does (ACL SETUSER, GETUSER,
// LIST, the aclfile), including how the command rules are re-described from
// the permissions they left rather than kept as written.
//
// Engine thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/command_table.h"

namespace cairn::engine {

inline constexpr uint8_t kAclRead = 1, kAclWrite = 2;

struct AclSelector {
  // Allowed commands, by CommandSpec::id. A container's bit stands for the
  // container (and is what "+config" sets with all its subcommands).
  std::vector<bool> commands;
  bool future_commands = false;  // +@all: commands added later are allowed too
  // "+select|0": a command allowed only with these first arguments (lower
  // case), by command id.
  std::map<int, std::vector<std::string>> first_args;
  struct KeyPattern {
    std::string pattern;
    uint8_t perms;  // kAclRead | kAclWrite
  };
  std::vector<KeyPattern> keys;
  bool all_keys = false;
  std::vector<std::string> channels;
  bool all_channels = false;
};

struct AclUser {
  std::string name;
  bool enabled = false;
  bool nopass = false;
  // Sanitize-payload flag: 0 unset, 1 sanitize-payload, 2 skip-sanitize-payload.
  int sanitize = 0;
  std::vector<std::string> passwords;  // SHA-256, lowercase hex
  AclSelector root;
  std::vector<AclSelector> selectors;
};

// Why a command was refused, in Redis's order of precedence when several
// selectors refuse it for different reasons.
enum class AclDenial { kNone = 0, kCommand = 1, kKey = 2, kAuth = 3, kChannel = 4 };

struct AclVerdict {
  AclDenial denial = AclDenial::kNone;
  int arg = -1;  // the refused key's or channel's argument index
  bool ok() const { return denial == AclDenial::kNone; }
};

// ACL LOG: refusals, similar ones within a minute counted together.
struct AclLogEntry {
  uint64_t count = 1;
  std::string reason;   // command, key, channel, auth
  std::string context;  // toplevel, multi, lua
  std::string object;
  std::string username;
  int64_t created_ms = 0;
  std::string client_info;
};

class Acl {
 public:
  // REQUIRES: `table` has every command registered and outlives this.
  explicit Acl(const CommandTable& table);

  // The users by name; "default" always exists. Pointers stay valid until
  // the user is deleted (SETUSER and LOAD change users in place).
  AclUser* Find(std::string_view name);
  const std::map<std::string, std::unique_ptr<AclUser>, std::less<>>& users() const {
    return users_;
  }
  AclUser& default_user() { return *users_.at("default"); }
  // The user a client runs as: its own, or "default" for one that never
  // had one set (the log's replay client).
  const AclUser& UserOf(const AclUser* client_user) {
    return client_user != nullptr ? *client_user : default_user();
  }
  // acl-pubsub-default: whether new (and reset) users get allchannels.
  void set_new_users_all_channels(bool all) { new_users_all_channels_ = all; }

  // ACL SETUSER: creates the user if missing, then applies `rules` in
  // order, all or nothing. On error, the message Redis gives after
  // "Error in ACL SETUSER modifier '<rule>': " and *bad names the rule.
  base::Status SetUser(std::string_view name, std::span<const std::string> rules,
                       std::string* bad = nullptr);
  bool DelUser(std::string_view name);
  // requirepass: the default user's password (empty: nopass), as Redis's
  // ACLUpdateDefaultUserPassword does.
  void SetDefaultPassword(std::string_view password);

  // Does `user` accept `password`? (on, and nopass or a matching hash)
  static bool CheckPassword(const AclUser& user, std::string_view password);

  // Whether `user` may run `cmd` with `argv` (argv[0] is the command name).
  AclVerdict Check(const AclUser& user, const CommandSpec& cmd,
                   std::span<const std::string> argv) const;

  // Whether one selector of `user` allows the command and every key for
  // `perms` (allkeys, or a "*" pattern with them): SORT's BY and GET.
  bool HasUnrestrictedKeyAccess(const AclUser& user, const CommandSpec& cmd,
                                std::span<const std::string> argv, uint8_t perms) const;

  // ACL LIST's line for a user, and GETUSER's parts of a selector.
  std::string Describe(const AclUser& user) const;
  std::string DescribeCommands(const AclSelector& s) const;
  static std::string DescribeKeys(const AclSelector& s);
  static std::string DescribeChannels(const AclSelector& s);
  static std::vector<std::string> Flags(const AclUser& user);

  // ACL CAT: categories in Redis's order; a category's commands.
  static std::vector<std::string_view> Categories();
  std::optional<std::vector<std::string>> CommandsIn(std::string_view category) const;

  // The aclfile: LOAD replaces every user but "default" (all or nothing;
  // `removed` gets the names of the users replaced, whose clients Redis
  // disconnects); SAVE writes ACL LIST's lines.
  base::Status LoadFile(const std::string& path, std::vector<std::string>* removed);
  base::Status SaveFile(const std::string& path) const;
  // `user ...` lines of the configuration file, applied at start-up.
  base::Status LoadConfigLines(const std::vector<std::vector<std::string>>& lines);

  // ACL LOG.
  void Log(AclDenial why, std::string_view context, std::string object, std::string username,
           std::string client_info, int64_t now_ms, int64_t max_len);
  const std::deque<AclLogEntry>& log() const { return log_; }
  void ResetLog() { log_.clear(); }

  static std::string Sha256Hex(std::string_view data);

 private:
  base::Status ApplyRules(AclUser& u, std::span<const std::string> rules, std::string* bad) const;
  base::Status ApplyUserRule(AclUser& u, std::string_view rule) const;
  base::Status ApplySelectorRule(AclSelector& s, std::string_view rule) const;
  void SetCommandBit(AclSelector& s, const CommandSpec& cmd, bool on) const;
  void SetCategory(AclSelector& s, uint64_t category, bool on) const;
  AclVerdict CheckSelector(const AclSelector& s, const CommandSpec& cmd,
                           std::span<const std::string> argv) const;
  void Reset(AclUser& u) const;
  AclSelector EmptySelector() const;
  std::unique_ptr<AclUser> NewUser(std::string_view name) const;
  std::unique_ptr<AclUser> NewDefaultUser() const;
  // Joins "(+get" "~k*)" into one selector rule; *unmatched gets the
  // argument that opened a selector left open.
  static std::vector<std::string> MergeSelectors(std::span<const std::string> rules,
                                                 std::string* unmatched);

  const CommandTable& table_;
  std::map<std::string, std::unique_ptr<AclUser>, std::less<>> users_;
  std::deque<AclLogEntry> log_;
  bool new_users_all_channels_ = false;
};

}  // namespace cairn::engine
