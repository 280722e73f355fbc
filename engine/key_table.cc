#include "engine/key_table.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "base/check.h"

namespace cairn::engine {

namespace {

constexpr size_t kMinBuckets = 16;

size_t HashOf(std::string_view key) { return std::hash<std::string_view>{}(key); }

uint64_t ReverseBits(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; i++) {
    r = (r << 1) | (v & 1);
    v >>= 1;
  }
  return r;
}

}  // namespace

KeyTable::Node* KeyTable::NewNode(Node* next, std::string_view key) {
  CAIRN_CHECK(key.size() < Node::kHasExpire);
  void* mem = ::operator new(std::max(sizeof(Node), kKeyOffset + key.size()));
  Node* n = new (mem) Node{next, Entry{}, static_cast<uint32_t>(key.size())};
  if (!key.empty()) std::memcpy(static_cast<char*>(mem) + kKeyOffset, key.data(), key.size());
  return n;
}

void KeyTable::FreeNode(Node* n) {
  if (n->meta & Node::kHasExpire) expires_.erase(n);
  n->~Node();
  ::operator delete(n);
}

KeyTable::KeyTable() : buckets_(kMinBuckets, nullptr) {}

KeyTable::~KeyTable() { Clear(); }

KeyTable::KeyTable(KeyTable&& other) noexcept
    : buckets_(std::move(other.buckets_)), size_(other.size_), expires_(std::move(other.expires_)) {
  other.buckets_.assign(kMinBuckets, nullptr);
  other.size_ = 0;
  other.expires_.clear();
}

int64_t KeyTable::ExpireOf(const Entry& e) const {
  const Node* n = NodeOf(e);
  if ((n->meta & Node::kHasExpire) == 0) return -1;
  return expires_.find(n)->second;
}

void KeyTable::SetExpire(Entry& e, int64_t expire_ms) {
  Node* n = NodeOf(e);
  if (expire_ms >= 0) {
    expires_[n] = expire_ms;
    n->meta |= Node::kHasExpire;
  } else if (n->meta & Node::kHasExpire) {
    expires_.erase(n);
    n->meta &= ~Node::kHasExpire;
  }
}

Entry* KeyTable::Find(std::string_view key) {
  for (Node* n = buckets_[HashOf(key) & (buckets_.size() - 1)]; n != nullptr; n = n->next) {
    if (n->key() == key) return &n->entry;
  }
  return nullptr;
}

Entry& KeyTable::Insert(std::string_view key, bool* inserted) {
  const size_t h = HashOf(key);
  for (Node* n = buckets_[h & (buckets_.size() - 1)]; n != nullptr; n = n->next) {
    if (n->key() == key) {
      *inserted = false;
      return n->entry;
    }
  }
  // Grow at load factor 1, as Redis's dict does.
  if (size_ + 1 > buckets_.size()) Resize(buckets_.size() * 2);
  Node*& head = buckets_[h & (buckets_.size() - 1)];
  head = NewNode(head, key);
  size_++;
  *inserted = true;
  return head->entry;
}

bool KeyTable::Erase(std::string_view key) {
  Node** link = &buckets_[HashOf(key) & (buckets_.size() - 1)];
  for (Node* n = *link; n != nullptr; link = &n->next, n = n->next) {
    if (n->key() == key) {
      *link = n->next;
      FreeNode(n);
      size_--;
      MaybeShrink();
      return true;
    }
  }
  return false;
}

void KeyTable::Clear() {
  expires_.clear();  // first, so that FreeNode has nothing to erase
  for (Node*& head : buckets_) {
    while (head != nullptr) {
      Node* next = head->next;
      FreeNode(head);
      head = next;
    }
  }
  size_ = 0;
  buckets_.assign(kMinBuckets, nullptr);
}

void KeyTable::Swap(KeyTable& other) {
  buckets_.swap(other.buckets_);
  std::swap(size_, other.size_);
  expires_.swap(other.expires_);
}

void KeyTable::MaybeShrink() {
  // Shrink below 1/8 full (Redis: 10%), never under the minimum.
  if (buckets_.size() > kMinBuckets && size_ * 8 < buckets_.size()) Resize(buckets_.size() / 2);
}

void KeyTable::Resize(size_t n) {
  std::vector<Node*> next(n, nullptr);
  for (Node* head : buckets_) {
    while (head != nullptr) {
      Node* following = head->next;
      Node*& slot = next[HashOf(head->key()) & (n - 1)];
      head->next = slot;
      slot = head;
      head = following;
    }
  }
  buckets_.swap(next);
}

uint64_t KeyTable::Scan(uint64_t cursor,
                        const std::function<void(std::string_view, const Entry&)>& fn) const {
  const uint64_t mask = buckets_.size() - 1;
  ForEachInBucket(cursor & mask, fn);
  // Redis's reverse-binary increment: high bits first, so buckets visited
  // before a resize map onto buckets visited after it.
  cursor |= ~mask;
  cursor = ReverseBits(cursor);
  cursor++;
  return ReverseBits(cursor);
}

const KeyTable::Node* KeyTable::Random(std::mt19937_64& rng) const {
  if (size_ == 0) return nullptr;
  size_t b = rng() & (buckets_.size() - 1);
  while (buckets_[b] == nullptr) b = (b + 1) & (buckets_.size() - 1);
  size_t len = 0;
  for (const Node* n = buckets_[b]; n != nullptr; n = n->next) len++;
  const Node* n = buckets_[b];
  for (size_t k = rng() % len; k > 0; k--) n = n->next;
  return n;
}

const KeyTable::Node* KeyTable::RandomExpiring(std::mt19937_64& rng) {
  if (expires_.empty()) return nullptr;
  // (The map never shrinks by itself: after most expiring keys went, the
  // walk to a non-empty bucket would cross thousands of empty ones.)
  if (expires_.bucket_count() > 8 * expires_.size() + 64) expires_.rehash(0);
  const size_t buckets = expires_.bucket_count();
  size_t b = rng() % buckets;
  while (expires_.bucket_size(b) == 0) b = (b + 1) % buckets;
  auto it = expires_.begin(b);
  for (size_t k = rng() % expires_.bucket_size(b); k > 0; k--) ++it;
  return it->first;
}

KeyTable::Iterator KeyTable::begin() const {
  Iterator it(this, 0, buckets_.empty() ? nullptr : buckets_[0]);
  it.SkipEmpty();
  return it;
}

void KeyTable::Iterator::SkipEmpty() {
  while (node_ == nullptr && bucket_ + 1 < table_->buckets_.size()) {
    node_ = table_->buckets_[++bucket_];
  }
  if (node_ == nullptr) bucket_ = table_->buckets_.size();
}

KeyTable::Iterator& KeyTable::Iterator::operator++() {
  node_ = node_->next;
  SkipEmpty();
  return *this;
}

}  // namespace cairn::engine
