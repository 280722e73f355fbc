// Status and Result<T>: how system-level failures (files, sockets, formats)
// travel between modules. Client-visible errors are a separate type
// (engine/errors.h); a Status never reaches a client through ToString().
//
// Messages name what failed and where, e.g.
//   "appendonly.aof.3.incr.aof: checksum mismatch in batch at offset 81920".
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/check.h"

namespace cairn::base {

enum class StatusCode { kOk, kIoError, kCorruption, kNotFound, kInvalidArgument, kNotSupported };

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status IoError(std::string msg) { return Status(StatusCode::kIoError, std::move(msg)); }
  static Status Corruption(std::string msg) {
    return Status(StatusCode::kCorruption, std::move(msg));
  }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(StatusCode::kInvalidArgument, std::move(msg));
  }
  static Status NotSupported(std::string msg) {
    return Status(StatusCode::kNotSupported, std::move(msg));
  }
  // An I/O error from errno, e.g. IoErrorFromErrno("open dump.rdb", ENOENT).
  static Status IoErrorFromErrno(std::string_view what, int err);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // For logs and tool output: "IO error: <message>".
  std::string ToString() const;
  // The same code, with `more` appended to the message (e.g. the key a
  // damaged value belongs to).
  Status Appended(std::string_view more) const {
    return Status(code_, message_ + std::string(more));
  }

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    CAIRN_CHECK(!std::get<Status>(v_).ok());
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    CAIRN_CHECK(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    CAIRN_CHECK(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    CAIRN_CHECK(ok());
    return std::get<T>(std::move(v_));
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cairn::base

#define CAIRN_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::cairn::base::Status _cairn_s = (expr); \
    if (!_cairn_s.ok()) return _cairn_s;     \
  } while (0)
