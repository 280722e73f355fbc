#include "frontend/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/logging.h"

namespace cairn::frontend {

namespace {
// As Redis's MAX_ACCEPTS_PER_CALL: a burst of connections is taken in one
// pass, without starving the clients already connected.
constexpr int kMaxAcceptsPerCall = 1000;

// Redis 7.0's words, sent before closing a connection from another host
// while protected-mode is on and the default user has no password.
constexpr std::string_view kProtectedModeDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration "
    "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    "If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Setup a an authentication password for the default "
    "user. NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.\r\n";

// A listening socket on addr:port, or an error naming them (Redis's words).
base::Result<int> OpenTcpListener(const std::string& addr, int port, int backlog) {
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
    return base::Status::InvalidArgument("Could not create server TCP listening socket " + addr +
                                         ":" + std::to_string(port) +
                                         ": Name or service not known");
  }
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto fail = [&](const char* what, int err) -> base::Status {
    if (fd >= 0) close(fd);
    return base::Status::IoError("Could not create server TCP listening socket " + addr + ":" +
                                 std::to_string(port) + ": " + what + ": " + std::strerror(err));
  };
  if (fd < 0) return fail("socket", errno);
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return fail("setsockopt", errno);
  }
  if (ss.ss_family == AF_INET6 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) {
    return fail("setsockopt", errno);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return fail("bind", errno);
  if (listen(fd, backlog) != 0) return fail("listen", errno);
  return fd;
}

// The unix socket `path` (a stale socket file left there is replaced), with
// mode `perm` when non-zero, as Redis's unixsocketperm.
base::Result<int> OpenUnixListener(const std::string& path, int64_t perm, int backlog) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return base::Status::InvalidArgument("Failed opening Unix socket: path too long");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto fail = [&](int err) -> base::Status {
    if (fd >= 0) close(fd);
    return base::Status::IoError(std::string("Failed opening Unix socket: ") +
                                 std::strerror(err));
  };
  if (fd < 0) return fail(errno);
  unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return fail(errno);
  if (listen(fd, backlog) != 0) return fail(errno);
  // As Redis, a failed chmod is not fatal.
  if (perm != 0 && chmod(path.c_str(), static_cast<mode_t>(perm)) != 0) {
    CAIRN_LOG_WARNING("Cannot set the permissions of the unix socket %s: %s", path.c_str(),
                      std::strerror(errno));
  }
  return fd;
}

// Redis's anetKeepAlive: probes after `interval` seconds idle, then every
// third of it, three times.
void SetKeepAlive(int fd, int64_t interval) {
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  int idle = static_cast<int>(interval);
  int intvl = std::max(1, idle / 3);
  int cnt = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}
}  // namespace

Listener::Listener(EventLoop* loop, engine::Engine* engine, std::function<void()> on_shutdown)
    : loop_(loop), engine_(engine), on_shutdown_(std::move(on_shutdown)) {}

Listener::~Listener() {
  Stop();
  closed_.clear();
}

base::Status Listener::OpenTcp(const engine::ConfigValues& v, std::vector<Socket>* out) {
  const size_t before = out->size();
  CAIRN_RETURN_IF_ERROR(OpenTcpPort(v, v.port, /*tls=*/false, out));
  base::Status s = OpenTcpPort(v, v.tls_port, /*tls=*/true, out);
  if (!s.ok()) {
    for (size_t i = before; i < out->size(); i++) close((*out)[i].fd);
    out->resize(before);
  }
  return s;
}

base::Status Listener::OpenTcpPort(const engine::ConfigValues& v, int64_t port, bool tls,
                                   std::vector<Socket>* out) {
  // Port 0 means no listener, as in Redis.
  if (port == 0) return base::Status::Ok();
  const size_t before = out->size();
  for (std::string addr : v.bind) {
    const bool optional = addr.starts_with("-");
    if (optional) addr.erase(0, 1);
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    auto fd = OpenTcpListener(addr, static_cast<int>(port), static_cast<int>(v.tcp_backlog));
    if (!fd.ok()) {
      CAIRN_LOG_WARNING("Warning: %s", fd.status().message().c_str());
      if (optional) continue;
      for (size_t i = before; i < out->size(); i++) close((*out)[i].fd);
      out->resize(before);
      return base::Status::IoError("Failed listening on port " + std::to_string(port) +
                                   (tls ? " (TLS)" : " (TCP)") + ", aborting.");
    }
    out->push_back({.fd = fd.value(), .unix_path = "", .tls = tls});
  }
  return base::Status::Ok();
}

base::Status Listener::Listen(const engine::ConfigValues& v) {
  CAIRN_RETURN_IF_ERROR(OpenTcp(v, &sockets_));
  if (!v.unixsocket.empty()) {
    auto fd = OpenUnixListener(v.unixsocket, v.unixsocketperm, static_cast<int>(v.tcp_backlog));
    if (!fd.ok()) return fd.status();
    sockets_.push_back({.fd = fd.value(), .unix_path = v.unixsocket});
  }
  if (sockets_.empty()) return base::Status::IoError("Configured to not listen anywhere, exiting.");
  return base::Status::Ok();
}

base::Status Listener::Relisten(const engine::ConfigValues& before,
                                const engine::ConfigValues& after) {
  // As Redis: the old TCP listeners close first (the new ones may want the
  // same address and port), and come back if the new ones cannot be had.
  // The unix socket is not touched.
  std::vector<Socket> keep;
  for (const Socket& s : sockets_) {
    if (!s.unix_path.empty()) {
      keep.push_back(s);
      continue;
    }
    loop_->Unwatch(s.fd);
    close(s.fd);
  }
  sockets_ = keep;
  base::Status s = OpenTcp(after, &sockets_);
  if (!s.ok()) {
    base::Status back = OpenTcp(before, &sockets_);
    if (!back.ok()) CAIRN_LOG_WARNING("Could not listen again as before: %s", back.ToString().c_str());
  }
  for (const Socket& sock : sockets_) {
    if (sock.unix_path.empty()) Watch(sock);
  }
  return s;
}

void Listener::Watch(const Socket& s) {
  const int fd = s.fd;
  const bool is_unix = !s.unix_path.empty();
  const bool tls = s.tls;
  base::Status st = loop_->Watch(fd, EPOLLIN, [this, fd, is_unix, tls](uint32_t) {
    OnAcceptable(fd, is_unix, tls);
  });
  if (!st.ok()) CAIRN_LOG_WARNING("Cannot watch a listening socket: %s", st.ToString().c_str());
}

void Listener::Start() {
  for (const Socket& s : sockets_) Watch(s);
}

void Listener::OnAcceptable(int listen_fd, bool is_unix, bool tls) {
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
          for (const Socket& s : sockets_) {
            if (s.fd == listen_fd) loop_->SetInterest(listen_fd, EPOLLIN);
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
    const auto& cfg = engine_->config().values();
    if (!is_unix && cfg.tcp_keepalive > 0) SetKeepAlive(fd, cfg.tcp_keepalive);
    SSL* ssl = nullptr;
    if (tls) {
      ssl = tls_ != nullptr ? tls_->NewSession(fd) : nullptr;
      if (ssl == nullptr) {
        CAIRN_LOG_WARNING("Error creating a TLS session for a client: %s",
                          TlsErrorText().c_str());
        close(fd);
        continue;
      }
    }
    auto conn = std::make_unique<Connection>(loop_, fd, engine_, std::move(hooks), is_unix, ssl);
    Connection* c = conn.get();
    connections_[c] = std::move(conn);
    const auto maxclients = static_cast<size_t>(cfg.maxclients);
    if (connections_.size() > maxclients) {
      engine_->server().stats.rejected_connections++;
      c->RejectAndClose("-ERR max number of clients reached\r\n");
    } else if (cfg.protected_mode && cfg.requirepass.empty() && !c->local()) {
      c->RejectAndClose(kProtectedModeDenied);
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
  for (const Socket& s : sockets_) {
    loop_->Unwatch(s.fd);
    close(s.fd);
    if (!s.unix_path.empty()) unlink(s.unix_path.c_str());
  }
  sockets_.clear();
  std::vector<Connection*> live;
  for (auto& [ptr, conn] : connections_) live.push_back(ptr);
  for (Connection* c : live) c->Close();
  waiting_.clear();
  returning_.clear();
}

}  // namespace cairn::frontend
