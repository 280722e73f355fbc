// Listener: accepts TCP connections on the configured `bind` addresses and
// `port`, enforces `maxclients`, and owns the set of live connections so that
// shutdown can close them all. Engine thread only.
#pragma once

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange
#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"
#include "frontend/connection.h"

namespace cairn::frontend {

class Listener {
 public:
  // REQUIRES: io and engine outlive the listener.
  Listener(boost::asio::io_context* io, engine::Engine* engine,
           std::function<void()> on_shutdown);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds every address of `bind` (a "-" prefix marks one whose failure is
  // tolerated, as in redis.conf) on `port`. Fails if none could be bound or a
  // required one could not.
  base::Status Listen(const std::string& bind, int port);
  void Start();
  // Stops accepting and closes every connection.
  void Stop();
  size_t connections() const { return connections_.size(); }
  // The log is durable up to `seq`: release the replies waiting for it.
  void OnDurable(uint64_t seq);
  // True when every connection waits for the log: no more records can come
  // until a sync completes, so a batch may as well go now. Measured with
  // preallocated segments (bench/durable.sh, 50 clients, 3 runs each): all
  // waiting 89-91k SET/s, 7/8 waiting 82-86k, 6/8 69-87k, always overlapping
  // 70-77k; 200 clients the same within noise. Each sync costs about 60 µs
  // of kernel CPU here, so fewer, fuller batches win on a busy machine.
  bool AllWaiting() const { return waiting_.size() >= connections_.size(); }

 private:
  void Accept(boost::asio::ip::tcp::acceptor* acceptor);

  boost::asio::io_context* io_;
  engine::Engine* engine_;
  std::function<void()> on_shutdown_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
  // Connections with replies held for the log.
  std::unordered_map<Connection*, std::weak_ptr<Connection>> waiting_;
};

}  // namespace cairn::frontend
