#include "types/quicklist.h"

#include <algorithm>

#include "base/check.h"
#include "types/listpack.h"

namespace cairn::types {
namespace {

// Redis 7.0's quicklist limits (quicklist.c): the byte caps of negative
// fills, the 8 KiB safety cap of positive ones.
constexpr size_t kOptimizationLevel[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kSizeSafetyLimit = 8192;
constexpr size_t kSizeEstimateOverhead = 8;

std::string ElementString(const unsigned char* p) { return lp::Get(p).ToString(); }

// The byte cap of a negative fill (-1 .. -5).
size_t ByteLimit(int fill) { return kOptimizationLevel[-fill - 1]; }

}  // namespace

// Redis's quicklistSetFill keeps fills within [-5, 32767] (DEBUG OBJECT's
// ql_listpack_max shows the clamped value).
Quicklist::Quicklist(int fill, int compress)
    : fill_(std::clamp(fill, -5, 32767)), compress_(std::clamp(compress, 0, 65535)) {}

Quicklist::~Quicklist() {
  for (Node& n : nodes_) lp::Free(n.lp);
}

Quicklist::Quicklist(const Quicklist& o) : count_(o.count_), fill_(o.fill_), compress_(o.compress_) {
  for (const Node& n : o.nodes_) nodes_.push_back({lp::Copy(n.lp), n.count});
}

bool Quicklist::AllowInsert(const Node& n, size_t sz) const {
  // Redis 7.0's estimate of what one more element costs, so that nodes
  // split where Redis's do (checked against its DUMP payloads).
  const size_t new_sz = lp::Bytes(n.lp) + sz + kSizeEstimateOverhead;
  if (fill_ < 0) return new_sz <= ByteLimit(fill_);
  return new_sz <= kSizeSafetyLimit && n.count < static_cast<uint32_t>(fill_);
}

bool Quicklist::AllowMerge(const Node& a, const Node& b) const {
  // Redis 7.0's _quicklistNodeAllowMerge subtracts 11 (a ziplist's header
  // and end byte), not a listpack's 7: merges must fit that estimate to
  // happen where Redis's do (LINSERT checked against its DUMP payloads).
  const size_t merge_sz = lp::Bytes(a.lp) + lp::Bytes(b.lp) - 11;
  if (fill_ < 0) return merge_sz <= ByteLimit(fill_);
  return merge_sz <= kSizeSafetyLimit && a.count + b.count <= static_cast<uint32_t>(fill_);
}

void Quicklist::PushFront(std::string_view s) {
  if (nodes_.empty() || !AllowInsert(nodes_.front(), s.size())) {
    nodes_.push_front({lp::New(), 0});
  }
  Node& n = nodes_.front();
  n.lp = lp::Prepend(n.lp, s);
  n.count++;
  count_++;
}

void Quicklist::PushBack(std::string_view s) {
  if (nodes_.empty() || !AllowInsert(nodes_.back(), s.size())) {
    nodes_.push_back({lp::New(), 0});
  }
  Node& n = nodes_.back();
  n.lp = lp::Append(n.lp, s);
  n.count++;
  count_++;
}

void Quicklist::DropNode(size_t i) {
  lp::Free(nodes_[i].lp);
  nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(i));
}

std::string Quicklist::PopFront() {
  Node& n = nodes_.front();
  unsigned char* p = lp::First(n.lp);
  std::string out = ElementString(p);
  n.lp = lp::Delete(n.lp, p);
  n.count--;
  count_--;
  if (n.count == 0) DropNode(0);
  return out;
}

std::string Quicklist::PopBack() {
  Node& n = nodes_.back();
  unsigned char* p = lp::Last(n.lp);
  std::string out = ElementString(p);
  n.lp = lp::Delete(n.lp, p);
  n.count--;
  count_--;
  if (n.count == 0) DropNode(nodes_.size() - 1);
  return out;
}

size_t Quicklist::Locate(size_t index, size_t* offset) const {
  // From whichever end is nearer, as Redis does.
  if (index < count_ / 2) {
    size_t i = 0;
    while (index >= nodes_[i].count) {
      index -= nodes_[i].count;
      i++;
    }
    *offset = index;
    return i;
  }
  size_t from_tail = count_ - 1 - index;
  size_t i = nodes_.size() - 1;
  while (from_tail >= nodes_[i].count) {
    from_tail -= nodes_[i].count;
    i--;
  }
  *offset = nodes_[i].count - 1 - from_tail;
  return i;
}

bool Quicklist::Get(int64_t index, std::string* out) const {
  if (index < 0) index += static_cast<int64_t>(count_);
  if (index < 0 || static_cast<size_t>(index) >= count_) return false;
  size_t off;
  const size_t i = Locate(static_cast<size_t>(index), &off);
  *out = ElementString(lp::Seek(nodes_[i].lp, static_cast<int64_t>(off)));
  return true;
}

bool Quicklist::Set(int64_t index, std::string_view s) {
  if (index < 0) index += static_cast<int64_t>(count_);
  if (index < 0 || static_cast<size_t>(index) >= count_) return false;
  size_t off;
  const size_t i = Locate(static_cast<size_t>(index), &off);
  Node& n = nodes_[i];
  n.lp = lp::Replace(n.lp, lp::Seek(n.lp, static_cast<int64_t>(off)), s);
  return true;
}

// LINSERT places the element, splits full nodes and merges the pieces with
// their neighbours exactly as Redis 7.0's _quicklistInsert does, so that a
// list's DUMP payload (one listpack per node) matches Redis's byte for byte.
void Quicklist::InsertNextTo(size_t i, size_t offset, std::string_view s, bool after) {
  Node& n = nodes_[i];
  const bool full = !AllowInsert(n, s.size());
  const bool at_tail = after && offset == n.count - 1;
  const bool at_head = !after && offset == 0;
  const bool has_next = i + 1 < nodes_.size();
  const bool has_prev = i > 0;
  count_++;
  if (!full) {
    unsigned char* p = lp::Seek(n.lp, static_cast<int64_t>(offset));
    n.lp = after ? lp::InsertAfter(n.lp, p, s) : lp::InsertBefore(n.lp, p, s);
    n.count++;
  } else if (at_tail && has_next && AllowInsert(nodes_[i + 1], s.size())) {
    Node& next = nodes_[i + 1];
    next.lp = lp::Prepend(next.lp, s);
    next.count++;
  } else if (at_head && has_prev && AllowInsert(nodes_[i - 1], s.size())) {
    Node& prev = nodes_[i - 1];
    prev.lp = lp::Append(prev.lp, s);
    prev.count++;
  } else if (at_tail || at_head) {
    // No room next door (or no neighbour): a node of its own.
    nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(after ? i + 1 : i),
                  Node{lp::Append(lp::New(), s), 1});
  } else {
    // Split at the pivot: the part past it (after) or before it (before)
    // moves to a new node with the element, then neighbours merge.
    unsigned char* moved = lp::Copy(n.lp);
    const uint32_t keep =
        after ? static_cast<uint32_t>(offset) + 1 : n.count - static_cast<uint32_t>(offset);
    const uint32_t moved_count = n.count - keep + 1;
    if (after) {
      n.lp =
          lp::DeleteRange(n.lp, lp::Seek(n.lp, static_cast<int64_t>(offset) + 1), n.count - keep);
      moved = lp::Prepend(lp::DeleteRange(moved, lp::First(moved), keep), s);
    } else {
      n.lp = lp::DeleteRange(n.lp, lp::First(n.lp), offset);
      moved = lp::Append(
          lp::DeleteRange(moved, lp::Seek(moved, static_cast<int64_t>(offset)), keep), s);
    }
    n.count = keep;
    nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(after ? i + 1 : i),
                  Node{moved, moved_count});
    MergeAround(after ? i : i + 1);
  }
}

// Appends element by element: for the canonical encodings every listpack
// Cairn writes uses, the bytes are those of Redis's lpMerge.
void Quicklist::MergeWithNext(size_t i) {
  Node& a = nodes_[i];
  const Node& b = nodes_[i + 1];
  for (unsigned char* p = lp::First(b.lp); p != nullptr; p = lp::Next(b.lp, p)) {
    a.lp = lp::Append(a.lp, lp::Get(p).ToString());
  }
  a.count += b.count;
  DropNode(i + 1);
}

// Redis 7.0's _quicklistMergeNodes: prev_prev+prev, next+next_next, then
// center with what precedes it and the result with what follows.
void Quicklist::MergeAround(size_t center) {
  if (center >= 2 && AllowMerge(nodes_[center - 2], nodes_[center - 1])) {
    MergeWithNext(center - 2);
    center--;
  }
  if (center + 2 < nodes_.size() && AllowMerge(nodes_[center + 1], nodes_[center + 2])) {
    MergeWithNext(center + 1);
  }
  size_t target = center;
  if (center >= 1 && AllowMerge(nodes_[center], nodes_[center - 1])) {
    MergeWithNext(center - 1);
    target = center - 1;
  }
  if (target + 1 < nodes_.size() && AllowMerge(nodes_[target], nodes_[target + 1])) {
    MergeWithNext(target);
  }
}

bool Quicklist::InsertAtPivot(std::string_view pivot, std::string_view s, bool after) {
  for (size_t i = 0; i < nodes_.size(); i++) {
    size_t offset = 0;
    for (unsigned char* p = lp::First(nodes_[i].lp); p != nullptr;
         p = lp::Next(nodes_[i].lp, p), offset++) {
      if (lp::Get(p).Equals(pivot)) {
        InsertNextTo(i, offset, s, after);
        return true;
      }
    }
  }
  return false;
}

size_t Quicklist::Remove(std::string_view s, int64_t count) {
  size_t removed = 0;
  const size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(count < 0 ? -count : count);
  if (count >= 0) {
    for (size_t i = 0; i < nodes_.size() && removed < limit;) {
      Node& n = nodes_[i];
      unsigned char* p = lp::First(n.lp);
      while (p != nullptr && removed < limit) {
        if (lp::Get(p).Equals(s)) {
          n.lp = lp::Delete(n.lp, p, &p);
          n.count--;
          count_--;
          removed++;
        } else {
          p = lp::Next(n.lp, p);
        }
      }
      if (n.count == 0) {
        DropNode(i);
      } else {
        i++;
      }
    }
    return removed;
  }
  for (size_t i = nodes_.size(); i > 0 && removed < limit; i--) {
    Node& n = nodes_[i - 1];
    unsigned char* p = lp::Last(n.lp);
    while (p != nullptr && removed < limit) {
      unsigned char* prev = lp::Prev(n.lp, p);
      if (lp::Get(p).Equals(s)) {
        const size_t at = prev == nullptr ? 0 : static_cast<size_t>(prev - n.lp);
        n.lp = lp::Delete(n.lp, p);
        n.count--;
        count_--;
        removed++;
        p = prev == nullptr ? nullptr : n.lp + at;
      } else {
        p = prev;
      }
    }
    if (n.count == 0) DropNode(i - 1);
  }
  return removed;
}

void Quicklist::DeleteRange(size_t start, size_t count) {
  while (count > 0 && start < count_) {
    size_t off;
    const size_t i = Locate(start, &off);
    Node& n = nodes_[i];
    const size_t here = std::min<size_t>(count, n.count - off);
    if (here == n.count) {
      count_ -= here;
      DropNode(i);
    } else {
      n.lp = lp::DeleteRange(n.lp, lp::Seek(n.lp, static_cast<int64_t>(off)), here);
      n.count -= static_cast<uint32_t>(here);
      count_ -= here;
    }
    count -= here;
  }
}

void Quicklist::Trim(size_t start, size_t end) {
  const size_t total = count_;
  if (end + 1 < total) DeleteRange(end + 1, total - end - 1);
  if (start > 0) DeleteRange(0, start);
}

void Quicklist::Range(int64_t start, int64_t end,
                      const std::function<bool(std::string_view)>& fn) const {
  if (count_ == 0) return;
  size_t off;
  size_t i = Locate(static_cast<size_t>(start), &off);
  unsigned char* p = lp::Seek(nodes_[i].lp, static_cast<int64_t>(off));
  const bool forward = start <= end;
  int64_t left = (forward ? end - start : start - end) + 1;
  std::string buf;
  while (left-- > 0) {
    const lp::Element e = lp::Get(p);
    if (e.is_int) {
      buf = std::to_string(e.ival);
      if (!fn(buf)) return;
    } else if (!fn(e.sval)) {
      return;
    }
    if (left == 0) break;
    p = forward ? lp::Next(nodes_[i].lp, p) : lp::Prev(nodes_[i].lp, p);
    if (p == nullptr) {
      i = forward ? i + 1 : i - 1;
      p = forward ? lp::First(nodes_[i].lp) : lp::Last(nodes_[i].lp);
    }
  }
}

void Quicklist::AppendNode(unsigned char* lp) {
  const size_t n = lp::Length(lp);
  CAIRN_CHECK(n > 0);
  nodes_.push_back({lp, static_cast<uint32_t>(n)});
  count_ += n;
}

size_t Quicklist::MemoryUsage() const {
  size_t bytes = sizeof(*this) + nodes_.size() * sizeof(Node);
  for (const Node& n : nodes_) bytes += lp::Bytes(n.lp);
  return bytes;
}

}  // namespace cairn::types
