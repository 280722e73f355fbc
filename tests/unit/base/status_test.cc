#include "base/status.h"

#include <gtest/gtest.h>

namespace cairn::base {
namespace {

Status FailsWith(Status s) {
  CAIRN_RETURN_IF_ERROR(s);
  return Status::NotFound("reached the end");
}

TEST(StatusTest, OkByDefaultAndMessagesKeepTheirCode) {
  EXPECT_TRUE(Status().ok());
  Status s = Status::Corruption("a.aof: checksum mismatch in batch at offset 81920");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.ToString(), "Corruption: a.aof: checksum mismatch in batch at offset 81920");
}

TEST(StatusTest, ReturnIfErrorStopsAtTheFirstError) {
  EXPECT_EQ(FailsWith(Status::IoError("disk")).code(), StatusCode::kIoError);
  EXPECT_EQ(FailsWith(Status::Ok()).code(), StatusCode::kNotFound);
}

TEST(StatusTest, ErrnoMessagesNameTheOperation) {
  EXPECT_EQ(Status::IoErrorFromErrno("open dump.rdb", ENOENT).message(),
            "open dump.rdb: No such file or directory");
}

TEST(ResultTest, HoldsAValueOrAStatus) {
  Result<int> good(7);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value(), 7);
  Result<int> bad(Status::InvalidArgument("no"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "no");
}

}  // namespace
}  // namespace cairn::base

#include "base/crc64.h"

namespace cairn::base {
namespace {

TEST(Crc64Test, MatchesRedisCheckValue) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
  // Incremental equals one pass, across the 8-byte fast path.
  std::string text(1000, 'z');
  for (size_t i = 0; i < text.size(); i++) text[i] = static_cast<char>(i * 7);
  uint64_t whole = Crc64(0, text.data(), text.size());
  uint64_t parts = Crc64(Crc64(0, text.data(), 333), text.data() + 333, text.size() - 333);
  EXPECT_EQ(whole, parts);
}

}  // namespace
}  // namespace cairn::base
