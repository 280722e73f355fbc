#include "engine/config.h"

#include <gtest/gtest.h>

#include "tests/unit/engine/engine_harness.h"

namespace cairn::engine {
namespace {

TEST(ConfigTest, DefaultsAreDurable) {
  Config c;
  EXPECT_TRUE(c.values().appendonly);
  EXPECT_EQ(c.values().fsync_policy(), FsyncPolicy::kAlways);
  EXPECT_EQ(c.values().databases, 16);
  EXPECT_EQ(c.values().proto_max_bulk_len, 512LL * 1024 * 1024);
}

TEST(ConfigTest, FileThenArguments) {
  Config c;
  ASSERT_TRUE(c.LoadText("# comment\nport 7000\nappendfsync everysec\nsave 900 1\nsave 60 100\n"
                         "proto-max-bulk-len 1mb\n")
                  .ok());
  std::vector<std::string> args = {"--port", "7001", "--bind", "127.0.0.1", "::1"};
  ASSERT_TRUE(c.LoadArgs(args).ok());
  EXPECT_EQ(c.values().port, 7001);
  EXPECT_EQ(c.values().bind, "127.0.0.1 ::1");
  EXPECT_EQ(c.values().fsync_policy(), FsyncPolicy::kEverysec);
  EXPECT_EQ(c.values().save, "900 1 60 100");
  EXPECT_EQ(c.values().proto_max_bulk_len, 1024 * 1024);
}

TEST(ConfigTest, UnknownOptionsAreNamed) {
  Config c;
  base::Status s = c.LoadText("port 1\nfrobnicate yes\n");
  EXPECT_EQ(s.message(), "line 2: unknown option 'frobnicate'");
  std::vector<std::string> args = {"--nope", "1"};
  EXPECT_EQ(c.LoadArgs(args).message(), "unknown option 'nope'");
  std::vector<std::string> bad = {"--port", "99999"};
  EXPECT_EQ(c.LoadArgs(bad).message(),
            "option 'port': argument must be between 0 and 65535 inclusive");
}

TEST(ConfigTest, ConfigSetIsAllOrNothing) {
  EngineHarness h;
  EXPECT_EQ(h.Run({"CONFIG", "SET", "appendfsync", "no", "maxclients", "0"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
                  "must be between 1 and 4294967295 inclusive"));
  EXPECT_EQ(h.Run({"CONFIG", "GET", "appendfsync"}), Array({Bulk("appendfsync"), Bulk("always")}));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "appendfsync", "everysec"}), Simple("OK"));
  EXPECT_EQ(h.Run({"CONFIG", "GET", "appendfsync"}),
            Array({Bulk("appendfsync"), Bulk("everysec")}));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "databases", "3"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
                  "immutable config"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "nope", "1"}),
            Error("ERR Unknown option or number of arguments for CONFIG SET - 'nope'"));
}

}  // namespace
}  // namespace cairn::engine
