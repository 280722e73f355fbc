// Quicklist: a list as a sequence of listpack nodes, Redis 7.0's list
// representation (OBJECT ENCODING "quicklist"). Each node holds as many
// elements as `fill` allows — list-max-listpack-size: a negative fill caps
// a node's bytes (-1: 4 KiB ... -5: 64 KiB), a positive one its count
// (within 8 KiB) — with Redis's own estimate, so nodes split where Redis's
// do. The RDB writes each node's listpack as it is (QUICKLIST_2).
//
// Indexes are 0-based from the head; negative ones count from the tail.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace cairn::types {

class Quicklist {
 public:
  // `compress` is list-compress-depth when the list was made: as in Redis,
  // each list keeps the settings it was created with.
  explicit Quicklist(int fill, int compress = 0);
  ~Quicklist();
  Quicklist(const Quicklist& o);
  Quicklist& operator=(const Quicklist&) = delete;

  size_t size() const { return count_; }
  size_t node_count() const { return nodes_.size(); }
  // The fill in effect: Redis's clamp to [-5, 32767].
  int fill() const { return fill_; }
  // Nodes at each end kept as they are; Redis holds the others
  // LZF-compressed (Cairn compresses them only when writing RDB or DUMP).
  int compress() const { return compress_; }

  void PushFront(std::string_view s);
  void PushBack(std::string_view s);
  // Removes and returns the head (tail) element. REQUIRES: size() > 0.
  std::string PopFront();
  std::string PopBack();

  // The element at `index`; false when out of range.
  bool Get(int64_t index, std::string* out) const;
  // LSET: false when out of range.
  bool Set(int64_t index, std::string_view s);
  // LINSERT: inserts before or after the first element equal to `pivot`
  // (from the head); false when there is none. A full node splits at the
  // pivot and the pieces merge with their neighbours as in Redis 7.0.
  bool InsertAtPivot(std::string_view pivot, std::string_view s, bool after);
  // LREM semantics: count > 0 from the head, < 0 from the tail, 0 all.
  size_t Remove(std::string_view s, int64_t count);
  // Keeps elements [start, end] (normalized, inclusive, REQUIRES: valid).
  void Trim(size_t start, size_t end);
  // Deletes `count` elements from `start` on.
  void DeleteRange(size_t start, size_t count);

  // Calls fn(element) for elements [start, end] (inclusive, in range), from
  // start towards end (reverse when start > end); fn returns false to stop.
  void Range(int64_t start, int64_t end, const std::function<bool(std::string_view)>& fn) const;

  // The nodes' listpacks, head to tail (RDB writing).
  template <typename Fn>
  void ForEachNode(Fn&& fn) const {
    for (const Node& n : nodes_) fn(n.lp);
  }
  // Adopts a listpack as the new tail node (RDB reading). REQUIRES: valid,
  // not empty; owned by the quicklist from now on.
  void AppendNode(unsigned char* lp);

  size_t MemoryUsage() const;

 private:
  struct Node {
    unsigned char* lp;
    uint32_t count;
  };
  bool AllowInsert(const Node& n, size_t sz) const;
  bool AllowMerge(const Node& a, const Node& b) const;
  // The node holding element `index` (0 <= index < count_) and the
  // element's offset within it.
  size_t Locate(size_t index, size_t* offset) const;
  void DropNode(size_t i);
  // Inserts `s` after (or before) element `offset` of node `i`.
  void InsertNextTo(size_t i, size_t offset, std::string_view s, bool after);
  // Merges node i + 1 into node i.
  void MergeWithNext(size_t i);
  void MergeAround(size_t center);

  std::deque<Node> nodes_;
  size_t count_ = 0;
  int fill_;
  int compress_;
};

}  // namespace cairn::types
