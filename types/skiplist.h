// Skiplist: (score, member) pairs ordered by score, then member bytes — the
// order of a Redis sorted set — with spans on every link, so that rank
// lookups and access by rank take O(log n) as in Redis's zskiplist. Half of
// the "skiplist" encoding of sorted sets (types/zset.h keeps the member
// index beside it).
//
// Not thread-safe. Node addresses are stable until the node is deleted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::types {

// Score bounds of ZRANGEBYSCORE and friends: "(" makes a bound exclusive.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
  bool Contains(double s) const {
    return (minex ? s > min : s >= min) && (maxex ? s < max : s <= max);
  }
  bool AboveMin(double s) const { return minex ? s > min : s >= min; }
  bool BelowMax(double s) const { return maxex ? s < max : s <= max; }
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};

// Lexicographic bounds of ZRANGEBYLEX: "[x" inclusive, "(x" exclusive, "-"
// and "+" the infinities (either bound may be either one).
struct LexBound {
  enum class Kind { kNegInf, kPosInf, kValue } kind = Kind::kNegInf;
  std::string value;
  bool exclusive = false;
};
struct LexRange {
  LexBound min, max;
  bool AboveMin(std::string_view m) const;
  bool BelowMax(std::string_view m) const;
  bool Contains(std::string_view m) const { return AboveMin(m) && BelowMax(m); }
  bool Empty() const;
};

class Skiplist {
 public:
  struct Node {
    std::string member;
    double score;
    Node* backward;
    struct Level {
      Node* forward;
      uint64_t span;
    };
    Level level[1];  // as many as the node's height (allocated so)
  };

  Skiplist();
  ~Skiplist();
  Skiplist(const Skiplist&) = delete;
  Skiplist& operator=(const Skiplist&) = delete;

  size_t size() const { return length_; }
  // REQUIRES: (score, member) not present.
  Node* Insert(double score, std::string_view member);
  // Deletes (score, member); false when not present.
  bool Delete(double score, std::string_view member);
  // Moves (old_score, member) to new_score; returns its node.
  // REQUIRES: present.
  Node* UpdateScore(double old_score, std::string_view member, double new_score);

  // 1-based rank of (score, member), 0 when not present.
  uint64_t Rank(double score, std::string_view member) const;
  // The node at 1-based `rank`, nullptr when out of range.
  Node* AtRank(uint64_t rank) const;

  Node* First() const { return header_->level[0].forward; }
  Node* Last() const { return tail_; }
  // The first / last node inside the range, nullptr if none.
  Node* FirstInRange(const ScoreRange& r) const;
  Node* LastInRange(const ScoreRange& r) const;
  Node* FirstInLexRange(const LexRange& r) const;
  Node* LastInLexRange(const LexRange& r) const;

  // Deletes the nodes in range (and calls on_delete(member) for each
  // before it goes). Returns how many.
  template <typename Fn>
  size_t DeleteRangeByRank(uint64_t start, uint64_t end, Fn&& on_delete) {
    // From the first node in range, walking: O(log n + k).
    size_t n = 0;
    for (Node* x = AtRank(start); x != nullptr && start + n <= end;) {
      Node* next = x->level[0].forward;
      on_delete(x->member);
      const std::string member = x->member;
      Delete(x->score, member);
      n++;
      x = next;
    }
    return n;
  }

  size_t MemoryUsage() const;

 private:
  static constexpr int kMaxLevel = 32;
  static Node* NewNode(int level, double score, std::string_view member);
  static void FreeNode(Node* n);
  int RandomLevel();
  void DeleteNode(Node* x, Node** update);

  Node* header_;
  Node* tail_ = nullptr;
  size_t length_ = 0;
  int level_ = 1;
  uint64_t rng_state_;
};

}  // namespace cairn::types
