// Keyspace notifications (Redis's notify.c): with notify-keyspace-events
// enabling the event's class, PUBLISH __keyspace@<db>__:<key> <event> (K)
// and __keyevent@<db>__:<event> <key> (E), in that order.
#pragma once

#include <string_view>

namespace cairn::engine {

class PubSub;

// `flags`: notify-keyspace-events as parsed (notify:: in config.h); `type`:
// the event's class (notify::kString, ...).
void NotifyKeyspaceEvent(PubSub& pubsub, int flags, int type, std::string_view event,
                         std::string_view key, int db);

}  // namespace cairn::engine
