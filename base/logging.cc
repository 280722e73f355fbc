#include "base/logging.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace cairn::base {
namespace {

std::mutex g_mu;
LogLevel g_level = LogLevel::kNotice;
FILE* g_file = nullptr;  // nullptr means stderr

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
  g_file = f;
  return true;
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
