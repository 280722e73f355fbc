#include "frontend/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/logging.h"
#include "protocol/request_parser.h"

namespace cairn::frontend {

namespace {
// As Redis's MAX_ACCEPTS_PER_CALL: a burst of connections is taken in one
// pass, without starving the clients already connected.
constexpr int kMaxAcceptsPerCall = 1000;

// A listening socket on addr:port, or an error naming them.
base::Result<int> OpenListener(const std::string& addr, int port, int backlog) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(*v4);
  } else if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(*v6);
  } else {
    return base::Status::InvalidArgument("bad bind address '" + addr + "'");
  }
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto fail = [&](int err) -> base::Status {
    if (fd >= 0) close(fd);
    return base::Status::IoError("Could not create server TCP listening socket " + addr + ":" +
                                 std::to_string(port) + ": " + std::strerror(err));
  };
  if (fd < 0) return fail(errno);
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) return fail(errno);
  if (ss.ss_family == AF_INET6 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) {
    return fail(errno);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return fail(errno);
  if (listen(fd, backlog) != 0) return fail(errno);
  return fd;
}
}  // namespace

Listener::Listener(EventLoop* loop, engine::Engine* engine, std::function<void()> on_shutdown)
    : loop_(loop), engine_(engine), on_shutdown_(std::move(on_shutdown)) {}

Listener::~Listener() {
  Stop();
  closed_.clear();
}

base::Status Listener::Listen(const std::string& bind, int port) {
  std::vector<std::string> addrs;
  if (!protocol::SplitInlineArgs(bind, &addrs) || addrs.empty()) {
    return base::Status::InvalidArgument("bad bind address list '" + bind + "'");
  }
  const int backlog = static_cast<int>(engine_->config().values().tcp_backlog);
  for (std::string addr : addrs) {
    const bool optional = addr.starts_with("-");
    if (optional) addr.erase(0, 1);
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    auto fd = OpenListener(addr, port, backlog);
    if (!fd.ok()) {
      if (optional) continue;
      return fd.status();
    }
    listen_fds_.push_back(fd.value());
  }
  if (listen_fds_.empty()) {
    return base::Status::IoError("Failed listening on port " + std::to_string(port) +
                                 " (tcp), aborting.");
  }
  return base::Status::Ok();
}

void Listener::Start() {
  for (int fd : listen_fds_) {
    base::Status s = loop_->Watch(fd, EPOLLIN, [this, fd](uint32_t) { OnAcceptable(fd); });
    if (!s.ok()) CAIRN_LOG_WARNING("Cannot watch a listening socket: %s", s.ToString().c_str());
  }
}

void Listener::OnAcceptable(int listen_fd) {
  for (int i = 0; i < kMaxAcceptsPerCall; i++) {
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      CAIRN_LOG_WARNING("Accepting client connection: %s", std::strerror(errno));
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // The socket stays readable while the connection waits, and epoll
        // is level-triggered: pause accepting rather than spin.
        loop_->SetInterest(listen_fd, 0);
        loop_->After(100, [this, listen_fd] {
          if (std::find(listen_fds_.begin(), listen_fds_.end(), listen_fd) != listen_fds_.end()) {
            loop_->SetInterest(listen_fd, EPOLLIN);
          }
        });
      }
      return;
    }
    Connection::Hooks hooks{
        .on_close = [this](Connection* c) { Closed(c); },
        .on_shutdown = [this] { loop_->Post(on_shutdown_); },
        .on_hold =
            [this](Connection* c) {
              waiting_.insert(c);
              returning_.erase(c);
            },
    };
    auto conn = std::make_unique<Connection>(loop_, fd, engine_, std::move(hooks));
    Connection* c = conn.get();
    connections_[c] = std::move(conn);
    const auto maxclients = static_cast<size_t>(engine_->config().values().maxclients);
    if (connections_.size() > maxclients) {
      engine_->server().stats.rejected_connections++;
      c->RejectAndClose("-ERR max number of clients reached\r\n");
    } else {
      (void)c->Start();
    }
  }
}

void Listener::Closed(Connection* c) {
  waiting_.erase(c);
  // The log may be holding records for this client to come back.
  if (returning_.erase(c) > 0 && returning_.empty() && on_all_returned_) on_all_returned_();
  auto it = connections_.find(c);
  if (it == connections_.end()) return;
  // The caller may be the connection's own handler: destroy it after this
  // loop pass.
  if (closed_.empty()) loop_->Post([this] { closed_.clear(); });
  closed_.push_back(std::move(it->second));
  connections_.erase(it);
}

void Listener::OnDurable(uint64_t seq) {
  // A connection may close from its OnDurable (QUIT after a write), which
  // erases it from waiting_: walk a copy.
  std::vector<Connection*> now(waiting_.begin(), waiting_.end());
  returning_.clear();
  for (Connection* c : now) {
    if (!waiting_.contains(c)) continue;
    if (!c->OnDurable(seq)) {
      waiting_.erase(c);
      if (!c->closed()) returning_.insert(c);
    }
  }
}

void Listener::Stop() {
  for (int fd : listen_fds_) {
    loop_->Unwatch(fd);
    close(fd);
  }
  listen_fds_.clear();
  std::vector<Connection*> live;
  for (auto& [ptr, conn] : connections_) live.push_back(ptr);
  for (Connection* c : live) c->Close();
  waiting_.clear();
  returning_.clear();
}

}  // namespace cairn::frontend
