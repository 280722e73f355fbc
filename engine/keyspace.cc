#include "engine/keyspace.h"

namespace cairn::engine {

Entry* Db::Find(std::string_view key, int64_t now_ms) {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  if (it->second.expire_ms >= 0 && it->second.expire_ms <= now_ms) {
    expired_->push_back({index_, it->first});
    expires_--;
    map_.erase(it);
    return nullptr;
  }
  return &it->second;
}

Entry& Db::Put(std::string_view key, Value value, int64_t expire_ms) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    it = map_.emplace(std::string(key), Entry{}).first;
  }
  it->second.value = std::move(value);
  SetExpire(it->second, expire_ms);
  return it->second;
}

void Db::SetExpire(Entry& e, int64_t expire_ms) {
  if (e.expire_ms >= 0) expires_--;
  e.expire_ms = expire_ms;
  if (e.expire_ms >= 0) expires_++;
}

bool Db::Erase(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  if (it->second.expire_ms >= 0) expires_--;
  map_.erase(it);
  return true;
}

void Db::Clear() {
  map_.clear();
  expires_ = 0;
}

Keyspace::Keyspace(int databases) {
  dbs_.reserve(static_cast<size_t>(databases));
  for (int i = 0; i < databases; i++) dbs_.emplace_back(i, &expired_);
}

std::vector<ExpiredKey> Keyspace::TakeExpired() {
  std::vector<ExpiredKey> out;
  out.swap(expired_);
  return out;
}

}  // namespace cairn::engine
