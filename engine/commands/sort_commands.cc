// SORT and SORT_RO over lists, sets and sorted sets (BY, LIMIT, GET,
// ASC|DESC, ALPHA, STORE), after Redis 7.0's sort.c: the same option
// grammar, the same "nosort" shortcuts, the same tie-breaking, so that
// replies match element for element.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "engine/acl/acl.h"
#include "engine/command_context.h"
#include "engine/commands/collection_util.h"
#include "engine/commands/registry.h"
#include "types/quicklist.h"

namespace cairn::engine {
namespace {

namespace zset = types::zset;

// Redis's lookupKeyByPattern: "#" is the element itself; otherwise the
// first '*' is replaced by the element, and "->field" after it reads a
// hash field. Patterns without '*' find nothing.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern,
                                           std::string_view subst) {
  if (pattern == "#") return std::string(subst);
  // C string functions in Redis: the pattern ends at a NUL byte.
  pattern = pattern.substr(0, pattern.find('\0'));
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  std::string_view field;
  size_t key_end = pattern.size();
  const size_t arrow = pattern.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < pattern.size()) {
    field = pattern.substr(arrow + 2);
    key_end = arrow;
  }
  std::string key(pattern.substr(0, star));
  key.append(subst);
  key.append(pattern.substr(star + 1, key_end - star - 1));
  Entry* e = ctx.db().Find(key, ctx.now_ms);
  if (e == nullptr) return std::nullopt;
  if (!field.empty()) {
    if (e->value.type != ValueType::kHash) return std::nullopt;
    return types::hash::Get(e->value, field);
  }
  if (e->value.type != ValueType::kString) return std::nullopt;
  return std::string(e->value.str.view());
}

struct Item {
  std::string obj;
  double score = 0;
  std::optional<std::string> cmp;  // ALPHA with BY: the value compared
};

void SortGeneric(CommandContext& ctx, ArgList args, bool readonly) {
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  const std::string* sortby = nullptr;
  const std::string* storekey = nullptr;
  std::vector<const std::string*> gets;
  // BY and GET read keys their patterns make up: only for a user who may
  // read every key (Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess).
  const bool full_key_access =
      ctx.acl.HasUnrestrictedKeyAccess(ctx.acl.UserOf(ctx.client.user), ctx.spec, args, kAclRead);
  for (size_t j = 2; j < args.size(); j++) {
    const size_t left = args.size() - j - 1;
    const std::string& o = args[j];
    if (base::EqualsIgnoreCase(o, "asc")) {
      desc = false;
    } else if (base::EqualsIgnoreCase(o, "desc")) {
      desc = true;
    } else if (base::EqualsIgnoreCase(o, "alpha")) {
      alpha = true;
    } else if (base::EqualsIgnoreCase(o, "limit") && left >= 2) {
      auto s = ctx.IntArg(args[j + 1]);
      if (!s) return;
      auto c = ctx.IntArg(args[j + 2]);
      if (!c) return;
      limit_start = *s;
      limit_count = *c;
      j += 2;
    } else if (!readonly && base::EqualsIgnoreCase(o, "store") && left >= 1) {
      storekey = &args[++j];
    } else if (base::EqualsIgnoreCase(o, "by") && left >= 1) {
      sortby = &args[++j];
      // A pattern without '*' names one key for every element: no sorting.
      if (sortby->find('*') == std::string::npos) {
        dontsort = true;
      } else if (!full_key_access) {
        return ctx.Error("BY option of SORT denied due to insufficient ACL permissions.");
      }
    } else if (base::EqualsIgnoreCase(o, "get") && left >= 1) {
      if (!full_key_access) {
        return ctx.Error("GET option of SORT denied due to insufficient ACL permissions.");
      }
      gets.push_back(&args[++j]);
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }

  Entry* e = ctx.db().Find(args[1], ctx.now_ms);
  ctx.server.stats.keyspace_hits += e != nullptr;
  ctx.server.stats.keyspace_misses += e == nullptr;
  if (e != nullptr && e->value.type != ValueType::kSet && e->value.type != ValueType::kList &&
      e->value.type != ValueType::kZSet) {
    return ctx.WrongType();
  }
  const Value* v = e == nullptr ? nullptr : &e->value;
  const ValueType type = v == nullptr ? ValueType::kList : v->type;
  // A set's order is its table's: to store (or replay) the same result,
  // Redis sorts it after all.
  if (dontsort && type == ValueType::kSet && storekey != nullptr) {
    dontsort = false;
    alpha = true;
    sortby = nullptr;
  }
  // Redis 7.0 converts a listpack sorted set for SORT, for good.
  if (type == ValueType::kZSet) zset::ConvertToSkiplist(e->value);

  int64_t len = 0;
  if (v != nullptr) {
    len = static_cast<int64_t>(type == ValueType::kList  ? v->quicklist()->size()
                               : type == ValueType::kSet ? types::set::Card(*v)
                                                         : zset::Card(*v));
  }
  int64_t start = limit_start < 0 ? 0 : limit_start;
  // start + count - 1 saturates where Redis's arithmetic would wrap (it
  // answers LIMIT 2 9223372036854775807 with everything from 2 on).
  int64_t end = len - 1;
  if (limit_count >= 0 && __builtin_add_overflow(start, limit_count - 1, &end)) end = INT64_MAX;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  std::vector<Item> items;
  if (v != nullptr && dontsort && type != ValueType::kSet) {
    // Lists and sorted sets keep their own order: load just the range, from
    // the far end for DESC.
    if (end >= start) {
      const uint64_t n = static_cast<uint64_t>(end - start + 1);
      if (type == ValueType::kList) {
        const types::Quicklist* q = v->quicklist();
        const int64_t from = desc ? len - start - 1 : start;
        const int64_t to = desc ? from - static_cast<int64_t>(n) + 1 : from + n - 1;
        q->Range(from, to, [&](std::string_view x) {
          items.push_back({std::string(x)});
          return true;
        });
      } else {
        zset::RangeByRank(*v, static_cast<uint64_t>(start), static_cast<uint64_t>(end), desc,
                          [&](std::string_view m, double) {
                            items.push_back({std::string(m)});
                            return true;
                          });
      }
      end -= start;
      start = 0;
    }
  } else if (v != nullptr) {
    items.reserve(static_cast<size_t>(len));
    switch (type) {
      case ValueType::kList:
        if (len > 0) {
          v->quicklist()->Range(0, len - 1, [&](std::string_view x) {
            items.push_back({std::string(x)});
            return true;
          });
        }
        break;
      case ValueType::kSet:
        types::set::ForEach(*v, [&](std::string_view m) {
          items.push_back({std::string(m)});
          return true;
        });
        break;
      default:
        zset::ForEach(*v, [&](std::string_view m, double) {
          items.push_back({std::string(m)});
          return true;
        });
        break;
    }
  }

  bool conversion_error = false;
  if (!dontsort) {
    for (Item& it : items) {
      std::optional<std::string> byval;
      if (sortby != nullptr) {
        byval = LookupByPattern(ctx, *sortby, it.obj);
        if (!byval) continue;
      } else {
        byval = it.obj;
      }
      if (alpha) {
        if (sortby != nullptr) it.cmp = std::move(byval);
      } else {
        // strtod as Redis calls it: leading spaces pass, anything after the
        // number, overflow or NaN does not.
        const std::string s = byval->substr(0, byval->find('\0'));
        char* endp = nullptr;
        errno = 0;
        it.score = std::strtod(s.c_str(), &endp);
        if (*endp != '\0' || errno == ERANGE || std::isnan(it.score)) {
          conversion_error = true;
        }
      }
    }
    // ALPHA compares as Redis does: bytes when the result is stored, else
    // with strcoll() in the C locale, which stops at the first NUL.
    const auto collate = [&](std::string_view a, std::string_view b) {
      if (storekey == nullptr) {
        a = a.substr(0, a.find('\0'));
        b = b.substr(0, b.find('\0'));
      }
      return a.compare(b);
    };
    auto compare = [&](const Item& a, const Item& b) {
      int cmp;
      if (!alpha) {
        cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : a.obj.compare(b.obj);
      } else if (sortby != nullptr) {
        if (!a.cmp || !b.cmp) {
          cmp = a.cmp.has_value() == b.cmp.has_value() ? 0 : !a.cmp ? -1 : 1;
        } else {
          cmp = collate(*a.cmp, *b.cmp);
        }
      } else {
        cmp = collate(a.obj, b.obj);
      }
      return desc ? cmp > 0 : cmp < 0;
    };
    std::stable_sort(items.begin(), items.end(), compare);
  }

  const int64_t count = end >= start ? end - start + 1 : 0;
  const int64_t outputlen = gets.empty() ? count : static_cast<int64_t>(gets.size()) * count;
  if (conversion_error) return ctx.Error("One or more scores can't be converted into double");
  if (storekey == nullptr) {
    ctx.reply.Array(static_cast<size_t>(outputlen));
    for (int64_t j = start; j <= end; j++) {
      const Item& it = items[static_cast<size_t>(j)];
      if (gets.empty()) ctx.reply.Bulk(it.obj);
      for (const std::string* g : gets) {
        auto val = LookupByPattern(ctx, *g, it.obj);
        if (val) {
          ctx.reply.Bulk(*val);
        } else {
          ctx.reply.Null();
        }
      }
    }
    return;
  }
  // Redis's SORT makes its list with createQuicklistObject() alone: the
  // default fill (-2) and no compression, whatever the configuration says.
  auto* out = new types::Quicklist(-2, 0);
  Value list(ValueType::kList, types::Encoding::kQuicklist, out);
  for (int64_t j = start; j <= end; j++) {
    const Item& it = items[static_cast<size_t>(j)];
    if (gets.empty()) out->PushBack(it.obj);
    for (const std::string* g : gets) {
      out->PushBack(LookupByPattern(ctx, *g, it.obj).value_or(""));
    }
  }
  if (outputlen > 0) {
    ctx.db().Put(*storekey, std::move(list), -1);
    ctx.Dirty(static_cast<uint64_t>(outputlen));
    ctx.Notify(notify::kList, "sortstore", *storekey);
  } else if (ctx.db().FindKey(*storekey, ctx.now_ms) != nullptr) {
    ctx.db().Erase(*storekey);
    ctx.Dirty();
    ctx.Notify(notify::kGeneric, "del", *storekey);
  }
  ctx.reply.Int(outputlen);
}

void Sort(CommandContext& ctx, ArgList args) { SortGeneric(ctx, args, false); }
void SortRo(CommandContext& ctx, ArgList args) { SortGeneric(ctx, args, true); }

// Redis's sortGetKeys: the sorted key, and the last STORE key when given.
bool SortKeys(ArgList argv, std::vector<int>* positions) {
  positions->push_back(1);
  int store = -1;
  const int argc = static_cast<int>(argv.size());
  for (int i = 2; i < argc; i++) {
    const std::string& a = argv[static_cast<size_t>(i)];
    if (base::EqualsIgnoreCase(a, "limit")) {
      i += 2;
    } else if (base::EqualsIgnoreCase(a, "get") || base::EqualsIgnoreCase(a, "by")) {
      i += 1;
    } else if (base::EqualsIgnoreCase(a, "store") && i + 1 < argc) {
      store = i + 1;
    }
  }
  if (store >= 0) positions->push_back(store);
  return true;
}

bool SortRoKeys(ArgList, std::vector<int>* positions) {
  positions->push_back(1);
  return true;
}

// SORT's and SORT_RO's arguments; `store`: SORT's STORE destination.
std::vector<ArgDoc> SortArgs(bool store) {
  std::vector<ArgDoc> args = {
      {.name = "key", .type = "key", .key_spec_index = 0},
      {.name = "pattern", .type = "pattern", .token = "BY", .flags = kArgOptional,
       .key_spec_index = 1},
      {.name = "offset_count", .type = "block", .token = "LIMIT", .flags = kArgOptional,
       .arguments = {{.name = "offset", .type = "integer"}, {.name = "count", .type = "integer"}}},
      {.name = "pattern", .type = "pattern", .token = "GET",
       .flags = kArgOptional | kArgMultiple | kArgMultipleToken, .key_spec_index = 1},
      {.name = "order", .type = "oneof", .flags = kArgOptional,
       .arguments = {{.name = "asc", .type = "pure-token", .token = "ASC"},
                     {.name = "desc", .type = "pure-token", .token = "DESC"}}},
      {.name = "sorting", .type = "pure-token", .token = "ALPHA", .flags = kArgOptional}};
  if (store) {
    args.push_back({.name = "destination", .type = "key", .token = "STORE",
                    .flags = kArgOptional, .key_spec_index = 2});
  }
  return args;
}

constexpr std::string_view kSortComplexity =
    "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
    "number of returned elements. When the elements are not sorted, complexity is O(N).";

const KeySpec kSortByGetKeys = {
    .notes = "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
             "derive from the content of the key we sort",
    .flags = ks::kRO | ks::kAccess,
    .unknown = true};

}  // namespace

void RegisterSortCommands(CommandTable& t) {
  t.Add({{.name = "sort",
          .arity = -2,
          .flags = kWrite | kDenyOom | kMovableKeys,
          .keys = {1, 1, 1},
          .acl = acl::kSet | acl::kSortedSet | acl::kList | acl::kDangerous,
          .handler = Sort,
          .getkeys = SortKeys,
          .doc = {.summary = "Sort the elements in a list, set or sorted set",
                  .since = "1.0.0",
                  .group = "generic",
                  .complexity = kSortComplexity,
                  .arguments = SortArgs(/*store=*/true)},
          .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1},
                        kSortByGetKeys,
                        {.notes = "For the optional STORE keyword. It is marked 'unknown' because "
                                  "the keyword can appear anywhere in the argument array",
                         .flags = ks::kOW | ks::kUpdate,
                         .unknown = true}}},
         {.name = "sort_ro",
          .arity = -2,
          .flags = kReadonly | kMovableKeys,
          .keys = {1, 1, 1},
          .acl = acl::kSet | acl::kSortedSet | acl::kList | acl::kDangerous,
          .handler = SortRo,
          .getkeys = SortRoKeys,
          .doc = {.summary =
                      "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
                  .since = "7.0.0",
                  .group = "generic",
                  .complexity = kSortComplexity,
                  .arguments = SortArgs(/*store=*/false)},
          .key_specs = {{.flags = ks::kRO | ks::kAccess, .index = 1}, kSortByGetKeys}}});
}

}  // namespace cairn::engine
