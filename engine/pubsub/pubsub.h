// Pub/Sub (Redis's pubsub.c): channels, patterns and shard channels with
// their subscribers. A message goes to each subscriber's connection at once
// (ClientConnection::Push), framed for that client's protocol: an array in
// RESP2, a push in RESP3. Engine thread only.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cairn::engine {

struct ClientState;

// What one client is subscribed to. std::set: UNSUBSCRIBE with no argument
// answers for each in a stable order.
struct Subscriptions {
  std::set<std::string, std::less<>> channels;
  std::set<std::string, std::less<>> patterns;
  std::set<std::string, std::less<>> shard_channels;
  // SUBSCRIBE/PSUBSCRIBE replies count these two together, as Redis does.
  size_t count() const { return channels.size() + patterns.size(); }
  bool any() const { return count() > 0 || !shard_channels.empty(); }
};

class PubSub {
 public:
  enum class Kind { kChannel, kPattern, kShard };

  // False when the client was already (not) subscribed.
  bool Subscribe(ClientState& c, Kind kind, std::string_view name);
  bool Unsubscribe(ClientState& c, Kind kind, std::string_view name);
  void UnsubscribeAll(ClientState& c);

  // PUBLISH (channel subscribers, then pattern subscribers) and SPUBLISH:
  // the number of deliveries.
  size_t Publish(std::string_view channel, std::string_view message);
  size_t PublishShard(std::string_view channel, std::string_view message);

  // PUBSUB CHANNELS / SHARDCHANNELS (pattern may be null), NUMSUB /
  // SHARDNUMSUB, NUMPAT.
  std::vector<std::string> Channels(Kind kind, const std::string* pattern) const;
  size_t Subscribers(Kind kind, std::string_view channel) const;
  size_t Patterns() const { return patterns_.size(); }
  // INFO stats: channels (or shard channels) with subscribers.
  size_t ChannelCount(Kind kind) const { return table(kind).size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Subscribers in the order they subscribed, as Redis's lists keep them.
  using Table = std::unordered_map<std::string, std::vector<ClientState*>, Hash, std::equal_to<>>;
  Table& table(Kind kind) {
    return kind == Kind::kChannel ? channels_ : kind == Kind::kPattern ? patterns_ : shard_;
  }
  const Table& table(Kind kind) const { return const_cast<PubSub*>(this)->table(kind); }

  Table channels_;
  Table patterns_;
  Table shard_;
  std::vector<std::string> pattern_order_;  // patterns in the order they first appeared
};

}  // namespace cairn::engine
