#include "types/skiplist.h"

#include <new>

namespace cairn::types {

bool LexRange::AboveMin(std::string_view m) const {
  switch (min.kind) {
    case LexBound::Kind::kNegInf: return true;
    case LexBound::Kind::kPosInf: return false;
    case LexBound::Kind::kValue:
      return min.exclusive ? m > std::string_view(min.value) : m >= std::string_view(min.value);
  }
  return false;
}

bool LexRange::BelowMax(std::string_view m) const {
  switch (max.kind) {
    case LexBound::Kind::kNegInf: return false;
    case LexBound::Kind::kPosInf: return true;
    case LexBound::Kind::kValue:
      return max.exclusive ? m < std::string_view(max.value) : m <= std::string_view(max.value);
  }
  return false;
}

bool LexRange::Empty() const {
  // As Redis's zslIsInLexRange: an inverted or empty range matches nothing.
  if (min.kind == LexBound::Kind::kPosInf || max.kind == LexBound::Kind::kNegInf) return true;
  if (min.kind != LexBound::Kind::kValue || max.kind != LexBound::Kind::kValue) return false;
  const int c = min.value.compare(max.value);
  return c > 0 || (c == 0 && (min.exclusive || max.exclusive));
}

namespace {
// (score, member) order.
bool Less(double s1, std::string_view m1, double s2, std::string_view m2) {
  return s1 < s2 || (s1 == s2 && m1 < m2);
}
}  // namespace

Skiplist::Node* Skiplist::NewNode(int level, double score, std::string_view member) {
  const size_t bytes = sizeof(Node) + static_cast<size_t>(level - 1) * sizeof(Node::Level);
  void* mem = ::operator new(bytes);
  Node* n = static_cast<Node*>(mem);
  new (&n->member) std::string(member);
  n->score = score;
  n->backward = nullptr;
  for (int i = 0; i < level; i++) n->level[i] = {nullptr, 0};
  return n;
}

void Skiplist::FreeNode(Node* n) {
  n->member.~basic_string();
  ::operator delete(n);
}

Skiplist::Skiplist() : rng_state_(0x9e3779b97f4a7c15ULL) {
  header_ = NewNode(kMaxLevel, 0, "");
}

Skiplist::~Skiplist() {
  Node* x = header_->level[0].forward;
  while (x != nullptr) {
    Node* next = x->level[0].forward;
    FreeNode(x);
    x = next;
  }
  FreeNode(header_);
}

int Skiplist::RandomLevel() {
  // p = 1/4 per level, as Redis's ZSKIPLIST_P.
  int level = 1;
  while (level < kMaxLevel) {
    rng_state_ ^= rng_state_ << 13;
    rng_state_ ^= rng_state_ >> 7;
    rng_state_ ^= rng_state_ << 17;
    if ((rng_state_ & 3) != 0) break;
    level++;
  }
  return level;
}

Skiplist::Node* Skiplist::Insert(double score, std::string_view member) {
  Node* update[kMaxLevel];
  uint64_t rank[kMaxLevel];
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->level[i].forward != nullptr &&
           Less(x->level[i].forward->score, x->level[i].forward->member, score, member)) {
      rank[i] += x->level[i].span;
      x = x->level[i].forward;
    }
    update[i] = x;
  }
  const int level = RandomLevel();
  if (level > level_) {
    for (int i = level_; i < level; i++) {
      rank[i] = 0;
      update[i] = header_;
      update[i]->level[i].span = length_;
    }
    level_ = level;
  }
  x = NewNode(level, score, member);
  for (int i = 0; i < level; i++) {
    x->level[i].forward = update[i]->level[i].forward;
    update[i]->level[i].forward = x;
    x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
    update[i]->level[i].span = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; i++) update[i]->level[i].span++;
  x->backward = update[0] == header_ ? nullptr : update[0];
  if (x->level[0].forward != nullptr) {
    x->level[0].forward->backward = x;
  } else {
    tail_ = x;
  }
  length_++;
  return x;
}

void Skiplist::DeleteNode(Node* x, Node** update) {
  for (int i = 0; i < level_; i++) {
    if (update[i]->level[i].forward == x) {
      update[i]->level[i].span += x->level[i].span - 1;
      update[i]->level[i].forward = x->level[i].forward;
    } else {
      update[i]->level[i].span -= 1;
    }
  }
  if (x->level[0].forward != nullptr) {
    x->level[0].forward->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && header_->level[level_ - 1].forward == nullptr) level_--;
  length_--;
}

bool Skiplist::Delete(double score, std::string_view member) {
  Node* update[kMaxLevel];
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward != nullptr &&
           Less(x->level[i].forward->score, x->level[i].forward->member, score, member)) {
      x = x->level[i].forward;
    }
    update[i] = x;
  }
  x = x->level[0].forward;
  if (x == nullptr || x->score != score || x->member != member) return false;
  DeleteNode(x, update);
  FreeNode(x);
  return true;
}

Skiplist::Node* Skiplist::UpdateScore(double old_score, std::string_view member,
                                      double new_score) {
  Node* update[kMaxLevel];
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward != nullptr &&
           Less(x->level[i].forward->score, x->level[i].forward->member, old_score, member)) {
      x = x->level[i].forward;
    }
    update[i] = x;
  }
  x = x->level[0].forward;
  // Still in place: only the score changes.
  if ((x->backward == nullptr || Less(x->backward->score, x->backward->member, new_score, member)) &&
      (x->level[0].forward == nullptr ||
       Less(new_score, member, x->level[0].forward->score, x->level[0].forward->member))) {
    x->score = new_score;
    return x;
  }
  std::string keep = std::move(x->member);
  DeleteNode(x, update);
  FreeNode(x);
  return Insert(new_score, keep);
}

uint64_t Skiplist::Rank(double score, std::string_view member) const {
  uint64_t rank = 0;
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward != nullptr &&
           !Less(score, member, x->level[i].forward->score, x->level[i].forward->member)) {
      rank += x->level[i].span;
      x = x->level[i].forward;
    }
    if (x != header_ && x->score == score && x->member == member) return rank;
  }
  return 0;
}

Skiplist::Node* Skiplist::AtRank(uint64_t rank) const {
  if (rank == 0 || rank > length_) return nullptr;
  uint64_t traversed = 0;
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward != nullptr && traversed + x->level[i].span <= rank) {
      traversed += x->level[i].span;
      x = x->level[i].forward;
    }
    if (traversed == rank) return x;
  }
  return nullptr;
}

Skiplist::Node* Skiplist::FirstInRange(const ScoreRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.AboveMin(tail_->score) ||
      !r.BelowMax(First()->score)) {
    return nullptr;
  }
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward != nullptr && !r.AboveMin(x->level[i].forward->score)) {
      x = x->level[i].forward;
    }
  }
  x = x->level[0].forward;
  return x != nullptr && r.BelowMax(x->score) ? x : nullptr;
}

Skiplist::Node* Skiplist::LastInRange(const ScoreRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.AboveMin(tail_->score) ||
      !r.BelowMax(First()->score)) {
    return nullptr;
  }
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward != nullptr && r.BelowMax(x->level[i].forward->score)) {
      x = x->level[i].forward;
    }
  }
  return x != header_ && r.AboveMin(x->score) ? x : nullptr;
}

Skiplist::Node* Skiplist::FirstInLexRange(const LexRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.AboveMin(tail_->member) ||
      !r.BelowMax(First()->member)) {
    return nullptr;
  }
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward != nullptr && !r.AboveMin(x->level[i].forward->member)) {
      x = x->level[i].forward;
    }
  }
  x = x->level[0].forward;
  return x != nullptr && r.BelowMax(x->member) ? x : nullptr;
}

Skiplist::Node* Skiplist::LastInLexRange(const LexRange& r) const {
  if (r.Empty() || tail_ == nullptr || !r.AboveMin(tail_->member) ||
      !r.BelowMax(First()->member)) {
    return nullptr;
  }
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward != nullptr && r.BelowMax(x->level[i].forward->member)) {
      x = x->level[i].forward;
    }
  }
  return x != header_ && r.AboveMin(x->member) ? x : nullptr;
}

size_t Skiplist::MemoryUsage() const {
  size_t bytes = sizeof(*this);
  for (Node* x = header_->level[0].forward; x != nullptr; x = x->level[0].forward) {
    bytes += sizeof(Node) + sizeof(Node::Level) + (x->member.size() > 15 ? x->member.capacity() : 0);
  }
  return bytes;
}

}  // namespace cairn::types
