// CairnProcess: the real cairn-server binary on a free 127.0.0.1 port with a
// fresh temporary data directory. The constructor waits until PING answers;
// the destructor kills the server, prints its log if the test failed, and
// removes the directory. Talk to it with Connect() (hiredis).
#pragma once

#include <hiredis/hiredis.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace cairn::testing {

struct RedisContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using RedisConn = std::unique_ptr<redisContext, RedisContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// A free TCP port on 127.0.0.1 (bound to port 0, then released).
int FreePort();

class CairnProcess {
 public:
  // `args` are extra server arguments ("--appendfsync", "no", ...). Starts the
  // server and waits for PING; ADD_FAILURE if it does not come up.
  explicit CairnProcess(std::vector<std::string> args = {}, bool wait_ready = true);
  ~CairnProcess();
  CairnProcess(const CairnProcess&) = delete;
  CairnProcess& operator=(const CairnProcess&) = delete;

  RedisConn Connect() const;
  // Runs one command on a new connection and returns the reply.
  ReplyPtr Command(const std::vector<std::string>& argv) const;

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return pid_; }
  std::string Log() const;

  // Waits up to `timeout_ms` for the process to exit; returns its exit
  // status as waitpid reports it, or -1 if it is still running.
  int WaitExit(int timeout_ms);
  bool running() const { return pid_ > 0; }
  void Kill(int sig);

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// Runs a command vector on `c` (binary-safe).
ReplyPtr Call(redisContext* c, const std::vector<std::string>& argv);

}  // namespace cairn::testing
