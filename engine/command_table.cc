#include "engine/command_table.h"

#include <array>

#include "base/check.h"
#include "base/string_util.h"

namespace cairn::engine {

namespace acl {
std::string_view CategoryName(int bit) {
  static constexpr std::array<std::string_view, kCategoryCount> kNames = {
      "keyspace", "read",  "write", "set",       "sortedset",  "list",      "hash",
      "string",   "bitmap", "hyperloglog", "geo", "stream",    "pubsub",    "admin",
      "fast",     "slow",  "blocking", "dangerous", "connection", "transaction", "scripting"};
  return kNames[static_cast<size_t>(bit)];
}
}  // namespace acl

namespace {

// Redis's setImplicitACLCategories: categories implied by flags.
uint64_t ImpliedCategories(const CommandSpec& c) {
  uint64_t a = c.acl;
  if (c.flags & kWrite) a |= acl::kWrite;
  if ((c.flags & kReadonly) && !(a & acl::kScripting)) a |= acl::kRead;
  if (c.flags & kAdmin) a |= acl::kAdmin | acl::kDangerous;
  if (c.flags & kPubsub) a |= acl::kPubsub;
  if (c.flags & kFast) a |= acl::kFast;
  if (c.flags & kBlocking) a |= acl::kBlocking;
  if (!(a & acl::kFast)) a |= acl::kSlow;
  return a;
}

void Finalize(CommandSpec* c, const CommandSpec* parent, int* next_id) {
  c->parent = parent;
  c->id = (*next_id)++;
  c->full_name = parent ? std::string(parent->name) + "|" + std::string(c->name)
                        : std::string(c->name);
  c->acl = ImpliedCategories(*c);
  for (auto& sub : c->subcommands) {
    Finalize(&sub, c, next_id);
    c->sub_index[std::string(sub.name)] = &sub;
  }
}

}  // namespace

void CommandTable::Add(std::initializer_list<CommandSpec> specs) {
  for (const auto& s : specs) {
    auto owned = std::make_unique<CommandSpec>(s);
    CAIRN_CHECK(owned->handler != nullptr || !owned->subcommands.empty());
    Finalize(owned.get(), nullptr, &next_id_);
    CAIRN_CHECK(index_.count(owned->full_name) == 0);
    index_[owned->full_name] = owned.get();
    commands_.push_back(std::move(owned));
  }
}

base::Status CommandTable::Rename(std::string_view from, std::string_view to) {
  auto it = index_.find(base::ToLower(from));
  if (it == index_.end()) return base::Status::InvalidArgument("No such command in rename-command");
  const std::string target = base::ToLower(to);
  if (!target.empty() && index_.count(target) > 0) {
    return base::Status::InvalidArgument("Target command name already exists");
  }
  const CommandSpec* spec = it->second;
  index_.erase(it);
  if (!target.empty()) index_[target] = spec;
  return base::Status::Ok();
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  // Lower-case into a stack buffer: this runs for every command.
  char buf[64];
  if (name.size() > sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); i++) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  auto it = index_.find(std::string_view(buf, name.size()));
  return it == index_.end() ? nullptr : it->second;
}

const CommandSpec* CommandTable::FindForArgv(std::span<const std::string> argv) const {
  const CommandSpec* cmd = Find(argv[0]);
  if (cmd == nullptr || cmd->subcommands.empty() || argv.size() < 2) return cmd;
  return FindSubcommand(*cmd, argv[1]);
}

const CommandSpec* CommandTable::FindFullName(std::string_view name) const {
  const size_t bar = name.find('|');
  const CommandSpec* cmd = Find(name.substr(0, bar));
  if (cmd == nullptr || bar == std::string_view::npos) return cmd;
  const std::string_view sub = name.substr(bar + 1);
  if (cmd->subcommands.empty() || sub.find('|') != std::string_view::npos) return nullptr;
  return FindSubcommand(*cmd, sub);
}

const CommandSpec* CommandTable::FindSubcommand(const CommandSpec& container,
                                                std::string_view sub) const {
  if (sub.size() > 64) return nullptr;
  auto it = container.sub_index.find(base::ToLower(sub));
  return it == container.sub_index.end() ? nullptr : it->second;
}

namespace {

// Key specs flagged VARIABLE_FLAGS: what the key is used for depends on the
// arguments, as Redis's setGetKeys and bitfieldGetKeys decide it (ACL key
// permissions and COMMAND GETKEYSANDFLAGS follow).
void VariableKeyFlags(const CommandSpec& spec, ArgList argv, std::vector<uint32_t>* flags) {
  if (spec.full_name == "set") {
    bool get = false;
    for (size_t i = 3; i < argv.size(); i++) get = get || base::EqualsIgnoreCase(argv[i], "get");
    (*flags)[0] = get ? (ks::kRW | ks::kAccess | ks::kUpdate) : (ks::kOW | ks::kUpdate);
  } else if (spec.full_name == "bitfield") {
    bool read_only = true;
    for (size_t i = 2; i < argv.size(); i++) {
      const size_t left = argv.size() - i - 1;
      if (base::EqualsIgnoreCase(argv[i], "get") && left >= 2) {
        i += 2;
      } else if ((base::EqualsIgnoreCase(argv[i], "set") ||
                  base::EqualsIgnoreCase(argv[i], "incrby")) && left >= 3) {
        read_only = false;
        i += 3;
      } else if (base::EqualsIgnoreCase(argv[i], "overflow") && left >= 1) {
        i += 1;
      } else {
        read_only = false;  // a syntax error: assume it writes
        break;
      }
    }
    (*flags)[0] = read_only ? (ks::kRO | ks::kAccess) : (ks::kRW | ks::kAccess | ks::kUpdate);
  }
}

}  // namespace

bool GetKeys(const CommandSpec& spec, ArgList argv, std::vector<int>* positions,
             bool written_only, std::vector<uint32_t>* key_flags) {
  if (spec.getkeys != nullptr) {
    if (!spec.getkeys(argv, positions)) return false;
    if (key_flags != nullptr) {
      for (size_t i = 0; i < positions->size(); i++) {
        const KeySpec* k = spec.key_specs.empty() ? nullptr
                           : i == 0 ? &spec.key_specs.front() : &spec.key_specs.back();
        key_flags->push_back(k != nullptr ? k->flags : 0);
      }
    }
    return true;
  }
  const int argc = static_cast<int>(argv.size());
  for (const KeySpec& k : spec.key_specs) {
    if (k.unknown) continue;
    if (written_only && !(k.flags & (ks::kRW | ks::kOW | ks::kRM))) continue;
    int first = -1;
    if (k.keyword.empty()) {
      first = k.index;
    } else {
      // Keyword search, from startfrom toward the end (or backward if negative).
      int start = k.startfrom >= 0 ? k.startfrom : argc + k.startfrom;
      int step = k.startfrom >= 0 ? 1 : -1;
      for (int i = start; i > 0 && i < argc; i += step) {
        if (base::EqualsIgnoreCase(argv[static_cast<size_t>(i)], k.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first < 0) continue;
    }
    if (first >= argc) continue;
    int last;
    int step = k.keystep;
    if (!k.keynum) {
      if (k.lastkey >= 0) {
        last = first + k.lastkey;
      } else if (k.limit <= 1) {
        last = argc + k.lastkey;
      } else {
        last = first + ((argc - first) / k.limit + k.lastkey);
      }
    } else {
      int idx = first + k.keynumidx;
      if (idx >= argc) return false;
      auto n = base::ParseInt64(argv[static_cast<size_t>(idx)]);
      if (!n || *n < 0) return false;
      first = idx + k.firstkey;
      last = first + static_cast<int>(*n - 1) * step;
      if (*n == 0) continue;
    }
    if (last >= argc || last < first) return false;
    for (int i = first; i <= last; i += step) {
      positions->push_back(i);
      if (key_flags != nullptr) key_flags->push_back(k.flags);
    }
  }
  if (key_flags != nullptr && !key_flags->empty()) VariableKeyFlags(spec, argv, key_flags);
  return true;
}

}  // namespace cairn::engine
