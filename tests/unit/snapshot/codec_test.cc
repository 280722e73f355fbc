#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "base/crc64.h"
#include "base/string_util.h"
#include "snapshot/rdb_file.h"
#include "snapshot/rdb_format.h"
#include "snapshot/value_codec.h"
#include "types/hash.h"
#include "types/listpack.h"
#include "types/quicklist.h"
#include "types/set.h"
#include "types/zset.h"

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
  img += '\x07';  // module-2 (no Redis modules here)
  EncodeString(&img, "mymodule", false);
  img += static_cast<char>(kOpEof);
  img += std::string(8, '\0');
  auto r = ReadRdb(img, "dump.rdb", [](int, std::string, types::Value, int64_t) {
    return base::Status::Ok();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::StatusCode::kNotSupported);
  EXPECT_EQ(r.status().message(),
            "dump.rdb: a value of type 'module-2', which this version of Cairn cannot "
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

// ---------------------------------------------------------------------------
// Collections: byte equality with redis-server 7.0.15, old encodings, limits,
// corrupt input.

namespace cairn::snapshot {
namespace {

using types::Encoding;
using types::Value;
using types::ValueType;

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string ToHex(std::string_view b) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// A DUMP payload around `body` (type byte and value): version 10, CRC-64.
std::string Payload(std::string_view body) {
  std::string p(body);
  p += std::string("\x0a\x00", 2);
  const uint64_t crc = base::Crc64(0, p.data(), p.size());
  for (int i = 0; i < 8; i++) p += static_cast<char>(crc >> (8 * i));
  return p;
}

Value Restore(std::string_view payload, const LoadLimits& limits = {}) {
  auto v = RestorePayload(payload, limits);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? std::move(v).value() : Value();
}

// ---- building values as Redis 7.0's commands do

Value MakeHash(const std::vector<std::pair<std::string, std::string>>& pairs) {
  Value h = types::hash::New();
  for (const auto& [f, v] : pairs) {
    types::hash::ConvertIfLong(h, f, {});
    types::hash::ConvertIfLong(h, v, {});
  }
  for (const auto& [f, v] : pairs) types::hash::Set(h, f, v, {});
  return h;
}

// ZADD key score member ...: the scores as ZADD parses them.
Value MakeZSet(const std::vector<std::pair<std::string, std::string>>& score_members) {
  size_t max_len = 0;
  for (const auto& [s, m] : score_members) max_len = std::max(max_len, m.size());
  Value z = types::zset::New(score_members.size(), max_len, {});
  for (const auto& [s, m] : score_members) {
    types::zset::Add(z, std::strtod(s.c_str(), nullptr), m, 0, nullptr, {});
  }
  return z;
}

Value MakeSet(const std::vector<std::string>& members) {
  Value s = types::set::NewFor(members.front());
  for (const auto& m : members) types::set::Add(s, m, {});
  return s;
}

Value MakeList(const std::vector<std::string>& elements, int fill = -2, int depth = 0) {
  Value l(ValueType::kList, Encoding::kQuicklist, new types::Quicklist(fill, depth));
  for (const auto& e : elements) l.quicklist()->PushBack(e);
  return l;
}

// ---- reading values back

std::vector<std::string> ListOf(const Value& v) {
  std::vector<std::string> out;
  const types::Quicklist* ql = v.quicklist();
  if (ql->size() > 0) {
    ql->Range(0, static_cast<int64_t>(ql->size()) - 1, [&](std::string_view e) {
      out.emplace_back(e);
      return true;
    });
  }
  return out;
}

std::vector<std::string> SetOf(const Value& v) {
  std::vector<std::string> out;
  types::set::ForEach(v, [&](std::string_view m) {
    out.emplace_back(m);
    return true;
  });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, double>> ZSetOf(const Value& v) {
  std::vector<std::pair<std::string, double>> out;
  types::zset::ForEach(v, [&](std::string_view m, double s) {
    out.emplace_back(m, s);
    return true;
  });
  return out;
}

// In stored order for a listpack, sorted for a table.
std::vector<std::pair<std::string, std::string>> HashOf(const Value& v) {
  std::vector<std::pair<std::string, std::string>> out;
  types::hash::ForEach(v, [&](std::string_view f, std::string_view val) {
    out.emplace_back(f, val);
    return true;
  });
  if (v.enc == Encoding::kHashtable) std::sort(out.begin(), out.end());
  return out;
}

std::vector<size_t> NodeSizes(const Value& v) {
  std::vector<size_t> out;
  v.quicklist()->ForEachNode(
      [&](const unsigned char* lp) { out.push_back(types::lp::Length(lp)); });
  return out;
}

// A big payload is compared by its size and CRC-64 trailer (a checksum of
// all the bytes before it).
void ExpectSizeAndCrc(const std::string& payload, size_t size, std::string_view crc_hex) {
  EXPECT_EQ(payload.size(), size);
  EXPECT_EQ(ToHex(payload.substr(payload.size() - 8)), crc_hex);
}

// ---- DUMP payloads captured from redis-server 7.0.15 (default config
// unless noted), for the same logical values as the tests build.

// hash_small (listpack)
constexpr std::string_view kHashSmall =
    "1025250000000600846e616d6505857265646973068376657204070184706f727405f1eb1803ff0a00560275"
    "6afcba505e";
// hash_lzf (listpack)
constexpr std::string_view kHashLzf =
    "10c328406012600000000400896669656c642d6f6e650a9e61e01400001fa02a0574776f0aa162e017000122"
    "ff0a00ea1c977a53330e72";
// hash_lzf_nocomp (listpack)
constexpr std::string_view kHashLzfNocomp =
    "104060600000000400896669656c642d6f6e650a9e6161616161616161616161616161616161616161616161"
    "616161616161611f896669656c642d74776f0aa1626262626262626262626262626262626262626262626262"
    "62626262626262626222ff0a006f71f0f03dceb4e2";
// hash_update (listpack)
constexpr std::string_view kHashUpdate =
    "10181800000006008162028278780381630203018161020901ff0a009d9c3bf18532c3fd";
// zset_scores (listpack)
constexpr std::string_view kZsetScores =
    "11c3408d40c016c00000001e00816602842d696e6605816d02982d312e30e005001531652b33303019816302"
    "dffd028169020001816b0296e00a260a2d30351781670293302e31e005411330311481610201018142028332"
    "2e3504826162036008018162801016816402f2a0860104816802f400008a5d7845630109816a400c60000340"
    "09816ce0030c0265028320af0104ff0a00a0403ce1dfefcdf2";
// zset_longmember (skiplist)
constexpr std::string_view kZsetLongmember =
    "050301790000000000000040c3094041017878e03400017878000000000000f03f017a000000000000f0ff0a"
    "008fc779339f85adb0";
// intset16 (intset)
constexpr std::string_view kIntset16 =
    "0b0e02000000030000000100020003000a00a5025ce26d6e4d1b";
// intset32 (intset)
constexpr std::string_view kIntset32 =
    "0b180400000004000000feffffff050000002c010000701101000a00a8f0fa3745d76c6e";
// intset64 (intset)
constexpr std::string_view kIntset64 =
    "0b180800000002000000000efad5feffffff01000000000000000a009c139e07ea35a37e";
// intset_highwater (intset)
constexpr std::string_view kIntsetHighwater =
    "0b0c0400000001000000010000000a00ca59bf87762d2635";
// intset_big (intset)
constexpr std::string_view kIntsetBig =
    "0b4260020000002c01000018fc1ffc26fc2dfc34fc3bfc42fc49fc50fc57fc5efc65fc6cfc73fc7afc81fc88"
    "fc8ffc96fc9dfca4fcabfcb2fcb9fcc0fcc7fccefcd5fcdcfce3fceafcf1fcf8fcfffc06fd0dfd14fd1bfd22"
    "fd29fd30fd37fd3efd45fd4cfd53fd5afd61fd68fd6ffd76fd7dfd84fd8bfd92fd99fda0fda7fdaefdb5fdbc"
    "fdc3fdcafdd1fdd8fddffde6fdedfdf4fdfbfd02fe09fe10fe17fe1efe25fe2cfe33fe3afe41fe48fe4ffe56"
    "fe5dfe64fe6bfe72fe79fe80fe87fe8efe95fe9cfea3feaafeb1feb8febffec6fecdfed4fedbfee2fee9fef0"
    "fef7fefefe05ff0cff13ff1aff21ff28ff2fff36ff3dff44ff4bff52ff59ff60ff67ff6eff75ff7cff83ff8a"
    "ff91ff98ff9fffa6ffadffb4ffbbffc2ffc9ffd0ffd7ffdeffe5ffecfff3fffaff010008000f0016001d0024"
    "002b0032003900400047004e0055005c0063006a00710078007f0086008d0094009b00a200a900b000b700be"
    "00c500cc00d300da00e100e800ef00f600fd0004010b0112011901200127012e0135013c0143014a01510158"
    "015f0166016d0174017b0182018901900197019e01a501ac01b301ba01c101c801cf01d601dd01e401eb01f2"
    "01f901000207020e0215021c0223022a02310238023f0246024d0254025b0262026902700277027e0285028c"
    "0293029a02a102a802af02b602bd02c402cb02d202d902e002e702ee02f502fc0203030a03110318031f0326"
    "032d0334033b0342034903500357035e0365036c0373037a03810388038f0396039d03a403ab03b203b903c0"
    "03c703ce03d503dc03e303ea03f103f803ff0306040d0414041b0422042904300437043e0445040a00a58469"
    "71bf88e4e9";
// list_small (quicklist)
constexpr std::string_view kListSmall =
    "12010227270000000600836f6e65048374776f040301dffc02f18813038b68656c6c6f20776f726c640cff0a"
    "00fc2f06efd007a7f4";
// list_ints (quicklist)
constexpr std::string_view kListInts =
    "120102412b2b0100001f0000017f01c08002dfff02d00002cfff02f1001003f1ffef03f1008003f1ff7f03f2"
    "00800004f2ff7fff04f200008004f2ffff7f04f30000800005f3ffff7fff05f3ffffff7f05f4000000800000"
    "000009f30000008005f4ffffff7fffffffff09f4ffffffffffffff7f09f40000000000000080099339323233"
    "333732303336383534373735383038148330303704822d3003822b310382203103823120038001bf78787878"
    "7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878"
    "78787878787878787878787878787840e0407979797979797979797979797979797979797979797979797979"
    "797979797979797979797979797979797979797979797979797979797979797979797979797942ff0a002245"
    "d43c8f873fe8";
// list_lpush (quicklist)
constexpr std::string_view kListLpush =
    "1206021b1b00000004008365313904836531380483653137048365313604ff021b1b00000004008365313504"
    "836531340483653133048365313204ff0219190000000400836531310483653130048265390382653803ff02"
    "1717000000040082653703826536038265350382653403ff0217170000000400826533038265320382653103"
    "82653003ff020d0d0000000100847461696c05ff0a003f6b28f4a69003b1";
// list_depth1 (quicklist)
constexpr std::string_view kListDepth1 =
    "120402c336404b0c4b00000004008f6974656d2d30a000022d3010e0011005373931392d31e0011006313538"
    "33382d32e001100832333735372d3310ff02c33a404b164b00000004008f6974656d2d30303033313637362d"
    "3410e0011005393539352d35e001100634373531342d36e001100835353433332d3710ff02c33f404d164d00"
    "000004008f6974656d2d30303036333335322d3810e000100837313237312d391090c0210837393139302d31"
    "3011e000110938373130392d313111ff022b2b0000000200906974656d2d30303039353032382d3132119069"
    "74656d2d30303030323934372d313311ff0a0071b65413eae50a30";
// list_depth1_nocomp (quicklist)
constexpr std::string_view kListDepth1Nocomp =
    "120402404b4b00000004008f6974656d2d30303030303030302d30108f6974656d2d30303030373931392d31"
    "108f6974656d2d30303031353833382d32108f6974656d2d30303032333735372d3310ff02c33a404b164b00"
    "000004008f6974656d2d30303033313637362d3410e0011005393539352d35e001100634373531342d36e001"
    "100835353433332d3710ff02c33f404d164d00000004008f6974656d2d30303036333335322d3810e0001008"
    "37313237312d391090c0210837393139302d313011e000110938373130392d313111ff022b2b000000020090"
    "6974656d2d30303039353032382d313211906974656d2d30303030323934372d313311ff0a001caf29bf3b31"
    "17ef";
// list_depth2 (quicklist)
constexpr std::string_view kListDepth2 =
    "120502c32b3a0c3a00000003008f6974656d2d30a000022d3010e0011005373931392d31e001100831353833"
    "382d3210ff02c32f3a163a00000003008f6974656d2d30303032333735372d3310e000100633313637362d34"
    "e0021007393539352d3510ff02c3303a163a00000003008f6974656d2d30303034373531342d3610e0001006"
    "35353433332d37e001100836333335322d3810ff02c3333c173c00000003008f6974656d2d30303037313237"
    "312d391090e0001007393139302d313011e000110938373130392d313111ff022b2b0000000200906974656d"
    "2d30303039353032382d313211906974656d2d30303030323934372d313311ff0a0023534b1eaecb8e2e";
// set_table (hashtable)
constexpr std::string_view kSetTable =
    "0203066368657272790662616e616e61056170706c650a003dedb605211292d9";
// list_depth2_nocomp (quicklist)
constexpr std::string_view kListDepth2Nocomp =
    "1205023a3a00000003008f6974656d2d30303030303030302d30108f6974656d2d30303030373931392d3110"
    "8f6974656d2d30303031353833382d3210ff023a3a00000003008f6974656d2d30303032333735372d33108f"
    "6974656d2d30303033313637362d34108f6974656d2d30303033393539352d3510ff02c3303a163a00000003"
    "008f6974656d2d30303034373531342d3610e000100635353433332d37e001100836333335322d3810ff023c"
    "3c00000003008f6974656d2d30303037313237312d3910906974656d2d30303037393139302d313011906974"
    "656d2d30303038373130392d313111ff022b2b0000000200906974656d2d30303039353032382d3132119069"
    "74656d2d30303030323934372d313311ff0a00b3e821042b1d5b5a";

// The redis-server commands behind each capture are in the comments.

std::string Dump(const Value& v, bool compress = true) {
  return ToHex(DumpPayload(v, compress));
}

std::vector<std::string> Items(int n) {
  // "item-%08d-%d" % (i * 7919 % 100000, i)
  std::vector<std::string> out;
  for (int i = 0; i < n; i++) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "item-%08d-%d", i * 7919 % 100000, i);
    out.push_back(buf);
  }
  return out;
}

std::vector<std::string> Numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; i++) out.push_back(prefix + std::to_string(i));
  return out;
}

TEST(RedisBytesTest, ListpackHashes) {
  // HSET h name redis ver 7 port 6379
  EXPECT_EQ(Dump(MakeHash({{"name", "redis"}, {"ver", "7"}, {"port", "6379"}})), kHashSmall);
  // HSET h field-one <30 x a> field-two <33 x b>, rdbcompression yes / no
  Value lzf = MakeHash({{"field-one", std::string(30, 'a')}, {"field-two", std::string(33, 'b')}});
  EXPECT_EQ(Dump(lzf), kHashLzf);
  EXPECT_EQ(Dump(lzf, false), kHashLzfNocomp);
  // HSET h a 1 b 2 c 3; HSET h b xx; HDEL h a; HSET h a 9
  Value h = MakeHash({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  types::hash::Set(h, "b", "xx", {});
  types::hash::Delete(h, "a");
  types::hash::Set(h, "a", "9", {});
  EXPECT_EQ(Dump(h), kHashUpdate);
  // HSET h field:0 value:0 ... field:511 value:511 (512 fields: still a listpack)
  std::vector<std::pair<std::string, std::string>> big;
  for (int i = 0; i < 512; i++) {
    big.emplace_back("field:" + std::to_string(i), "value:" + std::to_string(i));
  }
  Value h512 = MakeHash(big);
  ASSERT_EQ(h512.enc, Encoding::kListpack);
  ExpectSizeAndCrc(DumpPayload(h512, true), 3834, "bdce2afecdf80132");
}

TEST(RedisBytesTest, ListpackZSetScores) {
  // ZADD z 1 a 2.5 b -3 c 100000 d inf e -inf f 0.1 g 1e17 h -0.0 i
  //        4611686018427387904 j 1e-5 k 4611686018427387905 l -1e300 m 2.5 ab 2.5 B
  Value z = MakeZSet({{"1", "a"}, {"2.5", "b"}, {"-3", "c"}, {"100000", "d"}, {"inf", "e"},
                      {"-inf", "f"}, {"0.1", "g"}, {"1e17", "h"}, {"-0.0", "i"},
                      {"4611686018427387904", "j"}, {"1e-5", "k"},
                      {"4611686018427387905", "l"}, {"-1e300", "m"}, {"2.5", "ab"},
                      {"2.5", "B"}});
  ASSERT_EQ(z.enc, Encoding::kListpack);
  EXPECT_EQ(Dump(z), kZsetScores);
}

TEST(RedisBytesTest, SkiplistZSetsGoHighestFirst) {
  // ZADD z 0.0 m0 0.5 m1 ... 64.0 m128 (129 members: a skiplist)
  std::vector<std::pair<std::string, std::string>> items;
  for (int i = 0; i < 129; i++) {
    items.emplace_back(std::to_string(i * 0.5), "m" + std::to_string(i));
  }
  Value z = MakeZSet(items);
  ASSERT_EQ(z.enc, Encoding::kSkiplist);
  ExpectSizeAndCrc(DumpPayload(z, true), 1580, "7c2e984e588bab2c");
  // ZADD z 1 <65 x x> 2 y -inf z (a member over zset-max-listpack-value)
  Value longm = MakeZSet({{"1", std::string(65, 'x')}, {"2", "y"}, {"-inf", "z"}});
  ASSERT_EQ(longm.enc, Encoding::kSkiplist);
  EXPECT_EQ(Dump(longm), kZsetLongmember);
}

TEST(RedisBytesTest, IntsetsOfEveryWidth) {
  EXPECT_EQ(Dump(MakeSet({"3", "1", "2"})), kIntset16);              // SADD s 3 1 2
  EXPECT_EQ(Dump(MakeSet({"5", "-2", "300", "70000"})), kIntset32);  // SADD s 5 -2 300 70000
  EXPECT_EQ(Dump(MakeSet({"1", "-5000000000"})), kIntset64);         // SADD s 1 -5000000000
  // SADD s 1 100000; SREM s 100000: the width does not shrink
  Value hw = MakeSet({"1", "100000"});
  types::set::Remove(hw, "100000");
  EXPECT_EQ(Dump(hw), kIntsetHighwater);
  // SADD s -1000 -993 ... (300 members)
  std::vector<std::string> many;
  for (int i = 0; i < 300; i++) many.push_back(std::to_string(i * 7 - 1000));
  EXPECT_EQ(Dump(MakeSet(many)), kIntsetBig);
}

TEST(RedisBytesTest, Quicklists) {
  // RPUSH l one two 3 -4 5000 "hello world"
  EXPECT_EQ(Dump(MakeList({"one", "two", "3", "-4", "5000", "hello world"})), kListSmall);
  // rdbcompression no; RPUSH l <every integer class and look-alike strings>
  const std::vector<std::string> ints = {
      "0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "-32768", "32767", "32768",
      "-32769", "-8388608", "8388607", "8388608", "-8388609", "2147483647", "2147483648",
      "-2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808",
      "9223372036854775808", "007", "-0", "+1", " 1", "1 ", "", std::string(63, 'x'),
      std::string(64, 'y')};
  EXPECT_EQ(Dump(MakeList(ints), false), kListInts);
  // list-max-listpack-size 4; LPUSH l e0 ... e19; RPUSH l tail
  Value lp(ValueType::kList, Encoding::kQuicklist, new types::Quicklist(4));
  for (const auto& e : Numbered("e", 20)) lp.quicklist()->PushFront(e);
  lp.quicklist()->PushBack("tail");
  EXPECT_EQ(Dump(lp), kListLpush);
  // RPUSH l item-0 ... item-2999: four LZF-compressed nodes of 8 KiB
  Value big = MakeList(Numbered("item-", 3000));
  EXPECT_EQ(NodeSizes(big), (std::vector<size_t>{828, 759, 743, 670}));
  ExpectSizeAndCrc(DumpPayload(big, true), 14832, "b90924264643e7a5");
  ExpectSizeAndCrc(DumpPayload(big, false), 31942, "61ea3898f82834d8");
  // list-max-listpack-size -1; RPUSH l <200 elements of mixed sizes>
  std::vector<std::string> mixed;
  for (int i = 0; i < 200; i++) mixed.push_back(std::string(i * 37 % 300, 'v') + std::to_string(i));
  ExpectSizeAndCrc(DumpPayload(MakeList(mixed, -1), true), 2579, "1c50b1d85561036a");
}

TEST(RedisBytesTest, ListCompressDepthWritesInteriorNodesCompressed) {
  // list-max-listpack-size 4, list-compress-depth 1; RPUSH l <14 items>
  Value d1 = MakeList(Items(14), 4, 1);
  EXPECT_EQ(Dump(d1, true), kListDepth1);
  EXPECT_EQ(Dump(d1, false), kListDepth1Nocomp);  // rdbcompression no
  // list-max-listpack-size 3, list-compress-depth 2
  Value d2 = MakeList(Items(14), 3, 2);
  EXPECT_EQ(Dump(d2, true), kListDepth2);
  EXPECT_EQ(Dump(d2, false), kListDepth2Nocomp);
  // list-compress-depth 1, rdbcompression no: only the two middle nodes
  Value big = MakeList(Numbered("item-", 3000), -2, 1);
  ExpectSizeAndCrc(DumpPayload(big, false), 22946, "a6a6cd9f06a421bd");
  // with rdbcompression yes the same bytes as without a depth
  ExpectSizeAndCrc(DumpPayload(big, true), 14832, "b90924264643e7a5");
}

TEST(RedisBytesTest, HashtableSetsAndHashesLoadFromRedis) {
  // SADD s apple banana cherry (a hashtable: Redis writes it in table order)
  Value s = Restore(FromHex(kSetTable));
  EXPECT_EQ(s.enc, Encoding::kHashtable);
  EXPECT_EQ(SetOf(s), (std::vector<std::string>{"apple", "banana", "cherry"}));
  std::string body = DumpPayload(s, true);
  EXPECT_EQ(body[0], '\x02');
  EXPECT_EQ(SetOf(Restore(body)), SetOf(s));
}

TEST(RedisBytesTest, RestoreThenDumpGivesRedisBytes) {
  for (std::string_view hex : {kHashSmall, kHashLzf, kHashLzfNocomp, kHashUpdate, kZsetScores,
                               kZsetLongmember, kIntset16, kIntset32, kIntset64,
                               kIntsetHighwater, kIntsetBig, kListSmall, kListInts,
                               kListLpush, kListDepth1Nocomp, kListDepth2Nocomp}) {
    const std::string p = FromHex(hex);
    LoadLimits limits;  // RESTORE under list-compress-depth 1 or 2
    limits.list_compress_depth = hex == kListDepth1Nocomp ? 1 : hex == kListDepth2Nocomp ? 2 : 0;
    Value v = Restore(p, limits);
    const bool compress = hex != kHashLzfNocomp && hex != kListInts;
    EXPECT_EQ(Dump(v, compress && limits.list_compress_depth == 0), hex);
  }
}

// ---- old encodings: payloads built by hand from the format, each accepted
// by redis-server 7.0.15's RESTORE; the "then" bytes are its DUMP after.

struct Legacy {
  const char* name;
  std::string_view payload;
  std::string_view redis_dump_after;  // "" when Cairn's differs on purpose
};

constexpr Legacy kLegacy[] = {
    {"t1 list",
     "010301610162c0050a0059f0df09a1e76150",
     "1201020f0f00000003008161028162020501ff0a00986f302469584af6"},
    {"t2 set",
     "020301330131c0020a00ea18d346d20d90f9",
     "0b0e02000000030000000100020003000a00a5025ce26d6e4d1b"},
    {"t3 zset",
     "0304016103312e350162fe0163ff016401330a008265e0c39aad1e54",
     "1125250000000800816302842d696e660581610283312e3504816402030181620283696e6604ff0a008a"
     "9e839f56ce82eb"},
    {"t4 hash",
     "0402026631027631026632c0070a0042dbb07bf32bf470",
     "10151500000004008266310382763103826632030701ff0a003af795e65b9f0814"},
    {"t5 zset-2",
     "0502016200000000000000400161000000000000d03f0a00b6ca73fd7f975c80",
     "111515000000040081610284302e3235058162020201ff0a005a69fd1eef58f9a3"},
    {"t9 hash-zipmap",
     "09180203666f6f03006261720568656c6c6f0500776f726c64ff0a00b15bbf067ccdbf26",
     "101f1f000000040083666f6f0483626172048568656c6c6f0685776f726c6406ff0a00d2cf5310c130ae"
     "7b"},
    {"t10 list-ziplist",
     "0a2f2f00000024000000080000016103f202c0d4fe040568656c6c6f07fd02fe0d03f070110105e00000"
     "000000010000ff0a008b00adea63120706",
     "120102292900000008008161020101ded4028568656c6c6f060c010d01f270110104f400000000000100"
     "0009ff0a00819c6dbef5f283a2"},
    {"t11 set-intset",
     "0b0e0200000003000000ffff030005000a00351626790875d638",
     "0b0e0200000003000000ffff030005000a00351626790875d638"},
    {"t12 zset-ziplist",
     "0c181800000012000000040000016103f20201620303322e35ff0a005c571d9d946faeb7",
     "1114140000000400816102010181620283322e3504ff0a00d44c6ea4f644d9d7"},
    {"t13 hash-ziplist",
     "0d171700000013000000040000016603017603016e03fe64ff0a0054ed3a1bbf235da7",
     "1012120000000400816602817602816e026401ff0a005414caec75fc291a"},
    {"t14 list-quicklist",
     "0e0211110000000d0000000200000161030162ff11110000000e000000030000f202f302f4ff0a006fd1"
     "3cc08e311a9e",
     "1202020d0d0000000200816102816202ff020d0d0000000300010102010301ff0a0002c65f4ba00ff9e2"},
    {"t16 hash-listpack",
     "1012120000000400816602817602816e026401ff0a005414caec75fc291a",
     "1012120000000400816602817602816e026401ff0a005414caec75fc291a"},
    {"t17 zset-listpack",
     "1114140000000400816102010181620283322e3504ff0a00d44c6ea4f644d9d7",
     "1114140000000400816102010181620283322e3504ff0a00d44c6ea4f644d9d7"},
    // Redis keeps the PLAIN node; Cairn's quicklist holds listpacks only.
    {"t18 list-quicklist-2",
     "1202020d0d0000000200816102816202ff010d706c61696e2d656c656d656e740a006ba142689faba9bb",
     ""},
};

std::string Unspaced(std::string_view hex) {
  std::string out;
  for (char c : hex) {
    if (c != ' ') out.push_back(c);
  }
  return out;
}

TEST(LegacyEncodingsTest, RedisAcceptedPayloadsLoadAndDumpAsRedisDoes) {
  for (const Legacy& t : kLegacy) {
    SCOPED_TRACE(t.name);
    Value v = Restore(FromHex(Unspaced(t.payload)));
    if (!t.redis_dump_after.empty()) {
      EXPECT_EQ(Dump(v), Unspaced(t.redis_dump_after));
    }
  }
  using Strs = std::vector<std::string>;
  EXPECT_EQ(ListOf(Restore(FromHex(Unspaced(kLegacy[0].payload)))), (Strs{"a", "b", "5"}));
  Value zset3 = Restore(FromHex(Unspaced(kLegacy[2].payload)));
  EXPECT_EQ(ZSetOf(zset3), (std::vector<std::pair<std::string, double>>{
                               {"c", -HUGE_VAL}, {"a", 1.5}, {"d", 3}, {"b", HUGE_VAL}}));
  EXPECT_EQ(ListOf(Restore(FromHex(Unspaced(kLegacy[6].payload)))),
            (Strs{"a", "1", "-300", "hello", "12", "13", "70000", "1099511627776"}));
  Value ql1 = Restore(FromHex(Unspaced(kLegacy[10].payload)));
  EXPECT_EQ(ListOf(ql1), (Strs{"a", "b", "1", "2", "3"}));
  EXPECT_EQ(NodeSizes(ql1), (std::vector<size_t>{2, 3}));  // one node per ziplist
  Value plain = Restore(FromHex(Unspaced(kLegacy[13].payload)));
  EXPECT_EQ(ListOf(plain), (Strs{"a", "b", "plain-element"}));
  EXPECT_EQ(NodeSizes(plain), (std::vector<size_t>{2, 1}));
}

// A ziplist, written as Redis < 7 wrote them (doc/rdb.md "Ziplist").
std::string Ziplist(const std::vector<std::string>& entries, bool long_prevlen = false) {
  std::string body;
  size_t prev = 0, last = 10;
  for (const std::string& e : entries) {
    std::string entry;
    if (prev < 254 && !long_prevlen) {
      entry.push_back(static_cast<char>(prev));
    } else {
      entry.push_back('\xfe');
      for (int i = 0; i < 4; i++) entry.push_back(static_cast<char>(prev >> (8 * i)));
    }
    auto v = e.size() <= 31 ? base::ParseInt64(e) : std::nullopt;
    if (v && *v >= 0 && *v <= 12) {
      entry.push_back(static_cast<char>(0xf1 + *v));
    } else if (v && *v >= -128 && *v <= 127) {
      entry += '\xfe';
      entry.push_back(static_cast<char>(*v));
    } else if (v && *v >= INT16_MIN && *v <= INT16_MAX) {
      entry += '\xc0';
      for (int i = 0; i < 2; i++) entry.push_back(static_cast<char>(*v >> (8 * i)));
    } else if (v && *v >= -8388608 && *v <= 8388607) {
      entry += '\xf0';
      for (int i = 0; i < 3; i++) entry.push_back(static_cast<char>(*v >> (8 * i)));
    } else if (v && *v >= INT32_MIN && *v <= INT32_MAX) {
      entry += '\xd0';
      for (int i = 0; i < 4; i++) entry.push_back(static_cast<char>(*v >> (8 * i)));
    } else if (v) {
      entry += '\xe0';
      for (int i = 0; i < 8; i++) entry.push_back(static_cast<char>(*v >> (8 * i)));
    } else if (e.size() <= 63) {
      entry.push_back(static_cast<char>(e.size()));
      entry += e;
    } else if (e.size() <= 16383) {
      entry.push_back(static_cast<char>(0x40 | (e.size() >> 8)));
      entry.push_back(static_cast<char>(e.size() & 0xff));
      entry += e;
    } else {
      entry += '\x80';
      for (int i = 3; i >= 0; i--) entry.push_back(static_cast<char>(e.size() >> (8 * i)));
      entry += e;
    }
    last = 10 + body.size();
    body += entry;
    prev = entry.size();
  }
  std::string zl;
  const size_t total = 10 + body.size() + 1;
  for (int i = 0; i < 4; i++) zl.push_back(static_cast<char>(total >> (8 * i)));
  for (int i = 0; i < 4; i++) zl.push_back(static_cast<char>(last >> (8 * i)));
  const size_t n = std::min<size_t>(entries.size(), 65535);
  zl.push_back(static_cast<char>(n & 0xff));
  zl.push_back(static_cast<char>(n >> 8));
  return zl + body + '\xff';
}

std::string Blob(uint8_t type, const std::string& blob) {
  std::string b(1, static_cast<char>(type));
  EncodeString(&b, blob, false);
  return b;
}

TEST(LegacyEncodingsTest, ZiplistsOfEveryEntryEncoding) {
  const std::vector<std::string> entries = {
      "0", "12", "13", "-1", "-128", "127", "128", "-129", "32767", "32768", "-8388608",
      "8388608", "2147483647", "2147483648", "-9223372036854775808", "007", "",
      std::string(63, 'a'), std::string(64, 'b'), std::string(300, 'c'), std::string(17000, 'd'),
      "x"};
  for (bool long_prevlen : {false, true}) {
    Value v = Restore(Payload(Blob(10, Ziplist(entries, long_prevlen))));
    EXPECT_EQ(ListOf(v), entries);
  }
  // a count of 65535 means "count them"
  std::string zl = Ziplist({"a", "b"});
  zl[8] = zl[9] = '\xff';
  EXPECT_EQ(ListOf(Restore(Payload(Blob(10, zl)))), (std::vector<std::string>{"a", "b"}));
  // big ziplists as old Redis wrote quicklist v1 nodes: one node each, not re-split
  std::vector<std::string> many = Numbered("element-", 3000);
  std::string ql1(1, '\x0e');
  EncodeLength(&ql1, 2);
  EncodeString(&ql1, Ziplist(many), true);
  EncodeString(&ql1, Ziplist({"last"}), true);
  Value v = Restore(Payload(ql1));
  EXPECT_EQ(NodeSizes(v), (std::vector<size_t>{3000, 1}));
  // a LIST_ZIPLIST is pushed element by element: nodes as RPUSH makes them
  LoadLimits fill4;
  fill4.list_max_listpack_size = 4;
  Value split = Restore(Payload(Blob(10, Ziplist(Numbered("e", 10)))), fill4);
  EXPECT_EQ(NodeSizes(split), (std::vector<size_t>{4, 4, 2}));
  Value pushed = Restore(Payload(Blob(10, Ziplist(many))));
  EXPECT_EQ(Dump(pushed), Dump(MakeList(many)));
}

TEST(LegacyEncodingsTest, ZipmapsWithFreeBytesAndLongLengths) {
  // field "f", value "v" with 2 free bytes; field 300 x "k", value "w"
  std::string zm = "\x02";
  zm += std::string("\x01" "f" "\x01\x02" "v" "xx", 7);
  zm += std::string("\xfe\x2c\x01\x00\x00", 5) + std::string(300, 'k');
  zm += std::string("\x01\x00" "w", 3);
  zm += '\xff';
  Value v = Restore(Payload(Blob(9, zm)));
  // a 300-byte field is over hash-max-listpack-value: a hash table
  EXPECT_EQ(v.enc, Encoding::kHashtable);
  EXPECT_EQ(HashOf(v), (std::vector<std::pair<std::string, std::string>>{
                           {"f", "v"}, {std::string(300, 'k'), "w"}}));
  LoadLimits roomy;
  roomy.hash.max_listpack_value = 1000;
  EXPECT_EQ(Restore(Payload(Blob(9, zm)), roomy).enc, Encoding::kListpack);
  zm[0] = '\xfe';  // 254: unknown count
  EXPECT_EQ(HashOf(Restore(Payload(Blob(9, zm)))).size(), 2u);
}

// ---- conversions on load under the configured limits

TEST(LoadLimitsTest, ConversionsFollowTheConfiguredLimits) {
  LoadLimits small;
  small.hash.max_listpack_entries = 1;
  small.zset.max_listpack_entries = 1;
  small.set.max_intset_entries = 2;
  small.list_max_listpack_size = 2;
  // over the entry limits: the big encodings
  Value h = Restore(FromHex(kHashSmall), small);
  EXPECT_EQ(h.enc, Encoding::kHashtable);
  EXPECT_EQ(HashOf(h).size(), 3u);
  EXPECT_EQ(Restore(FromHex(kIntset16), small).enc, Encoding::kHashtable);
  EXPECT_EQ(Restore(FromHex(Unspaced(kLegacy[8].payload)), small).enc, Encoding::kSkiplist);
  EXPECT_EQ(Restore(FromHex(Unspaced(kLegacy[12].payload)), small).enc, Encoding::kSkiplist);
  EXPECT_EQ(Restore(FromHex(Unspaced(kLegacy[9].payload)), small).enc, Encoding::kHashtable);
  // ZSET_2 and ZSET become listpacks only within the limits
  EXPECT_EQ(Restore(FromHex(Unspaced(kLegacy[4].payload)), small).enc, Encoding::kSkiplist);
  EXPECT_EQ(Restore(FromHex(Unspaced(kLegacy[4].payload))).enc, Encoding::kListpack);
  EXPECT_EQ(Restore(FromHex(kZsetLongmember)).enc, Encoding::kSkiplist);  // 65-byte member
  LoadLimits longer;
  longer.zset.max_listpack_value = 100;
  Value z = Restore(FromHex(kZsetLongmember), longer);
  EXPECT_EQ(z.enc, Encoding::kListpack);
  EXPECT_EQ(ZSetOf(z).front().second, -HUGE_VAL);
  // LIST (1) is re-split by the fill; QUICKLIST_2 nodes are kept as stored
  Value l1 = Restore(FromHex(Unspaced(kLegacy[0].payload)), small);
  EXPECT_EQ(NodeSizes(l1), (std::vector<size_t>{2, 1}));
  Value kept = Restore(FromHex(kListLpush), small);
  EXPECT_EQ(NodeSizes(kept), (std::vector<size_t>{4, 4, 4, 4, 4, 1}));
}

TEST(LoadLimitsTest, HashBodiesConvertAsRedisLoadsThem) {
  // HASH (4) of 3 pairs: a listpack, in file order...
  std::string body = "\x04\x03";
  for (const char* f : {"b", "a", "c"}) {
    EncodeString(&body, f, false);
    EncodeString(&body, std::string("v") + f, false);
  }
  Value h = Restore(Payload(body));
  EXPECT_EQ(h.enc, Encoding::kListpack);
  EXPECT_EQ(HashOf(h), (std::vector<std::pair<std::string, std::string>>{
                           {"b", "vb"}, {"a", "va"}, {"c", "vc"}}));
  // ... a table once a value is longer than hash-max-listpack-value ...
  std::string longer = body;
  longer[1] = '\x04';
  EncodeString(&longer, "d", false);
  EncodeString(&longer, std::string(65, 'x'), false);
  EXPECT_EQ(Restore(Payload(longer)).enc, Encoding::kHashtable);
  // ... or with more pairs than hash-max-listpack-entries
  LoadLimits two;
  two.hash.max_listpack_entries = 2;
  EXPECT_EQ(Restore(Payload(body), two).enc, Encoding::kHashtable);
  // SET (2): an intset while the members are integers (and few enough)
  std::string ints = "\x02\x03";
  for (const char* m : {"3", "-70000", "1"}) EncodeString(&ints, m, false);
  Value is = Restore(Payload(ints));
  EXPECT_EQ(is.enc, Encoding::kIntset);
  EXPECT_EQ(Dump(is).substr(0, 4), "0b14");  // width 4: what the values need
  std::string mixed = ints;
  mixed[1] = '\x04';
  EncodeString(&mixed, "x", false);
  EXPECT_EQ(Restore(Payload(mixed)).enc, Encoding::kHashtable);
  LoadLimits one;
  one.set.max_intset_entries = 2;
  EXPECT_EQ(Restore(Payload(ints), one).enc, Encoding::kHashtable);
}

TEST(LoadLimitsTest, SetListpacksOfRedis72BecomeIntsetsOrTables) {
  auto listpack = [](const std::vector<std::string>& members) {
    unsigned char* l = types::lp::New();
    for (const auto& m : members) l = types::lp::Append(l, m);
    std::string b(reinterpret_cast<char*>(l), types::lp::Bytes(l));
    types::lp::Free(l);
    return b;
  };
  const std::string ints = Blob(20, listpack({"5", "1", "3"}));
  const std::string strs = Blob(20, listpack({"a", "1"}));
  // in a file (Redis 7.2 writes RDB 11)...
  std::string img = "REDIS0011";
  img += static_cast<char>(kOpSelectDb);
  img += '\0';
  for (const auto& [key, value] : {std::pair{"i", ints}, std::pair{"s", strs}}) {
    img += value[0];
    EncodeString(&img, key, false);
    img += value.substr(1);
  }
  img += static_cast<char>(kOpEof);
  img += std::string(8, '\0');
  std::map<std::string, Value> got;
  auto r = ReadRdb(img, "v11.rdb", [&](int, std::string k, Value v, int64_t) {
    got.emplace(k, std::move(v));
    return base::Status::Ok();
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(got["i"].enc, Encoding::kIntset);
  EXPECT_EQ(SetOf(got["i"]), (std::vector<std::string>{"1", "3", "5"}));
  EXPECT_EQ(got["s"].enc, Encoding::kHashtable);
  // ... but Redis 7.0's RESTORE does not know the type
  EXPECT_EQ(RestorePayload(Payload(ints)).status().message(), "Bad data format");
}

// ---- round trips of every type and encoding

TEST(CollectionRoundTripTest, EveryTypeAndEncoding) {
  std::vector<std::pair<std::string, std::string>> wide;
  for (int i = 0; i < 600; i++) wide.emplace_back("f" + std::to_string(i), std::to_string(i * i));
  std::vector<std::pair<std::string, std::string>> zs;
  for (int i = 0; i < 300; i++) {
    zs.emplace_back(std::to_string(i % 7 * 1.25), "m" + std::to_string(i));
  }
  std::vector<std::string> strs = Numbered("member-", 700);
  std::vector<std::string> ints;
  for (int i = 0; i < 700; i++) ints.push_back(std::to_string(i * 1000003LL));
  const std::vector<Value> values = {
      MakeHash({{"a", "1"}, {"b", std::string(64, 'z')}}),
      MakeHash({{"a", std::string(65, 'z')}}),
      MakeHash(wide),
      MakeZSet({{"1", "a"}, {"-inf", "b"}, {"3.25", "c"}}),
      MakeZSet(zs),
      MakeSet({"1", "2", "-3"}),
      MakeSet({"1", "x"}),
      MakeSet(strs),
      MakeSet(ints),
      MakeList({"x"}),
      MakeList(Numbered("", 5000)),
      MakeList(Numbered(std::string(5000, 'q'), 20), -1),
  };
  for (const Value& original : values) {
    SCOPED_TRACE(std::string(original.EncodingName()) + " type " + std::to_string(RdbTypeOf(original)));
    for (bool compress : {true, false}) {
      for (int depth : {0, 1, 3}) {
        // A list written with compressed interior nodes, read back into a
        // list that keeps the same depth.
        Value v = original;
        if (v.type == ValueType::kList) v = MakeList(ListOf(original), original.quicklist()->fill(), depth);
        LoadLimits limits;
        limits.list_max_listpack_size = v.type == ValueType::kList ? v.quicklist()->fill() : -2;
        limits.list_compress_depth = depth;
        Value back = Restore(DumpPayload(v, compress), limits);
        EXPECT_EQ(back.type, v.type);
        EXPECT_EQ(back.enc, v.enc);
        switch (v.type) {
          case ValueType::kList:
            EXPECT_EQ(ListOf(back), ListOf(v));
            EXPECT_EQ(NodeSizes(back), NodeSizes(v));
            break;
          case ValueType::kSet: EXPECT_EQ(SetOf(back), SetOf(v)); break;
          case ValueType::kZSet: EXPECT_EQ(ZSetOf(back), ZSetOf(v)); break;
          case ValueType::kHash: EXPECT_EQ(HashOf(back), HashOf(v)); break;
          default: break;
        }
        if (v.enc != Encoding::kHashtable) {
          EXPECT_EQ(Dump(back, compress), Dump(v, compress));
        }
      }
    }
  }
}

TEST_F(RdbFileTest, CollectionsInAFileAndEmptyOnesSkipped) {
  RdbFileWriter w;
  RdbWriteOptions o;
  ASSERT_TRUE(w.Open(path_, o).ok());
  ASSERT_TRUE(w.BeginDb(0, 5, 1).ok());
  ASSERT_TRUE(w.Put("h", MakeHash({{"f", "v"}}), -1).ok());
  ASSERT_TRUE(w.Put("z", MakeZSet({{"2", "two"}}), 4102444800000).ok());
  ASSERT_TRUE(w.Put("s", MakeSet({"7"}), -1).ok());
  ASSERT_TRUE(w.Put("l", MakeList(Numbered("item-", 3000), -2, 1), -1).ok());
  ASSERT_TRUE(w.Finish().ok());
  // an empty list and an empty hash listpack, before the EOF
  std::string img = Bytes();
  img.resize(img.size() - 9);
  img += std::string("\xfc\x01\x00\x00\x00\x00\x00\x00\x00", 9);  // an expiry, skipped too
  img += '\x12';
  EncodeString(&img, "empty-list", false);
  img += '\x00';
  img += '\x10';
  EncodeString(&img, "empty-hash", false);
  EncodeString(&img, std::string("\x07\x00\x00\x00\x00\x00\xff", 7), false);
  img += '\0';
  EncodeString(&img, "after", false);
  EncodeString(&img, "x", false);
  img += static_cast<char>(kOpEof);
  img += std::string(8, '\0');
  std::map<std::string, std::pair<Value, int64_t>> got;
  auto r = ReadRdb(img, "dump.rdb", [&](int, std::string k, Value v, int64_t e) {
    got.emplace(k, std::pair(std::move(v), e));
    return base::Status::Ok();
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().keys, 5u);
  EXPECT_EQ(r.value().empty_keys_skipped, 2u);
  EXPECT_EQ(got.count("empty-list") + got.count("empty-hash"), 0u);
  EXPECT_EQ(got["after"].second, -1);
  EXPECT_EQ(got["z"].second, 4102444800000);
  EXPECT_EQ(HashOf(got["h"].first).size(), 1u);
  EXPECT_EQ(ListOf(got["l"].first), Numbered("item-", 3000));
  EXPECT_EQ(Dump(got["l"].first), Dump(MakeList(Numbered("item-", 3000))));
}

// ---- corrupt input

struct Corrupt {
  const char* what;
  std::string body;  // type byte and value
};

std::string Lp(std::string_view entries, uint16_t count) {
  std::string b(6, '\0');
  const size_t total = 6 + entries.size() + 1;
  for (int i = 0; i < 4; i++) b[i] = static_cast<char>(total >> (8 * i));
  b[4] = static_cast<char>(count & 0xff);
  b[5] = static_cast<char>(count >> 8);
  return b + std::string(entries) + '\xff';
}

std::string Intset(uint32_t width, const std::vector<int64_t>& values) {
  std::string b;
  for (int i = 0; i < 4; i++) b.push_back(static_cast<char>(width >> (8 * i)));
  for (int i = 0; i < 4; i++) b.push_back(static_cast<char>(values.size() >> (8 * i)));
  for (int64_t v : values) {
    for (uint32_t i = 0; i < width; i++) b.push_back(static_cast<char>(v >> (8 * i)));
  }
  return b;
}

std::string Strings(uint8_t type, const std::vector<std::string>& items, uint64_t n = UINT64_MAX) {
  std::string b(1, static_cast<char>(type));
  EncodeLength(&b, n == UINT64_MAX ? items.size() : n);
  for (const auto& s : items) EncodeString(&b, s, false);
  return b;
}

std::vector<Corrupt> CorruptCases() {
  const std::string fv = std::string("\x81" "f" "\x02" "\x81" "v" "\x02", 6);
  const std::string zl = Ziplist({"a", "b", "c"});
  auto with = [](std::string s, size_t at, char c) {
    s[at] = c;
    return s;
  };
  std::string zl_tail = with(zl, 4, '\x0a');
  std::string zl_count = with(zl, 8, '\x05');
  std::string zl_prev = with(zl, 13, '\x07');   // second entry's prevlen
  std::string zl_enc = with(zl, 11, '\xc5');    // first entry's encoding
  std::string zl_len = with(zl, 11, '\x30');    // a string past the end
  std::string zl_bytes = with(zl, 0, '\x40');
  return {
      // listpacks (hash 16, zset 17, quicklist 18 nodes)
      {"listpack total bytes", Blob(16, with(Lp(fv, 2), 0, '\x20'))},
      {"listpack without its end byte", Blob(16, Lp(fv, 2).substr(0, 12) + "\x02")},
      {"listpack bad encoding byte", Blob(16, Lp(std::string("\xf5\x01", 2) + fv.substr(3), 2))},
      {"listpack wrong backlen", Blob(16, Lp(with(fv, 2, '\x03'), 2))},
      {"listpack entry past the end", Blob(16, Lp(with(fv, 0, '\x8f'), 2))},
      {"listpack count mismatch", Blob(16, Lp(fv, 3))},
      {"hash listpack odd count", Blob(16, Lp(fv + std::string("\x81" "g" "\x02", 3), 3))},
      {"hash listpack duplicate field", Blob(16, Lp(fv + fv, 4))},
      {"hash listpack duplicate int field",  // 5 and "5"
       Blob(16, Lp(std::string("\x05\x01\x81" "a" "\x02\x81" "5" "\x02\x81" "b" "\x02", 11),
                   4))},
      {"zset listpack duplicate member",
       Blob(17, Lp(std::string("\x81" "m" "\x02\x01\x01\x81" "m" "\x02\x02\x01", 10), 4))},
      {"zset listpack NaN score",
       Blob(17, Lp(std::string("\x81" "m" "\x02\x83" "nan" "\x04", 8), 2))},
      {"quicklist node of container 3",
       std::string("\x12\x01\x03", 3) + Blob(0, Lp(fv, 2)).substr(1)},
      {"quicklist empty node data", std::string("\x12\x01\x02\x00", 4)},
      {"quicklist bad node listpack", std::string("\x12\x01\x02", 3) +
                                          Blob(0, Lp(fv, 5)).substr(1)},
      {"quicklist fewer nodes than said", std::string("\x12\x02\x02", 3) +
                                              Blob(0, Lp(fv, 2)).substr(1)},
      // intsets
      {"intset width 3", Blob(11, Intset(3, {1, 2}))},
      {"intset unsorted", Blob(11, Intset(2, {2, 1}))},
      {"intset duplicate", Blob(11, Intset(4, {5, 5}))},
      {"intset empty", Blob(11, Intset(2, {}))},
      {"intset length past the blob", Blob(11, Intset(2, {1, 2}).substr(0, 10))},
      // ziplists (list 10, zset 12, hash 13, quicklist 14 nodes)
      {"ziplist tail offset", Blob(10, zl_tail)},
      {"ziplist count", Blob(10, zl_count)},
      {"ziplist prevlen", Blob(10, zl_prev)},
      {"ziplist encoding", Blob(10, zl_enc)},
      {"ziplist string past the end", Blob(10, zl_len)},
      {"ziplist total bytes", Blob(10, zl_bytes)},
      {"ziplist truncated", Blob(10, zl.substr(0, 10))},
      {"hash ziplist odd count", Blob(13, zl)},
      {"hash ziplist duplicate field", Blob(13, Ziplist({"f", "1", "f", "2"}))},
      {"zset ziplist duplicate member", Blob(12, Ziplist({"m", "1", "m", "2"}))},
      {"zset ziplist NaN score", Blob(12, Ziplist({"m", "nan"}))},
      {"quicklist v1 bad ziplist node", std::string("\x0e\x01", 2) + Blob(0, zl_prev).substr(1)},
      // zipmaps
      {"zipmap wrong count", Blob(9, std::string("\x03\x01" "f" "\x01\x00" "v" "\xff", 7))},
      {"zipmap duplicate field",
       Blob(9, std::string("\x02\x01" "f" "\x01\x00" "v" "\x01" "f" "\x01\x00" "w" "\xff", 12))},
      {"zipmap value past the end", Blob(9, std::string("\x01\x01" "f" "\x09\x00" "v" "\xff", 7))},
      {"zipmap free bytes past the end",
       Blob(9, std::string("\x01\x01" "f" "\x01\x09" "v" "\xff", 7))},
      {"zipmap empty", Blob(9, std::string("\x00\xff", 2))},
      {"zipmap without end byte", Blob(9, std::string("\x01\x01" "f" "\x01\x00" "v", 6))},
      // plain bodies
      {"set duplicate member", Strings(2, {"a", "b", "a"})},
      {"intset-bound set duplicate member", Strings(2, {"1", "2", "1"})},
      {"hash duplicate field", Strings(4, {"f", "1", "f", "2"})},
      {"big hash duplicate field", Strings(4, {"f", "1", "g", std::string(100, 'x'), "f", "2"})},
      {"zset-2 duplicate member",
       Strings(5, {}, 2) + std::string("\x01m", 2) + std::string(8, '\0') +
           std::string("\x01m", 2) + std::string(8, '\0')},
      {"zset-2 NaN score",
       Strings(5, {}, 1) + std::string("\x01m", 2) + FromHex("000000000000f87f")},
      {"zset NaN score", Strings(3, {}, 1) + std::string("\x01m\xfd", 3)},
      {"zset unreadable score", Strings(3, {}, 1) + std::string("\x01m\x03" "abc", 6)},
      {"list shorter than its length", Strings(1, {"a"}, 2)},
      {"set of 2^62 members", Strings(2, {"a"}, uint64_t{1} << 62)},
      {"hash of 2^62 pairs", Strings(4, {"a", "b"}, uint64_t{1} << 62)},
      {"zset-2 of 2^62 members", Strings(5, {}, uint64_t{1} << 62)},
      {"blob given as an integer", std::string("\x10\xc0\x05", 3)},
  };
}

TEST(CorruptInputTest, RestoreRefusesEachKindAsBadDataFormat) {
  for (const Corrupt& c : CorruptCases()) {
    auto r = RestorePayload(Payload(c.body));
    EXPECT_FALSE(r.ok()) << c.what;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), base::StatusCode::kCorruption) << c.what;
      EXPECT_EQ(r.status().message(), "Bad data format") << c.what;
    }
  }
}

TEST(CorruptInputTest, AFileWithOneIsRefusedNamingTheOffsetAndDeliversNothing) {
  for (const Corrupt& c : CorruptCases()) {
    std::string img = "REDIS0010";
    img += static_cast<char>(kOpSelectDb);
    img += '\0';
    img += '\0';
    EncodeString(&img, "before", false);
    EncodeString(&img, "x", false);
    const size_t at = img.size();
    img += c.body[0];
    EncodeString(&img, "key", false);
    img += c.body.substr(1);
    img += static_cast<char>(kOpEof);
    img += std::string(8, '\0');
    int delivered = 0;
    auto r = ReadRdb(img, "dump.rdb", [&](int, std::string, Value, int64_t) {
      delivered++;
      return base::Status::Ok();
    });
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(delivered, 0) << c.what;
    EXPECT_EQ(r.status().code(), base::StatusCode::kCorruption) << c.what;
    const std::string& m = r.status().message();
    EXPECT_TRUE(m.starts_with("dump.rdb: ")) << m;
    // the offset is at or after the value's type byte, and the key is named
    const size_t at_offset = m.find("offset ");
    ASSERT_NE(at_offset, std::string::npos) << m;
    const size_t off = std::stoul(m.substr(at_offset + 7));
    EXPECT_GE(off, at) << c.what << ": " << m;
    EXPECT_TRUE(m.ends_with("(key 'key')")) << m;
  }
}

TEST(CorruptInputTest, EmptyCollectionsAreBadDataForRestore) {
  for (const std::string& body :
       {Strings(1, {}), Strings(2, {}), Strings(4, {}), Strings(5, {}), Strings(18, {}),
        Strings(14, {}), Blob(16, Lp("", 0)), Blob(17, Lp("", 0)), Blob(10, Ziplist({})),
        Blob(13, Ziplist({})), std::string("\x12\x01\x02", 3) + Blob(0, Lp("", 0)).substr(1)}) {
    auto r = RestorePayload(Payload(body));
    ASSERT_FALSE(r.ok()) << ToHex(body);
    EXPECT_EQ(r.status().message(), "Bad data format");
  }
}

// Every byte of real payloads flipped and every truncation (with the CRC
// fixed, so that decoding runs): refused or decoded, never a crash; what
// decodes encodes again.
TEST(CorruptInputTest, FlippedAndTruncatedPayloadsNeverCrash) {
  std::vector<std::string> bodies;
  for (std::string_view hex : {kHashSmall, kHashLzf, kHashUpdate, kZsetScores, kZsetLongmember,
                               kIntset32, kIntset64, kListSmall, kListLpush, kListDepth1,
                               kSetTable}) {
    const std::string p = FromHex(hex);
    bodies.push_back(p.substr(0, p.size() - 10));
  }
  for (const Legacy& t : kLegacy) {
    const std::string p = FromHex(Unspaced(t.payload));
    bodies.push_back(p.substr(0, p.size() - 10));
  }
  size_t decoded = 0, refused = 0;
  for (const std::string& body : bodies) {
    std::vector<std::string> variants;
    for (size_t n = 0; n < body.size(); n++) variants.push_back(body.substr(0, n));
    for (size_t i = 1; i < body.size(); i++) {
      for (uint8_t mask : {0x01, 0x02, 0x10, 0x80, 0xff, 0x41}) {
        std::string b = body;
        b[i] = static_cast<char>(b[i] ^ mask);
        variants.push_back(b);
      }
    }
    for (const std::string& b : variants) {
      auto r = RestorePayload(Payload(b));
      if (!r.ok()) {
        refused++;
        continue;
      }
      decoded++;
      Value again = Restore(DumpPayload(r.value(), true));
      EXPECT_EQ(again.type, r.value().type);
    }
  }
  EXPECT_GT(refused, 1000u);
  EXPECT_GT(decoded, 100u);
}

// Seeded random edits (flips, overwrites, inserts, deletes, repeats) of
// real payloads, CRC fixed: whatever decodes is whole (read back in full,
// encoded again). CAIRN_FUZZ_ITERATIONS runs longer (best under ASan).
TEST(CorruptInputTest, RandomEditsNeverCrash) {
  std::vector<std::string> bodies;
  for (std::string_view hex : {kHashSmall, kHashLzf, kHashLzfNocomp, kZsetScores,
                               kZsetLongmember, kIntset16, kIntsetBig, kListInts, kListLpush,
                               kListDepth1, kListDepth2Nocomp, kSetTable}) {
    const std::string p = FromHex(hex);
    bodies.push_back(p.substr(0, p.size() - 10));
  }
  for (const Legacy& t : kLegacy) {
    const std::string p = FromHex(t.payload);
    bodies.push_back(p.substr(0, p.size() - 10));
  }
  const char* env = std::getenv("CAIRN_FUZZ_ITERATIONS");
  const long iterations = env != nullptr ? std::atol(env) : 20000;
  std::mt19937_64 rng(20261130);
  size_t decoded = 0;
  for (long i = 0; i < iterations; i++) {
    std::string b = bodies[rng() % bodies.size()];
    for (int edits = 1 + rng() % 4; edits > 0 && b.size() > 1; edits--) {
      const size_t at = 1 + rng() % (b.size() - 1);  // the type byte stays
      switch (rng() % 5) {
        case 0: b[at] = static_cast<char>(b[at] ^ (1 << (rng() % 8))); break;
        case 1: b[at] = static_cast<char>(rng()); break;
        case 2: b.insert(at, 1, static_cast<char>(rng())); break;
        case 3: b.erase(at, 1 + rng() % 3); break;
        default: b.insert(at, b.substr(at, 1 + rng() % 8)); break;
      }
    }
    auto r = RestorePayload(Payload(b));
    if (!r.ok()) continue;
    decoded++;
    const Value& v = r.value();
    switch (v.type) {
      case ValueType::kList: ListOf(v); break;
      case ValueType::kSet: SetOf(v); break;
      case ValueType::kZSet: ZSetOf(v); break;
      case ValueType::kHash: HashOf(v); break;
      default: break;
    }
    EXPECT_EQ(Restore(DumpPayload(v, true)).type, v.type);
  }
  EXPECT_GT(decoded, 0u);
}

}  // namespace
}  // namespace cairn::snapshot
