// The per-connection state that commands read and change: selected
// database, protocol version, name, and the requests a command can make of
// its connection (close after this reply). The frontend's connection owns
// one; the engine never holds it past a call.
#pragma once

#include <cstdint>
#include <string>

#include "engine/pubsub/pubsub.h"
#include "engine/tracking/tracking.h"
#include "engine/transactions/transaction.h"

namespace cairn::engine {

// What the engine needs of the connection behind a client it parks in a
// blocking command (engine/blocking/): a way to hand over the reply when
// the wait ends. The connection then resumes its pipelined commands.
class ClientConnection {
 public:
  virtual ~ClientConnection() = default;
  // `reply`: the RESP bytes of the blocked command's answer. `logged`: the
  // command wrote to the log, so the reply waits for it like any write's.
  virtual void OnUnblocked(std::string reply, bool logged) = 0;
  // A pub/sub message (RESP bytes) for this client, sent as soon as the
  // replies before it. A connection whose output grows past
  // client-output-buffer-limit is closed (later, never inside this call).
  virtual void Push(std::string bytes) = 0;
  // CLIENT KILL: close as soon as the current command is done, unsent
  // replies dropped (never inside this call).
  virtual void Kill() = 0;
  // Bytes waiting to be sent (a producer that can wait, such as a
  // replica's catch-up from the log, keeps this small).
  virtual size_t OutputBytes() const { return 0; }
  // Bytes received and not yet parsed, and the input buffer's size.
  virtual size_t InputBytes() const { return 0; }
  virtual size_t InputCapacity() const { return 0; }
};

// CLIENT REPLY: kSkipNext is set by SKIP and becomes kSkip for the command
// after it.
enum class ReplyMode { kOn, kOff, kSkipNext, kSkip };

struct ClientState {
  uint64_t id = 0;
  int db = 0;
  int resp = 2;  // 2 or 3 (HELLO)
  std::string name;
  std::string addr;   // "127.0.0.1:51234"
  std::string laddr;  // local side
  int fd = -1;
  bool local = false;  // loopback or a unix socket (enable-*-command local)
  bool authenticated = false;  // AUTH succeeded, or the default user needs none
  struct AclUser* user = nullptr;  // who it runs as (nullptr: the default user)
  bool unix_socket = false;    // CLIENT LIST flag U
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_command;  // full name of the last command, for CLIENT LIST
  bool close_after_reply = false;  // QUIT, CLIENT KILL of itself
  ReplyMode reply_mode = ReplyMode::kOn;
  bool no_evict = false;  // CLIENT NO-EVICT (flag e; eviction is issue 15)
  bool monitor = false;   // MONITOR: sees every command (flag O)
  bool replica = false;   // after PSYNC/SYNC: fed the write stream (flag S)
  int64_t woff = 0;       // replication offset after its last command (WAIT)
  bool primary_link = false;  // the primary's stream, on a replica (flag M)
  bool is_script = false;  // the client scripts' commands run as ("lua" in MONITOR)
  ClientConnection* conn = nullptr;  // nullptr in engine tests
  bool blocked = false;  // parked in a blocking command (no reply yet)
  TransactionState tx;   // MULTI/EXEC/WATCH
  Subscriptions subs;    // pub/sub
  ClientTracking tracking;  // CLIENT TRACKING
};

// One CLIENT INFO / CLIENT LIST line (no newline), as Redis 7.0 writes it;
// also ACL LOG's client-info.
std::string ClientInfoLine(const ClientState& c, int64_t now_ms);

// A client's buffers, as CLIENT LIST (qbuf, qbuf-free, multi-mem, omem,
// tot-mem) and INFO (mem_clients_normal/slaves, client_recent_max_*) count
// them. Cairn has one input and one output buffer per client, where Redis
// has more pieces, so the figures are alike in kind, not to the byte.
struct ClientBuffers {
  size_t qbuf = 0;       // received, not yet parsed
  size_t qbuf_free = 0;  // the rest of the input buffer
  size_t multi = 0;      // the commands MULTI queued
  size_t omem = 0;       // replies not yet sent
  size_t total() const { return qbuf + qbuf_free + multi + omem; }
};
ClientBuffers BuffersOf(const ClientState& c);

}  // namespace cairn::engine
