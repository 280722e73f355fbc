// ReplicationHooks: what the engine asks of replication (ARCHITECTURE.md
// "Replication"). The replication/ layer implements it and server/ wires
// it; engine tests leave it unset (no replication). Engine thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/command_table.h"
#include "wal/format.h"

namespace cairn::engine {

class CommandContext;
struct ClientState;

class ReplicationHooks {
 public:
  virtual ~ReplicationHooks() = default;
  // Every write in execution order, as the log gets it (never the records
  // of a log being replayed).
  virtual void Feed(int db, std::span<const std::string> argv) = 0;
  // The log sealed a batch of records, `body` (engine/aof.h): on a primary
  // they are the replication stream (the log is the backlog). What it
  // returns, the log keeps with the batch.
  virtual std::optional<wal::History> LogBatch(std::string_view body, uint64_t last_seq) = 0;
  // The log has every record up to `seq` (written; under appendfsync
  // always, synced): the stream of those batches may go out.
  virtual void LogDurable(uint64_t seq) = 0;
  // PSYNC replid offset (psync) or SYNC from ctx.client: the answer (a
  // partial or full resync) goes to ctx.reply, and the client becomes a
  // replica fed from then on.
  virtual void Sync(CommandContext& ctx, ArgList args, bool psync) = 0;
  // REPLCONF option value [option value ...].
  virtual void Replconf(CommandContext& ctx, ArgList args) = 0;
  // ROLE, and INFO's "# Replication" section.
  virtual void Role(CommandContext& ctx) = 0;
  virtual std::string Info(CommandContext& ctx) = 0;
  // The offset of the stream's last byte (what a write's WAIT waits for).
  virtual int64_t Offset() const = 0;
  // WAIT: replies at once when enough replicas acknowledged ctx.client's
  // last write (or ctx.may_block is false), else parks the client until
  // they have or timeout_ms (0: no limit) has passed.
  virtual void Wait(CommandContext& ctx, int64_t numreplicas, int64_t timeout_ms) = 0;
  // min-replicas-to-write: whether enough replicas are connected, with a
  // lag of at most min-replicas-max-lag, for a write to be taken.
  virtual bool EnoughReplicas(int64_t now_ms) = 0;
  // REPLICAOF host port | NO ONE (and SLAVEOF).
  virtual void ReplicaOf(CommandContext& ctx, ArgList args) = 0;
  // FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms].
  virtual void Failover(CommandContext& ctx, ArgList args) = 0;
  // This server replicates a primary: clients may not write (when
  // replica-read-only), keys do not expire actively.
  virtual bool IsReplica() const = 0;
  // A replica whose link to its primary is not up (replica-serve-stale-data).
  virtual bool LinkDown() const = 0;
  // The connection of `c` is closing.
  virtual void ClientGone(const ClientState& c) = 0;
  // Memory held for replicas beyond the backlog (writes held for them
  // during full resyncs), which maxmemory does not count, as Redis does not;
  // and the backlog while no replica is attached.
  virtual size_t NotCountedMemory() const { return 0; }
  // The backlog's memory (INFO mem_replication_backlog).
  virtual size_t BacklogMemory() const { return 0; }
  // The backlog and the stream held for replicas in full resyncs (INFO
  // mem_total_replication_buffers: Redis 7.0's shared replication buffer).
  virtual size_t ReplicationBufferMemory() const { return 0; }
  // Periodic work (hz): PINGs to replicas.
  virtual void Cron(int64_t now_ms) = 0;
};

}  // namespace cairn::engine
