#include "types/stream.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "types/listpack.h"

namespace cairn::types {
namespace {

std::vector<std::string> Fv(const std::string& f, const std::string& v) { return {f, v}; }

// A node whose non-SAMEFIELDS entry claims 2^62+1 pairs, with an lp-count
// that matches once 2*pairs wraps: it must be refused, not walked.
TEST(StreamTest, NodeWithAPairCountThatOverflowsIsRefused) {
  unsigned char* lp = lp::New();
  lp = lp::AppendInt(lp, 1);   // live
  lp = lp::AppendInt(lp, 0);   // deleted
  lp = lp::AppendInt(lp, 1);   // master fields
  lp = lp::Append(lp, "f");
  lp = lp::AppendInt(lp, 0);   // master terminator
  lp = lp::AppendInt(lp, 0);   // flags: its own fields
  lp = lp::AppendInt(lp, 0);   // ms diff
  lp = lp::AppendInt(lp, 0);   // seq diff
  const int64_t pairs = (int64_t{1} << 62) + 1;
  lp = lp::AppendInt(lp, pairs);
  lp = lp::AppendInt(lp, static_cast<int64_t>(2 * static_cast<uint64_t>(pairs) + 4));
  uint64_t live = 0;
  StreamID first, last;
  EXPECT_FALSE(Stream::CheckNode(StreamID{1, 0}, lp, &live, &first, &last));
  lp::Free(lp);
}

TEST(StreamTest, NodesSplitAndTrimLikeRedis) {
  Stream s;
  const Stream::Limits limits{.node_max_bytes = 4096, .node_max_entries = 3};
  for (uint64_t i = 1; i <= 10; i++) s.Append(StreamID{i, 0}, Fv("f", std::to_string(i)), limits);
  EXPECT_EQ(s.nodes().size(), 4u);  // 3 + 3 + 3 + 1
  EXPECT_TRUE(s.Delete(StreamID{2, 0}));
  EXPECT_FALSE(s.Delete(StreamID{2, 0}));
  EXPECT_EQ(s.length(), 9u);
  // ~: whole nodes only; exact: then entries inside the next one.
  Stream::Trim t{.strategy = Stream::Trim::kMaxLen, .maxlen = 5, .approx = true};
  EXPECT_EQ(s.TrimTo(t), 2);  // the first node had 2 live entries
  EXPECT_EQ(s.length(), 7u);
  t.approx = false;
  EXPECT_EQ(s.TrimTo(t), 2);
  EXPECT_EQ(s.length(), 5u);
  EXPECT_EQ(s.first_id(), (StreamID{6, 0}));
  std::vector<uint64_t> ids;
  s.Range(StreamID{}, StreamID::Max(), /*rev=*/true, 0, [&](const Stream::Entry& e) {
    ids.push_back(e.id.ms);
    return true;
  });
  EXPECT_EQ(ids, (std::vector<uint64_t>{10, 9, 8, 7, 6}));
  // A copy is independent of its source.
  Stream copy(s);
  EXPECT_TRUE(copy.Delete(StreamID{7, 0}));
  EXPECT_EQ(s.length(), 5u);
  EXPECT_EQ(copy.length(), 4u);
}

}  // namespace
}  // namespace cairn::types
