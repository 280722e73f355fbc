// KeyTable: the hash table behind each database. Chained buckets, a power
// of two of them, so that SCAN can use Redis's reverse-binary cursor: a full
// SCAN returns every key present from start to end at least once even when
// the table grows or shrinks between calls, which std::unordered_map (prime
// bucket counts, no stable cursor) cannot promise. Also gives RANDOMKEY a
// random bucket to start from.
//
// Engine thread only. Node addresses are stable until the node is erased.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "types/value.h"

namespace cairn::engine {

// A key's value. Its expiry, if any, is kept by the table beside it
// (KeyTable::ExpireOf), not here: most keys have none, and 8 bytes in every
// node would push a short key's node from 64 to 80 bytes.
struct Entry {
  types::Value value;
};

class KeyTable {
 public:
  // No cached hash: it would cost 8 bytes a key, and chains are short
  // (load factor <= 1), so comparing keys directly is cheap. The key's bytes
  // live in the node's own allocation, after `meta` (Redis embeds its keys
  // too): one allocation a key, 52 + n bytes, so a key of up to 12 bytes
  // takes one 64-byte block (bench/memory.sh).
  struct Node {
    static constexpr uint32_t kHasExpire = 1u << 31;
    Node* next;
    Entry entry;
    // The key's length, and kHasExpire when expires_ holds an expiry for
    // it (so that the keys without one never probe expires_).
    uint32_t meta;
    uint32_t key_size() const { return meta & ~kHasExpire; }
    std::string_view key() const {
      return {reinterpret_cast<const char*>(this) + kKeyOffset, key_size()};
    }
  };
  static constexpr size_t kKeyOffset = offsetof(Node, meta) + sizeof(uint32_t);
  static_assert(kKeyOffset == types::Value::kKeyNodeBytes,
                "what MEMORY USAGE and cairn report count");

  KeyTable();
  ~KeyTable();
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  // For std::vector<Db>; the moved-from table is left empty and usable.
  KeyTable(KeyTable&& other) noexcept;

  Entry* Find(std::string_view key);
  const Entry* Find(std::string_view key) const { return const_cast<KeyTable*>(this)->Find(key); }
  // The entry for `key`, inserted empty when missing (*inserted says so).
  Entry& Insert(std::string_view key, bool* inserted);
  bool Erase(std::string_view key);
  void Clear();

  // The absolute expiry in ms of the key whose entry is `e`, -1 for none.
  // REQUIRES: `e` is an entry of this table.
  int64_t ExpireOf(const Entry& e) const;
  // Sets (expire_ms >= 0) or removes (-1) that expiry.
  void SetExpire(Entry& e, int64_t expire_ms);
  size_t expires() const { return expires_.size(); }
  void Swap(KeyTable& other);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t bucket_count() const { return buckets_.size(); }

  // Calls fn(key, entry) for each node of bucket `b` (b < bucket_count()).
  // fn must not insert or erase.
  template <typename Fn>
  void ForEachInBucket(size_t b, Fn&& fn) const {
    for (const Node* n = buckets_[b]; n != nullptr; n = n->next) fn(n->key(), n->entry);
  }

  // SCAN: visits the bucket `cursor` designates (fn(key, entry)) and returns
  // the next cursor, 0 when the iteration is complete.
  uint64_t Scan(uint64_t cursor, const std::function<void(std::string_view, const Entry&)>& fn)
      const;

  // A node picked at random (nullptr when empty): a random bucket, then a
  // random element of the first non-empty bucket from there.
  const Node* Random(std::mt19937_64& rng) const;
  // The same among the keys that have an expiry (volatile-* eviction).
  const Node* RandomExpiring(std::mt19937_64& rng);

  // Iteration over every (key, entry), for snapshots and KEYS.
  class Iterator {
   public:
    std::pair<std::string_view, const Entry&> operator*() const {
      return {node_->key(), node_->entry};
    }
    Iterator& operator++();
    bool operator!=(const Iterator& o) const { return node_ != o.node_; }

   private:
    friend class KeyTable;
    Iterator(const KeyTable* t, size_t b, const Node* n) : table_(t), bucket_(b), node_(n) {}
    void SkipEmpty();
    const KeyTable* table_;
    size_t bucket_;
    const Node* node_;
  };
  Iterator begin() const;
  Iterator end() const { return Iterator(this, buckets_.size(), nullptr); }

 private:
  static Node* NewNode(Node* next, std::string_view key);
  void FreeNode(Node* n);
  static Node* NodeOf(const Entry& e) {
    return reinterpret_cast<Node*>(
        const_cast<char*>(reinterpret_cast<const char*>(&e)) - offsetof(Node, entry));
  }
  void Resize(size_t n);
  void MaybeShrink();

  std::vector<Node*> buckets_;
  size_t size_ = 0;
  // Expiries by node, as Redis keeps its `expires` dict beside the keys:
  // only keys that have one pay for it.
  std::unordered_map<const Node*, int64_t> expires_;
};

}  // namespace cairn::engine
