#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "base/crc64.h"
#include "snapshot/rdb_file.h"
#include "snapshot/rdb_format.h"
#include "snapshot/value_codec.h"

namespace cairn::snapshot {
namespace {

types::Value Str(std::string s) { return {types::ValueType::kString, std::move(s)}; }

std::string RoundTrip(const std::string& s, bool compress) {
  std::string enc;
  EncodeString(&enc, s, compress);
  RdbInput in(enc, "t");
  auto back = in.String();
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(in.remaining(), 0u);
  return back.ok() ? back.value() : "<error>";
}

TEST(ValueCodecTest, StringsRoundTripInEveryEncoding) {
  const std::vector<std::string> cases = {
      "", "a", std::string("\0\r\n\xff", 4), "0", "-1", "127", "128", "-128", "-129", "32767",
      "32768", "-32768", "-32769", "2147483647", "2147483648", "-2147483648", "-2147483649",
      "9223372036854775807", "-9223372036854775808", "007", "+1", "-0", "1.0", " 1",
      std::string(63, 'x'), std::string(64, 'x'), std::string(16383, 'y'),
      std::string(16384, 'y'), std::string(100000, 'z')};
  for (const auto& s : cases) {
    EXPECT_EQ(RoundTrip(s, true), s);
    EXPECT_EQ(RoundTrip(s, false), s);
  }
}

TEST(ValueCodecTest, IntegersUseTheSmallestIntEncoding) {
  auto enc = [](const std::string& s) {
    std::string out;
    EncodeString(&out, s, true);
    return out;
  };
  EXPECT_EQ(enc("12"), std::string("\xc0\x0c", 2));
  EXPECT_EQ(enc("-129"), std::string("\xc1\x7f\xff", 3));
  EXPECT_EQ(enc("2147483647"), std::string("\xc2\xff\xff\xff\x7f", 5));
  EXPECT_EQ(enc("2147483648")[0], '\x0a');  // too big: a raw string of 10 bytes
  EXPECT_EQ(enc("007")[0], '\x03');         // not canonical: raw
  EXPECT_EQ(static_cast<uint8_t>(enc(std::string(100, 'a'))[0]), 0xc3);  // LZF
}

TEST(ValueCodecTest, LengthHeadersUpTo64Bits) {
  for (uint64_t n : {0ULL, 63ULL, 64ULL, 16383ULL, 16384ULL, 0xffffffffULL, 0x100000000ULL,
                     512ULL * 1024 * 1024, 0xffffffffffffffffULL}) {
    std::string enc;
    EncodeLength(&enc, n);
    RdbInput in(enc, "t");
    auto back = in.Length();
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value(), n);
  }
}

TEST(ValueCodecTest, LengthsBeyondTheDataAreRefusedNotAllocated) {
  std::string enc;
  EncodeLength(&enc, 512ULL * 1024 * 1024);
  enc += "short";
  RdbInput in(enc, "x.rdb");
  auto s = in.String();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "x.rdb: string length 536870912 beyond the end of the file at offset 5");
}

TEST(DumpPayloadTest, RoundTripAndRejections) {
  std::string p = DumpPayload(Str("hello"), true);
  auto v = RestorePayload(p);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.value().str, "hello");
  std::string bad = p;
  bad[2] ^= 1;
  EXPECT_EQ(RestorePayload(bad).status().code(), base::StatusCode::kInvalidArgument);
  std::string newer = p;
  newer[newer.size() - 10] = 11;  // RDB version 11: newer than Redis 7.0 restores
  uint64_t crc = base::Crc64(0, newer.data(), newer.size() - 8);
  for (int i = 0; i < 8; i++) newer[newer.size() - 8 + i] = static_cast<char>(crc >> (8 * i));
  EXPECT_EQ(RestorePayload(newer).status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(RestorePayload("").status().code(), base::StatusCode::kInvalidArgument);
}

TEST(DumpPayloadTest, MatchesRedisBytes) {
  // DUMP of "12" in redis-server 7.0.15: type 0, int8 12, version 10, CRC.
  std::string p = DumpPayload(Str("12"), true);
  EXPECT_EQ(p.substr(0, 5), std::string("\x00\xc0\x0c\x0a\x00", 5));
}

class RdbFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn-rdb-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/dump.rdb";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(RdbWriteOptions o = {}) {
    RdbFileWriter w;
    ASSERT_TRUE(w.Open(path_, o).ok());
    ASSERT_TRUE(w.BeginDb(0, 2, 1).ok());
    ASSERT_TRUE(w.Put("a", Str("1"), -1).ok());
    ASSERT_TRUE(w.Put("b", Str(std::string(300, 'b')), 4102444800000).ok());
    ASSERT_TRUE(w.BeginDb(7, 1, 0).ok());
    ASSERT_TRUE(w.Put("c", Str(""), -1).ok());
    ASSERT_TRUE(w.Finish().ok());
  }
  std::string Bytes() {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_, path_;
};

TEST_F(RdbFileTest, WritesAndReadsBack) {
  Write();
  std::map<std::pair<int, std::string>, std::pair<std::string, int64_t>> got;
  auto r = ReadRdbFile(path_, "dump.rdb", [&](int db, std::string k, types::Value v, int64_t e) {
    got[{db, k}] = {std::string(v.str.view()), e};
    return base::Status::Ok();
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().version, 10);
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ(got[std::make_pair(0, std::string("b"))].second, 4102444800000);
  EXPECT_EQ(got[std::make_pair(7, std::string("c"))].first, "");
  EXPECT_EQ(Bytes().substr(0, 9), "REDIS0010");
}

TEST_F(RdbFileTest, EveryTruncationIsRefusedAndDeliversNothing) {
  Write();
  const std::string bytes = Bytes();
  for (size_t cut = 0; cut < bytes.size(); cut++) {
    int delivered = 0;
    auto r = ReadRdb(std::string_view(bytes).substr(0, cut), "dump.rdb",
                     [&](int, std::string, types::Value, int64_t) {
                       delivered++;
                       return base::Status::Ok();
                     });
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(delivered, 0) << "cut at " << cut;
  }
}

TEST_F(RdbFileTest, EveryFlippedByteIsRefused) {
  Write();
  const std::string bytes = Bytes();
  for (size_t i = 0; i < bytes.size(); i++) {
    std::string bad = bytes;
    bad[i] ^= 0x41;
    auto r = ReadRdb(bad, "dump.rdb", [](int, std::string, types::Value, int64_t) {
      return base::Status::Ok();
    });
    EXPECT_FALSE(r.ok()) << "flip at " << i;
  }
}

TEST_F(RdbFileTest, ChecksumCanBeOff) {
  RdbWriteOptions o;
  o.checksum = false;
  Write(o);
  const std::string bytes = Bytes();
  EXPECT_EQ(bytes.substr(bytes.size() - 8), std::string(8, '\0'));
  auto r = ReadRdbFile(path_, "dump.rdb", [](int, std::string, types::Value, int64_t) {
    return base::Status::Ok();
  });
  EXPECT_TRUE(r.ok());
}

TEST_F(RdbFileTest, UnsupportedTypesAreNamed) {
  std::string img = "REDIS0010";
  img += static_cast<char>(kOpSelectDb);
  img += '\0';
  img += '\x12';  // list-quicklist-2
  EncodeString(&img, "mylist", false);
  img += static_cast<char>(kOpEof);
  img += std::string(8, '\0');
  auto r = ReadRdb(img, "dump.rdb", [](int, std::string, types::Value, int64_t) {
    return base::Status::Ok();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "dump.rdb: a value of type 'list-quicklist-2', which this version of Cairn cannot "
            "hold yet, at offset 11");
}

}  // namespace
}  // namespace cairn::snapshot

namespace cairn::snapshot {
namespace {

// An image of RDB version `v` holding one string, with the second-based
// expiry opcode older versions used; versions from 5 on end in a checksum.
std::string OldImage(int v) {
  char header[10];
  std::snprintf(header, sizeof(header), "REDIS%04d", v);
  std::string img(header, 9);
  img += static_cast<char>(kOpSelectDb);
  img += '\0';
  img += static_cast<char>(kOpExpireTime);
  img += std::string("\x00\x00\x00\x80", 4);  // 2^31 s: year 2038
  img += '\0';  // string type
  EncodeString(&img, "k", false);
  EncodeString(&img, "v", false);
  img += static_cast<char>(kOpEof);
  if (v >= 5) {
    uint64_t crc = base::Crc64(0, img.data(), img.size());
    for (int i = 0; i < 8; i++) img += static_cast<char>(crc >> (8 * i));
  }
  return img;
}

TEST(RdbVersionsTest, ReadsOneToElevenAndRefusesNewer) {
  for (int v = 1; v <= 11; v++) {
    int64_t expire = 0;
    auto r = ReadRdb(OldImage(v), "old.rdb", [&](int, std::string k, types::Value val, int64_t e) {
      EXPECT_EQ(k, "k");
      EXPECT_EQ(val.str, "v");
      expire = e;
      return base::Status::Ok();
    });
    ASSERT_TRUE(r.ok()) << "version " << v << ": " << r.status().ToString();
    EXPECT_EQ(r.value().version, v);
    EXPECT_EQ(expire, 2147483648LL * 1000);
  }
  auto r = ReadRdb(OldImage(12), "new.rdb", [](int, std::string, types::Value, int64_t) {
    return base::Status::Ok();
  });
  EXPECT_EQ(r.status().message(), "new.rdb: can't handle RDB format version 12");
}

}  // namespace
}  // namespace cairn::snapshot
