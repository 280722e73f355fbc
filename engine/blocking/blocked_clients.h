// BlockedClients: clients parked by a blocking command (BLPOP, BLMOVE,
// BZPOPMIN, BLMPOP, XREAD, XREADGROUP... and later cold reads) until a key
// they wait on holds data, their timeout passes, CLIENT UNBLOCK frees them
// or they disconnect (ARCHITECTURE.md, engine/blocking/).
//
// How a wake-up works (running the command again is Redis 7.2's way; what it
// serves is Redis 7.0's): every store of a key (Db::Put, so any command that
// creates or replaces one) is reported here; a key somebody waits on is
// remembered as ready. After the command that stored it has run (after
// EXEC or a script as a whole, later), the engine runs each waiting
// client's command again, in the order the clients blocked, for as long as
// the key still exists — the command itself takes what it needs and logs its
// effect as the non-blocking equivalent, so replay is deterministic. The
// command run again looks at that key only (CommandContext::ServesFrom), as
// Redis 7.0 serves a woken client from the key that became ready; a client
// whose command still finds nothing stays parked, in its place.
// Streams differ in two ways: XADD to a stream that exists reports it too,
// and so does a deletion, so that XREADGROUP can answer that its stream is
// gone (and their waiters run again whatever the key holds now).
//
// Engine thread only.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/client_state.h"
#include "engine/keyspace.h"

namespace cairn::engine {

struct CommandSpec;

// What a client is told when its wait ends without data.
enum class TimeoutReply {
  kNullArray,  // BLPOP & co. and XREAD: *-1 (RESP3 _)
};

class BlockedClients : public StoreObserver {
 public:
  struct Wait {
    ClientState* client = nullptr;
    int db = 0;
    std::vector<std::string> keys;
    ValueType type = ValueType::kList;  // what a key must hold to wake it
    int64_t deadline_ms = 0;            // 0: none
    TimeoutReply timeout_reply = TimeoutReply::kNullArray;
    const CommandSpec* cmd = nullptr;  // run again on wake-up, with argv
    std::vector<std::string> argv;
  };

  BlockedClients() = default;
  BlockedClients(const BlockedClients&) = delete;
  BlockedClients& operator=(const BlockedClients&) = delete;

  // Parks w.client (marking it blocked). REQUIRES: not parked already.
  void Park(Wait w);
  const Wait* Find(uint64_t client_id) const;
  // Forgets a client's wait (it disconnected, or was served): no reply.
  void Remove(ClientState& client);
  // Ends a wait with `reply` (RESP bytes already encoded for the client).
  void Finish(ClientState& client, std::string reply, bool logged);
  // CLIENT UNBLOCK: ends the wait as a timeout would or with the UNBLOCKED
  // error. False when the client is not parked.
  bool Unblock(uint64_t client_id, bool as_error);
  // Ends every wait with `error` (an error reply's text), each client's
  // connection closed once it has the reply (Redis's
  // disconnectAllBlockedClients).
  void UnblockAll(std::string_view error);

  // StoreObserver: a key was created or replaced.
  void KeyStored(int db, std::string_view key, bool created = false) override;
  // A key was deleted: ready if a stream reader waits on it (see
  // StoreObserver::KeyDeleted).
  void KeyDeleted(int db, std::string_view key);
  // FLUSHDB (`db`) or FLUSHALL (-1): every waited-on key there is deleted.
  void SignalFlushed(int db);
  // SWAPDB, as Redis's dbSwapDatabases: first, before the swap, each
  // waited-on key of `db` that is a stream now and will not be one in
  // `replaced_with` is deleted for its XREADGROUP readers; then, after it,
  // every waited-on key of `db` that exists is ready.
  void SignalStreamsGone(int db, const Db& now, const Db& replaced_with);
  void SignalDb(int db, const Db& contents);

  bool has_ready() const { return !ready_.empty(); }
  // Ready keys in the order they became ready; the set is emptied.
  std::vector<std::pair<int, std::string>> TakeReady();
  // Ids of the clients waiting on (db, key), oldest first.
  std::vector<uint64_t> Waiters(int db, std::string_view key) const;

  // The earliest deadline (ms), 0 when nobody has one.
  int64_t NextDeadline() const;
  // Ends every wait whose deadline is at or before now_ms.
  void ExpireTimeouts(int64_t now_ms);

  size_t blocked_clients() const { return waits_.size(); }
  size_t blocking_keys() const { return by_key_.size(); }
  size_t timed_clients() const { return deadlines_.size(); }

 private:
  using DbKey = std::pair<int, std::string>;
  void Unlink(const Wait& w);

  std::unordered_map<uint64_t, Wait> waits_;  // by client id
  // Waiting client ids per key, oldest first.
  std::map<DbKey, std::list<uint64_t>, std::less<>> by_key_;
  std::set<std::pair<int64_t, uint64_t>> deadlines_;  // (deadline, client id)
  std::vector<DbKey> ready_;
  std::set<DbKey, std::less<>> ready_set_;
};

}  // namespace cairn::engine
