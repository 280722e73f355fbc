// ValueString: the bytes of a string value, stored inside the value itself
// when they fit (up to 32 bytes, most keys' values) and on the heap beyond:
// as one block of exactly their size when set whole (SET, loading: the
// common case, no more memory than Redis's sds; above 4 KB the std::string
// it came in, moved rather than copied), or as a std::string once
// edited in place (SETBIT, SETRANGE, APPEND, HLL: Adopt), so that repeated
// edits stay amortized O(1) instead of copying the value each time.
// Packed to 33 bytes so that a whole Value (type, form, string, access
// clock) is 40 bytes and a key's table node fits one 96-byte allocation
// (bench/memory.sh: 1M keys with 32-byte values).
//
// Offers the read side of std::string (size, data, view, ==) and the few
// mutations commands make in place; anything heavier takes the contents
// out as a std::string (Take) and puts it back.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace cairn::types {

class __attribute__((packed)) ValueString {
 public:
  static constexpr size_t kInline = 32;

  ValueString() = default;
  ValueString(std::string s) { Set(std::move(s)); }  // NOLINT: implicit by design
  ValueString(const ValueString& o) { Assign(o.view()); }
  ValueString(ValueString&& o) noexcept {
    std::memcpy(bytes_, o.bytes_, sizeof(bytes_));
    len_ = o.len_;
    o.len_ = 0;
  }
  ValueString& operator=(const ValueString& o) {
    if (this != &o) {
      Free();
      Assign(o.view());
    }
    return *this;
  }
  ValueString& operator=(ValueString&& o) noexcept {
    if (this != &o) {
      Free();
      std::memcpy(bytes_, o.bytes_, sizeof(bytes_));
      len_ = o.len_;
      o.len_ = 0;
    }
    return *this;
  }
  ValueString& operator=(std::string s) {
    Set(std::move(s));
    return *this;
  }
  ~ValueString() { Free(); }

  size_t size() const { return heap() ? Heap()->size() : block() ? BlockSize() : len_; }
  bool empty() const { return size() == 0; }
  const char* data() const { return heap() ? Heap()->data() : block() ? Block() : bytes_; }
  std::string_view view() const { return {data(), size()}; }
  operator std::string_view() const { return view(); }  // NOLINT: reads like a string
  bool operator==(std::string_view o) const { return view() == o; }

  // Pointer mode: holds an opaque pointer instead of bytes (a collection's
  // representation; Value says which and owns it). The pointer is never
  // freed or copied here.
  void SetPtr(void* p) {
    Free();
    std::memcpy(bytes_, &p, sizeof(p));
    len_ = kPtrMark;
  }
  void* ptr() const {
    void* p;
    std::memcpy(&p, bytes_, sizeof(p));
    return p;
  }
  bool is_ptr() const { return len_ == kPtrMark; }
  // Forgets the pointer without freeing it.
  void ClearPtr() { len_ = 0; }

  // Moves the bytes out (leaving this empty): for edits beyond the ones
  // below. `room`: the size the edit will grow it to, reserved at once when
  // the bytes must be copied (out of a block), so that they are copied once.
  std::string Take(size_t room = 0) {
    std::string out;
    if (heap()) {
      out = std::move(*Heap());
      delete Heap();
    } else if (block()) {
      out.reserve(std::max(room, BlockSize()));
      out.assign(Block(), BlockSize());
      ::operator delete(Block());
    } else {
      out.assign(bytes_, len_);
    }
    len_ = 0;
    return out;
  }

  ValueString& operator+=(std::string_view s) {
    if (s.data() >= data() && s.data() < data() + size()) {  // (its own bytes)
      return *this += std::string(s);
    }
    std::string all = Take(size() + s.size());
    all.append(s);
    Adopt(std::move(all));
    return *this;
  }

  // Stores `s` kept as a std::string (its spare capacity too): for values
  // edited in place, which are likely to be edited again.
  void Adopt(std::string s) {
    Free();
    if (s.size() <= kInline) {
      std::memcpy(bytes_, s.data(), s.size());
      len_ = static_cast<uint8_t>(s.size());
    } else {
      auto* p = new std::string(std::move(s));
      std::memcpy(bytes_, &p, sizeof(p));
      len_ = kHeapMark;
    }
  }

 private:
  static constexpr uint8_t kHeapMark = 0xff;   // bytes_: a std::string*
  static constexpr uint8_t kPtrMark = 0xfe;    // bytes_: an opaque pointer
  static constexpr uint8_t kBlockMark = 0xfd;  // bytes_: a char* and its size

  bool heap() const { return len_ == kHeapMark; }
  bool block() const { return len_ == kBlockMark; }
  char* Block() const {
    char* p;
    std::memcpy(&p, bytes_, sizeof(p));
    return p;
  }
  size_t BlockSize() const {
    uint64_t n;
    std::memcpy(&n, bytes_ + sizeof(char*), sizeof(n));
    return static_cast<size_t>(n);
  }
  std::string* Heap() const {
    std::string* p;
    std::memcpy(&p, bytes_, sizeof(p));  // unaligned inside the packed struct
    return p;
  }
  void Free() {
    if (heap()) delete Heap();
    if (block()) ::operator delete(Block());
    len_ = 0;
  }
  // Beyond this a string set whole is kept as the std::string it came in
  // (moved, not copied): its 32 bytes of overhead no longer matter.
  static constexpr size_t kMoveAbove = 4096;
  void Set(std::string s) {
    if (s.size() > kMoveAbove) return Adopt(std::move(s));
    Free();
    Assign(s);
  }
  // REQUIRES: empty (freed).
  void Assign(std::string_view s) {
    if (s.size() <= kInline) {
      std::memcpy(bytes_, s.data(), s.size());
      len_ = static_cast<uint8_t>(s.size());
    } else {
      auto* p = static_cast<char*>(::operator new(s.size()));
      std::memcpy(p, s.data(), s.size());
      const uint64_t n = s.size();
      std::memcpy(bytes_, &p, sizeof(p));
      std::memcpy(bytes_ + sizeof(p), &n, sizeof(n));
      len_ = kBlockMark;
    }
  }

  uint8_t len_ = 0;  // inline length, or kHeapMark
  char bytes_[kInline];
};

static_assert(sizeof(ValueString) == 33);

// Edits a stored string as a std::string, putting it back when the edit
// goes out of scope (for bit and HLL updates that index and resize).
class StringEdit {
 public:
  // `room`: the size the edit will grow the string to, if it does.
  explicit StringEdit(ValueString* slot, size_t room = 0) : slot_(slot), s_(slot->Take(room)) {}
  ~StringEdit() { slot_->Adopt(std::move(s_)); }
  StringEdit(const StringEdit&) = delete;
  StringEdit& operator=(const StringEdit&) = delete;
  std::string& operator*() { return s_; }
  std::string* operator->() { return &s_; }

 private:
  ValueString* slot_;
  std::string s_;
};

}  // namespace cairn::types
