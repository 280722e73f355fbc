// PropagationSink: where the engine hands the deterministic form of each
// write (ARCHITECTURE.md "Determinism"). server/ connects it to the
// append-only log and to replication; engine tests capture it.
#pragma once

#include <span>
#include <string>

namespace cairn::engine {

class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  // One command, already in deterministic form, to be applied to `db`.
  // Called on the engine thread in execution order.
  virtual void Append(int db, std::span<const std::string> argv) = 0;
};

}  // namespace cairn::engine
