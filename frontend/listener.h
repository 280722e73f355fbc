// Listener: accepts TCP connections on the configured `bind` addresses and
// `port`, enforces `maxclients`, and owns the live connections (so that
// shutdown can close them all, and durability can release their replies).
// Engine thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"
#include "frontend/connection.h"
#include "frontend/event_loop.h"
#include "frontend/tls.h"
#include "wal/log_writer.h"

namespace cairn::frontend {

class Listener : public wal::CommitSignals {
 public:
  // REQUIRES: loop and engine outlive the listener.
  Listener(EventLoop* loop, engine::Engine* engine, std::function<void()> on_shutdown);
  ~Listener() override;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Listens as the configuration says: every `bind` address on `port` and
  // on `tls-port` (a "-" prefix marks one whose failure is tolerated, as in
  // redis.conf; port 0: none), and `unixsocket`. Fails, in Redis's words,
  // if a required address cannot be bound or nothing is listened on.
  // REQUIRES: set_tls() first when tls-port is set.
  base::Status Listen(const engine::ConfigValues& config);
  // CONFIG SET port / tls-port / bind: closes the TCP listeners and listens
  // as `after` says; on failure listens as `before` said again (as Redis
  // does). The unix socket stays.
  base::Status Relisten(const engine::ConfigValues& before, const engine::ConfigValues& after);
  // The TLS settings connections accepted on tls-port get from now on.
  void set_tls(std::shared_ptr<TlsContext> tls) { tls_ = std::move(tls); }
  void Start();
  // Stops accepting and closes every connection.
  void Stop();
  size_t connections() const { return connections_.size(); }
  // The log is durable up to `seq`: release the replies waiting for it.
  void OnDurable(uint64_t seq);
  // wal::CommitSignals. Every connection counts, idle ones too: one idle
  // connection (a pool's spare, a monitoring client) could send a read at
  // any moment, so with one connected the log never syncs on the engine
  // thread. (Overlapping syncs only when all wait was measured on the
  // machine of an earlier issue: all waiting 89-91k SET/s at 50 clients,
  // 7/8 waiting 82-86k, always overlapping 70-77k.)
  // A client parked in BLPOP & co. counts as waiting: what it sends is not
  // read as commands until it is served, which only a command can do. (One
  // both parked and holding replies counts twice; the cost is at most one
  // inline sync while another client is idle.)
  bool AllWaiting() const override {
    return waiting_.size() + engine_->blocked().blocked_clients() >= connections_.size();
  }
  bool AllReturned() const override { return returning_.empty(); }
  // Called when the last client AllReturned() waited for goes away without
  // writing (the log then need not wait for it).
  void set_on_all_returned(std::function<void()> fn) { on_all_returned_ = std::move(fn); }

 private:
  struct Socket {
    int fd;
    std::string unix_path;  // empty for TCP
    bool tls = false;       // tls-port's
  };
  // Both TCP ports' listeners.
  base::Status OpenTcp(const engine::ConfigValues& config, std::vector<Socket>* out);
  base::Status OpenTcpPort(const engine::ConfigValues& config, int64_t port, bool tls,
                           std::vector<Socket>* out);
  void Watch(const Socket& s);
  void OnAcceptable(int listen_fd, bool is_unix, bool tls);
  void Closed(Connection* c);

  EventLoop* loop_;
  engine::Engine* engine_;
  std::function<void()> on_shutdown_;
  std::function<void()> on_all_returned_;
  std::vector<Socket> sockets_;
  std::shared_ptr<TlsContext> tls_;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  // Connections with replies held for the log.
  std::unordered_set<Connection*> waiting_;
  // Released by the last durable advance and not holding a reply since.
  std::unordered_set<Connection*> returning_;
  // Closed during this loop pass; destroyed once it ends.
  std::vector<std::unique_ptr<Connection>> closed_;
};

}  // namespace cairn::frontend
