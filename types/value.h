// The values a key can hold: strings, lists, sets, sorted sets and hashes,
// each in one of Redis 7.0's encodings (what OBJECT ENCODING reports):
//
//   string  int / embstr / raw (by content and by the command that wrote it)
//   list    quicklist (listpack nodes)
//   set     intset, hashtable
//   zset    listpack (member, score pairs by score), skiplist (+ member index)
//   hash    listpack (field, value pairs), hashtable
//   stream  stream (listpack nodes, consumer groups: types/stream.h)
//
// and, for any type, kCold: a stub left in memory when the value itself
// went to the cold tier (engine/memory/cold_tier.h): its type, string form
// and access field stay, the bytes are an id and the encoded size.
//
// A Value is 40 bytes whatever it holds, so a key's table node stays one
// small allocation: a string's bytes live inline (up to 32) or on the heap,
// a collection's representation on the heap behind the same bytes. The
// operations on each type are in types/{list,set,zset,hash}.h; this file
// only owns, copies and frees. No I/O and no commands in this layer.
#pragma once

#include <cstdint>
#include <string>

#include "types/hash_table.h"
#include "types/skiplist.h"
#include "types/value_string.h"

namespace cairn::types {

class Quicklist;
class Stream;

enum class ValueType : unsigned char { kString, kList, kSet, kZSet, kHash, kStream };

// A collection's representation; kNone for strings (see StringForm).
enum class Encoding : unsigned char {
  kNone,
  kListpack,   // zset, hash: a listpack (types/listpack.h)
  kQuicklist,  // list: a Quicklist
  kIntset,     // set: an intset (types/intset.h)
  kHashtable,  // set: HashTable<Empty>; hash: HashTable<std::string>
  kSkiplist,   // zset: ZSetIndex
  kStream,     // stream: Stream
  kCold,       // any type: a stub (ColdRef), the value is in the cold tier
};

// What a stub holds: where its value is in the cold tier, how big its
// encoding is there, and what the value comes back with that its encoding
// there does not carry: the encoding it had in memory (Redis only ever
// converts a value up, on a write, where a load would choose afresh) and a
// list's settings from when it was made (list-max-listpack-size and
// list-compress-depth, which each Redis list keeps).
struct ColdRef {
  uint64_t id = 0;
  uint64_t bytes = 0;
  Encoding enc = Encoding::kNone;
  int16_t list_fill = -2;
  uint16_t list_compress = 0;
};

// The cold tier's side of a stub's life. The value layer does no I/O: a
// stub freed hands its id back (its record goes), a stub copied asks for
// a copy of the record. Release may be called from the lazy-free thread.
class ColdHooks {
 public:
  virtual ~ColdHooks() = default;
  virtual void Release(uint64_t id) = 0;
  virtual uint64_t Duplicate(uint64_t id) = 0;
};
// One per process (the cold tier); nullptr: stubs are freed and copied as
// plain bytes (a forked child, which must not touch the tier).
void SetColdHooks(ColdHooks* hooks);
// Sets `hooks` unless some are set already; whether it did.
bool ClaimColdHooks(ColdHooks* hooks);

// What OBJECT ENCODING reports for a string depends, in Redis, on the
// command that wrote it, not only on its bytes: SET and friends pick int,
// embstr or raw by content (kByContent); APPEND to an existing key, SETRANGE
// and bit writes leave a raw string (kRaw); INCRBYFLOAT stores a plain
// string, embstr or raw by length but never int (kNoInt).
enum class StringForm : unsigned char { kByContent, kRaw, kNoInt };

using SetTable = HashTable<Empty>;
using HashMap = HashTable<std::string>;
// A big sorted set: members by score (ranges, ranks) and scores by member.
struct ZSetIndex {
  HashTable<double> scores;
  Skiplist order;
};

struct Value {
  ValueType type = ValueType::kString;
  StringForm form = StringForm::kByContent;
  Encoding enc = Encoding::kNone;
  // A string's bytes; for a collection, its representation's pointer.
  ValueString str;
  // Last access, in seconds (Redis's LRU clock): OBJECT IDLETIME.
  uint32_t lru = 0;

  Value() = default;
  // (A raw string was written by a command that edits strings in place,
  // which will likely edit it again: it keeps its std::string, see
  // ValueString::Adopt.)
  Value(ValueType t, std::string s, StringForm f = StringForm::kByContent) : type(t), form(f) {
    if (f == StringForm::kRaw) {
      str.Adopt(std::move(s));
    } else {
      str = std::move(s);
    }
  }
  // A collection holding `rep` in encoding `e` (ownership passes to the
  // Value). REQUIRES: rep matches (t, e) as listed above.
  Value(ValueType t, Encoding e, void* rep);
  ~Value() { FreeRep(); }
  Value(const Value& o);
  Value& operator=(const Value& o);
  Value(Value&& o) noexcept;
  Value& operator=(Value&& o) noexcept;

  // A stub for a value of type `t` that went cold.
  static Value Cold(ValueType t, StringForm f, uint32_t lru, ColdRef ref);
  bool is_cold() const { return enc == Encoding::kCold; }
  // REQUIRES: is_cold().
  ColdRef cold_ref() const;

  bool is_collection() const { return type != ValueType::kString; }
  // The representation, by encoding. REQUIRES: the matching encoding.
  unsigned char* listpack() const { return static_cast<unsigned char*>(str.ptr()); }
  unsigned char* intset() const { return static_cast<unsigned char*>(str.ptr()); }
  Quicklist* quicklist() const { return static_cast<Quicklist*>(str.ptr()); }
  SetTable* set_table() const { return static_cast<SetTable*>(str.ptr()); }
  HashMap* hash_table() const { return static_cast<HashMap*>(str.ptr()); }
  ZSetIndex* zset_index() const { return static_cast<ZSetIndex*>(str.ptr()); }
  Stream* stream() const { return static_cast<Stream*>(str.ptr()); }
  // After an operation moved a listpack or intset (realloc).
  void set_rep(void* rep) { str.SetPtr(rep); }
  // Replaces the representation (and its encoding), freeing the old one.
  void Reset(Encoding e, void* rep);

  // The representation's name (a string's is "raw").
  const char* EncodingName() const;
  // What OBJECT ENCODING says, Redis 7.0's names. For a string: "int" when
  // it holds a long of at most 20 characters, "embstr" up to 44 bytes,
  // "raw" beyond, unless the command that wrote it decided otherwise
  // (StringForm).
  std::string_view ObjectEncoding() const;
  // Bytes the representation uses, about (MEMORY USAGE, eviction).
  size_t MemoryUsage() const;
  // What MEMORY USAGE says for a key of `key_bytes` holding this value:
  // the key's node in the keyspace (kKeyNodeBytes, which
  // engine/key_table.h checks against its layout), the key, the value.
  static constexpr size_t kKeyNodeBytes = 52;
  size_t KeyMemoryUsage(size_t key_bytes) const {
    return kKeyNodeBytes + key_bytes + MemoryUsage();
  }

 private:
  void FreeRep();
  void* CopyRep() const;
};
static_assert(sizeof(Value) == 40, "keep a key's table node within 96 bytes");

}  // namespace cairn::types
