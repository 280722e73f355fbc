// CAIRN_CHECK: a broken invariant aborts the process with a message, in every
// build type. For conditions that can only be false through a bug in Cairn;
// bad input from clients or files gets an error instead.
#pragma once

namespace cairn::base {
[[noreturn]] void CheckFailed(const char* file, int line, const char* expr);
}  // namespace cairn::base

#define CAIRN_CHECK(cond) \
  ((cond) ? (void)0 : ::cairn::base::CheckFailed(__FILE__, __LINE__, #cond))
