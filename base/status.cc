#include "base/status.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cairn::base {

void CheckFailed(const char* file, int line, const char* expr) {
  std::fprintf(stderr, "CAIRN_CHECK failed at %s:%d: %s\n", file, line, expr);
  std::fflush(stderr);
  std::abort();
}

Status Status::IoErrorFromErrno(std::string_view what, int err) {
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(err);
  return IoError(std::move(msg));
}

std::string Status::ToString() const {
  const char* prefix = "";
  switch (code_) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kIoError:
      prefix = "IO error: ";
      break;
    case StatusCode::kCorruption:
      prefix = "Corruption: ";
      break;
    case StatusCode::kNotFound:
      prefix = "Not found: ";
      break;
    case StatusCode::kInvalidArgument:
      prefix = "Invalid argument: ";
      break;
    case StatusCode::kNotSupported:
      prefix = "Not supported: ";
      break;
  }
  return prefix + message_;
}

}  // namespace cairn::base
