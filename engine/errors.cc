#include "engine/errors.h"

#include <array>
#include <cctype>

namespace cairn::engine {
namespace {

struct KindPrefix {
  ErrorKind kind;
  std::string_view prefix;
};

constexpr std::array<KindPrefix, 22> kPrefixes = {{
    {ErrorKind::kErr, "ERR"},           {ErrorKind::kWrongType, "WRONGTYPE"},
    {ErrorKind::kNoAuth, "NOAUTH"},     {ErrorKind::kNoPerm, "NOPERM"},
    {ErrorKind::kWrongPass, "WRONGPASS"}, {ErrorKind::kOom, "OOM"},
    {ErrorKind::kReadOnly, "READONLY"}, {ErrorKind::kExecAbort, "EXECABORT"},
    {ErrorKind::kNoScript, "NOSCRIPT"}, {ErrorKind::kBusyGroup, "BUSYGROUP"},
    {ErrorKind::kNoGroup, "NOGROUP"},   {ErrorKind::kLoading, "LOADING"},
    {ErrorKind::kNoProto, "NOPROTO"},   {ErrorKind::kMisconf, "MISCONF"},
    {ErrorKind::kBusyKey, "BUSYKEY"},   {ErrorKind::kNotBusy, "NOTBUSY"},
    {ErrorKind::kBusy, "BUSY"},         {ErrorKind::kUnkillable, "UNKILLABLE"},
    {ErrorKind::kNoReplicas, "NOREPLICAS"}, {ErrorKind::kMasterDown, "MASTERDOWN"},
    {ErrorKind::kUnblocked, "UNBLOCKED"}, {ErrorKind::kIoErr, "IOERR"},
}};
static_assert(kPrefixes.size() == static_cast<size_t>(ErrorKind::kIoErr) + 1);

// Names echoed in errors go through "%.128s" in Redis: cut at 128 bytes and
// at the first NUL. Newlines are blanked by RespWriter::Error.
std::string Cut(std::string_view s, size_t limit) {
  return std::string(errors::AsCString(s.substr(0, limit)));
}

}  // namespace

std::string ErrorReply::Text() const {
  std::string out(kPrefixes[static_cast<size_t>(kind)].prefix);
  out.push_back(' ');
  out += message;
  return out;
}

namespace errors {

std::string WrongArity(std::string_view command) {
  return "wrong number of arguments for '" + std::string(command) + "' command";
}

std::string UnknownCommand(std::string_view name, const std::string* args, size_t nargs) {
  // Redis 7.0 (processCommand): arguments are appended as "'%.*s' " while
  // the quoted list is shorter than 128 bytes, each cut to what is left.
  std::string list;
  for (size_t i = 0; i < nargs && list.size() < 128; i++) {
    list += "'" + Cut(args[i], 128 - list.size()) + "' ";
  }
  return "unknown command '" + Cut(name, 128) + "', with args beginning with: " + list;
}

namespace {
std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

std::string UnknownSubcommand(std::string_view sub, std::string_view command) {
  return "unknown subcommand '" + Cut(sub, 128) + "'. Try " + Upper(command) + " HELP.";
}

std::string SubcommandSyntax(std::string_view sub, std::string_view command) {
  return "unknown subcommand or wrong number of arguments for '" + std::string(sub) + "'. Try " +
         Upper(command) + " HELP.";
}

std::string ProtectedCommand(std::string_view command) {
  return Upper(command) + " command not allowed. If the enable-" + std::string(command) +
         "-command option is set to \"local\", you can run it from a local connection, "
         "otherwise you need to set this option in the configuration file, and then restart "
         "the server.";
}

std::string InvalidExpireTime(std::string_view command) {
  return "invalid expire time in '" + std::string(command) + "' command";
}

}  // namespace errors
}  // namespace cairn::engine
