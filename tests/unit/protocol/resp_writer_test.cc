#include "protocol/resp_writer.h"

#include <gtest/gtest.h>

#include "protocol/reply_reader.h"

namespace cairn::protocol {
namespace {

std::string Write(int proto, void (*fn)(RespWriter&)) {
  std::string out;
  RespWriter w(&out, proto);
  fn(w);
  return out;
}

TEST(RespWriterTest, ScalarsAreTheSameInBothProtocols) {
  for (int proto : {2, 3}) {
    EXPECT_EQ(Write(proto, [](RespWriter& w) { w.Simple("OK"); }), "+OK\r\n");
    EXPECT_EQ(Write(proto, [](RespWriter& w) { w.Error("ERR bad"); }), "-ERR bad\r\n");
    EXPECT_EQ(Write(proto, [](RespWriter& w) { w.Int(-42); }), ":-42\r\n");
    EXPECT_EQ(Write(proto, [](RespWriter& w) { w.Bulk("hi"); }), "$2\r\nhi\r\n");
  }
}

TEST(RespWriterTest, Resp3TypesDegradeInResp2) {
  auto sample = [](RespWriter& w) {
    w.Map(1);
    w.Bulk("k");
    w.Double(1.5);
    w.Set(1);
    w.Bool(true);
    w.Null();
    w.NullArray();
  };
  EXPECT_EQ(Write(2, sample), "*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n*1\r\n:1\r\n$-1\r\n*-1\r\n");
  EXPECT_EQ(Write(3, sample), "%1\r\n$1\r\nk\r\n,1.5\r\n~1\r\n#t\r\n_\r\n_\r\n");
}

TEST(RespWriterTest, VerbatimAndPush) {
  EXPECT_EQ(Write(3, [](RespWriter& w) { w.Verbatim("txt", "ab"); }), "=6\r\ntxt:ab\r\n");
  EXPECT_EQ(Write(2, [](RespWriter& w) { w.Verbatim("txt", "ab"); }), "$2\r\nab\r\n");
  EXPECT_EQ(Write(3, [](RespWriter& w) { w.Push(0); }), ">0\r\n");
  EXPECT_EQ(Write(2, [](RespWriter& w) { w.Push(0); }), "*0\r\n");
}

TEST(RespWriterTest, ErrorsStayOnOneLine) {
  EXPECT_EQ(Write(2, [](RespWriter& w) { w.Error("ERR a\r\nb"); }), "-ERR a  b\r\n");
}

TEST(RespWriterTest, DoublesFormatLikeRedis) {
  EXPECT_EQ(FormatDouble(0.1), "0.10000000000000001");
  EXPECT_EQ(FormatDouble(3), "3");
  EXPECT_EQ(FormatDouble(1.0 / 0.0), "inf");
  EXPECT_EQ(FormatDouble(-1.0 / 0.0), "-inf");
}

TEST(ReplyReaderTest, RoundTripsNestedReplies) {
  std::string out;
  RespWriter w(&out, 3);
  w.Array(2);
  w.Map(1);
  w.Bulk("a");
  w.Int(1);
  w.Verbatim("txt", "x");
  size_t pos = 0;
  auto r = ReadReply(out, &pos);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(pos, out.size());
  EXPECT_EQ(r->DebugString(), "[%{\"a\", :1}, =\"x\"]");
}

TEST(ReplyReaderTest, IncompleteInputConsumesNothing) {
  std::string partial = "*2\r\n$1\r\na\r\n";
  size_t pos = 0;
  EXPECT_FALSE(ReadReply(partial, &pos).has_value());
  EXPECT_EQ(pos, 0u);
}

}  // namespace
}  // namespace cairn::protocol
