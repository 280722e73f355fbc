// Server log lines in Redis's layout ("pid:M 25 Nov 2026 14:15:01.123 * msg"),
// so operators' log tooling reads Cairn's logs too. Thread-safe; writes to
// stderr unless SetLogFile() names a file.
#pragma once

#include <string>
#include <string_view>

namespace cairn::base {

enum class LogLevel { kDebug, kVerbose, kNotice, kWarning };

void SetLogLevel(LogLevel level);
// Empty path means stderr. Returns false (and keeps stderr) if the file
// cannot be opened.
bool SetLogFile(const std::string& path);
// Opens the log file again by its name (SIGHUP, after logrotate moved it).
// Keeps the old one if the name cannot be opened.
bool ReopenLogFile();
// Also sends every line to syslog (syslog-enabled), as `ident`, with
// `facility` (LOG_USER, LOG_LOCAL0...).
void EnableSyslog(const std::string& ident, int facility);
void Log(LogLevel level, std::string_view msg);

// printf-style convenience; the message is cut at 4 KiB.
void Logf(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace cairn::base

#define CAIRN_LOG_NOTICE(...) ::cairn::base::Logf(::cairn::base::LogLevel::kNotice, __VA_ARGS__)
#define CAIRN_LOG_WARNING(...) ::cairn::base::Logf(::cairn::base::LogLevel::kWarning, __VA_ARGS__)
#define CAIRN_LOG_VERBOSE(...) ::cairn::base::Logf(::cairn::base::LogLevel::kVerbose, __VA_ARGS__)
