// EngineHarness: runs the real command table in-process, with a capturing
// propagation sink, and decodes each reply:
//   EngineHarness h;
//   EXPECT_EQ(h.Run({"SET", "k", "v"}), Simple("OK"));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/engine.h"
#include "protocol/reply_reader.h"

namespace cairn::engine {

using protocol::Reply;

Reply Simple(std::string s);
Reply Error(std::string s);  // full text, prefix included
Reply Int(int64_t v);
Reply Bulk(std::string s);
Reply Nil();
Reply Array(std::vector<Reply> elements);

struct Propagated {
  int db;
  std::vector<std::string> argv;
  bool operator==(const Propagated&) const = default;
};

class EngineHarness : public PropagationSink {
 public:
  explicit EngineHarness(std::vector<std::string> config_args = {});
  ~EngineHarness() override;

  Reply Run(std::vector<std::string> argv);
  ClientState& client() { return client_; }
  Engine& engine() { return *engine_; }
  // Records propagated since the last call.
  std::vector<Propagated> TakePropagated();

  void Append(int db, std::span<const std::string> argv) override;

 private:
  Config config_;
  std::unique_ptr<Engine> engine_;
  ClientState client_;
  std::vector<Propagated> propagated_;
};

}  // namespace cairn::engine
