#include "engine/blocking/blocked_clients.h"

#include "base/check.h"
#include "protocol/resp_writer.h"

namespace cairn::engine {

void BlockedClients::Park(Wait w) {
  ClientState* c = w.client;
  CAIRN_CHECK(!waits_.contains(c->id));
  for (const std::string& k : w.keys) {
    auto& waiters = by_key_[DbKey(w.db, k)];
    // A key named twice (BLPOP a a 0) waits once.
    if (waiters.empty() || waiters.back() != c->id) waiters.push_back(c->id);
  }
  if (w.deadline_ms != 0) deadlines_.emplace(w.deadline_ms, c->id);
  c->blocked = true;
  waits_.emplace(c->id, std::move(w));
}

const BlockedClients::Wait* BlockedClients::Find(uint64_t client_id) const {
  auto it = waits_.find(client_id);
  return it == waits_.end() ? nullptr : &it->second;
}

void BlockedClients::Unlink(const Wait& w) {
  const uint64_t id = w.client->id;
  for (const std::string& k : w.keys) {
    auto it = by_key_.find(DbKey(w.db, k));
    if (it == by_key_.end()) continue;
    it->second.remove(id);
    if (it->second.empty()) by_key_.erase(it);
  }
  if (w.deadline_ms != 0) deadlines_.erase({w.deadline_ms, id});
}

void BlockedClients::Remove(ClientState& client) {
  auto it = waits_.find(client.id);
  if (it == waits_.end()) return;
  Unlink(it->second);
  waits_.erase(it);
  client.blocked = false;
}

void BlockedClients::Finish(ClientState& client, std::string reply, bool logged) {
  Remove(client);
  if (client.conn != nullptr) client.conn->OnUnblocked(std::move(reply), logged);
}

bool BlockedClients::Unblock(uint64_t client_id, bool as_error) {
  auto it = waits_.find(client_id);
  if (it == waits_.end()) return false;
  ClientState& c = *it->second.client;
  std::string reply;
  protocol::RespWriter w(&reply, c.resp);
  if (as_error) {
    w.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else {
    w.NullArray();
  }
  Finish(c, std::move(reply), false);
  return true;
}

void BlockedClients::UnblockAll(std::string_view error) {
  std::vector<ClientState*> clients;
  for (auto& [id, w] : waits_) clients.push_back(w.client);
  for (ClientState* c : clients) {
    std::string reply;
    protocol::RespWriter(&reply, c->resp).Error(error);
    c->close_after_reply = true;
    Finish(*c, std::move(reply), false);
  }
}

void BlockedClients::KeyStored(int db, std::string_view key, bool) {
  if (by_key_.empty()) return;
  DbKey k(db, std::string(key));
  if (!by_key_.contains(k) || ready_set_.contains(k)) return;
  ready_set_.insert(k);
  ready_.push_back(std::move(k));
}

void BlockedClients::KeyDeleted(int db, std::string_view key) {
  if (by_key_.empty()) return;
  for (uint64_t id : Waiters(db, key)) {
    const Wait* w = Find(id);
    if (w != nullptr && w->type == ValueType::kStream) return KeyStored(db, key);
  }
}

void BlockedClients::SignalFlushed(int db) {
  for (const auto& [k, waiters] : by_key_) {
    if (db < 0 || k.first == db) KeyDeleted(k.first, k.second);
  }
}

void BlockedClients::SignalStreamsGone(int db, const Db& now, const Db& replaced_with) {
  auto is_stream = [](const Db& d, const std::string& key) {
    const auto* e = d.entries().Find(key);
    return e != nullptr && e->value.type == ValueType::kStream;
  };
  for (const auto& [k, waiters] : by_key_) {
    if (k.first == db && is_stream(now, k.second) && !is_stream(replaced_with, k.second)) {
      KeyDeleted(db, k.second);
    }
  }
}

void BlockedClients::SignalDb(int db, const Db& contents) {
  for (const auto& [k, waiters] : by_key_) {
    if (k.first == db && contents.entries().Find(k.second) != nullptr) {
      KeyStored(db, k.second);
    }
  }
}

std::vector<std::pair<int, std::string>> BlockedClients::TakeReady() {
  std::vector<DbKey> out;
  out.swap(ready_);
  ready_set_.clear();
  return out;
}

std::vector<uint64_t> BlockedClients::Waiters(int db, std::string_view key) const {
  auto it = by_key_.find(DbKey(db, std::string(key)));
  if (it == by_key_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

int64_t BlockedClients::NextDeadline() const {
  return deadlines_.empty() ? 0 : deadlines_.begin()->first;
}

void BlockedClients::ExpireTimeouts(int64_t now_ms) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    const uint64_t id = deadlines_.begin()->second;
    const Wait& w = waits_.at(id);
    ClientState& c = *w.client;
    std::string reply;
    protocol::RespWriter out(&reply, c.resp);
    switch (w.timeout_reply) {
      case TimeoutReply::kNullArray:
        out.NullArray();
        break;
    }
    Finish(c, std::move(reply), false);
  }
}

}  // namespace cairn::engine
