#include "protocol/request_parser.h"

#include <gtest/gtest.h>

namespace cairn::protocol {
namespace {

using Commands = std::vector<std::vector<std::string>>;

// Feeds `input` in pieces of `chunk` bytes, the way reads arrive, keeping
// the unconsumed tail as a connection does. Returns the commands parsed and
// the protocol error, if any.
struct Outcome {
  Commands commands;
  std::string error;
};

Outcome Feed(std::string_view input, size_t chunk, ParserLimits limits = {}) {
  RequestParser parser(limits);
  Outcome out;
  std::string buf;
  for (size_t off = 0; off < input.size(); off += chunk) {
    buf.append(input.substr(off, chunk));
    size_t pos = 0;
    while (true) {
      auto s = parser.Parse(buf, &pos);
      if (s == RequestParser::Status::kNeedMore) break;
      if (s == RequestParser::Status::kError) {
        out.error = parser.error();
        return out;
      }
      out.commands.push_back(parser.args());
    }
    buf.erase(0, pos);
  }
  return out;
}

// Every test input is parsed whole and byte by byte; both must agree.
Outcome FeedBothWays(std::string_view input, ParserLimits limits = {}) {
  Outcome whole = Feed(input, input.size() ? input.size() : 1, limits);
  Outcome bytes = Feed(input, 1, limits);
  EXPECT_EQ(whole.commands, bytes.commands);
  EXPECT_EQ(whole.error, bytes.error);
  return whole;
}

TEST(RequestParserTest, MultibulkCommand) {
  auto o = FeedBothWays("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$5\r\nhello\r\n");
  EXPECT_EQ(o.commands, (Commands{{"SET", "a", "hello"}}));
  EXPECT_EQ(o.error, "");
}

TEST(RequestParserTest, BinarySafeArguments) {
  std::string payload("a\r\n\0b", 5);
  auto o = FeedBothWays("*2\r\n$4\r\nECHO\r\n$5\r\n" + payload + "\r\n");
  EXPECT_EQ(o.commands, (Commands{{"ECHO", payload}}));
}

TEST(RequestParserTest, ThousandsOfPipelinedCommands) {
  std::string input;
  for (int i = 0; i < 5000; i++) input += "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  auto o = Feed(input, input.size());
  ASSERT_EQ(o.commands.size(), 5000u);
  EXPECT_EQ(o.commands.back(), (std::vector<std::string>{"GET", "k"}));
}

TEST(RequestParserTest, InlineCommandsLikeTelnetSends) {
  auto o = FeedBothWays("PING\r\nSET a \"b c\"\nGET 'a'\r\n");
  EXPECT_EQ(o.commands, (Commands{{"PING"}, {"SET", "a", "b c"}, {"GET", "a"}}));
}

TEST(RequestParserTest, InlineEscapes) {
  auto o = FeedBothWays("ECHO \"\\x41\\n\\t\\\"\" 'it\\'s'\r\n");
  EXPECT_EQ(o.commands, (Commands{{"ECHO", "A\n\t\"", "it's"}}));
}

TEST(RequestParserTest, EmptyCommandsAreSkipped) {
  auto o = FeedBothWays("\r\n   \r\n*0\r\n*-1\r\nPING\r\n");
  EXPECT_EQ(o.commands, (Commands{{"PING"}}));
}

TEST(RequestParserTest, ProtocolErrorsUseRedisTexts) {
  EXPECT_EQ(FeedBothWays("*abc\r\n").error, "Protocol error: invalid multibulk length");
  EXPECT_EQ(FeedBothWays("*01\r\n").error, "Protocol error: invalid multibulk length");
  EXPECT_EQ(FeedBothWays("*1\r\n$-1\r\n").error, "Protocol error: invalid bulk length");
  EXPECT_EQ(FeedBothWays("*1\r\n$x\r\n").error, "Protocol error: invalid bulk length");
  EXPECT_EQ(FeedBothWays("*1\r\nPING\r\n").error, "Protocol error: expected '$', got 'P'");
  EXPECT_EQ(FeedBothWays("ECHO \"abc\r\n").error, "Protocol error: unbalanced quotes in request");
  EXPECT_EQ(FeedBothWays("ECHO \"a\"b\r\n").error,
            "Protocol error: unbalanced quotes in request");
}

TEST(RequestParserTest, CommandsBeforeAnErrorAreStillParsed) {
  auto o = FeedBothWays("PING\r\n*1\r\n$x\r\n");
  EXPECT_EQ(o.commands, (Commands{{"PING"}}));
  EXPECT_EQ(o.error, "Protocol error: invalid bulk length");
}

TEST(RequestParserTest, BulkLengthLimit) {
  ParserLimits limits;
  limits.max_bulk_len = 10;
  EXPECT_EQ(FeedBothWays("*1\r\n$11\r\n", limits).error, "Protocol error: invalid bulk length");
  auto ok = FeedBothWays("*1\r\n$10\r\n0123456789\r\n", limits);
  EXPECT_EQ(ok.commands, (Commands{{"0123456789"}}));
  // The default is Redis's 512 MB.
  EXPECT_EQ(FeedBothWays("*1\r\n$536870913\r\n").error, "Protocol error: invalid bulk length");
}

TEST(RequestParserTest, OversizedInlineAndHeaders) {
  std::string huge(70 * 1024, 'a');
  EXPECT_EQ(Feed(huge, huge.size()).error, "Protocol error: too big inline request");
  EXPECT_EQ(Feed("*" + huge, huge.size() + 1).error, "Protocol error: too big mbulk count string");
  EXPECT_EQ(Feed("*1\r\n$" + huge, huge.size() + 6).error,
            "Protocol error: too big bulk count string");
}

TEST(RequestParserTest, LargeValueArrivesInPieces) {
  std::string value(1 << 20, 'v');
  std::string input = "*2\r\n$4\r\nECHO\r\n$" + std::to_string(value.size()) + "\r\n" + value +
                      "\r\n";
  auto o = Feed(input, 4096);
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0][1], value);
}

}  // namespace
}  // namespace cairn::protocol
