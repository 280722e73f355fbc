// ReplicaLink: Cairn as a replica (REPLICAOF host port, `replicaof` in the
// configuration), speaking to its primary as a redis-server 7.0 replica
// does: PING, AUTH (masterauth/masteruser), REPLCONF listening-port and
// capa eof psync2, then PSYNC with the replication ID and offset it has.
// +FULLRESYNC brings an RDB (by size, or EOF-marked as diskless primaries
// send it), written to a file as it comes, renamed to dbfilename and
// loaded in place of the dataset;
// +CONTINUE keeps the dataset. Then every command of the stream runs as the
// primary's client (flag M: no ACL, no read-only refusal), its bytes
// counted as the replication offset, which REPLCONF ACK reports every
// second and on REPLCONF GETACK. A dropped or silent link (repl-timeout) is
// retried every second, with a partial resync when the primary still can.
//
// The socket is non-blocking; the server watches fd() for interest() and
// calls OnEvents, as for the log's eventfd. Engine thread only.
//
// The stream's bytes, once applied, go on to this server's own replicas
// unchanged (Primary::Proxy), so a replica of a replica sees the top
// primary's replication ID and offsets, as PSYNC2 has it.
//
// With appendonly yes every batch of this replica's log records how far
// into the primary's stream it took the dataset (wal/format.h History), so
// a restart resumes with a partial resync from there.

#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "engine/client_state.h"
#include "engine/engine.h"
#include "protocol/request_parser.h"

namespace cairn::replication {

class Primary;

// Also the connection of the primary's client as the engine sees it:
// CLIENT KILL of that client drops the link (it reconnects, as in Redis).
class ReplicaLink : public engine::ClientConnection {
 public:
  // REQUIRES: engine outlives the link.
  // `primary`: this server's own replicas' side, which the stream feeds.
  ReplicaLink(engine::Engine* engine, Primary* primary);
  ~ReplicaLink() override;
  ReplicaLink(const ReplicaLink&) = delete;
  ReplicaLink& operator=(const ReplicaLink&) = delete;

  // REPLICAOF host port: connects from the next Cron on (a link to another
  // primary is dropped first). The history this server has (`replid` up to
  // `offset`; -1: none) is what PSYNC offers to resume.
  // `db`: the stream's database at `offset` (a restart's, from the log);
  // -1 keeps the one the link has.
  // `failover`: this server is handing over to the primary it names (FAILOVER):
  // PSYNC asks it to take over ("PSYNC replid offset FAILOVER"), and its
  // answer goes to Primary::FailoverAnswered, as does a link lost first.
  void Follow(const std::string& host, int64_t port, const std::string& replid, int64_t offset,
              int db = -1, bool failover = false);
  // REPLICAOF NO ONE: the link goes; the dataset stays, writable.
  void Stop();
  bool active() const { return !host_.empty(); }
  const std::string& host() const { return host_; }
  int64_t port() const { return port_; }

  int fd() const { return fd_; }
  uint32_t interest() const;
  void OnEvents(uint32_t events);
  void Cron(int64_t now_ms);
  // Called when fd() or interest() changes; the server re-watches.
  void set_on_fd_change(std::function<void()> fn) { on_fd_change_ = std::move(fn); }

  // engine::ClientConnection: nothing is sent to a primary but ACKs; a
  // kill drops the link at the next Cron.
  void OnUnblocked(std::string, bool) override {}
  void Push(std::string) override {}
  void Kill() override { kill_requested_ = true; }

  // The offset of the stream processed so far (slave_repl_offset).
  int64_t offset() const { return offset_; }
  // The primary's replication ID, and the stream's database at offset().
  const std::string& replid() const { return replid_; }
  int stream_db() const { return primary_client_.db; }
  // Whether the stream is flowing (master_link_status:up).
  bool up() const { return state_ == State::kConnected; }
  // The state as ROLE names it: connect, connecting, sync, connected.
  const char* RoleState() const;
  // INFO replication's replica fields (role:slave ... replica_announced).
  std::string InfoFields(int64_t now_ms) const;

 private:
  enum class State { kNone, kConnect, kConnecting, kHandshake, kTransfer, kConnected };
  void Connect();
  void Drop(const std::string& why);
  // Tells the primary side whether a failover's PSYNC was taken (false
  // too when the link failed before an answer); nothing outside a failover.
  void AnswerFailover(bool taken);
  void SetFd(int fd);
  void Send(const std::string& bytes);
  void FlushOut();
  void OnReadable();
  // Consumes what it can of in_; false when the link was dropped.
  bool ProcessInput();
  bool HandshakeLine(const std::string& raw);
  bool TransferInput();
  bool LoadRdb();
  // Closes the RDB being received and removes it.
  void DropRdb();
  std::string RdbTempName() const;
  void StreamInput();
  void SendAck();

  engine::Engine* engine_;
  Primary* primary_;
  std::function<void()> on_fd_change_;
  std::string host_;
  int64_t port_ = 0;
  State state_ = State::kNone;
  int fd_ = -1;
  std::string in_, out_;
  int replies_left_ = 0;  // handshake replies expected before PSYNC's
  // +FULLRESYNC's RDB: by size (rdb_left_) or until the EOF mark, into a
  // temporary file as it comes (as Redis writes it: never whole in memory).
  int64_t rdb_left_ = -1;
  std::string eof_mark_;
  bool rdb_header_read_ = false;
  int rdb_fd_ = -1;
  std::string rdb_tail_;   // the last bytes written, where the mark would be
  int64_t rdb_bytes_ = 0;
  std::string sync_replid_;
  int64_t sync_offset_ = 0;
  // What this replica has: the primary's replication ID and the offset of
  // the last stream byte it applied (-1: nothing, a full resync is needed).
  std::string replid_;
  int64_t offset_ = -1;
  engine::ClientState primary_client_;
  bool primary_attached_ = false;
  bool failover_ = false;  // Follow(failover): PSYNC not answered yet
  std::optional<protocol::RequestParser> parser_;  // the stream's; anew per link
  // Stream bytes consumed but not yet in offset_: a command's parts read so
  // far, and a MULTI's commands until its EXEC (Redis moves the offset only
  // outside MULTI, so a link dropped mid-transaction resumes before it).
  int64_t partial_bytes_ = 0;
  int64_t uncommitted_bytes_ = 0;
  std::string uncommitted_raw_;  // those bytes, for this server's replicas
  int64_t last_io_ms_ = 0;
  int64_t last_ack_ms_ = 0;
  int64_t down_since_ms_ = 0;  // 0: never up
  bool kill_requested_ = false;
  bool ScriptBusy() const;
};

}  // namespace cairn::replication
