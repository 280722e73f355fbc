// Helpers for forked children (BGSAVE, the log rewrite).
#pragma once

namespace cairn::base {

// In a freshly forked child: closes every socket it inherited, so that
// listening ports are free for a restarted server even while the child
// still runs, and clients never talk to the child (files stay open); and
// unblocks every signal (the server blocks SIGINT and SIGTERM to read them
// from a signalfd), so that a child left behind by a killed server still
// dies of SIGTERM.
void SetUpForkedChild();

}  // namespace cairn::base
