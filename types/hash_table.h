// HashTable<V>: string keys to V, the "hashtable" encoding of sets (V is
// Empty), hashes (V is the field's value) and sorted sets' member index.
// Chained buckets, a power of two of them, grown at load factor 1 and
// shrunk below 1/8, so that SSCAN/HSCAN/ZSCAN can use Redis's
// reverse-binary cursor: a full scan returns every element present from
// start to end at least once even when the table resizes between calls.
//
// Not thread-safe. Node addresses are stable until the node is erased.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::types {

struct Empty {};

template <typename V>
class HashTable {
 public:
  struct Node {
    Node* next;
    std::string key;
    V value;
  };

  HashTable() : buckets_(kMinBuckets, nullptr) {}
  ~HashTable() { Clear(); }
  HashTable(const HashTable& o) : buckets_(kMinBuckets, nullptr) {
    Reserve(o.size_);
    for (const auto& [k, v] : o) Insert(k, v);
  }
  HashTable& operator=(const HashTable&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t bucket_count() const { return buckets_.size(); }

  V* Find(std::string_view key) {
    for (Node* n = buckets_[Slot(key)]; n != nullptr; n = n->next) {
      if (n->key == key) return &n->value;
    }
    return nullptr;
  }
  const V* Find(std::string_view key) const {
    return const_cast<HashTable*>(this)->Find(key);
  }

  // Inserts `key` with `value` when missing (returns true); otherwise
  // leaves the table as it is and returns false. *slot points at the
  // stored value either way.
  bool Insert(std::string_view key, V value, V** slot = nullptr) {
    for (Node* n = buckets_[Slot(key)]; n != nullptr; n = n->next) {
      if (n->key == key) {
        if (slot) *slot = &n->value;
        return false;
      }
    }
    if (size_ + 1 > buckets_.size()) Resize(buckets_.size() * 2);
    Node*& head = buckets_[Slot(key)];
    head = new Node{head, std::string(key), std::move(value)};
    size_++;
    if (slot) *slot = &head->value;
    return true;
  }

  bool Erase(std::string_view key) {
    Node** link = &buckets_[Slot(key)];
    for (Node* n = *link; n != nullptr; link = &n->next, n = n->next) {
      if (n->key == key) {
        *link = n->next;
        delete n;
        size_--;
        if (buckets_.size() > kMinBuckets && size_ * 8 < buckets_.size()) {
          Resize(buckets_.size() / 2);
        }
        return true;
      }
    }
    return false;
  }

  void Clear() {
    for (Node*& head : buckets_) {
      while (head != nullptr) {
        Node* next = head->next;
        delete head;
        head = next;
      }
    }
    size_ = 0;
    buckets_.assign(kMinBuckets, nullptr);
  }

  // Makes room for n elements without growing on the way.
  void Reserve(size_t n) {
    size_t want = kMinBuckets;
    while (want < n) want *= 2;
    if (want > buckets_.size()) Resize(want);
  }

  // SCAN: calls fn(key, value) for every node of the bucket `cursor`
  // designates and returns the next cursor, 0 when the scan is complete.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    const uint64_t mask = buckets_.size() - 1;
    for (const Node* n = buckets_[cursor & mask]; n != nullptr; n = n->next) fn(n->key, n->value);
    // Redis's reverse-binary increment: high bits first, so buckets visited
    // before a resize map onto buckets visited after it.
    cursor |= ~mask;
    cursor = ReverseBits(cursor);
    cursor++;
    return ReverseBits(cursor);
  }

  // A node picked at random (nullptr when empty).
  const Node* Random(std::mt19937_64& rng) const {
    if (size_ == 0) return nullptr;
    size_t b = rng() & (buckets_.size() - 1);
    while (buckets_[b] == nullptr) b = (b + 1) & (buckets_.size() - 1);
    size_t len = 0;
    for (const Node* n = buckets_[b]; n != nullptr; n = n->next) len++;
    const Node* n = buckets_[b];
    for (size_t k = rng() % len; k > 0; k--) n = n->next;
    return n;
  }

  class Iterator {
   public:
    std::pair<const std::string&, V&> operator*() const { return {node_->key, node_->value}; }
    Iterator& operator++() {
      node_ = node_->next;
      SkipEmpty();
      return *this;
    }
    bool operator!=(const Iterator& o) const { return node_ != o.node_; }

   private:
    friend class HashTable;
    Iterator(const HashTable* t, size_t b, Node* n) : table_(t), bucket_(b), node_(n) {
      SkipEmpty();
    }
    void SkipEmpty() {
      while (node_ == nullptr && bucket_ + 1 < table_->buckets_.size()) {
        node_ = table_->buckets_[++bucket_];
      }
    }
    const HashTable* table_;
    size_t bucket_;
    Node* node_;
  };
  Iterator begin() const { return Iterator(this, 0, buckets_[0]); }
  Iterator end() const { return Iterator(this, buckets_.size(), nullptr); }

  // Bytes this table holds, about: nodes, their keys, the bucket array.
  size_t MemoryUsage() const {
    size_t bytes = sizeof(*this) + buckets_.size() * sizeof(Node*) + size_ * sizeof(Node);
    for (const auto& [k, v] : *this) {
      if (k.size() > 15) bytes += k.capacity() + 1;
    }
    return bytes;
  }

 private:
  static constexpr size_t kMinBuckets = 4;

  size_t Slot(std::string_view key) const {
    return std::hash<std::string_view>{}(key) & (buckets_.size() - 1);
  }
  static uint64_t ReverseBits(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
    v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
    return (v >> 32) | (v << 32);
  }
  void Resize(size_t n) {
    std::vector<Node*> next(n, nullptr);
    for (Node* head : buckets_) {
      while (head != nullptr) {
        Node* following = head->next;
        Node*& slot = next[std::hash<std::string_view>{}(head->key) & (n - 1)];
        head->next = slot;
        slot = head;
        head = following;
      }
    }
    buckets_.swap(next);
  }

  std::vector<Node*> buckets_;
  size_t size_ = 0;
};

}  // namespace cairn::types
