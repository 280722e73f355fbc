// Helpers for forked children (BGSAVE, the log rewrite).
#pragma once

namespace cairn::base {

// In a freshly forked child: closes every socket it inherited, so that
// listening ports are free for a restarted server even while the child
// still runs, and clients never talk to the child. Files stay open.
void CloseInheritedSockets();

}  // namespace cairn::base
