#include "frontend/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "engine/aof.h"

namespace cairn::frontend {

namespace {
constexpr size_t kReadChunk = 16 * 1024;

// "ip:port", with brackets around an IPv6 address, as Redis formats it.
std::string AddressString(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    port = ntohs(a->sin_port);
    return std::string(ip) + ":" + std::to_string(port);
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
    return "[" + std::string(ip) + "]:" + std::to_string(port);
  }
  return "?:0";
}

std::string PeerString(int fd, bool local) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  const int rc = local ? getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                       : getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return rc == 0 ? AddressString(ss) : "?:0";
}
}  // namespace

Connection::Connection(EventLoop* loop, int fd, engine::Engine* engine, Hooks hooks,
                       bool is_unix, SSL* ssl)
    : loop_(loop),
      fd_(fd),
      ssl_(ssl),
      handshaking_(ssl != nullptr),
      engine_(engine),
      hooks_(std::move(hooks)) {
  if (is_unix) {
    // As Redis 7.0 shows a unix socket client: its path, port 0.
    client_.addr = engine_->config().values().unixsocket + ":0";
    client_.laddr = client_.addr;
    client_.local = true;
    client_.unix_socket = true;
  } else {
    client_.addr = PeerString(fd_, false);
    client_.laddr = PeerString(fd_, true);
    // Redis's connIsLocal: exactly 127.0.0.1 or ::1.
    client_.local = client_.addr.starts_with("127.0.0.1:") || client_.addr.starts_with("[::1]:");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  client_.fd = fd_;
  client_.conn = this;
  engine_->AttachClient(client_);
}

Connection::~Connection() {
  *alive_ = false;
  if (!closed_) {
    loop_->Unwatch(fd_);
    close(fd_);
  }
  if (ssl_ != nullptr) SSL_free(ssl_);
  engine_->DetachClient(client_);
}

base::Status Connection::Start() {
  base::Status s = loop_->Watch(fd_, EPOLLIN, [this](uint32_t events) { OnEvents(events); });
  if (!s.ok()) Close();
  return s;
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  loop_->Unwatch(fd_);
  close(fd_);
  engine_->ClientClosing(client_);
  if (hooks_.on_close) hooks_.on_close(this);
}

void Connection::RejectAndClose(std::string_view line) {
  // Best effort, as Redis: one non-blocking write, then close (a TLS
  // client, its handshake not begun, cannot be told).
  if (ssl_ == nullptr) (void)!send(fd_, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  Close();
}

void Connection::Handshake() {
  ERR_clear_error();
  const int rc = SSL_accept(ssl_);
  if (rc == 1) {
    handshaking_ = false;
    UpdateInterest();
    return;
  }
  const int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    loop_->SetInterest(fd_, err == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
    return;
  }
  const unsigned long e = ERR_get_error();
  char why[256] = "connection closed";
  if (e != 0) ERR_error_string_n(e, why, sizeof(why));
  CAIRN_LOG_VERBOSE("Error accepting a client connection: %s (addr=%s laddr=%s)", why,
                    client_.addr.c_str(), client_.laddr.c_str());
  Close();
}

namespace {
// An SSL_read / SSL_write result `n` as recv / send would give it.
ssize_t AsSocketResult(SSL* ssl, int n, bool reading) {
  if (n > 0) return n;
  const int err = SSL_get_error(ssl, n);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  if (reading && err == SSL_ERROR_ZERO_RETURN) return 0;  // the client's close_notify
  errno = reading ? ECONNRESET : EPIPE;
  return -1;
}
}  // namespace

ssize_t Connection::ReadSome(char* buf, size_t len) {
  if (ssl_ == nullptr) return recv(fd_, buf, len, 0);
  ERR_clear_error();
  const int n = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(len, INT32_MAX)));
  return AsSocketResult(ssl_, n, /*reading=*/true);
}

ssize_t Connection::WriteSome(const char* buf, size_t len) {
  if (ssl_ == nullptr) return send(fd_, buf, len, MSG_NOSIGNAL);
  ERR_clear_error();
  const int n = SSL_write(ssl_, buf, static_cast<int>(std::min<size_t>(len, INT32_MAX)));
  return AsSocketResult(ssl_, n, /*reading=*/false);
}

void Connection::OnEvents(uint32_t events) {
  if (handshaking_) {
    if ((events & (EPOLLERR | EPOLLHUP)) && !(events & (EPOLLIN | EPOLLOUT))) return Close();
    Handshake();
    if (handshaking_ || closed_) return;
    // The client's first commands may have come with its last handshake
    // bytes (already taken off the socket by OpenSSL).
    if (!SSL_has_pending(ssl_)) return;
    events = EPOLLIN;
  }
  if (events & EPOLLOUT) {
    output_blocked_ = false;
    Flush();
    if (closed_) return;
    // Commands left in the buffer when the output filled up (behind a
    // blocking command that has since been answered) run now.
    if (!output_blocked_ && !closing_ && in_len_ > 0 && !client_.blocked) {
      RunBuffered();
      if (closed_) return;
    }
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    if (!output_blocked_ && !closing_) {
      OnReadable();
    } else if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
      Close();  // a peer gone while we wait to write to it
      return;
    }
  }
  if (!closed_) UpdateInterest();
}

void Connection::OnReadable() {
  // One read per readiness event, as Redis does: under level-triggered
  // epoll, anything left is reported again, and a second read would only
  // find EAGAIN for a client that waits for its reply.
  if (in_.size() - in_len_ < kReadChunk) in_.resize(in_len_ + kReadChunk);
  ssize_t n = ReadSome(in_.data() + in_len_, in_.size() - in_len_);
  if (n > 0 && ssl_ != nullptr) {
    // TLS: what OpenSSL already decrypted is not on the socket any more, so
    // epoll would not report it: take it all now.
    size_t got = static_cast<size_t>(n);
    while (SSL_has_pending(ssl_)) {
      if (in_.size() - in_len_ - got < kReadChunk) in_.resize(in_len_ + got + kReadChunk);
      const ssize_t more = ReadSome(in_.data() + in_len_ + got, in_.size() - in_len_ - got);
      if (more <= 0) break;  // (an error shows on the next read)
      got += static_cast<size_t>(more);
    }
    n = static_cast<ssize_t>(got);
  }
  if (n == 0) {
    // The client is done sending (it may only have shut down its side):
    // what it is owed still goes, replies held for the log included.
    closing_ = true;
    Flush();
    return;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    // While this client's own command runs (a long script polling the
    // loop) the connection must outlive it: close afterwards.
    if (in_command_) {
      closing_ = true;
      return;
    }
    Close();
    return;
  }
  in_len_ += static_cast<size_t>(n);
  engine_->server().stats.total_net_input_bytes += static_cast<uint64_t>(n);
  engine_->server().stats.total_reads_processed++;
  // Any bytes count as activity for `timeout`, as Redis's lastinteraction.
  client_.last_interaction_ms = base::NowMs();
  // Commands behind a running one wait for it (they run when it returns).
  if (in_command_) return;
  RunBuffered();
}

void Connection::RunBuffered() {
  const bool keep = ProcessInput();
  if (!keep) closing_ = true;
  if (drop_output_) {  // over its output limit: closed with nothing more sent
    if (engine_->server().shutdown != engine::ShutdownRequest::kNone && hooks_.on_shutdown) {
      hooks_.on_shutdown();
    }
    return Close();
  }
  Flush();
  if (engine_->server().shutdown != engine::ShutdownRequest::kNone && hooks_.on_shutdown) {
    hooks_.on_shutdown();
  }
}

bool Connection::ProcessInput() {
  const auto& cfg = engine_->config().values();
  parser_.set_limits({.max_bulk_len = cfg.proto_max_bulk_len,
                      .max_inline_len = 64 * 1024,
                      .max_multibulk_len = 1024LL * 1024 * 1024});
  size_t pos = 0;
  bool keep = true;
  // A parked client's further commands wait in the buffer (still read, so
  // that a disconnect is seen and the query buffer limit holds).
  while (keep && !client_.blocked && !drop_output_) {
    auto status = parser_.Parse(std::string_view(in_.data(), in_len_), &pos);
    if (status == protocol::RequestParser::Status::kNeedMore) break;
    if (status == protocol::RequestParser::Status::kError) {
      out_ += "-ERR " + parser_.error() + "\r\n";
      CAIRN_LOG_VERBOSE("Protocol error (%s) from client: id=%llu addr=%s",
                        parser_.error().c_str(), static_cast<unsigned long long>(client_.id),
                        client_.addr.c_str());
      keep = false;
      break;
    }
    protocol::RespWriter writer(&out_, client_.resp);
    const size_t reply_start = out_.size();
    // A command may reach the log's durable callback (CONFIG SET appendonly
    // no syncs everything): nothing leaves out_ until it returns, so that
    // reply_start stays true.
    in_command_ = true;
    const bool logged = engine_->Execute(client_, parser_.args(), writer);
    in_command_ = false;
    engine::Aof* aof = engine_->aof();
    if (logged && aof != nullptr && aof->hold_replies()) {
      if (holds_.empty() && hooks_.on_hold) hooks_.on_hold(this);
      holds_.push_back({reply_start, aof->last_seq()});
    }
    if (client_.close_after_reply) keep = false;
    if (engine_->server().shutdown != engine::ShutdownRequest::kNone) keep = false;
    // Replies pile up here when the client pipelines without reading.
    if (OverOutputLimit()) keep = false;
  }
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
  // client-query-buffer-limit bounds what one client can make us hold for a
  // command that has not arrived whole: unparsed bytes plus the arguments
  // already read.
  if (in_len_ + parser_.pending_bytes() >
      static_cast<size_t>(cfg.client_query_buffer_limit)) {
    CAIRN_LOG_WARNING("Closing client that reached max query buffer length: id=%llu addr=%s",
                      static_cast<unsigned long long>(client_.id), client_.addr.c_str());
    keep = false;
  }
  return keep;
}

void Connection::OnUnblocked(std::string reply, bool logged) {
  if (closed_) return;
  const size_t reply_start = out_.size();
  out_ += reply;
  engine::Aof* aof = engine_->aof();
  if (logged && aof != nullptr && aof->hold_replies()) {
    if (holds_.empty() && hooks_.on_hold) hooks_.on_hold(this);
    holds_.push_back({reply_start, aof->last_seq()});
  }
  if (client_.close_after_reply) closing_ = true;
  Flush();
  if (closed_) return;
  UpdateInterest();
  if (in_len_ == 0) return;
  loop_->Post([this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a || closed_ || client_.blocked || closing_ || output_blocked_) return;
    RunBuffered();
    if (!closed_) UpdateInterest();
  });
}

bool Connection::OverOutputLimit() {
  // client-output-buffer-limit: a client that does not read its replies (or
  // its messages) is cut off rather than let them grow without bound, by
  // its class's hard limit, or its soft limit held for soft_seconds
  // (Redis's checkClientOutputBufferLimits).
  const auto& cfg = engine_->config().values();
  // A monitor is a replica to Redis, and limited as one.
  const engine::BufferLimit& limit = cfg.output_limit(
      client_.monitor || client_.replica ? engine::ClientClass::kReplica
      : client_.subs.any() ? engine::ClientClass::kPubsub
                           : engine::ClientClass::kNormal);
  if (!limit.Exceeded(static_cast<int64_t>(OutputBytes()), base::NowMs(), &soft_limit_since_ms_)) {
    return false;
  }
  CAIRN_LOG_WARNING("Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of "
                    "output buffer limits.",
                    static_cast<unsigned long long>(client_.id), client_.addr.c_str());
  // The buffers stay as they are (this client's own command may be writing
  // its reply now); the connection closes with them unsent.
  closing_ = true;
  drop_output_ = true;
  return true;
}

void Connection::Push(std::string bytes) {
  if (closed_ || closing_) return;
  out_ += bytes;
  OverOutputLimit();
  if (push_flush_posted_) return;
  push_flush_posted_ = true;
  loop_->Post([this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a || closed_) return;
    push_flush_posted_ = false;
    if (drop_output_ || (closing_ && OutputBytes() == 0)) return Close();
    Flush();
    if (!closed_) UpdateInterest();
  });
}

void Connection::Kill() {
  if (closed_ || drop_output_) return;
  closing_ = true;
  drop_output_ = true;
  loop_->Post([this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (a && *a && !closed_) Close();
  });
}

bool Connection::OnDurable(uint64_t seq) {
  while (!holds_.empty() && holds_.front().seq <= seq) holds_.pop_front();
  Flush();
  if (!closed_) UpdateInterest();
  return !holds_.empty() && !closed_;
}

void Connection::Flush() {
  if (closed_ || output_blocked_ || in_command_ || drop_output_) return;
  const size_t sendable = (holds_.empty() ? out_.size() : holds_.front().start) - out_sent_;
  size_t sent = 0;
  while (sent < sendable) {
    const ssize_t n = WriteSome(out_.data() + out_sent_ + sent, sendable - sent);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        output_blocked_ = true;
        break;
      }
      Close();
      return;
    }
    sent += static_cast<size_t>(n);
  }
  engine_->server().stats.total_net_output_bytes += sent;
  engine_->server().stats.total_writes_processed++;
  Consume(sent);
  if (closing_ && OutputBytes() == 0 && holds_.empty()) Close();
}

void Connection::Consume(size_t n) {
  if (n == 0) return;
  out_sent_ += n;
  if (out_sent_ < out_.size() && out_sent_ < (64 << 10) + out_.size() / 2) return;
  out_.erase(0, out_sent_);
  for (Hold& h : holds_) h.start -= out_sent_;
  out_sent_ = 0;
  // (Memory a replica's RDB or a huge reply grew it to goes back.)
  if (out_.empty() && out_.capacity() > (1 << 20)) out_ = std::string();
}

void Connection::UpdateInterest() {
  if (handshaking_) return;  // Handshake() says what it waits for
  uint32_t want = 0;
  if (output_blocked_) {
    want = EPOLLOUT;
  } else if (!closing_) {
    want = EPOLLIN;
  }
  loop_->SetInterest(fd_, want);
}

}  // namespace cairn::frontend
