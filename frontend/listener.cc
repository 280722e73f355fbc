#include "frontend/listener.h"

#include "base/logging.h"
#include "protocol/request_parser.h"

namespace cairn::frontend {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

Listener::Listener(asio::io_context* io, engine::Engine* engine,
                   std::function<void()> on_shutdown)
    : io_(io), engine_(engine), on_shutdown_(std::move(on_shutdown)) {}

base::Status Listener::Listen(const std::string& bind, int port) {
  std::vector<std::string> addrs;
  if (!protocol::SplitInlineArgs(bind, &addrs) || addrs.empty()) {
    return base::Status::InvalidArgument("bad bind address list '" + bind + "'");
  }
  for (std::string addr : addrs) {
    bool optional = addr.starts_with("-");
    if (optional) addr.erase(0, 1);
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    error_code ec;
    auto ip = asio::ip::make_address(addr, ec);
    if (ec) {
      if (optional) continue;
      return base::Status::InvalidArgument("bad bind address '" + addr + "'");
    }
    auto acceptor = std::make_unique<tcp::acceptor>(*io_);
    tcp::endpoint ep(ip, static_cast<unsigned short>(port));
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && ip.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) {
      acceptor->listen(static_cast<int>(engine_->config().values().tcp_backlog), ec);
    }
    if (ec) {
      if (optional) continue;
      return base::Status::IoError("Could not create server TCP listening socket " + addr +
                                   ":" + std::to_string(port) + ": " + ec.message());
    }
    acceptors_.push_back(std::move(acceptor));
  }
  if (acceptors_.empty()) {
    return base::Status::IoError("Failed listening on port " + std::to_string(port) +
                                 " (tcp), aborting.");
  }
  return base::Status::Ok();
}

void Listener::Start() {
  for (auto& a : acceptors_) Accept(a.get());
}

void Listener::Accept(tcp::acceptor* acceptor) {
  acceptor->async_accept([this, acceptor](const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      Connection::Hooks hooks{
          .on_close =
              [this](Connection* c) {
                connections_.erase(c);
                waiting_.erase(c);
              },
          .on_shutdown = [this] { asio::post(*io_, on_shutdown_); },
          .on_hold =
              [this](Connection* c) {
                auto it = connections_.find(c);
                if (it != connections_.end()) waiting_[c] = it->second;
              },
      };
      auto conn = std::make_shared<Connection>(std::move(socket), engine_, std::move(hooks));
      const auto maxclients = static_cast<size_t>(engine_->config().values().maxclients);
      if (connections_.size() >= maxclients) {
        engine_->server().stats.rejected_connections++;
        conn->RejectAndClose("-ERR max number of clients reached\r\n");
      } else {
        connections_[conn.get()] = conn;
        conn->Start();
      }
    } else {
      CAIRN_LOG_WARNING("Accepting client connection: %s", ec.message().c_str());
    }
    Accept(acceptor);
  });
}

void Listener::OnDurable(uint64_t seq) {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto conn = it->second.lock();
    // OnDurable may close the connection (QUIT after a write), which erases
    // it from waiting_ through on_close: step past it first.
    auto next = std::next(it);
    if (!conn) {
      waiting_.erase(it);
    } else if (!conn->OnDurable(seq)) {
      waiting_.erase(conn.get());
    }
    it = next;
  }
}

void Listener::Stop() {
  for (auto& a : acceptors_) {
    error_code ec;
    a->close(ec);
  }
  // Close() removes entries from the map; close from a snapshot.
  std::vector<std::shared_ptr<Connection>> live;
  for (auto& [ptr, weak] : connections_) {
    if (auto c = weak.lock()) live.push_back(c);
  }
  for (auto& c : live) c->Close();
  connections_.clear();
  waiting_.clear();
}

}  // namespace cairn::frontend
