#include "types/hash.h"

#include "types/listpack.h"

namespace cairn::types::hash {

Value New() { return Value(ValueType::kHash, Encoding::kListpack, lp::New()); }

size_t Len(const Value& h) {
  if (h.enc == Encoding::kListpack) return lp::Length(h.listpack()) / 2;
  return h.hash_table()->size();
}

namespace {
// The field's entry in a listpack hash, nullptr when absent.
unsigned char* FindField(const unsigned char* lp, std::string_view field) {
  return lp::Find(lp, lp::First(lp), field, 1);
}
}  // namespace

std::optional<std::string> Get(const Value& h, std::string_view field) {
  if (h.enc == Encoding::kListpack) {
    unsigned char* f = FindField(h.listpack(), field);
    if (f == nullptr) return std::nullopt;
    return lp::Get(lp::Next(h.listpack(), f)).ToString();
  }
  const std::string* v = h.hash_table()->Find(field);
  if (v == nullptr) return std::nullopt;
  return *v;
}

bool Exists(const Value& h, std::string_view field) {
  if (h.enc == Encoding::kListpack) return FindField(h.listpack(), field) != nullptr;
  return h.hash_table()->Find(field) != nullptr;
}

void ConvertToTable(Value& h) {
  if (h.enc != Encoding::kListpack) return;
  auto* t = new HashMap;
  const unsigned char* lp = h.listpack();
  t->Reserve(lp::Length(lp) / 2);
  for (unsigned char* p = lp::First(lp); p != nullptr;) {
    unsigned char* v = lp::Next(lp, p);
    t->Insert(lp::Get(p).ToString(), lp::Get(v).ToString());
    p = lp::Next(lp, v);
  }
  h.Reset(Encoding::kHashtable, t);
}

void ConvertIfLong(Value& h, std::string_view s, const Limits& limits) {
  if (h.enc == Encoding::kListpack && s.size() > limits.max_listpack_value) ConvertToTable(h);
}

bool Set(Value& h, std::string_view field, std::string_view value, const Limits& limits) {
  ConvertIfLong(h, field, limits);
  ConvertIfLong(h, value, limits);
  if (h.enc == Encoding::kListpack) {
    unsigned char* lp = h.listpack();
    if (unsigned char* f = FindField(lp, field)) {
      lp = lp::Replace(lp, lp::Next(lp, f), value);
      h.set_rep(lp);
      return false;
    }
    lp = lp::Append(lp, field);
    lp = lp::Append(lp, value);
    h.set_rep(lp);
    if (lp::Length(lp) / 2 > limits.max_listpack_entries) ConvertToTable(h);
    return true;
  }
  std::string* slot = nullptr;
  if (h.hash_table()->Insert(field, std::string(value), &slot)) return true;
  *slot = std::string(value);
  return false;
}

bool Delete(Value& h, std::string_view field) {
  if (h.enc == Encoding::kListpack) {
    unsigned char* lp = h.listpack();
    unsigned char* f = FindField(lp, field);
    if (f == nullptr) return false;
    h.set_rep(lp::DeleteRange(lp, f, 2));
    return true;
  }
  return h.hash_table()->Erase(field);
}

void ForEach(const Value& h, const std::function<bool(std::string_view, std::string_view)>& fn) {
  if (h.enc == Encoding::kListpack) {
    const unsigned char* lp = h.listpack();
    for (unsigned char* p = lp::First(lp); p != nullptr;) {
      unsigned char* v = lp::Next(lp, p);
      const std::string f = lp::Get(p).ToString();
      const std::string val = lp::Get(v).ToString();
      if (!fn(f, val)) return;
      p = lp::Next(lp, v);
    }
    return;
  }
  for (const auto& [f, v] : *h.hash_table()) {
    if (!fn(f, v)) return;
  }
}

uint64_t Scan(const Value& h, uint64_t cursor,
              const std::function<void(std::string_view, std::string_view)>& fn) {
  if (h.enc == Encoding::kListpack) {
    ForEach(h, [&](std::string_view f, std::string_view v) {
      fn(f, v);
      return true;
    });
    return 0;
  }
  return h.hash_table()->Scan(cursor, [&](const std::string& f, const std::string& v) { fn(f, v); });
}

std::pair<std::string, std::string> Random(const Value& h, std::mt19937_64& rng) {
  if (h.enc == Encoding::kListpack) {
    const unsigned char* lp = h.listpack();
    const size_t i = rng() % (lp::Length(lp) / 2);
    unsigned char* f = lp::Seek(lp, static_cast<int64_t>(2 * i));
    return {lp::Get(f).ToString(), lp::Get(lp::Next(lp, f)).ToString()};
  }
  const auto* n = h.hash_table()->Random(rng);
  return {n->key, n->value};
}

}  // namespace cairn::types::hash
