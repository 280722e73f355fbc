#include "engine/pubsub/pubsub.h"

#include <algorithm>

#include "base/string_util.h"
#include "engine/client_state.h"
#include "protocol/resp_writer.h"

namespace cairn::engine {
namespace {

std::set<std::string, std::less<>>& Mine(ClientState& c, PubSub::Kind kind) {
  switch (kind) {
    case PubSub::Kind::kChannel: return c.subs.channels;
    case PubSub::Kind::kPattern: return c.subs.patterns;
    case PubSub::Kind::kShard: break;
  }
  return c.subs.shard_channels;
}

// The message as `c` reads it: message/smessage channel payload, or
// pmessage pattern channel payload.
void Deliver(ClientState& c, std::string_view kind, const std::string* pattern,
             std::string_view channel, std::string_view message) {
  if (c.conn == nullptr) return;
  std::string bytes;
  protocol::RespWriter w(&bytes, c.resp);
  w.Push(pattern != nullptr ? 4 : 3);
  w.Bulk(kind);
  if (pattern != nullptr) w.Bulk(*pattern);
  w.Bulk(channel);
  w.Bulk(message);
  c.conn->Push(std::move(bytes));
}

}  // namespace

bool PubSub::Subscribe(ClientState& c, Kind kind, std::string_view name) {
  auto& mine = Mine(c, kind);
  if (mine.count(name) != 0) return false;
  mine.emplace(name);
  Table& t = table(kind);
  auto it = t.find(name);
  if (it == t.end()) {
    it = t.emplace(std::string(name), std::vector<ClientState*>{}).first;
    if (kind == Kind::kPattern) pattern_order_.emplace_back(name);
  }
  it->second.push_back(&c);
  return true;
}

bool PubSub::Unsubscribe(ClientState& c, Kind kind, std::string_view name) {
  auto& mine = Mine(c, kind);
  auto own = mine.find(name);
  if (own == mine.end()) return false;
  mine.erase(own);
  Table& t = table(kind);
  auto it = t.find(name);
  if (it != t.end()) {
    std::erase(it->second, &c);
    if (it->second.empty()) {
      t.erase(it);
      if (kind == Kind::kPattern) std::erase(pattern_order_, std::string(name));
    }
  }
  return true;
}

void PubSub::UnsubscribeAll(ClientState& c) {
  for (Kind kind : {Kind::kChannel, Kind::kPattern, Kind::kShard}) {
    const std::vector<std::string> names(Mine(c, kind).begin(), Mine(c, kind).end());
    for (const std::string& n : names) Unsubscribe(c, kind, n);
  }
}

size_t PubSub::Publish(std::string_view channel, std::string_view message) {
  size_t receivers = 0;
  if (auto it = channels_.find(channel); it != channels_.end()) {
    // A copy: a subscriber whose buffer overflows is closed later, never
    // while this loop runs, but the list is cheap to copy anyway.
    const std::vector<ClientState*> subs = it->second;
    for (ClientState* c : subs) {
      Deliver(*c, "message", nullptr, channel, message);
      receivers++;
    }
  }
  for (const std::string& pattern : std::vector<std::string>(pattern_order_)) {
    if (!base::GlobMatch(pattern, channel)) continue;
    auto it = patterns_.find(pattern);
    if (it == patterns_.end()) continue;
    const std::vector<ClientState*> subs = it->second;
    for (ClientState* c : subs) {
      Deliver(*c, "pmessage", &pattern, channel, message);
      receivers++;
    }
  }
  return receivers;
}

size_t PubSub::PublishShard(std::string_view channel, std::string_view message) {
  auto it = shard_.find(channel);
  if (it == shard_.end()) return 0;
  const std::vector<ClientState*> subs = it->second;
  for (ClientState* c : subs) Deliver(*c, "smessage", nullptr, channel, message);
  return subs.size();
}

std::vector<std::string> PubSub::Channels(Kind kind, const std::string* pattern) const {
  std::vector<std::string> out;
  for (const auto& [name, subs] : table(kind)) {
    if (pattern == nullptr || base::GlobMatch(*pattern, name)) out.push_back(name);
  }
  return out;
}

size_t PubSub::Subscribers(Kind kind, std::string_view channel) const {
  const Table& t = table(kind);
  auto it = t.find(channel);
  return it == t.end() ? 0 : it->second.size();
}

}  // namespace cairn::engine
