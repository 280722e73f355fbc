#include "engine/transactions/transaction.h"

#include <algorithm>

#include "engine/client_state.h"
#include "engine/keyspace.h"

namespace cairn::engine {
namespace {

// Present in the table, expired or not (Redis's dictFind).
bool Exists(const Db& db, std::string_view key) { return db.entries().Find(key) != nullptr; }

WatchedKey* Find(ClientState& c, int db, std::string_view key) {
  for (WatchedKey& wk : c.tx.watched) {
    if (wk.db == db && wk.key == key) return &wk;
  }
  return nullptr;
}

}  // namespace

void WatchTable::Watch(ClientState& c, int db, std::string_view key, bool expired) {
  if (Find(c, db, key) != nullptr) return;
  if (c.tx.watched.empty()) watching_clients_++;
  c.tx.watched.push_back({db, std::string(key), expired});
  Watchers& w = dbs_[static_cast<size_t>(db)];
  auto it = w.find(key);
  if (it == w.end()) it = w.emplace(std::string(key), std::vector<ClientState*>{}).first;
  it->second.push_back(&c);
}

void WatchTable::UnwatchAll(ClientState& c) {
  if (c.tx.watched.empty()) return;
  for (const WatchedKey& wk : c.tx.watched) {
    Watchers& w = dbs_[static_cast<size_t>(wk.db)];
    auto it = w.find(wk.key);
    if (it == w.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) w.erase(it);
  }
  c.tx.watched.clear();
  watching_clients_--;
}

void WatchTable::Touch(int db, std::string_view key, const Db& now) {
  if (watching_clients_ == 0) return;
  Watchers& w = dbs_[static_cast<size_t>(db)];
  auto it = w.find(key);
  if (it == w.end()) return;
  for (ClientState* c : it->second) {
    WatchedKey* wk = Find(*c, db, key);
    if (wk != nullptr && wk->expired) {
      // An already expired key was deleted: logically nothing changed.
      if (!Exists(now, key)) {
        wk->expired = false;
        continue;
      }
    }
    c->tx.dirty = true;
  }
}

void WatchTable::TouchDb(int db, const Db& emptied, const Db* replaced_with, int64_t now_ms) {
  if (watching_clients_ == 0) return;
  for (auto& [key, clients] : dbs_[static_cast<size_t>(db)]) {
    const bool in_emptied = Exists(emptied, key);
    const bool in_replacement = replaced_with != nullptr && Exists(*replaced_with, key);
    if (!in_emptied && !in_replacement) continue;
    for (ClientState* c : clients) {
      WatchedKey* wk = Find(*c, db, key);
      if (wk == nullptr) continue;
      if (wk->expired) {
        if (!in_replacement) {
          wk->expired = false;  // the expired key is simply gone
          continue;
        }
        if (replaced_with->ExpiredAt(key, now_ms)) continue;  // still expired
      } else if (!in_emptied && replaced_with->ExpiredAt(key, now_ms)) {
        wk->expired = true;  // a missing key replaced by an expired one
        continue;
      }
      c->tx.dirty = true;
    }
  }
}

void DiscardTransaction(ClientState& client, WatchTable& watches) {
  watches.UnwatchAll(client);
  client.tx.active = false;
  client.tx.aborted = false;
  client.tx.dirty = false;
  client.tx.queued.clear();
}

bool WatchTable::AnyExpiredSince(const ClientState& c, const Keyspace& ks, int64_t now_ms) {
  return std::any_of(c.tx.watched.begin(), c.tx.watched.end(), [&](const WatchedKey& wk) {
    return !wk.expired && ks.db(wk.db).ExpiredAt(wk.key, now_ms);
  });
}

}  // namespace cairn::engine
