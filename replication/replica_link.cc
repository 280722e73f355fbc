#include "replication/replica_link.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "base/clock.h"
#include "base/file_util.h"
#include "base/logging.h"
#include "base/string_util.h"
#include "engine/aof.h"
#include "engine/snapshots.h"
#include "replication/primary.h"
#include "wal/format.h"

namespace cairn::replication {

namespace {

std::string Command(std::span<const std::string> argv) {
  std::string out;
  wal::AppendCommand(&out, argv);
  return out;
}

std::string Command(std::initializer_list<std::string> argv) {
  return Command(std::span<const std::string>(argv.begin(), argv.size()));
}

}  // namespace

ReplicaLink::ReplicaLink(engine::Engine* engine, Primary* primary)
    : engine_(engine), primary_(primary) {
  primary_client_.primary_link = true;
  primary_client_.authenticated = true;
  primary_client_.conn = this;
  parser_.emplace();
}

ReplicaLink::~ReplicaLink() {
  if (fd_ >= 0) close(fd_);
  DropRdb();
  if (primary_attached_) engine_->DetachClient(primary_client_);
}

void ReplicaLink::Follow(const std::string& host, int64_t port, const std::string& replid,
                         int64_t offset, int db, bool failover) {
  if (active()) Drop("a new primary was named");
  failover_ = failover;
  host_ = host;
  port_ = port;
  replid_ = replid;
  offset_ = offset;
  if (db >= 0) primary_client_.db = db;
  state_ = State::kConnect;
  CAIRN_LOG_NOTICE("Connecting to MASTER %s:%lld", host.c_str(), static_cast<long long>(port));
}

void ReplicaLink::Stop() {
  host_.clear();
  port_ = 0;
  Drop("REPLICAOF NO ONE");
  state_ = State::kNone;
}

uint32_t ReplicaLink::interest() const {
  if (fd_ < 0) return 0;
  if (state_ == State::kConnecting) return EPOLLOUT;
  return out_.empty() ? uint32_t{EPOLLIN} : uint32_t{EPOLLIN | EPOLLOUT};
}

void ReplicaLink::SetFd(int fd) {
  fd_ = fd;
  if (on_fd_change_) on_fd_change_();
}

void ReplicaLink::Drop(const std::string& why) {
  if (fd_ >= 0) {
    CAIRN_LOG_NOTICE("Connection with master lost (%s).", why.c_str());
    close(fd_);
    SetFd(-1);
  }
  if (primary_attached_) {
    engine_->DetachClient(primary_client_);
    primary_attached_ = false;
  }
  in_.clear();
  out_.clear();
  DropRdb();
  parser_.emplace();
  partial_bytes_ = uncommitted_bytes_ = 0;
  uncommitted_raw_.clear();
  if (state_ == State::kConnected) down_since_ms_ = base::NowMs();
  state_ = active() ? State::kConnect : State::kNone;
  AnswerFailover(false);
}

void ReplicaLink::AnswerFailover(bool taken) {
  if (!failover_) return;
  failover_ = false;
  primary_->FailoverAnswered(taken);
}

bool ReplicaLink::ScriptBusy() const {
  return engine_->scripts().busy() || engine_->functions().busy();
}

void ReplicaLink::Connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &res) != 0 ||
      res == nullptr) {
    CAIRN_LOG_WARNING("Unable to connect to MASTER: cannot resolve %s", host_.c_str());
    AnswerFailover(false);
    return;
  }
  const int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || (connect(fd, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS)) {
    CAIRN_LOG_WARNING("Unable to connect to MASTER: %s", std::strerror(errno));
    if (fd >= 0) close(fd);
    freeaddrinfo(res);
    AnswerFailover(false);
    return;
  }
  freeaddrinfo(res);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  state_ = State::kConnecting;
  last_io_ms_ = base::NowMs();
  SetFd(fd);
  CAIRN_LOG_NOTICE("MASTER <-> REPLICA sync started");
}

void ReplicaLink::Send(const std::string& bytes) {
  const bool was_empty = out_.empty();
  out_ += bytes;
  FlushOut();
  if (was_empty && !out_.empty() && on_fd_change_) on_fd_change_();
}

void ReplicaLink::FlushOut() {
  while (!out_.empty() && fd_ >= 0) {
    const ssize_t n = send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) Drop(std::strerror(errno));
      return;
    }
    out_.erase(0, static_cast<size_t>(n));
  }
}

void ReplicaLink::OnEvents(uint32_t events) {
  if (state_ == State::kConnecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Drop(std::strerror(err));
    // The handshake, pipelined up to PSYNC: the replies come back in order.
    state_ = State::kHandshake;
    replies_left_ = 3;
    std::string hello;
    const engine::ConfigValues& v = engine_->config().values();
    const std::string& auth = v.Other("masterauth");
    const std::string& user = v.Other("masteruser");
    if (!auth.empty()) {
      hello += user.empty() ? Command({"AUTH", auth}) : Command({"AUTH", user, auth});
      replies_left_++;
    }
    hello += Command({"PING"});
    hello += Command({"REPLCONF", "listening-port",
                      std::to_string(engine_->config().values().port)});
    hello += Command({"REPLCONF", "capa", "eof", "capa", "psync2"});
    Send(hello);
    if (on_fd_change_) on_fd_change_();
    return;
  }
  if (events & EPOLLOUT) {
    FlushOut();
    if (fd_ >= 0 && out_.empty() && on_fd_change_) on_fd_change_();
  }
  if (fd_ >= 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) OnReadable();
}

void ReplicaLink::OnReadable() {
  char buf[64 * 1024];
  const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n == 0) return Drop("the primary closed the connection");
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    return Drop(std::strerror(errno));
  }
  last_io_ms_ = base::NowMs();
  in_.append(buf, static_cast<size_t>(n));
  // A script past busy-reply-threshold lets the loop run (and us read), but
  // nothing may run inside it: the stream waits, buffered, as in Redis.
  if (!ScriptBusy()) ProcessInput();
}

bool ReplicaLink::ProcessInput() {
  while (state_ == State::kHandshake) {
    const size_t eol = in_.find("\r\n");
    if (eol == std::string::npos) return true;
    const std::string line = in_.substr(0, eol);
    in_.erase(0, eol + 2);
    if (!HandshakeLine(line)) return false;
  }
  if (state_ == State::kTransfer && !TransferInput()) return false;
  if (state_ == State::kConnected) StreamInput();
  return state_ != State::kConnect;
}

bool ReplicaLink::HandshakeLine(const std::string& raw) {
  // Newlines before a reply are the primary's keep-alives (while a BGSAVE
  // for our full resync starts).
  const std::string line = raw.substr(std::min(raw.find_first_not_of('\n'), raw.size()));
  if (line.empty()) return true;
  if (replies_left_ > 0) {
    // AUTH must succeed; PING and REPLCONF errors are tolerated, as Redis
    // does (an older primary may not know a capability).
    const bool auth = replies_left_ == 4;
    replies_left_--;
    if (auth && !line.starts_with("+")) {
      CAIRN_LOG_WARNING("Unable to AUTH to MASTER: %s", line.c_str());
      Drop("AUTH refused");
      return false;
    }
    // PSYNC goes alone: a primary refuses it while replies are pending.
    if (replies_left_ == 0) {
      std::vector<std::string> psync = {"PSYNC", "?", "-1"};
      if (offset_ >= 0) psync = {"PSYNC", replid_, std::to_string(offset_ + 1)};
      if (failover_) psync.push_back("FAILOVER");
      Send(Command(psync));
    }
    return true;
  }
  if (line.starts_with("+FULLRESYNC ")) {
    char id[64] = {0};
    long long off = 0;
    if (std::sscanf(line.c_str() + 12, "%40s %lld", id, &off) != 2) {
      Drop("bad +FULLRESYNC reply");
      return false;
    }
    sync_replid_ = id;
    sync_offset_ = off;
    state_ = State::kTransfer;
    AnswerFailover(true);  // (it took over and sends its data: Redis counts that as done too)
    rdb_header_read_ = false;
    DropRdb();
    CAIRN_LOG_NOTICE("Full resync from master: %s:%lld", id, off);
    return true;
  }
  if (line.starts_with("+CONTINUE")) {
    // A new ID: the primary was promoted; what we have is its history.
    if (line.size() > 10 && line.substr(10, 40) != replid_) {
      replid_ = line.substr(10, 40);
      primary_->NewReplid(replid_);
    }
    state_ = State::kConnected;
    engine_->AttachClient(primary_client_);
    primary_client_.addr = host_ + ":" + std::to_string(port_);
    primary_attached_ = true;
    AnswerFailover(true);
    CAIRN_LOG_NOTICE("Successful partial resynchronization with master.");
    return true;
  }
  CAIRN_LOG_WARNING("Unexpected reply to PSYNC from master: %s", line.c_str());
  Drop("PSYNC refused");
  return false;
}

bool ReplicaLink::TransferInput() {
  if (!rdb_header_read_) {
    // Newlines are the primary's keep-alives while it prepares the RDB.
    size_t skip = 0;
    while (skip < in_.size() && in_[skip] == '\n') skip++;
    in_.erase(0, skip);
    const size_t eol = in_.find("\r\n");
    if (eol == std::string::npos) return true;
    const std::string line = in_.substr(0, eol);
    in_.erase(0, eol + 2);
    if (line.starts_with("$EOF:") && line.size() == 45) {
      eof_mark_ = line.substr(5);
      rdb_left_ = -1;
    } else if (line.starts_with("$")) {
      auto n = base::ParseInt64(line.substr(1));
      if (!n || *n < 0) {
        Drop("bad RDB length from the primary");
        return false;
      }
      rdb_left_ = *n;
      eof_mark_.clear();
    } else {
      Drop("unexpected reply instead of the RDB: " + line.substr(0, 64));
      return false;
    }
    rdb_header_read_ = true;
    const std::string tmp = RdbTempName();
    rdb_fd_ = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (rdb_fd_ < 0) {
      Drop("cannot create " + tmp + ": " + std::strerror(errno));
      return false;
    }
  }
  // (With the EOF mark, the RDB is what comes until it: nothing follows it,
  // the primary waits for our ACK. Redis's replicas assume the same.)
  const size_t take = rdb_left_ >= 0 ? std::min(in_.size(), static_cast<size_t>(rdb_left_))
                                     : in_.size();
  const std::string_view got = std::string_view(in_).substr(0, take);
  if (base::Status s = base::WriteAll(rdb_fd_, got, RdbTempName()); !s.ok()) {
    Drop("cannot write the RDB received from the primary: " + s.ToString());
    return false;
  }
  rdb_bytes_ += static_cast<int64_t>(take);
  if (rdb_left_ >= 0) {
    rdb_left_ -= static_cast<int64_t>(take);
    in_.erase(0, take);
    if (rdb_left_ > 0) return true;
  } else {
    rdb_tail_ += got.substr(got.size() - std::min(got.size(), eof_mark_.size()));
    rdb_tail_.erase(0, rdb_tail_.size() - std::min(rdb_tail_.size(), eof_mark_.size()));
    in_.clear();
    if (rdb_tail_ != eof_mark_) return true;
    if (ftruncate(rdb_fd_, rdb_bytes_ - static_cast<int64_t>(eof_mark_.size())) != 0) {
      Drop(std::string("cannot cut the EOF mark off the RDB received: ") + std::strerror(errno));
      return false;
    }
  }
  close(rdb_fd_);
  rdb_fd_ = -1;
  return LoadRdb();
}

std::string ReplicaLink::RdbTempName() const {
  return "temp-" + std::to_string(getpid()) + ".fromprimary.rdb";
}

void ReplicaLink::DropRdb() {
  if (rdb_fd_ >= 0) {
    close(rdb_fd_);
    rdb_fd_ = -1;
    unlink(RdbTempName().c_str());
  }
  rdb_tail_.clear();
  rdb_bytes_ = 0;
}

bool ReplicaLink::LoadRdb() {
  const std::string& dbfile = engine_->config().values().dbfilename;
  const std::string tmp = RdbTempName();
  rdb_bytes_ = 0;
  // From here the dataset is replaced: until it is whole (and in the log),
  // what this replica had is no history to resume from.
  replid_.clear();
  offset_ = -1;
  if (std::rename(tmp.c_str(), dbfile.c_str()) != 0) {
    unlink(tmp.c_str());
    Drop("cannot rename the RDB received from the primary");
    return false;
  }
  CAIRN_LOG_NOTICE("MASTER <-> REPLICA sync: Flushing old data");
  engine_->EmptyDataset();
  CAIRN_LOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory");
  if (engine_->snapshots() == nullptr || !engine_->snapshots()->Load().ok()) {
    CAIRN_LOG_WARNING("Failed trying to load the MASTER synchronization DB from disk");
    engine_->EmptyDataset();  // nothing half-loaded is served as synced
    Drop("the RDB from the primary does not load");
    return false;
  }
  // The log must hold the new dataset before anything is acknowledged: the
  // RDB becomes its base at once (a crash later restarts from it).
  if (engine::Aof* aof = engine_->aof(); aof != nullptr && aof->enabled()) {
    if (base::Status s = aof->AdoptBase(dbfile); !s.ok()) {
      CAIRN_LOG_WARNING("The log cannot take the synchronized dataset: %s", s.ToString().c_str());
      Drop("the log cannot take the synchronized dataset");
      return false;
    }
  }
  replid_ = sync_replid_;
  offset_ = sync_offset_;
  engine_->server().replid = replid_;
  primary_->ResetHistory(offset_);
  state_ = State::kConnected;
  engine_->AttachClient(primary_client_);
  primary_client_.addr = host_ + ":" + std::to_string(port_);
  primary_attached_ = true;
  // (Loading took a while: that was not the primary's silence.) A diskless
  // primary streams only once it has this first ACK.
  last_io_ms_ = last_ack_ms_ = base::NowMs();
  SendAck();
  CAIRN_LOG_NOTICE("MASTER <-> REPLICA sync: Finished with success");
  return true;
}

void ReplicaLink::StreamInput() {
  size_t pos = 0;
  while (state_ == State::kConnected) {
    const size_t before = pos;
    const auto status = parser_->Parse(in_, &pos);
    // (The parser keeps a command read in parts: count every part.)
    partial_bytes_ += static_cast<int64_t>(pos - before);
    uncommitted_raw_.append(in_, before, pos - before);
    if (status == protocol::RequestParser::Status::kNeedMore) break;
    if (status == protocol::RequestParser::Status::kError) {
      Drop("protocol error from the primary: " + parser_->error());
      return;
    }
    std::vector<std::string>& argv = parser_->args();
    const int64_t n = std::exchange(partial_bytes_, 0);
    // GETACK is answered with the offset before it, as Redis does.
    if (argv.size() >= 2 && base::EqualsIgnoreCase(argv[0], "replconf") &&
        base::EqualsIgnoreCase(argv[1], "getack")) {
      SendAck();
    } else {
      std::string scratch;
      protocol::RespWriter w(&scratch, 2);
      engine_->Execute(primary_client_, argv, w);
    }
    uncommitted_bytes_ += n;
    if (!primary_client_.tx.active) {
      offset_ += std::exchange(uncommitted_bytes_, 0);
      // Applied: on to this server's replicas, byte for byte.
      primary_->Proxy(uncommitted_raw_);
      uncommitted_raw_.clear();
    }
  }
  if (state_ == State::kConnected) in_.erase(0, pos);
}

void ReplicaLink::SendAck() {
  Send(Command({"REPLCONF", "ACK", std::to_string(offset_)}));
}

void ReplicaLink::Cron(int64_t now_ms) {
  if (state_ == State::kNone) return;
  if (std::exchange(kill_requested_, false) && state_ == State::kConnected) {
    Drop("CLIENT KILL");
    return;
  }
  if (state_ == State::kConnect) {
    if (now_ms - last_io_ms_ >= 1000) {
      last_io_ms_ = now_ms;
      Connect();
    }
    return;
  }
  if (now_ms - last_io_ms_ > 1000 * engine_->config().values().repl_timeout) {
    Drop("timeout: no data nor PING received");
    return;
  }
  // What arrived while a script was busy runs now.
  if (!in_.empty() && !ScriptBusy()) ProcessInput();
  if (state_ == State::kConnected && now_ms - last_ack_ms_ >= 1000) {
    last_ack_ms_ = now_ms;
    SendAck();
  }
}

const char* ReplicaLink::RoleState() const {
  switch (state_) {
    case State::kConnected: return "connected";
    case State::kTransfer: return "sync";
    case State::kConnecting: return "connecting";
    case State::kHandshake: return "handshake";
    default: return "connect";
  }
}

std::string ReplicaLink::InfoFields(int64_t now_ms) const {
  const engine::ConfigValues& v = engine_->config().values();
  const int64_t off = std::max<int64_t>(offset_, 0);
  return "role:slave\r\nmaster_host:" + host_ + "\r\nmaster_port:" + std::to_string(port_) +
         "\r\nmaster_link_status:" + (up() ? "up" : "down") +
         "\r\nmaster_last_io_seconds_ago:" +
         std::to_string(up() ? (now_ms - last_io_ms_) / 1000 : -1) +
         "\r\nmaster_sync_in_progress:" + (state_ == State::kTransfer ? "1" : "0") +
         (up() ? std::string()
               : "\r\nmaster_link_down_since_seconds:" +
                     std::to_string(down_since_ms_ == 0 ? -1 : (now_ms - down_since_ms_) / 1000)) +
         "\r\nslave_read_repl_offset:" + std::to_string(off) +
         "\r\nslave_repl_offset:" + std::to_string(off) +
         "\r\nslave_priority:" + v.Other("replica-priority") +
         "\r\nslave_read_only:" + (v.replica_read_only ? "1" : "0") +
         "\r\nreplica_announced:" + (v.Other("replica-announced") == "no" ? "0" : "1") +
         "\r\n";
}

}  // namespace cairn::replication
