// Connection: one client socket on the engine thread's io_context. Reads
// bytes, parses as many complete commands as the buffer holds (pipelining),
// runs each through the engine, and writes all their replies together,
// trying a direct non-blocking write first so a reply usually leaves in the
// same loop pass that produced it.
//
// Lifetime: shared_ptr, kept alive by its pending async operation; the
// Listener keeps a registry to close every connection at shutdown.
#pragma once

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange
#include <boost/asio.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/aof.h"
#include "engine/client_state.h"
#include "engine/engine.h"
#include "protocol/request_parser.h"

namespace cairn::frontend {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  struct Hooks {
    std::function<void(Connection*)> on_close;  // the socket was closed
    std::function<void()> on_shutdown;          // a command asked the server to stop
    std::function<void(Connection*)> on_hold;   // replies now wait for the log
  };

  // REQUIRES: engine outlives the connection.
  Connection(boost::asio::ip::tcp::socket socket, engine::Engine* engine, Hooks hooks);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  // Closes the socket; pending operations complete with an error.
  void Close();
  // Sends `line` (a complete RESP reply) and closes, e.g. "max clients".
  void RejectAndClose(std::string_view line);
  // The log is durable up to `seq`: replies waiting for it may go. Returns
  // true while replies still wait for a later seq.
  bool OnDurable(uint64_t seq);

 private:
  void Read();
  void OnRead(size_t n);
  // Runs every complete command in the input buffer. Returns false when the
  // connection must close after flushing its output.
  bool ProcessInput();
  void Flush();
  void OnWritten(size_t n);
  // Drops n sent bytes from the front of out_.
  void Consume(size_t n);

  boost::asio::ip::tcp::socket socket_;
  engine::Engine* engine_;
  Hooks hooks_;
  engine::ClientState client_;
  protocol::RequestParser parser_;
  // Input bytes: in_[0, in_len_) are received and unparsed. The vector only
  // grows (never zero-filled per read, which cost ~10% at pipeline 16).
  std::vector<char> in_;
  size_t in_len_ = 0;
  std::string out_;       // replies not yet handed to the socket
  // Under appendfsync always, the reply to a write may leave only once its
  // log record is durable, and every reply after it waits too (order).
  // Each hold: out_ offset where the held bytes start, and the seq needed.
  struct Hold {
    size_t start;
    uint64_t seq;
  };
  std::deque<Hold> holds_;
  std::string writing_;   // bytes of the async write in flight
  bool write_in_flight_ = false;
  bool reading_ = false;
  bool closing_ = false;  // close once output is flushed
  bool closed_ = false;
};

}  // namespace cairn::frontend
