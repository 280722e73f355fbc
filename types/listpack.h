// Listpack: a sequence of strings and integers in one malloc'ed block, in
// Redis 7's byte format (doc/rdb.md, "Listpack"), so that the RDB file, DUMP
// and the log's base carry it as it is and a small collection costs what it
// costs in Redis. The "listpack" encoding of hashes and sorted sets, and the
// nodes of a list's quicklist.
//
//   <total bytes:u32le> <count:u16le> <entry>... <0xff>
//   entry = <encoding and data> <backlen: the length of the former, 1-5 bytes
//           that read backwards>
//
// A position is a pointer to an entry's first byte (or to the 0xff end).
// Functions that change a listpack may move it and return the new address:
// use only that one afterwards. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::types::lp {

// One element: an integer or bytes. Integers are stored as integers when
// the string is the canonical form of one (Redis's string2ll), so an
// element read back as an integer prints as the string it was.
struct Element {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view sval;  // points into the listpack (valid until it changes)
  std::string ToString() const;
  bool Equals(std::string_view s) const;
};

// A new empty listpack. REQUIRES: Free() eventually.
unsigned char* New(size_t capacity_hint = 0);
void Free(unsigned char* lp);
// A copy of `lp` (exactly Bytes(lp) long).
unsigned char* Copy(const unsigned char* lp);
// Adopts `bytes` as a listpack (a copy), after Validate said yes.
unsigned char* FromBytes(std::string_view bytes);

size_t Bytes(const unsigned char* lp);
// The number of elements (counted when the header's count saturated).
size_t Length(const unsigned char* lp);

// Positions. nullptr when there is none.
unsigned char* First(const unsigned char* lp);
unsigned char* Last(const unsigned char* lp);
unsigned char* Next(const unsigned char* lp, const unsigned char* p);
unsigned char* Prev(const unsigned char* lp, const unsigned char* p);
// The element at `index` (negative counts from the end).
unsigned char* Seek(const unsigned char* lp, int64_t index);

Element Get(const unsigned char* p);

// Inserting and replacing. Each returns the (possibly moved) listpack;
// `*newp`, when asked for, is where the new element now starts.
unsigned char* Append(unsigned char* lp, std::string_view s);
unsigned char* AppendInt(unsigned char* lp, int64_t v);
unsigned char* Prepend(unsigned char* lp, std::string_view s);
unsigned char* InsertBefore(unsigned char* lp, unsigned char* p, std::string_view s,
                            unsigned char** newp = nullptr);
unsigned char* InsertAfter(unsigned char* lp, unsigned char* p, std::string_view s,
                           unsigned char** newp = nullptr);
unsigned char* Replace(unsigned char* lp, unsigned char* p, std::string_view s,
                       unsigned char** newp = nullptr);
// Deletes the element at `p`; `*next` is the element that followed it (or
// nullptr at the end).
unsigned char* Delete(unsigned char* lp, unsigned char* p, unsigned char** next = nullptr);
// Deletes `count` elements from `p` on.
unsigned char* DeleteRange(unsigned char* lp, unsigned char* p, size_t count);

// The first element equal to `s` at or after `p`, skipping `skip` elements
// after each comparison, as Redis's lpFind (0: every element; 1: every
// other one, for the fields of a field/value listpack). nullptr when none.
unsigned char* Find(const unsigned char* lp, unsigned char* p, std::string_view s,
                    size_t skip = 0);

// Checks a listpack received from outside (RDB, RESTORE): header, every
// entry's encoding and backlen, the end byte, the count. `*count` gets the
// number of elements.
bool Validate(std::string_view bytes, size_t* count);

// How many bytes `s` would take as an entry (encoding, data, backlen).
size_t EntrySize(std::string_view s);

}  // namespace cairn::types::lp
