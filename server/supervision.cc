#include "server/supervision.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/logging.h"
#include "base/string_util.h"

namespace cairn::server {

Supervisor DetectSupervisor(std::string_view mode) {
  const bool upstart = std::getenv("UPSTART_JOB") != nullptr;
  const bool systemd = std::getenv("NOTIFY_SOCKET") != nullptr;
  if (base::EqualsIgnoreCase(mode, "auto")) {
    if (upstart) return Supervisor::kUpstart;
    if (systemd) return Supervisor::kSystemd;
    return Supervisor::kNone;
  }
  if (base::EqualsIgnoreCase(mode, "upstart")) {
    if (upstart) return Supervisor::kUpstart;
    CAIRN_LOG_WARNING("upstart supervision requested, but UPSTART_JOB not found!");
    return Supervisor::kNone;
  }
  if (base::EqualsIgnoreCase(mode, "systemd")) {
    if (systemd) return Supervisor::kSystemd;
    CAIRN_LOG_WARNING("systemd supervision requested or auto-detected, but NOTIFY_SOCKET not "
                      "found!");
    return Supervisor::kNone;
  }
  return Supervisor::kNone;
}

void Daemonize() {
  const pid_t pid = fork();
  if (pid < 0) {
    std::fprintf(stderr, "cairn-server: fork failed: %s\n", std::strerror(errno));
    std::exit(1);
  }
  if (pid > 0) std::_Exit(0);  // the parent: the caller's shell gets its prompt back
  setsid();
  const int fd = open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

base::Status WritePidFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return base::Status::IoErrorFromErrno("opening the pidfile " + path, errno);
  const bool ok = std::fprintf(f, "%d\n", static_cast<int>(getpid())) > 0;
  if (std::fclose(f) != 0 || !ok) {
    return base::Status::IoErrorFromErrno("writing the pidfile " + path, errno);
  }
  return base::Status::Ok();
}

void SignalUpstartReady() {
  unsetenv("UPSTART_JOB");
  raise(SIGSTOP);
}

void Notify(Supervisor who, std::string_view state) {
  if (who != Supervisor::kSystemd) return;
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  if (len >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, path, len);
  // A leading '@' names an abstract socket: its first byte is NUL.
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  if (sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
             addr_len) < 0) {
    CAIRN_LOG_WARNING("Can't send notification to systemd: %s", std::strerror(errno));
  }
  close(fd);
}

}  // namespace cairn::server
