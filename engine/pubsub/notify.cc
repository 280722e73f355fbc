#include "engine/pubsub/notify.h"

#include <string>

#include "engine/config.h"
#include "engine/pubsub/pubsub.h"

namespace cairn::engine {

void NotifyKeyspaceEvent(PubSub& pubsub, int flags, int type, std::string_view event,
                         std::string_view key, int db) {
  if ((flags & type) == 0) return;
  const std::string prefix = "@" + std::to_string(db) + "__:";
  if (flags & notify::kKeyspace) {
    pubsub.Publish("__keyspace" + prefix + std::string(key), event);
  }
  if (flags & notify::kKeyevent) {
    pubsub.Publish("__keyevent" + prefix + std::string(event), key);
  }
}

}  // namespace cairn::engine
