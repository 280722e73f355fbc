// Pub/Sub commands (Redis's pubsub.c): SUBSCRIBE and friends, PUBLISH,
// SPUBLISH, PUBSUB. The subscriptions live in engine/pubsub/; RESP2's
// subscribe mode (only these commands, PING, QUIT and RESET) is enforced by
// Engine::Execute.
#include <vector>

#include "engine/command_context.h"
#include "engine/commands/registry.h"
#include "engine/pubsub/pubsub.h"

namespace cairn::engine {
namespace {

using Kind = PubSub::Kind;

// One confirmation per name: [kind, name, count], a push in RESP3.
void Confirm(CommandContext& ctx, std::string_view what, const std::string* name, size_t count) {
  ctx.reply.Push(3);
  ctx.reply.Bulk(what);
  if (name != nullptr) {
    ctx.reply.Bulk(*name);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Int(static_cast<int64_t>(count));
}

size_t CountFor(const ClientState& c, Kind kind) {
  return kind == Kind::kShard ? c.subs.shard_channels.size() : c.subs.count();
}

void SubscribeGeneric(CommandContext& ctx, ArgList args, Kind kind, std::string_view what) {
  for (size_t i = 1; i < args.size(); i++) {
    ctx.pubsub.Subscribe(ctx.client, kind, args[i]);
    Confirm(ctx, what, &args[i], CountFor(ctx.client, kind));
  }
}

void UnsubscribeGeneric(CommandContext& ctx, ArgList args, Kind kind, std::string_view what) {
  std::vector<std::string> names;
  if (args.size() > 1) {
    names.assign(args.begin() + 1, args.end());
  } else {
    const auto& mine = kind == Kind::kChannel   ? ctx.client.subs.channels
                       : kind == Kind::kPattern ? ctx.client.subs.patterns
                                                : ctx.client.subs.shard_channels;
    names.assign(mine.begin(), mine.end());
  }
  if (names.empty()) return Confirm(ctx, what, nullptr, CountFor(ctx.client, kind));
  for (const std::string& n : names) {
    ctx.pubsub.Unsubscribe(ctx.client, kind, n);
    Confirm(ctx, what, &n, CountFor(ctx.client, kind));
  }
}

void Subscribe(CommandContext& ctx, ArgList args) {
  SubscribeGeneric(ctx, args, Kind::kChannel, "subscribe");
}
void Unsubscribe(CommandContext& ctx, ArgList args) {
  UnsubscribeGeneric(ctx, args, Kind::kChannel, "unsubscribe");
}
void PSubscribe(CommandContext& ctx, ArgList args) {
  SubscribeGeneric(ctx, args, Kind::kPattern, "psubscribe");
}
void PUnsubscribe(CommandContext& ctx, ArgList args) {
  UnsubscribeGeneric(ctx, args, Kind::kPattern, "punsubscribe");
}
void SSubscribe(CommandContext& ctx, ArgList args) {
  SubscribeGeneric(ctx, args, Kind::kShard, "ssubscribe");
}
void SUnsubscribe(CommandContext& ctx, ArgList args) {
  UnsubscribeGeneric(ctx, args, Kind::kShard, "sunsubscribe");
}

void Publish(CommandContext& ctx, ArgList args) {
  ctx.reply.Int(static_cast<int64_t>(ctx.pubsub.Publish(args[1], args[2])));
}
void SPublish(CommandContext& ctx, ArgList args) {
  ctx.reply.Int(static_cast<int64_t>(ctx.pubsub.PublishShard(args[1], args[2])));
}

void ChannelsGeneric(CommandContext& ctx, ArgList args, Kind kind) {
  if (args.size() > 3) {
    return ctx.Error(errors::SubcommandSyntax(args[1], "pubsub"));
  }
  const std::vector<std::string> names =
      ctx.pubsub.Channels(kind, args.size() == 3 ? &args[2] : nullptr);
  ctx.reply.Array(names.size());
  for (const std::string& n : names) ctx.reply.Bulk(n);
}

void NumsubGeneric(CommandContext& ctx, ArgList args, Kind kind) {
  // A flat array of pairs, in RESP3 too (as Redis 7.0 answers).
  ctx.reply.Array(2 * (args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) {
    ctx.reply.Bulk(args[i]);
    ctx.reply.Int(static_cast<int64_t>(ctx.pubsub.Subscribers(kind, args[i])));
  }
}

void PubsubChannels(CommandContext& ctx, ArgList args) { ChannelsGeneric(ctx, args, Kind::kChannel); }
void PubsubShardChannels(CommandContext& ctx, ArgList args) {
  ChannelsGeneric(ctx, args, Kind::kShard);
}
void PubsubNumsub(CommandContext& ctx, ArgList args) { NumsubGeneric(ctx, args, Kind::kChannel); }
void PubsubShardNumsub(CommandContext& ctx, ArgList args) {
  NumsubGeneric(ctx, args, Kind::kShard);
}
void PubsubNumpat(CommandContext& ctx, ArgList) {
  ctx.reply.Int(static_cast<int64_t>(ctx.pubsub.Patterns()));
}

void PubsubHelp(CommandContext& ctx, ArgList) {
  static constexpr std::string_view kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help."};
  ctx.ReplyLines(kLines);
}

}  // namespace

void RegisterPubSubCommands(CommandTable& t) {
  t.Add({
      {.name = "subscribe", .arity = -2, .flags = kPubsub | kNoScript | kLoading | kStale, .handler = Subscribe,
       .doc = {.summary = "Listen for messages published to the given channels",
               .since = "2.0.0",
               .group = "pubsub",
               .complexity = "O(N) where N is the number of channels to subscribe to.",
               .arguments = {{.name = "channel", .type = "string", .flags = kArgMultiple}}}},
      {.name = "unsubscribe", .arity = -1, .flags = kPubsub | kNoScript | kLoading | kStale, .handler = Unsubscribe,
       .doc = {.summary = "Stop listening for messages posted to the given channels",
               .since = "2.0.0",
               .group = "pubsub",
               .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
               .arguments = {{.name = "channel", .type = "string", .flags = kArgOptional | kArgMultiple}}}},
      {.name = "psubscribe", .arity = -2, .flags = kPubsub | kNoScript | kLoading | kStale, .handler = PSubscribe,
       .doc = {.summary = "Listen for messages published to channels matching the given patterns",
               .since = "2.0.0",
               .group = "pubsub",
               .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
               .arguments = {{.name = "pattern", .type = "block", .flags = kArgMultiple, .arguments = {{.name = "pattern", .type = "pattern"}}}}}},
      {.name = "punsubscribe", .arity = -1, .flags = kPubsub | kNoScript | kLoading | kStale, .handler = PUnsubscribe,
       .doc = {.summary = "Stop listening for messages posted to channels matching the given patterns",
               .since = "2.0.0",
               .group = "pubsub",
               .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
               .arguments = {{.name = "pattern", .type = "pattern", .flags = kArgOptional | kArgMultiple}}}},
      {.name = "ssubscribe", .arity = -2, .flags = kPubsub | kNoScript | kLoading | kStale, .keys = {1, -1, 1}, .handler = SSubscribe,
       .doc = {.summary = "Listen for messages published to the given shard channels",
               .since = "7.0.0",
               .group = "pubsub",
               .complexity = "O(N) where N is the number of shard channels to subscribe to.",
               .arguments = {{.name = "shardchannel", .type = "string", .flags = kArgMultiple}}},
       .key_specs = {{.flags = ks::kNotKey, .index = 1, .lastkey = -1}}},
      {.name = "sunsubscribe", .arity = -1, .flags = kPubsub | kNoScript | kLoading | kStale, .keys = {1, -1, 1}, .handler = SUnsubscribe,
       .doc = {.summary = "Stop listening for messages posted to the given shard channels",
               .since = "7.0.0",
               .group = "pubsub",
               .complexity = "O(N) where N is the number of clients already subscribed to a shard channel.",
               .arguments = {{.name = "shardchannel", .type = "string", .flags = kArgOptional | kArgMultiple}}},
       .key_specs = {{.flags = ks::kNotKey, .index = 1, .lastkey = -1}}},
      {.name = "publish", .arity = 3, .flags = kPubsub | kLoading | kStale | kFast | kMayReplicate, .handler = Publish,
       .doc = {.summary = "Post a message to a channel",
               .since = "2.0.0",
               .group = "pubsub",
               .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
               .arguments = {{.name = "channel", .type = "string"},
              {.name = "message", .type = "string"}}}},
      {.name = "spublish", .arity = 3, .flags = kPubsub | kLoading | kStale | kFast | kMayReplicate, .keys = {1, 1, 1}, .handler = SPublish,
       .doc = {.summary = "Post a message to a shard channel",
               .since = "7.0.0",
               .group = "pubsub",
               .complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.",
               .arguments = {{.name = "shardchannel", .type = "string"},
              {.name = "message", .type = "string"}}},
       .key_specs = {{.flags = ks::kNotKey, .index = 1}}},
      {.name = "pubsub", .arity = -2,
       .doc = {.summary = "A container for Pub/Sub commands", .since = "2.8.0",
               .group = "pubsub", .complexity = "Depends on subcommand."},
       .subcommands =
           {
               {.name = "channels", .arity = -2, .flags = kPubsub | kLoading | kStale, .handler = PubsubChannels,
                .doc = {.summary = "List active channels",
                        .since = "2.8.0",
                        .group = "pubsub",
                        .complexity = "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
                        .arguments = {{.name = "pattern", .type = "pattern", .flags = kArgOptional}}}},
               {.name = "numsub", .arity = -2, .flags = kPubsub | kLoading | kStale, .handler = PubsubNumsub,
                .doc = {.summary = "Get the count of subscribers for channels",
                        .since = "2.8.0",
                        .group = "pubsub",
                        .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
                        .arguments = {{.name = "channel", .type = "string", .flags = kArgOptional | kArgMultiple}}}},
               {.name = "numpat", .arity = 2, .flags = kPubsub | kLoading | kStale, .handler = PubsubNumpat,
                .doc = {.summary = "Get the count of unique patterns pattern subscriptions",
                        .since = "2.8.0",
                        .group = "pubsub",
                        .complexity = "O(1)"}},
               {.name = "shardchannels", .arity = -2, .flags = kPubsub | kLoading | kStale, .handler = PubsubShardChannels,
                .doc = {.summary = "List active shard channels",
                        .since = "7.0.0",
                        .group = "pubsub",
                        .complexity = "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
                        .arguments = {{.name = "pattern", .type = "pattern", .flags = kArgOptional}}}},
               {.name = "shardnumsub", .arity = -2, .flags = kPubsub | kLoading | kStale, .handler = PubsubShardNumsub,
                .doc = {.summary = "Get the count of subscribers for shard channels",
                        .since = "7.0.0",
                        .group = "pubsub",
                        .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
                        .arguments = {{.name = "shardchannel", .type = "string", .flags = kArgOptional | kArgMultiple}}}},
               {.name = "help", .arity = 2, .flags = kLoading | kStale, .handler = PubsubHelp,
                .doc = {.summary = "Show helpful text about the different subcommands",
                        .since = "6.2.0",
                        .group = "pubsub",
                        .complexity = "O(1)"}},
           }},
  });
}

}  // namespace cairn::engine
