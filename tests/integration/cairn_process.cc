#include "tests/integration/cairn_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace cairn::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

CairnProcess::CairnProcess(std::vector<std::string> args, bool wait_ready) {
  char tmpl[] = "/tmp/cairn-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  port_ = FreePort();
  std::vector<std::string> full = {CAIRN_SERVER_PATH, "--port", std::to_string(port_), "--bind",
                                   "127.0.0.1", "--dir", dir_};
  full.insert(full.end(), args.begin(), args.end());
  std::string log = dir_ + "/server.log";
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> cargv;
    for (auto& a : full) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  if (!wait_ready) return;
  for (int i = 0; i < 200; i++) {
    timeval tv{0, 200000};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    if (c != nullptr && c->err == 0) {
      auto r = Call(c, {"PING"});
      redisFree(c);
      if (r && r->type == REDIS_REPLY_STATUS && std::string(r->str) == "PONG") return;
    } else if (c != nullptr) {
      redisFree(c);
    }
    if (WaitExit(0) != -1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "cairn-server did not answer PING on port " << port_ << "\n" << Log();
}

CairnProcess::~CairnProcess() {
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "----- cairn-server log (%s) -----\n%s\n", dir_.c_str(), Log().c_str());
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string CairnProcess::Log() const {
  std::ifstream in(dir_ + "/server.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int CairnProcess::WaitExit(int timeout_ms) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void CairnProcess::Kill(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

RedisConn CairnProcess::Connect() const {
  timeval tv{5, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (c != nullptr) redisSetTimeout(c, tv);
  return RedisConn(c);
}

ReplyPtr CairnProcess::Command(const std::vector<std::string>& argv) const {
  auto c = Connect();
  return Call(c.get(), argv);
}

ReplyPtr Call(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  void* r = redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  return ReplyPtr(static_cast<redisReply*>(r));
}

}  // namespace cairn::testing
