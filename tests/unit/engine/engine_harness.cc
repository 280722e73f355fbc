#include "tests/unit/engine/engine_harness.h"

#include <gtest/gtest.h>

#include "engine/config_file.h"

namespace cairn::engine {

Reply Simple(std::string s) { return Reply{.type = Reply::Type::kSimple, .str = std::move(s)}; }
Reply Error(std::string s) { return Reply{.type = Reply::Type::kError, .str = std::move(s)}; }
Reply Int(int64_t v) { return Reply{.type = Reply::Type::kInt, .integer = v}; }
Reply Bulk(std::string s) { return Reply{.type = Reply::Type::kBulk, .str = std::move(s)}; }
Reply Nil() { return Reply{.type = Reply::Type::kNull}; }
Reply Array(std::vector<Reply> e) {
  return Reply{.type = Reply::Type::kArray, .elements = std::move(e)};
}

EngineHarness::EngineHarness(std::vector<std::string> config_args) {
  auto err = LoadConfiguration(&config_, "", false, config_args);
  EXPECT_FALSE(err.has_value()) << (err ? FormatConfigError(*err) : "");
  engine_ = std::make_unique<Engine>(&config_);
  engine_->set_propagation_sink(this);
  engine_->AttachClient(client_);
}

EngineHarness::~EngineHarness() { engine_->DetachClient(client_); }

Reply EngineHarness::Run(std::vector<std::string> argv) {
  std::string out;
  protocol::RespWriter w(&out, client_.resp);
  engine_->Execute(client_, argv, w);
  size_t pos = 0;
  auto r = protocol::ReadReply(out, &pos);
  EXPECT_TRUE(r.has_value()) << "unparseable reply: " << out;
  EXPECT_EQ(pos, out.size()) << "more than one reply: " << out;
  return r.value_or(Reply{});
}

std::vector<Propagated> EngineHarness::TakePropagated() {
  std::vector<Propagated> out;
  out.swap(propagated_);
  return out;
}

void EngineHarness::Append(int db, std::span<const std::string> argv) {
  propagated_.push_back({db, std::vector<std::string>(argv.begin(), argv.end())});
}

}  // namespace cairn::engine

namespace cairn::protocol {
// gtest prints replies readably on failure.
void PrintTo(const Reply& r, std::ostream* os) { *os << r.DebugString(); }
}  // namespace cairn::protocol
