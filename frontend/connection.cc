#include "frontend/connection.h"

#include <cstring>

#include "base/logging.h"

namespace cairn::frontend {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr size_t kReadChunk = 16 * 1024;

std::string EndpointString(const asio::ip::tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}
}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, engine::Engine* engine, Hooks hooks)
    : socket_(std::move(socket)), engine_(engine), hooks_(std::move(hooks)) {
  error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) client_.addr = EndpointString(remote);
  auto local = socket_.local_endpoint(ec);
  if (!ec) client_.laddr = EndpointString(local);
  client_.fd = socket_.native_handle();
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  engine_->AttachClient(client_);
}

Connection::~Connection() { engine_->DetachClient(client_); }

void Connection::Start() { Read(); }

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  if (hooks_.on_close) hooks_.on_close(this);
}

void Connection::RejectAndClose(std::string_view line) {
  out_.append(line);
  closing_ = true;
  Flush();
}

void Connection::Read() {
  // One read at a time; none while a write is in flight (a client that does
  // not read its replies stops being read).
  if (closed_ || closing_ || reading_ || write_in_flight_) return;
  reading_ = true;
  if (in_.size() - in_len_ < kReadChunk) in_.resize(in_len_ + kReadChunk);
  socket_.async_read_some(
      asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
      [self = shared_from_this()](const error_code& ec, size_t n) {
        self->reading_ = false;
        self->in_len_ += n;
        if (ec) {
          self->Close();
          return;
        }
        self->OnRead(n);
      });
}

void Connection::OnRead(size_t n) {
  engine_->server().stats.total_net_input_bytes += n;
  bool keep = ProcessInput();
  if (!keep) closing_ = true;
  Flush();
  if (engine_->server().shutdown != engine::ShutdownRequest::kNone && hooks_.on_shutdown) {
    hooks_.on_shutdown();
    return;
  }
  Read();
}

bool Connection::ProcessInput() {
  const auto& cfg = engine_->config().values();
  parser_.set_limits({.max_bulk_len = cfg.proto_max_bulk_len,
                      .max_inline_len = 64 * 1024,
                      .max_multibulk_len = 1024LL * 1024 * 1024});
  size_t pos = 0;
  bool keep = true;
  while (keep) {
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
    const bool logged = engine_->Execute(client_, parser_.args(), writer);
    engine::Aof* aof = engine_->aof();
    if (logged && aof != nullptr && aof->hold_replies()) {
      if (holds_.empty() && hooks_.on_hold) hooks_.on_hold(this);
      holds_.push_back({reply_start, aof->last_seq()});
    }
    if (client_.close_after_reply) keep = false;
    if (engine_->server().shutdown != engine::ShutdownRequest::kNone) keep = false;
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

bool Connection::OnDurable(uint64_t seq) {
  while (!holds_.empty() && holds_.front().seq <= seq) holds_.pop_front();
  Flush();
  return !holds_.empty();
}

void Connection::Flush() {
  if (closed_) return;
  if (write_in_flight_) return;  // OnWritten will pick up out_
  const size_t sendable = holds_.empty() ? out_.size() : holds_.front().start;
  if (sendable == 0) {
    if (closing_ && holds_.empty()) Close();
    return;
  }
  // Try the direct write first: most replies fit in the socket buffer.
  error_code ec;
  size_t n = socket_.write_some(asio::buffer(out_.data(), sendable), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    Close();
    return;
  }
  engine_->server().stats.total_net_output_bytes += n;
  Consume(n);
  if (out_.empty()) {
    if (closing_) Close();
    return;
  }
  if (n == sendable) return;  // the rest waits for the log
  writing_.assign(out_.data(), sendable - n);
  Consume(sendable - n);
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const error_code& ec, size_t n) {
                      self->write_in_flight_ = false;
                      if (ec) {
                        self->Close();
                        return;
                      }
                      self->OnWritten(n);
                    });
}

void Connection::Consume(size_t n) {
  out_.erase(0, n);
  for (Hold& h : holds_) h.start -= n;
}

void Connection::OnWritten(size_t n) {
  engine_->server().stats.total_net_output_bytes += n;
  writing_.clear();
  if (!out_.empty() || closing_) {
    Flush();
    if (closing_ || write_in_flight_) return;
  }
  Read();
}

}  // namespace cairn::frontend
