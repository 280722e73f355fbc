#include "types/set.h"

#include "base/string_util.h"
#include "types/intset.h"

namespace cairn::types::set {
namespace {
std::optional<int64_t> AsInt(std::string_view s) {
  return s.size() <= 20 ? base::ParseInt64(s) : std::nullopt;
}
}  // namespace

Value NewFor(std::string_view first) {
  if (AsInt(first)) return NewIntset();
  return Value(ValueType::kSet, Encoding::kHashtable, new SetTable);
}

Value NewIntset() { return Value(ValueType::kSet, Encoding::kIntset, intset::New()); }

size_t Card(const Value& s) {
  if (s.enc == Encoding::kIntset) return intset::Length(s.intset());
  return s.set_table()->size();
}

bool Contains(const Value& s, std::string_view member) {
  if (s.enc == Encoding::kIntset) {
    auto v = AsInt(member);
    return v && intset::Contains(s.intset(), *v);
  }
  return s.set_table()->Find(member) != nullptr;
}

void ConvertToTable(Value& s) {
  if (s.enc != Encoding::kIntset) return;
  auto* t = new SetTable;
  const unsigned char* is = s.intset();
  t->Reserve(intset::Length(is));
  for (size_t i = 0; i < intset::Length(is); i++) t->Insert(std::to_string(intset::At(is, i)), {});
  s.Reset(Encoding::kHashtable, t);
}

bool Add(Value& s, std::string_view member, const Limits& limits) {
  if (s.enc == Encoding::kIntset) {
    if (auto v = AsInt(member)) {
      bool added;
      s.set_rep(intset::Add(s.intset(), *v, &added));
      if (added && intset::Length(s.intset()) > limits.max_intset_entries) ConvertToTable(s);
      return added;
    }
    ConvertToTable(s);
  }
  return s.set_table()->Insert(member, {});
}

bool Remove(Value& s, std::string_view member) {
  if (s.enc == Encoding::kIntset) {
    auto v = AsInt(member);
    if (!v) return false;
    bool removed;
    s.set_rep(intset::Remove(s.intset(), *v, &removed));
    return removed;
  }
  return s.set_table()->Erase(member);
}

void ForEach(const Value& s, const std::function<bool(std::string_view)>& fn) {
  if (s.enc == Encoding::kIntset) {
    const unsigned char* is = s.intset();
    for (size_t i = 0; i < intset::Length(is); i++) {
      if (!fn(std::to_string(intset::At(is, i)))) return;
    }
    return;
  }
  for (const auto& [m, unused] : *s.set_table()) {
    if (!fn(m)) return;
  }
}

uint64_t Scan(const Value& s, uint64_t cursor, const std::function<void(std::string_view)>& fn) {
  if (s.enc == Encoding::kIntset) {
    ForEach(s, [&](std::string_view m) {
      fn(m);
      return true;
    });
    return 0;
  }
  return s.set_table()->Scan(cursor, [&](const std::string& m, const Empty&) { fn(m); });
}

std::string Random(const Value& s, std::mt19937_64& rng) {
  if (s.enc == Encoding::kIntset) return std::to_string(intset::Random(s.intset(), rng));
  return s.set_table()->Random(rng)->key;
}

}  // namespace cairn::types::set
