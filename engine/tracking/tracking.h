// Client-side caching: CLIENT TRACKING (Redis's tracking.c). The server
// remembers which clients read which keys and tells them, in RESP3 push
// messages (or on the __redis__:invalidate channel of a RESP2 client they
// redirect to), when one of those keys changes. BCAST clients instead hear
// of every key under their prefixes, batched once per loop pass.
//
// The table is keyed on the key's name alone, whatever its database, as in
// Redis: a client that read "k" in db 1 hears of "k" changing in db 0.
// Engine thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cairn::engine {

struct ClientState;

// A client's CLIENT TRACKING settings (ClientState::tracking).
struct ClientTracking {
  bool on = false;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  // CLIENT CACHING yes (OPTIN) / no (OPTOUT) was given for the next command.
  bool caching = false;
  bool broken_redirect = false;  // the client it redirects to has gone
  uint64_t redirect = 0;         // client id; 0: none
  std::set<std::string> prefixes;  // BCAST; "" when none was named
};

class KeyTracking {
 public:
  explicit KeyTracking(const std::map<uint64_t, ClientState*>* clients) : clients_(clients) {}
  KeyTracking(const KeyTracking&) = delete;
  KeyTracking& operator=(const KeyTracking&) = delete;

  struct Options {
    uint64_t redirect = 0;
    bool bcast = false, optin = false, optout = false, noloop = false;
    std::vector<std::string> prefixes;
  };
  // CLIENT TRACKING ON: Redis's checks, in its order; returns its error
  // text, or "" once tracking is on with these options. Prefixes add to
  // those the client already has.
  std::string Enable(ClientState& c, const Options& o);
  // CLIENT TRACKING OFF, RESET, and the connection closing. Keys the client
  // read stay in the table until they change (their messages are dropped).
  void Disable(ClientState& c);

  bool any() const { return tracking_clients_ > 0; }
  // Whether the command `c` runs now makes it remember the keys it reads
  // (tracking on, not BCAST, and OPTIN/OPTOUT as CLIENT CACHING said).
  static bool WantsKeys(const ClientState& c);
  // `c` read `key`: it hears when key changes.
  void Remember(const ClientState& c, std::string_view key, int64_t max_keys);

  // `key` changed (Redis's trackingInvalidateKey): its readers are told, and
  // BCAST clients whose prefix it has will be at the next Flush.
  void Invalidate(std::string_view key);
  // FLUSHDB / FLUSHALL: every tracking client is told "everything" (null).
  void InvalidateAll();

  // The client whose top-level command runs: messages meant for it wait
  // until its reply is whole (and NOLOOP knows who wrote). Nests (a command
  // run for a parked client inside another's).
  struct Pending {
    ClientState* tracker;  // whose message it is (it may redirect)
    std::string payload;   // "" for FLUSHALL's null
  };
  struct Scope {
    ClientState* client = nullptr;
    std::vector<Pending> pending;
  };
  Scope Begin(ClientState* c);
  // Sends the messages held for the ending command's client and restores
  // `outer`.
  void End(Scope outer);
  ClientState* current() const { return current_; }

  // Loop-pass work (Redis's beforeSleep): BCAST messages for the keys that
  // changed, and the table trimmed to max_keys (0: no limit) by
  // invalidating keys, as tracking-table-max-keys asks.
  bool flush_wanted() const { return flush_wanted_; }
  void Flush(int64_t max_keys);

  size_t tracking_clients() const { return tracking_clients_; }
  size_t total_keys() const { return table_.size(); }
  size_t total_items() const { return items_; }
  size_t total_prefixes() const { return prefixes_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Prefix {
    std::vector<ClientState*> clients;
    // Keys changed since the last Flush -> the client that changed them
    // (nullptr: several, or none, so NOLOOP filters nobody).
    std::map<std::string, const ClientState*, std::less<>> keys;
  };
  ClientState* Find(uint64_t id) const;
  void InvalidateTracked(std::string_view key);
  // Sends `payload` (RESP bytes: an array of keys; "": a null written for
  // c's protocol) to c, or to the client it redirects to. A message for
  // the client whose command runs waits, as it is, until its reply is whole;
  // its bytes are made then (the command may change its protocol).
  void Send(ClientState& c, std::string_view payload);
  void Deliver(ClientState& to, std::string bytes);

  const std::map<uint64_t, ClientState*>* clients_;
  std::unordered_map<std::string, std::vector<uint64_t>, Hash, std::equal_to<>> table_;
  size_t items_ = 0;
  std::map<std::string, Prefix, std::less<>> prefixes_;
  size_t tracking_clients_ = 0;
  ClientState* current_ = nullptr;
  std::vector<Pending> pending_;  // for current_, after its reply
  bool flush_wanted_ = false;
};

}  // namespace cairn::engine
