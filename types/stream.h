// Streams: entries (an ID and field/value pairs) in ID order, kept as Redis
// 7.0 keeps them, so that RDB, DUMP and memory match: nodes of up to
// stream-node-max-entries entries or stream-node-max-bytes bytes, each a
// listpack in Redis's stream node layout (doc/stream-rdb.md), keyed by
// their master ID (Redis's rax is an ordered map here). Entries are
// delta-encoded against the node's master entry, and share its field names
// when they have the same ones (SAMEFIELDS). XDEL only flags an entry
// deleted; a node goes when its last live entry does.
//
// Consumer groups (XGROUP, XREADGROUP) hang off the stream: each has its
// last delivered ID, its pending entries list (PEL: ID -> delivery time,
// count and consumer) and its consumers, each with the IDs it owns.
//
// No I/O and no commands in this layer (engine/commands/stream_commands.cc).
#pragma once

#include <compare>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::types {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamID&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  std::string ToString() const;
  // The next / previous ID; false at the largest / smallest.
  bool Incr();
  bool Decr();
  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
  // The 16-byte big-endian form (node keys in RDB, PEL IDs in RDB).
  std::string Encode() const;
  static StreamID Decode(const char* p);
};

struct StreamConsumer;
struct StreamNack {
  int64_t delivery_time = 0;   // ms
  uint64_t delivery_count = 1;
  StreamConsumer* consumer = nullptr;
};
struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;    // ms: last interaction
  int64_t active_time = -1; // ms: last successful read/claim (-1: never)
  std::map<StreamID, StreamNack*> pel;  // into the group's PEL
};
struct StreamGroup {
  StreamID last_id;
  int64_t entries_read = -1;  // -1: unknown (SCG_INVALID_ENTRIES_READ)
  std::map<StreamID, StreamNack> pel;
  std::map<std::string, std::unique_ptr<StreamConsumer>, std::less<>> consumers;
};

class Stream {
 public:
  struct Limits {
    size_t node_max_bytes = 4096;   // stream-node-max-bytes (0: no limit)
    int64_t node_max_entries = 100; // stream-node-max-entries (0: no limit)
  };
  // One entry as read: its ID and fields and values, alternating.
  struct Entry {
    StreamID id;
    std::vector<std::string> fv;
  };

  Stream() = default;
  ~Stream();
  Stream(const Stream& o);
  Stream& operator=(const Stream&) = delete;

  uint64_t length() const { return length_; }
  StreamID last_id() const { return last_id_; }
  StreamID first_id() const { return first_id_; }
  StreamID max_deleted_id() const { return max_deleted_id_; }
  uint64_t entries_added() const { return entries_added_; }
  void set_last_id(StreamID id) { last_id_ = id; }
  void set_first_id(StreamID id) { first_id_ = id; }
  void set_max_deleted_id(StreamID id) { max_deleted_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }

  // Appends an entry. REQUIRES: id > last_id(), fv non-empty and even.
  void Append(StreamID id, std::span<const std::string> fv, const Limits& limits);
  // XDEL of one ID: false when no live entry has it.
  bool Delete(StreamID id);

  struct Trim {
    enum Strategy { kNone, kMaxLen, kMinId } strategy = kNone;
    uint64_t maxlen = 0;
    StreamID minid;
    bool approx = false;
    int64_t limit = 0;  // 0: none
  };
  // XTRIM / XADD's trimming, as Redis's streamTrim: whole nodes first,
  // then (exact only) entries inside the first node left. Returns how
  // many entries went.
  int64_t TrimTo(const Trim& t);

  // Live entries with start <= ID <= end, ascending (descending with
  // `rev`), at most `count` of them (0: all). fn returns false to stop.
  void Range(StreamID start, StreamID end, bool rev, uint64_t count,
             const std::function<bool(Entry&)>& fn) const;
  // The entry with this ID, if live.
  std::optional<Entry> Get(StreamID id) const;

  // A node: its master ID and its listpack (Redis's layout).
  struct Node {
    StreamID master;
    unsigned char* lp;
  };
  // Nodes in master ID order, for RDB.
  const std::deque<Node>& nodes() const { return nodes_; }
  // Loading: adopts a node's listpack (already validated as a stream
  // node by CheckNode) and counts its live entries.
  void AdoptNode(StreamID master, unsigned char* lp);
  // Loading: whether `lp` is a well-formed stream node for `master` (the
  // listpack itself already validated); `*live` its live entries,
  // `*first`/`*last` its first and last live IDs (when it has any).
  static bool CheckNode(StreamID master, const unsigned char* lp, uint64_t* live,
                        StreamID* first, StreamID* last);
  // Recomputes first_id from the entries (after loading or deleting).
  void UpdateFirstId();
  // The first entry's ID, deleted or not (Redis's streamGetEdgeID without
  // skipping tombstones); the largest ID when there is no node.
  StreamID FirstEntryId() const;
  void set_length(uint64_t n) { length_ = n; }

  std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>>& groups() { return groups_; }
  const std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>>& groups() const {
    return groups_;
  }

  // Bytes used, about (MEMORY USAGE).
  size_t MemoryUsage() const;

 private:
  // Redis's iteration over live entries of [start, end]: fn(node, lp,
  // master, entry, fields, pairs, same) returns false to stop.
  template <class Fn>
  void Iterate(StreamID start, StreamID end, bool rev, Fn&& fn) const;

  // The node keyed `master`, or the one after where it would go.
  std::deque<Node>::iterator LowerBound(StreamID master);
  // Puts `lp` under `master`, in order; returns the listpack it replaced.
  unsigned char* Put(StreamID master, unsigned char* lp);

  // A sorted deque rather than Redis's rax or an ordered map: nodes are
  // added at the end and trimmed from the front, and a deque holds each
  // in 24 bytes where a map node took 64 (0.4 bytes per entry at 100
  // entries a node, the difference between Redis's memory and more).
  std::deque<Node> nodes_;
  uint64_t length_ = 0;
  StreamID last_id_, first_id_, max_deleted_id_;
  uint64_t entries_added_ = 0;
  std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>> groups_;
};

// XINFO GROUPS' lag and XREADGROUP's entries_read bookkeeping
// (streamEstimateDistanceFromFirstEverEntry): how many entries were added
// up to `id`, or -1 when it cannot be told.
int64_t StreamEstimateDistance(const Stream& s, StreamID id);
// Whether `id` falls in a range that XDEL/XTRIM touched (streamRangeHasTombstones
// for [start, end]).
bool StreamRangeHasTombstones(const Stream& s, StreamID start, StreamID end);

}  // namespace cairn::types
