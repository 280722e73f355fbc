// MULTI/EXEC/WATCH: each client's transaction, and the table of watched
// keys (Redis's multi.c). The engine queues commands between MULTI and EXEC
// (Engine::Execute) and runs them as one unit; WatchTable turns every change
// of a watched key (a write, an expiry, FLUSHALL, SWAPDB) into a failed EXEC
// for its watchers. Engine thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cairn::engine {

class Db;
class Keyspace;
struct ClientState;

struct WatchedKey {
  int db = 0;
  std::string key;
  // Logically expired (not yet deleted) when WATCH was called: its deletion
  // is then no change, and only its coming back counts (Redis 7.0).
  bool expired = false;
};

struct TransactionState {
  bool active = false;   // between MULTI and EXEC/DISCARD
  bool aborted = false;  // a command was refused while queuing: EXECABORT
  bool dirty = false;    // a watched key changed: EXEC answers nil
  std::vector<std::vector<std::string>> queued;
  std::vector<WatchedKey> watched;
};

class WatchTable {
 public:
  explicit WatchTable(int databases) : dbs_(static_cast<size_t>(databases)) {}

  // WATCH: `expired` says the key is there but logically expired now.
  void Watch(ClientState& c, int db, std::string_view key, bool expired);
  void UnwatchAll(ClientState& c);

  // The key was changed (Redis's touchWatchedKey). `now` is its database
  // after the change.
  void Touch(int db, std::string_view key, const Db& now);
  // The whole database is about to be emptied (FLUSHDB, FLUSHALL) or
  // replaced by `replaced_with` (SWAPDB): watchers of a key that exists in
  // either are dirty (Redis's touchAllWatchedKeysInDb).
  void TouchDb(int db, const Db& emptied, const Db* replaced_with, int64_t now_ms);

  // EXEC: a watched key, live at WATCH, has expired since.
  static bool AnyExpiredSince(const ClientState& c, const Keyspace& ks, int64_t now_ms);

  bool empty() const { return watching_clients_ == 0; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Watchers = std::unordered_map<std::string, std::vector<ClientState*>, Hash, std::equal_to<>>;
  std::vector<Watchers> dbs_;
  size_t watching_clients_ = 0;
};

// Ends the client's transaction (if any) and forgets its watched keys: after
// EXEC, DISCARD, RESET, and when the connection closes.
void DiscardTransaction(ClientState& client, WatchTable& watches);

}  // namespace cairn::engine
