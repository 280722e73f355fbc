#include "base/process.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <vector>

namespace cairn::base {

void SetUpForkedChild() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::signal(SIGHUP, SIG_IGN);
  std::vector<int> sockets;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) {
      int fd = std::atoi(e->d_name);
      struct stat st;
      if (fd > 2 && fd != dirfd(d) && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
        sockets.push_back(fd);
      }
    }
    closedir(d);
  }
  for (int fd : sockets) close(fd);
}

}  // namespace cairn::base
