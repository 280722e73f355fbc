// Connection: one client socket on the engine thread's EventLoop. Each time
// the socket is readable it reads once, parses as many complete commands as
// the buffer holds (pipelining), runs each through the engine, and writes
// their replies at once, straight to the socket.
//
// Under appendfsync always, the reply to a write may leave only once its
// log record is durable, and every reply after it waits too (order): the
// connection holds them until OnDurable says so.
//
// Backpressure: when the socket takes less than it is given, the rest waits
// for the socket to become writable and the connection stops reading (a
// client that does not read its replies stops being read).
//
// Lifetime: the Listener owns connections. Close() unwatches and closes the
// socket at once and tells the Listener, which destroys the object after
// the current loop pass (the caller may be one of its own handlers).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/client_state.h"
#include "engine/engine.h"
#include "frontend/event_loop.h"
#include "protocol/request_parser.h"

typedef struct ssl_st SSL;

namespace cairn::frontend {

class Connection : public engine::ClientConnection {
 public:
  struct Hooks {
    std::function<void(Connection*)> on_close;  // the socket was closed
    std::function<void()> on_shutdown;          // a command asked the server to stop
    std::function<void(Connection*)> on_hold;   // replies now wait for the log
  };

  // Takes ownership of `fd`, a connected socket (`is_unix`: a unix socket's),
  // and of `ssl` when the client came to tls-port (its handshake is done
  // before any command is read). REQUIRES: loop and engine outlive the
  // connection.
  Connection(EventLoop* loop, int fd, engine::Engine* engine, Hooks hooks, bool is_unix,
             SSL* ssl = nullptr);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading. Fails (and closes) if the socket cannot be watched.
  base::Status Start();
  void Close();
  // Sends `line` (a complete RESP reply) as far as the socket takes it at
  // once, and closes, e.g. "max number of clients reached".
  void RejectAndClose(std::string_view line);
  // The log is durable up to `seq`: replies waiting for it may go. Returns
  // true while replies still wait for a later seq.
  bool OnDurable(uint64_t seq);
  bool closed() const { return closed_; }
  // The client is on loopback or a unix socket.
  bool local() const { return client_.local; }

  // engine::ClientConnection: the blocking command this client waited in
  // has its answer. Pipelined commands behind it run on the next loop pass
  // (never inside the command that woke it).
  void OnUnblocked(std::string reply, bool logged) override;
  // engine::ClientConnection: a pub/sub message. Appended now, sent from a
  // task on the loop (the publisher's command is still running, and a failed
  // send must not close this connection under the publisher's feet).
  void Push(std::string bytes) override;
  // engine::ClientConnection: CLIENT KILL from another client.
  void Kill() override;
  size_t OutputBytes() const override { return out_.size() - out_sent_; }
  size_t InputBytes() const override { return in_len_; }
  size_t InputCapacity() const override { return in_.size(); }

 private:
  void OnEvents(uint32_t events);
  // TLS: goes on with the handshake; commands are read once it is done.
  void Handshake();
  void OnReadable();
  // recv / send, or their TLS forms: -1 with errno EAGAIN when the socket
  // (or the TLS layer) cannot go on now, 0 at the end of input.
  ssize_t ReadSome(char* buf, size_t len);
  ssize_t WriteSome(const char* buf, size_t len);
  // Runs every complete command in the input buffer. Returns false when the
  // connection must close after flushing its output.
  bool ProcessInput();
  // ProcessInput, then flush, close or shut down as it asks.
  void RunBuffered();
  // Writes what may go now; on a short write, waits for EPOLLOUT.
  void Flush();
  // n more bytes of out_ were sent.
  void Consume(size_t n);
  void UpdateInterest();
  // Whether out_ is over the client's client-output-buffer-limit; if so,
  // marks the connection to close without sending it.
  bool OverOutputLimit();

  EventLoop* loop_;
  int fd_;
  SSL* ssl_;  // nullptr: plain TCP or unix socket
  bool handshaking_;
  engine::Engine* engine_;
  Hooks hooks_;
  engine::ClientState client_;
  protocol::RequestParser parser_;
  // Input bytes: in_[0, in_len_) are received and unparsed. The vector only
  // grows (never zero-filled per read, which cost ~10% at pipeline 16).
  std::vector<char> in_;
  size_t in_len_ = 0;
  // Replies: out_[out_sent_, end) are not yet taken by the socket. The
  // front is cut off in large pieces (a replica's RDB waits here by the
  // megabyte: cutting each send's bytes would copy the rest every time).
  std::string out_;
  size_t out_sent_ = 0;
  // Each hold: out_ offset where the held bytes start, and the seq needed.
  struct Hold {
    size_t start;
    uint64_t seq;
  };
  std::deque<Hold> holds_;
  bool output_blocked_ = false;  // the socket took less than it was given
  bool in_command_ = false;      // the engine is running one of our commands
  bool closing_ = false;         // close once output is flushed
  bool closed_ = false;
  bool push_flush_posted_ = false;
  // Over client-output-buffer-limit: close without sending what is queued.
  bool drop_output_ = false;
  int64_t soft_limit_since_ms_ = 0;  // output above the soft limit since then
  // Shared with tasks posted to the loop, which must not touch a
  // connection destroyed before they run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::frontend
