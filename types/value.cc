#include "types/value.h"

#include <atomic>
#include <cstddef>
#include <cstring>

#include "base/string_util.h"
#include "types/intset.h"
#include "types/listpack.h"
#include "types/quicklist.h"
#include "types/stream.h"

namespace cairn::types {

namespace {
std::atomic<ColdHooks*> g_cold_hooks{nullptr};
}  // namespace

void SetColdHooks(ColdHooks* hooks) { g_cold_hooks.store(hooks); }

bool ClaimColdHooks(ColdHooks* hooks) {
  ColdHooks* none = nullptr;
  return g_cold_hooks.compare_exchange_strong(none, hooks);
}

Value::Value(ValueType t, Encoding e, void* rep) : type(t), enc(e) { str.SetPtr(rep); }

namespace {
// Inline bytes (24 of the 32 a string keeps in place): no allocation.
// Field by field, so that no padding byte is left unset.
std::string RefBytes(ColdRef ref) {
  static_assert(sizeof(ColdRef) <= ValueString::kInline, "a stub lives in the key's node");
  std::string bytes(sizeof(ref), '\0');
  std::memcpy(bytes.data(), &ref.id, sizeof(ref.id));
  std::memcpy(bytes.data() + offsetof(ColdRef, bytes), &ref.bytes, sizeof(ref.bytes));
  std::memcpy(bytes.data() + offsetof(ColdRef, enc), &ref.enc, sizeof(ref.enc));
  std::memcpy(bytes.data() + offsetof(ColdRef, list_fill), &ref.list_fill, sizeof(ref.list_fill));
  std::memcpy(bytes.data() + offsetof(ColdRef, list_compress), &ref.list_compress,
              sizeof(ref.list_compress));
  return bytes;
}
}  // namespace

Value Value::Cold(ValueType t, StringForm f, uint32_t lru, ColdRef ref) {
  Value v;
  v.type = t;
  v.form = f;
  v.enc = Encoding::kCold;
  v.lru = lru;
  v.str = RefBytes(ref);
  return v;
}

ColdRef Value::cold_ref() const {
  ColdRef ref;
  std::memcpy(&ref, str.data(), sizeof(ref));
  return ref;
}

void Value::FreeRep() {
  if (enc == Encoding::kCold) {
    enc = Encoding::kNone;
    if (ColdHooks* h = g_cold_hooks.load(std::memory_order_relaxed)) h->Release(cold_ref().id);
    return;
  }
  if (!str.is_ptr()) return;
  void* p = str.ptr();
  str.ClearPtr();
  switch (enc) {
    case Encoding::kListpack: lp::Free(static_cast<unsigned char*>(p)); break;
    case Encoding::kIntset: intset::Free(static_cast<unsigned char*>(p)); break;
    case Encoding::kQuicklist: delete static_cast<Quicklist*>(p); break;
    case Encoding::kHashtable:
      if (type == ValueType::kSet) {
        delete static_cast<SetTable*>(p);
      } else {
        delete static_cast<HashMap*>(p);
      }
      break;
    case Encoding::kSkiplist: delete static_cast<ZSetIndex*>(p); break;
    case Encoding::kStream: delete static_cast<Stream*>(p); break;
    case Encoding::kNone:
    case Encoding::kCold: break;
  }
}

void* Value::CopyRep() const {
  void* p = str.ptr();
  switch (enc) {
    case Encoding::kListpack: return lp::Copy(static_cast<unsigned char*>(p));
    case Encoding::kIntset: return intset::Copy(static_cast<unsigned char*>(p));
    case Encoding::kQuicklist: return new Quicklist(*static_cast<Quicklist*>(p));
    case Encoding::kHashtable:
      if (type == ValueType::kSet) return new SetTable(*static_cast<SetTable*>(p));
      return new HashMap(*static_cast<HashMap*>(p));
    case Encoding::kSkiplist: {
      const auto* src = static_cast<ZSetIndex*>(p);
      auto* z = new ZSetIndex;
      z->scores.Reserve(src->scores.size());
      for (auto* n = src->order.First(); n != nullptr; n = n->level[0].forward) {
        z->order.Insert(n->score, n->member);
        z->scores.Insert(n->member, n->score);
      }
      return z;
    }
    case Encoding::kStream: return new Stream(*static_cast<Stream*>(p));
    case Encoding::kNone:
    case Encoding::kCold: break;
  }
  return nullptr;
}

Value::Value(const Value& o) : type(o.type), form(o.form), enc(o.enc), lru(o.lru) {
  if (o.str.is_ptr()) {
    str.SetPtr(o.CopyRep());
  } else {
    str = o.str;
  }
  // Two stubs never share a record: each frees its own.
  if (enc == Encoding::kCold) {
    if (ColdHooks* h = g_cold_hooks.load(std::memory_order_relaxed)) {
      ColdRef ref = cold_ref();
      ref.id = h->Duplicate(ref.id);
      str = RefBytes(ref);
    }
  }
}

Value& Value::operator=(const Value& o) {
  if (this == &o) return *this;
  Value copy(o);
  *this = std::move(copy);
  return *this;
}

Value::Value(Value&& o) noexcept
    : type(o.type), form(o.form), enc(o.enc), str(std::move(o.str)), lru(o.lru) {
  o.type = ValueType::kString;
  o.enc = Encoding::kNone;
}

Value& Value::operator=(Value&& o) noexcept {
  if (this == &o) return *this;
  FreeRep();
  type = o.type;
  form = o.form;
  enc = o.enc;
  str = std::move(o.str);
  lru = o.lru;
  o.type = ValueType::kString;
  o.enc = Encoding::kNone;
  return *this;
}

void Value::Reset(Encoding e, void* rep) {
  FreeRep();
  enc = e;
  str.SetPtr(rep);
}

const char* Value::EncodingName() const {
  switch (enc) {
    case Encoding::kListpack: return "listpack";
    case Encoding::kQuicklist: return "quicklist";
    case Encoding::kIntset: return "intset";
    case Encoding::kHashtable: return "hashtable";
    case Encoding::kSkiplist: return "skiplist";
    case Encoding::kStream: return "stream";
    case Encoding::kCold: return "cold";
    case Encoding::kNone: break;
  }
  return "raw";
}

std::string_view Value::ObjectEncoding() const {
  if (is_collection()) return EncodingName();
  const std::string_view s = str;
  if (form == StringForm::kRaw) return "raw";
  if (form == StringForm::kByContent && s.size() <= 20 && base::ParseInt64(s)) return "int";
  return s.size() <= 44 ? "embstr" : "raw";
}

size_t Value::MemoryUsage() const {
  void* p = str.is_ptr() ? str.ptr() : nullptr;
  switch (enc) {
    case Encoding::kListpack: return lp::Bytes(static_cast<unsigned char*>(p));
    case Encoding::kIntset: return intset::Bytes(static_cast<unsigned char*>(p));
    case Encoding::kQuicklist: return static_cast<Quicklist*>(p)->MemoryUsage();
    case Encoding::kHashtable:
      if (type == ValueType::kSet) return static_cast<SetTable*>(p)->MemoryUsage();
      return static_cast<HashMap*>(p)->MemoryUsage() +
             [&] {
               size_t v = 0;
               for (const auto& [k, val] : *static_cast<HashMap*>(p)) {
                 if (val.size() > 15) v += val.capacity() + 1;
               }
               return v;
             }();
    case Encoding::kSkiplist: {
      const auto* z = static_cast<ZSetIndex*>(p);
      return z->scores.MemoryUsage() + z->order.MemoryUsage();
    }
    case Encoding::kStream: return static_cast<Stream*>(p)->MemoryUsage();
    case Encoding::kCold: return 0;  // inline in the key's node
    case Encoding::kNone: break;
  }
  return str.size();
}

}  // namespace cairn::types
