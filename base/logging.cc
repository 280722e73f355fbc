#include "base/logging.h"

#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace cairn::base {
namespace {

std::mutex g_mu;
LogLevel g_level = LogLevel::kNotice;
FILE* g_file = nullptr;  // nullptr means stderr
std::string g_path;
bool g_syslog = false;
std::string g_ident;  // openlog keeps the pointer

}  // namespace

void SetLogLevel(LogLevel level) {
  std::lock_guard lock(g_mu);
  g_level = level;
}

bool SetLogFile(const std::string& path) {
  std::lock_guard lock(g_mu);
  if (path.empty()) {
    g_file = nullptr;
    return true;
  }
  FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) return false;
  if (g_file != nullptr) std::fclose(g_file);
  g_file = f;
  g_path = path;
  return true;
}

bool ReopenLogFile() {
  std::lock_guard lock(g_mu);
  if (g_path.empty()) return true;
  FILE* f = std::fopen(g_path.c_str(), "a");
  if (f == nullptr) return false;
  std::fclose(g_file);
  g_file = f;
  return true;
}

void EnableSyslog(const std::string& ident, int facility) {
  std::lock_guard lock(g_mu);
  g_ident = ident;
  openlog(g_ident.c_str(), LOG_PID | LOG_NDELAY | LOG_NOWAIT, facility);
  g_syslog = true;
}

void Log(LogLevel level, std::string_view msg) {
  std::lock_guard lock(g_mu);
  if (level < g_level) return;
  static const char kMarks[] = {'.', '-', '*', '#'};
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char when[64];
  size_t n = strftime(when, sizeof(when), "%d %b %Y %H:%M:%S.", &tm);
  std::snprintf(when + n, sizeof(when) - n, "%03d", static_cast<int>(tv.tv_usec / 1000));
  FILE* out = g_file ? g_file : stderr;
  std::fprintf(out, "%d:M %s %c %.*s\n", static_cast<int>(getpid()), when,
               kMarks[static_cast<int>(level)], static_cast<int>(msg.size()), msg.data());
  std::fflush(out);
  if (g_syslog) {
    static const int kPriorities[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};
    syslog(kPriorities[static_cast<int>(level)], "%.*s", static_cast<int>(msg.size()), msg.data());
  }
}

void Logf(LogLevel level, const char* fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  Log(level, buf);
}

}  // namespace cairn::base
