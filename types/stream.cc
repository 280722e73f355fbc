#include "types/stream.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "base/string_util.h"
#include "types/listpack.h"

namespace cairn::types {

namespace {

// Entry flags in a node (Redis's STREAM_ITEM_FLAG_*).
constexpr int64_t kDeleted = 1;
constexpr int64_t kSameFields = 2;
// Redis's STREAM_LISTPACK_MAX_SIZE: no node grows past this.
constexpr size_t kNodeHardMax = 1 << 30;

int64_t IntAt(const unsigned char* p) {
  const lp::Element e = lp::Get(p);
  if (e.is_int) return e.ival;
  return base::ParseInt64(e.sval).value_or(0);
}

// One entry of a node as the walk finds it.
struct NodeEntry {
  StreamID id;
  int64_t flags = 0;
  unsigned char* flags_pos = nullptr;
};

// The master entry of a node: live and deleted counts, field names, and
// where the first entry starts.
struct Master {
  int64_t count = 0;
  int64_t deleted = 0;
  std::vector<unsigned char*> fields;
  unsigned char* first = nullptr;  // the first entry's flags (nullptr: none)
};

Master ReadMaster(const unsigned char* lp) {
  Master m;
  unsigned char* p = lp::First(lp);
  m.count = IntAt(p);
  p = lp::Next(lp, p);
  m.deleted = IntAt(p);
  p = lp::Next(lp, p);
  const int64_t nf = IntAt(p);
  p = lp::Next(lp, p);
  for (int64_t i = 0; i < nf; i++) {
    m.fields.push_back(p);
    p = lp::Next(lp, p);
  }
  m.first = lp::Next(lp, p);  // past the master's terminating 0
  return m;
}

// Walks the entries of a well-formed node in order. fn(entry, fv position,
// number of field/value pairs, same-fields) returns false to stop.
// The entry whose flags are at `p`; `*fv` its first field (or value), and
// the position after its lp-count is returned.
unsigned char* ParseEntry(StreamID master, const unsigned char* lp, const Master& m,
                          unsigned char* p, NodeEntry* e, unsigned char** fv, int64_t* pairs,
                          bool* same) {
  e->flags_pos = p;
  e->flags = IntAt(p);
  p = lp::Next(lp, p);
  e->id.ms = master.ms + static_cast<uint64_t>(IntAt(p));
  p = lp::Next(lp, p);
  e->id.seq = master.seq + static_cast<uint64_t>(IntAt(p));
  p = lp::Next(lp, p);
  *same = (e->flags & kSameFields) != 0;
  *pairs = static_cast<int64_t>(m.fields.size());
  if (!*same) {
    *pairs = IntAt(p);
    p = lp::Next(lp, p);
  }
  *fv = p;
  for (int64_t i = 0; i < (*same ? *pairs : 2 * *pairs); i++) p = lp::Next(lp, p);
  return lp::Next(lp, p);  // past lp-count
}

template <class Fn>
void WalkNode(StreamID master, const unsigned char* lp, const Master& m, Fn&& fn) {
  unsigned char* p = m.first;
  while (p != nullptr) {
    NodeEntry e;
    unsigned char* fv;
    int64_t pairs;
    bool same;
    p = ParseEntry(master, lp, m, p, &e, &fv, &pairs, &same);
    if (!fn(e, fv, pairs, same)) return;
  }
}

// The same from the last entry back, as Redis walks a node backwards: each
// entry ends with the count of its other elements (the master entry with
// 0), which leads to its flags.
template <class Fn>
void WalkNodeBack(StreamID master, const unsigned char* lp, const Master& m, Fn&& fn) {
  unsigned char* count_pos = lp::Last(lp);
  while (count_pos != nullptr) {
    int64_t n = IntAt(count_pos);
    if (n <= 0) return;  // the master entry's terminator
    unsigned char* p = count_pos;
    while (n-- > 0 && p != nullptr) p = lp::Prev(lp, p);
    if (p == nullptr) return;
    NodeEntry e;
    unsigned char* fv;
    int64_t pairs;
    bool same;
    ParseEntry(master, lp, m, p, &e, &fv, &pairs, &same);
    if (!fn(e, fv, pairs, same)) return;
    count_pos = lp::Prev(lp, p);
  }
}

Stream::Entry ReadEntry(const unsigned char* lp, const Master& m, const NodeEntry& e,
                        unsigned char* fv, int64_t pairs, bool same) {
  Stream::Entry out;
  out.id = e.id;
  out.fv.reserve(static_cast<size_t>(2 * pairs));
  for (int64_t i = 0; i < pairs; i++) {
    if (same) {
      out.fv.push_back(lp::Get(m.fields[static_cast<size_t>(i)]).ToString());
    } else {
      out.fv.push_back(lp::Get(fv).ToString());
      fv = lp::Next(lp, fv);
    }
    out.fv.push_back(lp::Get(fv).ToString());
    fv = lp::Next(lp, fv);
  }
  return out;
}

unsigned char* ReplaceInt(unsigned char* lp, unsigned char** p, int64_t v) {
  return lp::Replace(lp, *p, std::to_string(v), p);
}

}  // namespace

std::string StreamID::ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }

bool StreamID::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) return false;
    ms++;
    seq = 0;
  } else {
    seq++;
  }
  return true;
}

bool StreamID::Decr() {
  if (seq == 0) {
    if (ms == 0) return false;
    ms--;
    seq = UINT64_MAX;
  } else {
    seq--;
  }
  return true;
}

std::string StreamID::Encode() const {
  std::string out(16, '\0');
  for (int i = 0; i < 8; i++) {
    out[static_cast<size_t>(i)] = static_cast<char>((ms >> (56 - 8 * i)) & 0xff);
    out[static_cast<size_t>(8 + i)] = static_cast<char>((seq >> (56 - 8 * i)) & 0xff);
  }
  return out;
}

StreamID StreamID::Decode(const char* p) {
  StreamID id;
  for (int i = 0; i < 8; i++) {
    id.ms = (id.ms << 8) | static_cast<unsigned char>(p[i]);
    id.seq = (id.seq << 8) | static_cast<unsigned char>(p[8 + i]);
  }
  return id;
}

Stream::~Stream() {
  for (auto& [id, lp] : nodes_) lp::Free(lp);
}

Stream::Stream(const Stream& o)
    : length_(o.length_),
      last_id_(o.last_id_),
      first_id_(o.first_id_),
      max_deleted_id_(o.max_deleted_id_),
      entries_added_(o.entries_added_) {
  for (const auto& [id, lp] : o.nodes_) nodes_.push_back({id, lp::Copy(lp)});
  for (const auto& [name, g] : o.groups_) {
    auto copy = std::make_unique<StreamGroup>();
    copy->last_id = g->last_id;
    copy->entries_read = g->entries_read;
    for (const auto& [cname, c] : g->consumers) {
      auto cc = std::make_unique<StreamConsumer>();
      cc->name = c->name;
      cc->seen_time = c->seen_time;
      cc->active_time = c->active_time;
      copy->consumers.emplace(cname, std::move(cc));
    }
    for (const auto& [id, nack] : g->pel) {
      StreamNack& n = copy->pel[id];
      n.delivery_time = nack.delivery_time;
      n.delivery_count = nack.delivery_count;
      if (nack.consumer != nullptr) {
        StreamConsumer* owner = copy->consumers.find(nack.consumer->name)->second.get();
        n.consumer = owner;
        owner->pel.emplace(id, &n);
      }
    }
    groups_.emplace(name, std::move(copy));
  }
}

void Stream::Append(StreamID id, std::span<const std::string> fv, const Limits& limits) {
  const auto pairs = static_cast<int64_t>(fv.size() / 2);
  unsigned char* lp = nullptr;
  StreamID master;
  if (!nodes_.empty()) {
    master = nodes_.back().master;
    lp = nodes_.back().lp;
    // A new node once this one is full, by bytes or by entries (live and
    // deleted), as Redis decides it.
    size_t max_bytes = limits.node_max_bytes;
    if (max_bytes == 0 || max_bytes > kNodeHardMax) max_bytes = kNodeHardMax;
    size_t total = 0;
    for (const std::string& s : fv) total += s.size();
    bool full = lp::Bytes(lp) + total >= max_bytes;
    if (!full && limits.node_max_entries > 0) {
      unsigned char* p = lp::First(lp);
      const int64_t count = IntAt(p) + IntAt(lp::Next(lp, p));
      full = count >= limits.node_max_entries;
    }
    if (full) lp = nullptr;
  }
  int64_t flags = 0;
  const bool new_node = lp == nullptr;
  if (new_node) {
    // The entry's fields become the node's master fields.
    lp = lp::New();
    lp = lp::AppendInt(lp, 1);
    lp = lp::AppendInt(lp, 0);
    lp = lp::AppendInt(lp, pairs);
    for (int64_t i = 0; i < pairs; i++) lp = lp::Append(lp, fv[static_cast<size_t>(2 * i)]);
    lp = lp::AppendInt(lp, 0);
    master = id;
    flags = kSameFields;
  } else {
    unsigned char* p = lp::First(lp);
    lp = ReplaceInt(lp, &p, IntAt(p) + 1);
    const Master m = ReadMaster(lp);
    if (static_cast<int64_t>(m.fields.size()) == pairs) {
      bool same = true;
      for (int64_t i = 0; i < pairs && same; i++) {
        same = lp::Get(m.fields[static_cast<size_t>(i)]).Equals(fv[static_cast<size_t>(2 * i)]);
      }
      if (same) flags = kSameFields;
    }
  }
  lp = lp::AppendInt(lp, flags);
  lp = lp::AppendInt(lp, static_cast<int64_t>(id.ms - master.ms));
  lp = lp::AppendInt(lp, static_cast<int64_t>(id.seq - master.seq));
  if (flags & kSameFields) {
    for (int64_t i = 0; i < pairs; i++) lp = lp::Append(lp, fv[static_cast<size_t>(2 * i + 1)]);
    lp = lp::AppendInt(lp, pairs + 3);
  } else {
    lp = lp::AppendInt(lp, pairs);
    for (const std::string& s : fv) lp = lp::Append(lp, s);
    lp = lp::AppendInt(lp, 2 * pairs + 4);
  }
  // (A node left with deleted entries only may have this key already: an
  // XSETID moved the top ID back below it. Its entries go.)
  unsigned char* replaced = Put(master, lp);
  if (new_node && replaced != nullptr) lp::Free(replaced);  // (else it is this one, maybe moved)
  length_++;
  entries_added_++;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
}

bool Stream::Delete(StreamID id) {
  // The entry Redis's iterator finds for [id, id].
  StreamID node;
  NodeEntry found;
  int64_t count = 0, deleted = 0;
  Iterate(id, id, false,
          [&](auto it, const unsigned char*, const Master& m, const NodeEntry& e,
              unsigned char*, int64_t, bool) {
            node = it->master;
            found = e;
            count = m.count;
            deleted = m.deleted;
            return false;
          });
  if (found.flags_pos == nullptr) return false;
  length_--;
  auto it = LowerBound(node);
  unsigned char* lp = it->lp;
  if (count == 1) {
    lp::Free(lp);
    nodes_.erase(it);
    return true;
  }
  unsigned char* p = found.flags_pos;
  lp = ReplaceInt(lp, &p, found.flags | kDeleted);
  p = lp::First(lp);
  lp = ReplaceInt(lp, &p, count - 1);
  p = lp::Next(lp, p);
  lp = ReplaceInt(lp, &p, deleted + 1);
  it->lp = lp;
  return true;
}

int64_t Stream::TrimTo(const Trim& t) {
  if (t.strategy == Trim::kNone) return 0;
  int64_t deleted = 0;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (t.strategy == Trim::kMaxLen && length_ <= t.maxlen) break;
    unsigned char* lp = it->lp;
    const Master m = ReadMaster(lp);
    const int64_t entries = m.count;
    if (t.limit > 0 && deleted + entries > t.limit) break;
    bool remove_node;
    if (t.strategy == Trim::kMaxLen) {
      remove_node = length_ - static_cast<uint64_t>(entries) >= t.maxlen;
    } else {
      // Whole when its last entry (deleted or not) is below the minimum.
      StreamID last;
      WalkNode(it->master, lp, m, [&](const NodeEntry& e, unsigned char*, int64_t, bool) {
        last = e.id;
        return true;
      });
      remove_node = last < t.minid;
    }
    if (remove_node) {
      lp::Free(lp);
      it = nodes_.erase(it);
      length_ -= static_cast<uint64_t>(entries);
      deleted += entries;
      continue;
    }
    if (t.approx) break;
    // Inside this node: flag entries deleted until the target is met.
    std::vector<size_t> to_flag;  // offsets: the listpack may move
    std::vector<int64_t> flags;
    uint64_t length = length_;
    WalkNode(it->master, lp, m, [&](const NodeEntry& e, unsigned char*, int64_t, bool) {
      const bool stop = t.strategy == Trim::kMaxLen ? length <= t.maxlen : e.id >= t.minid;
      if (stop) return false;
      if (!(e.flags & kDeleted)) {
        to_flag.push_back(static_cast<size_t>(e.flags_pos - lp));
        flags.push_back(e.flags);
        length--;
      }
      return true;
    });
    // Last first: a replace moves only what follows it (a flag stored in a
    // longer form than Redis writes, from a RESTORE, shrinks).
    for (size_t i = to_flag.size(); i-- > 0;) {
      unsigned char* p = lp + to_flag[i];
      lp = ReplaceInt(lp, &p, flags[i] | kDeleted);
    }
    const auto n = static_cast<int64_t>(to_flag.size());
    length_ -= static_cast<uint64_t>(n);
    deleted += n;
    unsigned char* p = lp::First(lp);
    lp = ReplaceInt(lp, &p, entries - n);
    p = lp::Next(lp, p);
    lp = ReplaceInt(lp, &p, m.deleted + n);
    it->lp = lp;
    break;
  }
  UpdateFirstId();
  return deleted;
}

template <class Fn>
void Stream::Iterate(StreamID start, StreamID end, bool rev, Fn&& fn) const {
  // As Redis's stream iterator: from the last node whose master ID is at or
  // before the bound it starts from (else the first / last one), entry by
  // entry in node order; deleted entries and those short of that bound are
  // passed over, and the first live one past the other bound ends it. (IDs
  // within a node need not rise: XSETID can move the top ID back.)
  if (nodes_.empty()) return;
  auto it = std::upper_bound(nodes_.begin(), nodes_.end(), rev ? end : start,
                             [](StreamID id, const Node& n) { return id < n.master; });
  if (it != nodes_.begin()) --it;
  while (true) {
    const unsigned char* lp = it->lp;
    const Master m = ReadMaster(lp);
    bool go = true;
    auto visit = [&](const NodeEntry& e, unsigned char* fv, int64_t pairs, bool same) {
      if (e.flags & kDeleted) return true;
      if (!rev) {
        if (e.id < start) return true;
        if (e.id > end) return go = false;
      } else {
        if (e.id > end) return true;
        if (e.id < start) return go = false;
      }
      return go = fn(it, lp, m, e, fv, pairs, same);
    };
    if (!rev) {
      WalkNode(it->master, lp, m, visit);
    } else {
      WalkNodeBack(it->master, lp, m, visit);
    }
    if (!go) return;
    if (!rev) {
      if (++it == nodes_.end()) return;
    } else {
      if (it == nodes_.begin()) return;
      --it;
    }
  }
}

void Stream::Range(StreamID start, StreamID end, bool rev, uint64_t count,
                   const std::function<bool(Entry&)>& fn) const {
  if (start > end) return;
  uint64_t emitted = 0;
  Iterate(start, end, rev,
          [&](auto, const unsigned char* lp, const Master& m, const NodeEntry& e,
              unsigned char* fv, int64_t pairs, bool same) {
            Entry entry = ReadEntry(lp, m, e, fv, pairs, same);
            if (!fn(entry)) return false;
            return count == 0 || ++emitted < count;
          });
}

std::optional<Stream::Entry> Stream::Get(StreamID id) const {
  std::optional<Entry> out;
  Range(id, id, false, 1, [&](Entry& e) {
    out = std::move(e);
    return false;
  });
  return out;
}

bool Stream::CheckNode(StreamID master, const unsigned char* lp, uint64_t* live,
                       StreamID* first, StreamID* last) {
  // Every element read is one the listpack holds; the layout is checked
  // element by element before anything is trusted.
  auto is_int = [](const unsigned char* p, int64_t* v) {
    if (p == nullptr) return false;
    const lp::Element e = lp::Get(p);
    if (e.is_int) {
      *v = e.ival;
      return true;
    }
    auto parsed = base::ParseInt64(e.sval);
    if (!parsed) return false;
    *v = *parsed;
    return true;
  };
  // No count can exceed the elements there are (nor overflow doubled).
  const auto elements = static_cast<int64_t>(lp::Length(lp));
  unsigned char* p = lp::First(lp);
  int64_t count = 0, deleted = 0, nf = 0;
  if (!is_int(p, &count) || count < 0 || count > elements) return false;
  p = lp::Next(lp, p);
  if (!is_int(p, &deleted) || deleted < 0 || deleted > elements) return false;
  p = lp::Next(lp, p);
  if (!is_int(p, &nf) || nf < 0 || nf > elements) return false;
  for (int64_t i = 0; i <= nf; i++) {
    p = lp::Next(lp, p);
    if (p == nullptr) return false;
  }
  int64_t zero = -1;
  if (!is_int(p, &zero) || zero != 0) return false;
  p = lp::Next(lp, p);
  int64_t seen_live = 0, seen_deleted = 0;
  bool any = false;
  StreamID prev;
  while (p != nullptr) {
    int64_t flags = 0, ms = 0, seq = 0, pairs = nf, lpcount = 0;
    if (!is_int(p, &flags) || (flags & ~(kDeleted | kSameFields)) != 0) return false;
    p = lp::Next(lp, p);
    if (!is_int(p, &ms)) return false;
    p = lp::Next(lp, p);
    if (!is_int(p, &seq)) return false;
    p = lp::Next(lp, p);
    const bool same = (flags & kSameFields) != 0;
    if (!same) {
      if (!is_int(p, &pairs) || pairs <= 0 || pairs > elements) return false;
      p = lp::Next(lp, p);
    }
    for (int64_t i = 0; i < (same ? pairs : 2 * pairs); i++) {
      if (p == nullptr) return false;
      p = lp::Next(lp, p);
    }
    if (!is_int(p, &lpcount) || lpcount != (same ? pairs + 3 : 2 * pairs + 4)) return false;
    p = lp::Next(lp, p);
    // (IDs need not rise within a node: XSETID can move the top ID back
    // below a deleted entry's. Live ones always rise.)
    const StreamID id{master.ms + static_cast<uint64_t>(ms), master.seq + static_cast<uint64_t>(seq)};
    any = true;
    if (flags & kDeleted) {
      seen_deleted++;
      continue;
    }
    if (seen_live > 0 && id <= prev) return false;
    if (seen_live == 0) *first = id;
    prev = id;
    seen_live++;
  }
  // (A node whose entries are all deleted stays: XTRIM flags entries
  // without freeing their node.)
  if (!any || seen_live != count || seen_deleted != deleted) return false;
  *last = prev;
  *live = static_cast<uint64_t>(count);
  return true;
}

std::deque<Stream::Node>::iterator Stream::LowerBound(StreamID master) {
  return std::lower_bound(nodes_.begin(), nodes_.end(), master,
                          [](const Node& n, StreamID id) { return n.master < id; });
}

unsigned char* Stream::Put(StreamID master, unsigned char* lp) {
  // Nearly always at the end: a new node, or one read in order.
  if (nodes_.empty() || nodes_.back().master < master) {
    nodes_.push_back({master, lp});
    return nullptr;
  }
  auto it = LowerBound(master);
  if (it != nodes_.end() && it->master == master) return std::exchange(it->lp, lp);
  nodes_.insert(it, {master, lp});
  return nullptr;
}

void Stream::AdoptNode(StreamID master, unsigned char* lp) {
  if (unsigned char* old = Put(master, lp)) lp::Free(old);
  length_ += static_cast<uint64_t>(ReadMaster(lp).count);
}

StreamID Stream::FirstEntryId() const {
  if (nodes_.empty()) return StreamID::Max();
  const auto& [master, lp] = *nodes_.begin();
  StreamID out = StreamID::Max();
  WalkNode(master, lp, ReadMaster(lp), [&](const NodeEntry& e, unsigned char*, int64_t, bool) {
    out = e.id;
    return false;
  });
  return out;
}

void Stream::UpdateFirstId() {
  first_id_ = StreamID{};
  Range(StreamID{}, StreamID::Max(), false, 1, [&](const Entry& e) {
    first_id_ = e.id;
    return false;
  });
}

size_t Stream::MemoryUsage() const {
  size_t n = sizeof(Stream);
  for (const auto& [id, lp] : nodes_) n += lp::Bytes(lp) + sizeof(Node);
  for (const auto& [name, g] : groups_) {
    n += sizeof(StreamGroup) + name.size() + g->pel.size() * 64;
    for (const auto& [cname, c] : g->consumers) n += sizeof(StreamConsumer) + cname.size() + c->pel.size() * 48;
  }
  return n;
}

bool StreamRangeHasTombstones(const Stream& s, StreamID start, StreamID end) {
  if (s.length() == 0 || s.max_deleted_id().IsZero()) return false;
  if (s.first_id() > s.max_deleted_id()) return false;
  return start <= s.max_deleted_id() && s.max_deleted_id() <= end;
}

int64_t StreamEstimateDistance(const Stream& s, StreamID id) {
  if (s.entries_added() == 0) return 0;
  const auto added = static_cast<int64_t>(s.entries_added());
  if (s.length() == 0 && id <= s.last_id()) return added;
  if (id == s.last_id()) return added;
  if (id > s.last_id()) return -1;
  const StreamID xdel = s.max_deleted_id();
  if (xdel.IsZero() || xdel < s.first_id()) {
    if (id < s.first_id()) return added - static_cast<int64_t>(s.length());
    if (id == s.first_id()) return added - static_cast<int64_t>(s.length()) + 1;
  }
  return -1;
}

}  // namespace cairn::types
