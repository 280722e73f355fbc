// Wall-clock and monotonic time in the units Redis uses (ms and us since the
// Unix epoch). Expiry compares against wall-clock milliseconds, as Redis does,
// so that absolute expiry times in logs and RDB files mean the same to both.
#pragma once

#include <cstdint>

namespace cairn::base {

int64_t NowMs();        // wall clock, ms since epoch
int64_t NowUs();        // wall clock, us since epoch
int64_t MonotonicUs();  // steady clock, for durations only

}  // namespace cairn::base
