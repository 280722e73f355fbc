#include "engine/acl/acl.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/string_util.h"

namespace cairn::engine {

namespace {

constexpr std::string_view kCategoryNames[] = {
    "keyspace", "read",     "write", "set",   "sortedset", "list",       "hash",
    "string",   "bitmap",   "hyperloglog", "geo", "stream", "pubsub",    "admin",
    "fast",     "slow",     "blocking",    "dangerous",     "connection", "transaction",
    "scripting"};
static_assert(std::size(kCategoryNames) == acl::kCategoryCount);

// The errors Redis names after "Error in ACL SETUSER modifier '...': ".
constexpr std::string_view kUnknownName = "Unknown command or category name in ACL";
constexpr std::string_view kSyntax = "Syntax error";
constexpr std::string_view kKeysAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
    "have any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kChannelsAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
    "not have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kNoSuchPassword =
    "The password you are trying to remove from the user does not exist";
constexpr std::string_view kBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
constexpr std::string_view kFirstArg = "Allowing first-arg of a subcommand is not supported";

base::Status Fail(std::string_view why) { return base::Status::InvalidArgument(std::string(why)); }

bool ValidHash(std::string_view h) {
  if (h.size() != 64) return false;
  return std::all_of(h.begin(), h.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

int CategoryBit(std::string_view name) {
  for (int i = 0; i < acl::kCategoryCount; i++) {
    if (base::EqualsIgnoreCase(kCategoryNames[i], name)) return i;
  }
  return -1;
}

// Visits every command and subcommand, containers before their own.
template <typename Fn>
void ForEachCommand(const CommandTable& t, Fn&& fn) {
  for (const auto& c : t.commands()) {
    fn(*c);
    for (const auto& s : c->subcommands) fn(s);
  }
}

bool HasSpaces(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '\0';
  });
}

std::string PatternString(const AclSelector::KeyPattern& p) {
  if (p.perms == kAclRead) return "%R~" + p.pattern;
  if (p.perms == kAclWrite) return "%W~" + p.pattern;
  return "~" + p.pattern;
}

}  // namespace

std::string Acl::Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; i++) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

Acl::Acl(const CommandTable& table) : table_(table) {
  users_.emplace("default", NewDefaultUser());
}

std::unique_ptr<AclUser> Acl::NewUser(std::string_view name) const {
  auto u = std::make_unique<AclUser>();  // off, no password, nothing allowed
  u->name = std::string(name);
  u->root = EmptySelector();
  return u;
}

std::unique_ptr<AclUser> Acl::NewDefaultUser() const {
  // As Redis's ACLCreateDefaultUser: on, nopass, every key, channel and command.
  auto u = NewUser("default");
  for (std::string_view r : {"+@all", "~*", "&*", "on", "nopass"}) {
    CAIRN_CHECK(ApplyUserRule(*u, r).ok());
  }
  return u;
}

AclSelector Acl::EmptySelector() const {
  AclSelector s;
  s.commands.assign(static_cast<size_t>(table_.id_count()), false);
  s.all_channels = new_users_all_channels_;
  return s;
}

AclUser* Acl::Find(std::string_view name) {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second.get();
}

void Acl::SetCommandBit(AclSelector& s, const CommandSpec& cmd, bool on) const {
  s.commands[static_cast<size_t>(cmd.id)] = on;
  s.first_args.erase(cmd.id);
  for (const auto& sub : cmd.subcommands) s.commands[static_cast<size_t>(sub.id)] = on;
}

void Acl::SetCategory(AclSelector& s, uint64_t category, bool on) const {
  ForEachCommand(table_, [&](const CommandSpec& c) {
    if (c.acl & category) SetCommandBit(s, c, on);
  });
}

void Acl::Reset(AclUser& u) const {
  u.enabled = false;
  u.nopass = false;
  u.passwords.clear();
  u.sanitize = 1;
  u.root = EmptySelector();  // no keys, channels per acl-pubsub-default, -@all
  u.selectors.clear();
}

base::Status Acl::ApplySelectorRule(AclSelector& s, std::string_view op) const {
  if (base::EqualsIgnoreCase(op, "allkeys") || op == "~*") {
    s.all_keys = true;
    s.keys.clear();
  } else if (base::EqualsIgnoreCase(op, "resetkeys")) {
    s.all_keys = false;
    s.keys.clear();
  } else if (base::EqualsIgnoreCase(op, "allchannels") || op == "&*") {
    s.all_channels = true;
    s.channels.clear();
  } else if (base::EqualsIgnoreCase(op, "resetchannels")) {
    s.all_channels = false;
    s.channels.clear();
  } else if (base::EqualsIgnoreCase(op, "allcommands") || base::EqualsIgnoreCase(op, "+@all")) {
    s.commands.assign(s.commands.size(), true);
    s.first_args.clear();
    s.future_commands = true;
  } else if (base::EqualsIgnoreCase(op, "nocommands") || base::EqualsIgnoreCase(op, "-@all")) {
    s.commands.assign(s.commands.size(), false);
    s.first_args.clear();
    s.future_commands = false;
  } else if (op[0] == '~' || op[0] == '%') {
    if (s.all_keys) return Fail(kKeysAfterAll);
    uint8_t perms = 0;
    size_t at = 1;
    if (op[0] == '%') {
      // %R~, %W~, %RW~ (either order, each letter once); "%R" alone is a
      // pattern "" for reading, as Redis takes it.
      for (; at < op.size(); at++) {
        const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(op[at])));
        if (c == 'R' && !(perms & kAclRead)) {
          perms |= kAclRead;
        } else if (c == 'W' && !(perms & kAclWrite)) {
          perms |= kAclWrite;
        } else if (op[at] == '~') {
          at++;
          break;
        } else {
          return Fail(kSyntax);
        }
      }
      if (perms == 0) return Fail(kSyntax);
    } else {
      perms = kAclRead | kAclWrite;
    }
    const std::string pattern(op.substr(std::min(at, op.size())));
    if (HasSpaces(pattern)) return Fail(kSyntax);
    auto same = std::find_if(s.keys.begin(), s.keys.end(),
                             [&](const auto& k) { return k.pattern == pattern; });
    if (same != s.keys.end()) {
      same->perms |= perms;
    } else {
      s.keys.push_back({pattern, perms});
    }
  } else if (op[0] == '&') {
    if (s.all_channels) return Fail(kChannelsAfterAll);
    const std::string pattern(op.substr(1));
    if (HasSpaces(pattern)) return Fail(kSyntax);
    if (std::find(s.channels.begin(), s.channels.end(), pattern) == s.channels.end()) {
      s.channels.push_back(pattern);
    }
  } else if ((op[0] == '+' || op[0] == '-') && op.size() > 1 && op[1] == '@') {
    const int bit = CategoryBit(op.substr(2));
    if (bit < 0) return Fail(kUnknownName);
    SetCategory(s, uint64_t{1} << bit, op[0] == '+');
  } else if (op[0] == '-') {
    const CommandSpec* cmd = table_.FindFullName(op.substr(1));
    if (cmd == nullptr) return Fail(kUnknownName);
    SetCommandBit(s, *cmd, false);
  } else if (op[0] == '+') {
    const std::string_view name = op.substr(1);
    const size_t bar = name.rfind('|');
    if (bar == std::string_view::npos) {
      const CommandSpec* cmd = table_.FindFullName(name);
      if (cmd == nullptr) return Fail(kUnknownName);
      SetCommandBit(s, *cmd, true);
      return base::Status::Ok();
    }
    const CommandSpec* cmd = table_.FindFullName(name.substr(0, bar));
    const std::string_view rest = name.substr(bar + 1);
    if (cmd == nullptr) return Fail(kUnknownName);
    if (cmd->parent != nullptr) return Fail(kFirstArg);
    if (rest.empty()) return Fail(kSyntax);
    if (!cmd->subcommands.empty()) {
      const CommandSpec* sub = table_.FindFullName(name);
      if (sub == nullptr) return Fail(kUnknownName);
      SetCommandBit(s, *sub, true);
    } else {
      // "+select|0": the command with this first argument only (Redis
      // warns this is deprecated, and still honours it).
      auto& args = s.first_args[cmd->id];
      const std::string arg = base::ToLower(rest);
      if (std::find(args.begin(), args.end(), arg) == args.end()) args.push_back(arg);
    }
  } else {
    return Fail(kSyntax);
  }
  return base::Status::Ok();
}

base::Status Acl::ApplyUserRule(AclUser& u, std::string_view op) const {
  if (op.empty()) return base::Status::Ok();
  if (base::EqualsIgnoreCase(op, "on")) {
    u.enabled = true;
  } else if (base::EqualsIgnoreCase(op, "off")) {
    u.enabled = false;
  } else if (base::EqualsIgnoreCase(op, "skip-sanitize-payload")) {
    u.sanitize = 2;
  } else if (base::EqualsIgnoreCase(op, "sanitize-payload")) {
    u.sanitize = 1;
  } else if (base::EqualsIgnoreCase(op, "nopass")) {
    u.nopass = true;
    u.passwords.clear();
  } else if (base::EqualsIgnoreCase(op, "resetpass")) {
    u.nopass = false;
    u.passwords.clear();
  } else if (base::EqualsIgnoreCase(op, "reset")) {
    Reset(u);
  } else if (base::EqualsIgnoreCase(op, "clearselectors")) {
    u.selectors.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (op[0] == '>') {
      hash = Sha256Hex(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) return Fail(kBadHash);
      hash = std::string(op.substr(1));
    }
    if (std::find(u.passwords.begin(), u.passwords.end(), hash) == u.passwords.end()) {
      u.passwords.push_back(hash);
    }
    u.nopass = false;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (op[0] == '<') {
      hash = Sha256Hex(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) return Fail(kBadHash);
      hash = std::string(op.substr(1));
    }
    auto it = std::find(u.passwords.begin(), u.passwords.end(), hash);
    if (it == u.passwords.end()) return Fail(kNoSuchPassword);
    u.passwords.erase(it);
    u.nopass = false;
  } else if (op.front() == '(' && op.back() == ')') {
    AclSelector s = EmptySelector();
    std::istringstream words{std::string(op.substr(1, op.size() - 2))};
    for (std::string w; words >> w;) {
      CAIRN_RETURN_IF_ERROR(ApplySelectorRule(s, w));
    }
    u.selectors.push_back(std::move(s));
  } else {
    return ApplySelectorRule(u.root, op);
  }
  return base::Status::Ok();
}

base::Status Acl::ApplyRules(AclUser& u, std::span<const std::string> rules,
                             std::string* bad) const {
  // Selectors may span several arguments: "(+get" "~k*)" is one rule.
  std::string unmatched;
  const std::vector<std::string> merged = MergeSelectors(rules, &unmatched);
  if (!unmatched.empty()) {
    if (bad != nullptr) bad->clear();  // not a modifier's error: said as is
    return base::Status::InvalidArgument("Unmatched parenthesis in acl selector starting at '" +
                                         unmatched + "'.");
  }
  for (const auto& r : merged) {
    base::Status s = ApplyUserRule(u, r);
    if (!s.ok()) {
      if (bad != nullptr) *bad = r;
      return s;
    }
  }
  return base::Status::Ok();
}

base::Status Acl::SetUser(std::string_view name, std::span<const std::string> rules,
                          std::string* bad) {
  // On a copy: a rule that fails leaves the user as it was.
  AclUser* existing = Find(name);
  AclUser u = existing != nullptr ? *existing : *NewUser(name);
  CAIRN_RETURN_IF_ERROR(ApplyRules(u, rules, bad));
  if (existing != nullptr) {
    *existing = std::move(u);
  } else {
    users_.emplace(std::string(name), std::make_unique<AclUser>(std::move(u)));
  }
  return base::Status::Ok();
}

bool Acl::DelUser(std::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end() || name == "default") return false;
  users_.erase(it);
  return true;
}

void Acl::SetDefaultPassword(std::string_view password) {
  AclUser& d = default_user();
  if (password.empty()) {
    CAIRN_CHECK(ApplyUserRule(d, "nopass").ok());
  } else {
    CAIRN_CHECK(ApplyUserRule(d, "resetpass").ok());
    CAIRN_CHECK(ApplyUserRule(d, ">" + std::string(password)).ok());
  }
}

bool Acl::CheckPassword(const AclUser& user, std::string_view password) {
  if (!user.enabled) return false;
  if (user.nopass) return true;
  const std::string hash = Sha256Hex(password);
  bool match = false;
  // Every stored hash is compared in full, whatever matched (no early exit).
  for (const auto& h : user.passwords) {
    unsigned char diff = 0;
    for (size_t i = 0; i < h.size(); i++) diff |= static_cast<unsigned char>(h[i] ^ hash[i]);
    match |= diff == 0;
  }
  return match;
}

AclVerdict Acl::CheckSelector(const AclSelector& s, const CommandSpec& cmd,
                              std::span<const std::string> argv) const {
  if (!(cmd.flags & kNoAuth) && !s.commands[static_cast<size_t>(cmd.id)]) {
    auto it = s.first_args.find(cmd.id);
    const size_t idx = cmd.parent != nullptr ? 2 : 1;
    if (it == s.first_args.end() || argv.size() <= idx ||
        std::find(it->second.begin(), it->second.end(), base::ToLower(argv[idx])) ==
            it->second.end()) {
      return {AclDenial::kCommand, -1};
    }
  }
  if (!s.all_keys && (!cmd.key_specs.empty() || cmd.getkeys != nullptr)) {
    std::vector<int> positions;
    std::vector<uint32_t> flags;
    if (GetKeys(cmd, argv, &positions, false, &flags)) {
      for (size_t j = 0; j < positions.size(); j++) {
        uint8_t need = 0;
        if (flags[j] & ks::kAccess) need |= kAclRead;
        if (flags[j] & (ks::kInsert | ks::kDelete | ks::kUpdate)) need |= kAclWrite;
        const std::string& key = argv[static_cast<size_t>(positions[j])];
        const bool ok = std::any_of(s.keys.begin(), s.keys.end(), [&](const auto& p) {
          return (p.perms & need) == need && base::GlobMatch(p.pattern, key);
        });
        if (!ok) return {AclDenial::kKey, positions[j]};
      }
    }
  }
  if (!s.all_channels) {
    // The channels a command publishes or subscribes to (Redis's
    // getChannelsFromCommand for PUBLISH and SUBSCRIBE flags): a pattern
    // subscription needs the very same pattern allowed.
    const std::string& name = cmd.full_name;
    size_t first = 0, last = 0;
    bool pattern = false;
    if (name == "publish" || name == "spublish") {
      first = last = 1;
    } else if (name == "subscribe" || name == "ssubscribe" || name == "psubscribe") {
      first = 1;
      last = argv.size() - 1;
      pattern = name == "psubscribe";
    }
    for (size_t i = first; first > 0 && i <= last && i < argv.size(); i++) {
      const std::string& ch = argv[i];
      const bool ok = std::any_of(s.channels.begin(), s.channels.end(), [&](const auto& p) {
        return pattern ? p == ch : base::GlobMatch(p, ch);
      });
      if (!ok) return {AclDenial::kChannel, static_cast<int>(i)};
    }
  }
  return {};
}

AclVerdict Acl::Check(const AclUser& user, const CommandSpec& cmd,
                      std::span<const std::string> argv) const {
  AclVerdict worst = CheckSelector(user.root, cmd, argv);
  if (worst.ok()) return worst;
  for (const auto& s : user.selectors) {
    AclVerdict v = CheckSelector(s, cmd, argv);
    if (v.ok()) return v;
    if (v.denial > worst.denial || (v.denial == worst.denial && v.arg > worst.arg)) worst = v;
  }
  return worst;
}

bool Acl::HasUnrestrictedKeyAccess(const AclUser& user, const CommandSpec& cmd,
                                   std::span<const std::string> argv, uint8_t perms) const {
  auto unrestricted = [&](const AclSelector& s) {
    if (!CheckSelector(s, cmd, argv).ok()) return false;
    if (s.all_keys) return true;
    return std::any_of(s.keys.begin(), s.keys.end(), [&](const auto& k) {
      return k.pattern == "*" && (k.perms & perms) == perms;
    });
  };
  if (unrestricted(user.root)) return true;
  return std::any_of(user.selectors.begin(), user.selectors.end(), unrestricted);
}

std::string Acl::DescribeCommands(const AclSelector& s) const {
  // Redis 7.0 re-describes the rules from the permissions they left. From
  // +@all (if future commands are allowed) or -@all, it repeatedly picks
  // the category that matches more of the remaining differences than it
  // contradicts (fewest contradictions, then most matches), crossing off
  // what it covered; then single commands (and subcommands, first
  // arguments) make the result exact.
  const bool additive = !s.future_commands;
  AclSelector fake = EmptySelector();
  CAIRN_CHECK(ApplySelectorRule(fake, additive ? "-@all" : "+@all").ok());
  std::string rules = additive ? "-@all " : "+@all ";
  AclSelector left = EmptySelector();
  left.commands = s.commands;
  bool applied[acl::kCategoryCount] = {};
  while (true) {
    int best = -1;
    size_t min_diff = SIZE_MAX, max_same = 0;
    for (int j = 0; j < acl::kCategoryCount; j++) {
      if (applied[j]) continue;
      size_t on = 0, off = 0;
      ForEachCommand(table_, [&](const CommandSpec& c) {
        if (c.acl & (uint64_t{1} << j)) (left.commands[static_cast<size_t>(c.id)] ? on : off)++;
      });
      const size_t diff = additive ? off : on;
      const size_t same = additive ? on : off;
      if (same > diff && (diff < min_diff || (diff == min_diff && same > max_same))) {
        best = j;
        min_diff = diff;
        max_same = same;
      }
    }
    if (best < 0) break;
    const uint64_t flag = uint64_t{1} << best;
    SetCategory(fake, flag, additive);
    SetCategory(left, flag, !additive);
    rules += std::string(additive ? "+@" : "-@") + std::string(kCategoryNames[best]) + " ";
    applied[best] = true;
  }
  for (const auto& c : table_.commands()) {
    auto fix = [&](const CommandSpec& x) {
      const bool user_bit = s.commands[static_cast<size_t>(x.id)];
      if (user_bit != fake.commands[static_cast<size_t>(x.id)]) {
        rules += (user_bit ? "+" : "-") + x.full_name + " ";
        SetCommandBit(fake, x, user_bit);
      }
    };
    fix(*c);
    for (const auto& sub : c->subcommands) fix(sub);
    auto args = s.first_args.find(c->id);
    if (args != s.first_args.end() && !s.commands[static_cast<size_t>(c->id)]) {
      for (const auto& a : args->second) rules += "+" + c->full_name + "|" + a + " ";
    }
  }
  rules.pop_back();
  return rules;
}

std::string Acl::DescribeKeys(const AclSelector& s) {
  if (s.all_keys) return "~*";
  std::string out;
  for (const auto& k : s.keys) out += (out.empty() ? "" : " ") + PatternString(k);
  return out;
}

std::string Acl::DescribeChannels(const AclSelector& s) {
  if (s.all_channels) return "&*";
  std::string out;
  for (const auto& c : s.channels) out += (out.empty() ? "&" : " &") + c;
  return out;
}

std::vector<std::string> Acl::Flags(const AclUser& u) {
  std::vector<std::string> f;
  f.emplace_back(u.enabled ? "on" : "off");
  if (u.nopass) f.emplace_back("nopass");
  if (u.sanitize == 2) f.emplace_back("skip-sanitize-payload");
  if (u.sanitize == 1) f.emplace_back("sanitize-payload");
  return f;
}

std::string Acl::Describe(const AclUser& u) const {
  std::string out = "user " + u.name;
  for (const auto& f : Flags(u)) out += " " + f;
  for (const auto& p : u.passwords) out += " #" + p;
  auto selector = [&](const AclSelector& s) {
    std::string d;
    if (s.all_keys) {
      d += "~* ";
    } else {
      for (const auto& k : s.keys) d += PatternString(k) + " ";
    }
    if (s.all_channels) {
      d += "&* ";
    } else {
      d += "resetchannels ";
      for (const auto& c : s.channels) d += "&" + c + " ";
    }
    return d + DescribeCommands(s);
  };
  out += " " + selector(u.root);
  for (const auto& s : u.selectors) out += " (" + selector(s) + ")";
  return out;
}

std::vector<std::string_view> Acl::Categories() {
  return std::vector<std::string_view>(std::begin(kCategoryNames), std::end(kCategoryNames));
}

std::optional<std::vector<std::string>> Acl::CommandsIn(std::string_view category) const {
  const int bit = CategoryBit(category);
  if (bit < 0) return std::nullopt;
  std::vector<std::string> out;
  ForEachCommand(table_, [&](const CommandSpec& c) {
    if (c.acl & (uint64_t{1} << bit)) out.push_back(c.full_name);
  });
  return out;
}

void Acl::Log(AclDenial why, std::string_view context, std::string object, std::string username,
              std::string client_info, int64_t now_ms, int64_t max_len) {
  static constexpr std::string_view kReasons[] = {"", "command", "key", "auth", "channel"};
  const std::string_view reason = kReasons[static_cast<int>(why)];
  // Redis groups an entry with a like one (same reason, context, object and
  // user) from the last 60 seconds, and moves it to the front.
  // (Only the 10 most recent entries are looked at, as in Redis.)
  int to_scan = 10;
  for (auto it = log_.begin(); it != log_.end() && to_scan-- > 0; ++it) {
    if (it->reason == reason && it->context == context && it->object == object &&
        it->username == username && now_ms - it->created_ms < 60000) {
      AclLogEntry e = std::move(*it);
      log_.erase(it);
      e.count++;
      e.created_ms = now_ms;
      e.client_info = std::move(client_info);
      log_.push_front(std::move(e));
      return;
    }
  }
  log_.push_front(AclLogEntry{.count = 1, .reason = std::string(reason),
                              .context = std::string(context), .object = std::move(object),
                              .username = std::move(username), .created_ms = now_ms,
                              .client_info = std::move(client_info)});
  while (static_cast<int64_t>(log_.size()) > max_len) log_.pop_back();
}

std::vector<std::string> Acl::MergeSelectors(std::span<const std::string> rules,
                                              std::string* unmatched) {
  std::vector<std::string> merged;
  std::string open;
  const std::string* opened_by = nullptr;
  bool in_selector = false;
  for (const auto& r : rules) {
    if (!in_selector && !r.empty() && r[0] == '(' && r.back() != ')') {
      open = r;
      opened_by = &r;
      in_selector = true;
    } else if (in_selector) {
      open += " " + r;
      if (!r.empty() && r.back() == ')') {
        merged.push_back(std::move(open));
        in_selector = false;
      }
    } else {
      merged.push_back(r);
    }
  }
  if (in_selector && unmatched != nullptr) {
    *unmatched = *opened_by;
  }
  return merged;
}

base::Status Acl::LoadConfigLines(const std::vector<std::vector<std::string>>& lines) {
  // As Redis's ACLLoadConfiguredUsers: in order, "default" reset first.
  for (const auto& words : lines) {
    const std::string& name = words[1];
    AclUser* u = Find(name);
    if (u == nullptr) {
      auto fresh = NewUser(name);
      u = fresh.get();
      users_.emplace(name, std::move(fresh));
    } else if (name == "default") {
      Reset(*u);
    } else {
      return base::Status::InvalidArgument("Duplicate user found. A user can only be defined "
                                           "once in config files");
    }
    std::string bad;
    base::Status s = ApplyRules(*u, std::span(words).subspan(2), &bad);
    if (!s.ok()) {
      return base::Status::InvalidArgument("Error loading ACL rule '" + bad +
                                           "' for the user named '" + name + "': " + s.message());
    }
  }
  return base::Status::Ok();
}

base::Status Acl::LoadFile(const std::string& path, std::vector<std::string>* removed) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return base::Status::IoError("Error loading ACLs, opening file '" + path + "': " +
                                 std::strerror(errno));
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Redis's ACLLoadFromFile: every line "user <name> <rules...>" (words
  // split on single spaces), all errors collected, and nothing changes
  // unless there are none.
  std::map<std::string, std::unique_ptr<AclUser>, std::less<>> fresh;
  std::string errors;
  size_t start = 0;
  for (int line_no = 1; start <= text.size(); line_no++) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    const std::string_view kTrim = " \t\r\n";
    const size_t b = line.find_first_not_of(kTrim);
    if (b == std::string_view::npos) {
      if (end == text.size()) break;
      continue;
    }
    line = line.substr(b, line.find_last_not_of(kTrim) - b + 1);
    std::vector<std::string> words;
    for (size_t at = 0;;) {
      const size_t sp = line.find(' ', at);
      words.emplace_back(line.substr(at, sp == std::string_view::npos ? line.npos : sp - at));
      if (sp == std::string_view::npos) break;
      at = sp + 1;
    }
    const std::string where = path + ":" + std::to_string(line_no);
    if (words[0] != "user" || words.size() < 2) {
      errors += where + " should start with user keyword followed by the username. ";
      continue;
    }
    const std::string& name = words[1];
    if (fresh.count(name) > 0) {
      errors += "WARNING: Duplicate user '" + name + "' found on line " +
                std::to_string(line_no) + ". ";
      continue;
    }
    auto u = NewUser(name);
    std::string unmatched;
    const std::vector<std::string> rules = MergeSelectors(std::span(words).subspan(2), &unmatched);
    if (!unmatched.empty()) {
      errors += where + ": Unmatched parenthesis in selector definition.";
    } else {
      // Unknown commands are each named; of other errors only the
      // first of the line is told (it may explain the rest), as Redis does.
      bool told = false;
      for (const auto& r : rules) {
        std::string trimmed = r;
        while (!trimmed.empty() && (trimmed.back() == '\t' || trimmed.back() == '\r')) {
          trimmed.pop_back();
        }
        base::Status st = ApplyUserRule(*u, trimmed);
        if (st.ok()) continue;
        if (st.message() == kUnknownName) {
          errors += where + ": Error in applying operation '" + trimmed + "': " + st.message() +
                    ". ";
        } else if (!told) {
          errors += where + ": " + st.message() + ". ";
          told = true;
        }
      }
    }
    fresh.emplace(name, std::move(u));
    if (end == text.size()) break;
  }
  if (!errors.empty()) {
    return base::Status::InvalidArgument(
        errors + "WARNING: ACL errors detected, no change to the previously active ACL rules "
                 "was performed");
  }
  // The default user always exists: as the file says, or as it starts.
  if (fresh.count("default") == 0) fresh.emplace("default", NewDefaultUser());
  // As Redis: every user but "default" is replaced by a new one (their
  // clients are disconnected); "default" is updated in place.
  for (auto it = users_.begin(); it != users_.end();) {
    if (it->first == "default") {
      ++it;
      continue;
    }
    if (removed != nullptr) removed->push_back(it->first);
    it = users_.erase(it);
  }
  for (auto& [name, u] : fresh) {
    if (name == "default") {
      default_user() = std::move(*u);
    } else {
      users_.emplace(name, std::move(u));
    }
  }
  return base::Status::Ok();
}

base::Status Acl::SaveFile(const std::string& path) const {
  const std::string tmp = path + ".tmp-cairn";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [name, u] : users_) out << Describe(*u) << "\n";
    out.flush();
    if (!out) return base::Status::IoError("Error saving ACLs to '" + path + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return base::Status::IoError("Error saving ACLs to '" + path + "': " + std::strerror(errno));
  }
  return base::Status::Ok();
}

}  // namespace cairn::engine
