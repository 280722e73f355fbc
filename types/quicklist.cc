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

}  // namespace

Quicklist::Quicklist(int fill) : fill_(fill) {}

Quicklist::~Quicklist() {
  for (Node& n : nodes_) lp::Free(n.lp);
}

Quicklist::Quicklist(const Quicklist& o) : count_(o.count_), fill_(o.fill_) {
  for (const Node& n : o.nodes_) nodes_.push_back({lp::Copy(n.lp), n.count});
}

bool Quicklist::AllowInsert(const Node& n, size_t sz) const {
  // Redis 7.0's estimate of what one more element costs, so that nodes
  // split where Redis's do (checked against its DUMP payloads).
  const size_t new_sz = lp::Bytes(n.lp) + sz + kSizeEstimateOverhead;
  if (fill_ < 0) {
    // Fills below -5 act as -5.
    const size_t level = std::min<size_t>(static_cast<size_t>(-fill_) - 1,
                                          std::size(kOptimizationLevel) - 1);
    return new_sz <= kOptimizationLevel[level];
  }
  return new_sz <= kSizeSafetyLimit && n.count < static_cast<uint32_t>(fill_);
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

void Quicklist::InsertAt(size_t index, std::string_view s) {
  if (index == 0) return PushFront(s);
  if (index == count_) return PushBack(s);
  size_t off;
  const size_t i = Locate(index, &off);
  Node& n = nodes_[i];
  if (AllowInsert(n, s.size())) {
    n.lp = lp::InsertBefore(n.lp, lp::Seek(n.lp, static_cast<int64_t>(off)), s);
    n.count++;
    count_++;
    return;
  }
  // Full: split the node at the insertion point, the new element going at
  // the head of the second half (or the tail of the first if it fits).
  unsigned char* tail = lp::New();
  uint32_t moved = 0;
  for (unsigned char* p = lp::Seek(n.lp, static_cast<int64_t>(off)); p != nullptr;
       p = lp::Next(n.lp, p)) {
    tail = lp::Append(tail, lp::Get(p).ToString());
    moved++;
  }
  n.lp = lp::DeleteRange(n.lp, lp::Seek(n.lp, static_cast<int64_t>(off)), moved);
  n.count -= moved;
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(i) + 1, Node{tail, moved});
  Node& first = nodes_[i];
  Node& second = nodes_[i + 1];
  if (AllowInsert(first, s.size())) {
    first.lp = lp::Append(first.lp, s);
    first.count++;
  } else if (AllowInsert(second, s.size())) {
    second.lp = lp::Prepend(second.lp, s);
    second.count++;
  } else {
    unsigned char* single = lp::Append(lp::New(), s);
    nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(i) + 1, Node{single, 1});
  }
  count_++;
  if (nodes_[i].count == 0) DropNode(i);
}

bool Quicklist::InsertAtPivot(std::string_view pivot, std::string_view s, bool after) {
  size_t index = 0;
  for (const Node& n : nodes_) {
    for (unsigned char* p = lp::First(n.lp); p != nullptr; p = lp::Next(n.lp, p)) {
      if (lp::Get(p).Equals(pivot)) {
        InsertAt(after ? index + 1 : index, s);
        return true;
      }
      index++;
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
