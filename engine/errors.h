// Client-visible errors. A command that fails replies with exactly the text
// redis-server 7.0 sends; the texts live here so each is written once.
// ErrorKind names the prefix (the first word of the RESP error), kept apart
// from the message so no prefix is ever doubled or forgotten.
#pragma once

#include <string>
#include <string_view>

namespace cairn::engine {

enum class ErrorKind {
  kErr, kWrongType, kNoAuth, kNoPerm, kWrongPass, kOom, kReadOnly, kExecAbort, kNoScript,
  kBusyGroup, kNoGroup, kLoading, kNoProto, kMisconf, kBusyKey, kNotBusy, kBusy, kUnkillable,
  kNoReplicas, kMasterDown, kUnblocked, kIoErr
};

struct ErrorReply {
  ErrorKind kind = ErrorKind::kErr;
  std::string message;  // without the prefix

  // "ERR syntax error", "WRONGTYPE Operation against…"
  std::string Text() const;
};

inline ErrorReply Err(std::string msg) { return {ErrorKind::kErr, std::move(msg)}; }

namespace errors {

inline constexpr std::string_view kSyntax = "syntax error";
inline constexpr std::string_view kNotInteger = "value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "value is not a valid float";
inline constexpr std::string_view kDbIndexOutOfRange = "DB index is out of range";
inline constexpr std::string_view kInvalidDbIndex = "invalid DB index";
inline constexpr std::string_view kWrongTypeMsg =
    "Operation against a key holding the wrong kind of value";
// What clients blocked in a command or in WAIT get when the server becomes
// a replica (REPLICAOF, FAILOVER).
inline constexpr std::string_view kUnblockedForReplica =
    "UNBLOCKED force unblock from blocking operation, instance state changed (master -> "
    "replica?)";

// What C's "%s" prints of `s`: up to its first NUL. Redis formats the names
// it echoes in many error texts so (keys, groups, options, users).
inline std::string_view AsCString(std::string_view s) { return s.substr(0, s.find('\0')); }

// "wrong number of arguments for 'get' command"
std::string WrongArity(std::string_view command);
// "unknown command 'foo', with args beginning with: 'a' 'b' "
std::string UnknownCommand(std::string_view name, const std::string* args, size_t nargs);
// "unknown subcommand 'x'. Try CLIENT HELP."
std::string UnknownSubcommand(std::string_view sub, std::string_view command);
// Redis's addReplySubcommandSyntaxError: "unknown subcommand or wrong
// number of arguments for 'x'. Try CLIENT HELP."
std::string SubcommandSyntax(std::string_view sub, std::string_view command);
// "invalid expire time in 'set' command"
std::string InvalidExpireTime(std::string_view command);
// "DEBUG command not allowed. If the enable-debug-command option is set to
// "local", ..." for a protected command (DEBUG, MODULE LOAD...), whose
// enable-<command>-command option refuses it.
std::string ProtectedCommand(std::string_view command);

}  // namespace errors
}  // namespace cairn::engine
