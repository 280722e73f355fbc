#include <gtest/gtest.h>

#include "engine/command_table.h"
#include "tests/unit/engine/engine_harness.h"

namespace cairn::engine {
namespace {

TEST(CommandTableTest, EveryEntryIsComplete) {
  CommandTable t;
  RegisterAllCommands(t);
  for (const auto& c : t.commands()) {
    EXPECT_NE(c->arity, 0) << c->full_name;
    EXPECT_FALSE(c->doc.summary.empty()) << c->full_name;
    EXPECT_FALSE(c->doc.since.empty()) << c->full_name;
    for (const auto& s : c->subcommands) {
      EXPECT_NE(s.handler, nullptr) << s.full_name;
      EXPECT_FALSE(s.doc.summary.empty()) << s.full_name;
    }
    // Write commands must say they are writes to be logged.
    if (c->flags & kCustomPropagation) {
      EXPECT_TRUE(c->flags & kWrite) << c->full_name;
    }
  }
}

TEST(CommandTableTest, ImpliedAclCategories) {
  CommandTable t;
  RegisterAllCommands(t);
  const CommandSpec* get = t.Find("GET");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->acl, acl::kRead | acl::kString | acl::kFast);
  const CommandSpec* set = t.Find("set");
  EXPECT_EQ(set->acl, acl::kWrite | acl::kString | acl::kSlow);
}

TEST(CommandTableTest, GetKeysFollowsKeySpecs) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "SET", "a", "b"}), Array({Bulk("a")}));
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "DEL", "a", "b", "c"}),
            Array({Bulk("a"), Bulk("b"), Bulk("c")}));
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "PING", "x"}),
            Error("ERR The command has no key arguments"));
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "GET", "a", "b"}),
            Error("ERR Invalid number of arguments specified for command"));
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "NOPE", "a"}), Error("ERR Invalid command specified"));
}

TEST(CommandTableTest, CommandCountMatchesTheTable) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"COMMAND", "COUNT"}),
            Int(static_cast<int64_t>(h.engine().table().size())));
}

TEST(CommandTableTest, CommandInfoForUnknownIsNull) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"COMMAND", "INFO", "nope"}), Array({Nil()}));
}

}  // namespace
}  // namespace cairn::engine
