#include "types/listpack.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/types/test_util.h"

namespace cairn::types {
namespace {

using testing::Hex;
using testing::Unhex;

// Owns a listpack for the length of a test.
class ListpackTest : public ::testing::Test {
 protected:
  ~ListpackTest() override { lp::Free(lp_); }

  void Append(std::initializer_list<std::string_view> elements) {
    for (std::string_view e : elements) lp_ = lp::Append(lp_, e);
  }
  std::string HexBytes() const { return Hex(lp_, lp::Bytes(lp_)); }
  std::vector<std::string> Forward() const {
    std::vector<std::string> out;
    for (unsigned char* p = lp::First(lp_); p != nullptr; p = lp::Next(lp_, p)) {
      out.push_back(lp::Get(p).ToString());
    }
    return out;
  }
  std::vector<std::string> Backward() const {
    std::vector<std::string> out;
    for (unsigned char* p = lp::Last(lp_); p != nullptr; p = lp::Prev(lp_, p)) {
      out.insert(out.begin(), lp::Get(p).ToString());
    }
    return out;
  }
  int64_t IndexOf(const unsigned char* p) const {
    if (p == nullptr) return -1;
    int64_t i = 0;
    for (unsigned char* q = lp::First(lp_); q != nullptr; q = lp::Next(lp_, q), i++) {
      if (q == p) return i;
    }
    ADD_FAILURE() << "position not at an entry";
    return -2;
  }

  unsigned char* lp_ = lp::New();
};

TEST_F(ListpackTest, EmptyIsHeaderAndEndByte) {
  EXPECT_EQ(HexBytes(), "070000000000ff");
  EXPECT_EQ(lp::Length(lp_), 0u);
  EXPECT_EQ(lp::First(lp_), nullptr);
  EXPECT_EQ(lp::Last(lp_), nullptr);
  EXPECT_EQ(lp::Seek(lp_, 0), nullptr);
  EXPECT_EQ(lp::Seek(lp_, -1), nullptr);
}

TEST_F(ListpackTest, EncodesEveryIntegerWidthAsRedisDoes) {
  // HSET h a 0 b 127 c 128 ... v +1 on redis-server 7.0.15, its DUMP payload.
  Append({"a", "0",
          "b", "127",
          "c", "128",
          "d", "-1",
          "e", "-4096",
          "f", "4095",
          "g", "4096",
          "h", "-4097",
          "i", "32767",
          "j", "32768",
          "k", "-32769",
          "l", "8388607",
          "m", "8388608",
          "n", "-8388609",
          "o", "2147483647",
          "p", "2147483648",
          "q", "-2147483649",
          "r", "9223372036854775807",
          "s", "-9223372036854775808",
          "t", "007",
          "u", "-0",
          "v", "+1"});
  EXPECT_EQ(HexBytes(),
            "bb0000002c0081610200018162027f01816302c08002816402dfff02816502d00002816602cfff028167"
            "02f1001003816802f1ffef03816902f1ff7f03816a02f200800004816b02f2ff7fff04816c02f2ffff7f"
            "04816d02f30000800005816e02f3ffff7fff05816f02f3ffffff7f05817002f400000080000000000981"
            "7102f4ffffff7fffffffff09817202f4ffffffffffffff7f09817302f400000000000000800981740283"
            "30303704817502822d3003817602822b3103ff");
}

TEST_F(ListpackTest, EncodesIntegerLookAlikesAsStringsAsRedisDoes) {
  // HSET h x " 1" y "1 " z 9223372036854775808 w -9223372036854775809 ee "".
  Append({"x", " 1", "y", "1 ", "z", "9223372036854775808", "w", "-9223372036854775809", "ee", ""});
  EXPECT_EQ(HexBytes(),
            "4c0000000a008178028220310381790282312003817a029339323233333732303336383534373735383038"
            "14817702942d3932323333373230333638353437373538303915826565038001ff");
}

TEST_F(ListpackTest, OnlyCanonicalIntegersReadBackAsIntegers) {
  const std::vector<std::string> strings = {
      "007", "-0", "+1", " 1", "1 ", "", "1.0", "-", "9223372036854775808", "-9223372036854775809",
      "00",  "0x1"};
  const std::vector<std::pair<std::string, int64_t>> ints = {{"0", 0},
                                                             {"-1", -1},
                                                             {"-9223372036854775808", INT64_MIN},
                                                             {"9223372036854775807", INT64_MAX},
                                                             {"-4096", -4096},
                                                             {"-8388609", -8388609}};
  for (const auto& s : strings) Append({s});
  for (const auto& [s, v] : ints) Append({s});
  unsigned char* p = lp::First(lp_);
  for (const auto& s : strings) {
    const lp::Element e = lp::Get(p);
    EXPECT_FALSE(e.is_int) << s;
    EXPECT_EQ(e.sval, s);
    EXPECT_TRUE(e.Equals(s)) << s;
    p = lp::Next(lp_, p);
  }
  for (const auto& [s, v] : ints) {
    const lp::Element e = lp::Get(p);
    EXPECT_TRUE(e.is_int) << s;
    EXPECT_EQ(e.ival, v);
    EXPECT_EQ(e.ToString(), s);
    EXPECT_TRUE(e.Equals(s)) << s;
    EXPECT_FALSE(e.Equals("0" + s)) << s;
    p = lp::Next(lp_, p);
  }
  EXPECT_EQ(p, nullptr);
}

TEST_F(ListpackTest, AppendIntMatchesAppendOfItsText) {
  unsigned char* other = lp::New();
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{127}, int64_t{128}, int64_t{-4097},
                    int64_t{1} << 40, INT64_MIN, INT64_MAX}) {
    lp_ = lp::AppendInt(lp_, v);
    other = lp::Append(other, std::to_string(v));
  }
  EXPECT_EQ(HexBytes(), Hex(other, lp::Bytes(other)));
  lp::Free(other);
}

// Backlens change size at entry lengths 128, 16383 and 2097151 (Redis's own,
// slightly odd, boundaries); the expected bytes are redis-server's.
TEST_F(ListpackTest, BacklenSizesChangeAtRedisBoundaries) {
  struct Case {
    size_t len;
    const char* header_hex;
    const char* backlen_hex;
    size_t entry_bytes;
  };
  const Case cases[] = {
      {125, "e07d", "7f", 128},
      {126, "e07e", "0180", 130},
      {16377, "f0f93f0000", "7ffe", 16384},
      {16378, "f0fa3f0000", "00ffff", 16386},
      {2097145, "f0f9ff1f00", "7ffffe", 2097153},
      {2097146, "f0faff1f00", "00ffffff", 2097155},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.len);
    const std::string value(c.len, 'v');
    EXPECT_EQ(lp::EntrySize(value), c.entry_bytes);
    lp::Free(lp_);
    lp_ = lp::New();
    Append({"f", value, "after"});
    unsigned char* v = lp::Seek(lp_, 1);
    unsigned char* after = lp::Seek(lp_, 2);
    ASSERT_EQ(static_cast<size_t>(after - v), c.entry_bytes);
    const std::string header = c.header_hex;
    const std::string backlen = c.backlen_hex;
    EXPECT_EQ(Hex(v, header.size() / 2), header);
    EXPECT_EQ(Hex(after - backlen.size() / 2, backlen.size() / 2), backlen);
    EXPECT_EQ(lp::Prev(lp_, after), v);
    EXPECT_EQ(lp::Last(lp_), after);
    EXPECT_EQ(lp::Get(lp::Prev(lp_, lp::Last(lp_))).sval, value);
    size_t count = 0;
    EXPECT_TRUE(lp::Validate({reinterpret_cast<char*>(lp_), lp::Bytes(lp_)}, &count));
    EXPECT_EQ(count, 3u);
  }
}

TEST_F(ListpackTest, SeekCountsNegativeIndexesFromTheEnd) {
  for (int i = 0; i < 10; i++) Append({std::to_string(i * 1000)});
  for (int64_t i = 0; i < 10; i++) {
    EXPECT_EQ(lp::Get(lp::Seek(lp_, i)).ival, i * 1000);
    EXPECT_EQ(lp::Get(lp::Seek(lp_, -1 - i)).ival, (9 - i) * 1000);
  }
  EXPECT_EQ(lp::Seek(lp_, 10), nullptr);
  EXPECT_EQ(lp::Seek(lp_, -11), nullptr);
  EXPECT_EQ(lp::Seek(lp_, INT64_MIN), nullptr);
  EXPECT_EQ(lp::Seek(lp_, -10), lp::First(lp_));
}

TEST_F(ListpackTest, FindSkipsEntriesBetweenComparisons) {
  // field, value, field, value: a value equal to a later field name.
  Append({"a", "b", "b", "c", "7", "7"});
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::First(lp_), "b", 0)), 1);
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::First(lp_), "b", 1)), 2);
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::First(lp_), "c", 1)), -1);
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::First(lp_), "c", 0)), 3);
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::Seek(lp_, 1), "7", 1)), 5);
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::First(lp_), "7", 1)), 4);
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::First(lp_), "07", 0)), -1);
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::First(lp_), "a", 2)), 0);
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::First(lp_), "c", 2)), 3);
  EXPECT_EQ(IndexOf(lp::Find(lp_, lp::First(lp_), "b", 2)), -1);
  EXPECT_EQ(lp::Find(lp_, nullptr, "a", 0), nullptr);
}

// Redis never writes "12" as a string entry, but a RESTORE payload may, and
// Redis's lpFind still finds it by its bytes.
TEST_F(ListpackTest, FindMatchesAnIntegerLookingStringEntryFromOutside) {
  // <count 2> "12" as a 6-bit string, "x".
  const std::string bytes = Unhex("0e000000020082313203817802ff");
  size_t count = 0;
  ASSERT_TRUE(lp::Validate(bytes, &count));
  EXPECT_EQ(count, 2u);
  lp::Free(lp_);
  lp_ = lp::FromBytes(bytes);
  EXPECT_FALSE(lp::Get(lp::First(lp_)).is_int);
  EXPECT_TRUE(lp::Get(lp::First(lp_)).Equals("12"));
  EXPECT_EQ(lp::Find(lp_, lp::First(lp_), "12", 0), lp::First(lp_));
}

TEST_F(ListpackTest, InsertBeforeAndAfterReportTheNewEntry) {
  Append({"a", "c"});
  unsigned char* p = nullptr;
  lp_ = lp::InsertBefore(lp_, lp::Seek(lp_, 1), "b", &p);
  EXPECT_EQ(IndexOf(p), 1);
  lp_ = lp::InsertAfter(lp_, lp::Seek(lp_, 2), std::string(300, 'd'), &p);
  EXPECT_EQ(IndexOf(p), 3);
  lp_ = lp::InsertBefore(lp_, lp::First(lp_), "-5", &p);
  EXPECT_EQ(IndexOf(p), 0);
  EXPECT_TRUE(lp::Get(p).is_int);
  lp_ = lp::Prepend(lp_, "first");
  EXPECT_EQ(Forward(),
            (std::vector<std::string>{"first", "-5", "a", "b", "c", std::string(300, 'd')}));
  EXPECT_EQ(Backward(), Forward());
  EXPECT_EQ(lp::Length(lp_), 6u);
}

TEST_F(ListpackTest, ReplaceKeepsNeighboursAndCount) {
  Append({"x", "1", "y"});
  unsigned char* p = nullptr;
  lp_ = lp::Replace(lp_, lp::Seek(lp_, 1), std::string(5000, 'L'), &p);
  EXPECT_EQ(IndexOf(p), 1);
  EXPECT_EQ(lp::Length(lp_), 3u);
  lp_ = lp::Replace(lp_, lp::Seek(lp_, 1), "-9223372036854775808", &p);
  EXPECT_EQ(lp::Get(p).ival, INT64_MIN);
  lp_ = lp::Replace(lp_, lp::Seek(lp_, 0), "", &p);
  EXPECT_EQ(Forward(), (std::vector<std::string>{"", "-9223372036854775808", "y"}));
  EXPECT_EQ(Backward(), Forward());
  EXPECT_EQ(lp::Bytes(lp_), 7u + 2 + 10 + 3);
}

TEST_F(ListpackTest, DeleteAndDeleteRange) {
  Append({"0", "1", "2", "3", "4", "5", "6"});
  unsigned char* next = nullptr;
  lp_ = lp::Delete(lp_, lp::Seek(lp_, 2), &next);
  EXPECT_EQ(lp::Get(next).ival, 3);
  lp_ = lp::Delete(lp_, lp::Last(lp_), &next);
  EXPECT_EQ(next, nullptr);
  lp_ = lp::DeleteRange(lp_, lp::Seek(lp_, 1), 2);  // 1, 3
  EXPECT_EQ(Forward(), (std::vector<std::string>{"0", "4", "5"}));
  lp_ = lp::DeleteRange(lp_, lp::Seek(lp_, 1), 100);  // past the end: to the end
  EXPECT_EQ(Forward(), (std::vector<std::string>{"0"}));
  EXPECT_EQ(lp::Length(lp_), 1u);
  lp_ = lp::DeleteRange(lp_, lp::First(lp_), 0);
  EXPECT_EQ(lp::Length(lp_), 1u);
  lp_ = lp::DeleteRange(lp_, lp::First(lp_), 1);
  EXPECT_EQ(HexBytes(), "070000000000ff");
}

TEST_F(ListpackTest, CountSaturatesAt65535AndLengthStillCounts) {
  for (int i = 0; i < 65536; i++) lp_ = lp::Append(lp_, "x");
  EXPECT_EQ(Hex(lp_ + 4, 2), "ffff");
  EXPECT_EQ(lp::Length(lp_), 65536u);
  lp_ = lp::DeleteRange(lp_, lp::First(lp_), 3);
  EXPECT_EQ(lp::Length(lp_), 65533u);
  size_t count = 0;
  EXPECT_TRUE(lp::Validate({reinterpret_cast<char*>(lp_), lp::Bytes(lp_)}, &count));
  EXPECT_EQ(count, 65533u);
  EXPECT_EQ(lp::Get(lp::Seek(lp_, -65533)).sval, "x");
  EXPECT_EQ(lp::Seek(lp_, 65533), nullptr);
}

TEST_F(ListpackTest, CopyAndFromBytesAreIndependent) {
  Append({"a", "12345", std::string(100, 'q')});
  unsigned char* copy = lp::Copy(lp_);
  EXPECT_EQ(Hex(copy, lp::Bytes(copy)), HexBytes());
  copy = lp::Append(copy, "more");
  EXPECT_EQ(lp::Length(lp_), 3u);
  EXPECT_EQ(lp::Length(copy), 4u);
  lp::Free(copy);
  unsigned char* from = lp::FromBytes({reinterpret_cast<char*>(lp_), lp::Bytes(lp_)});
  EXPECT_EQ(Hex(from, lp::Bytes(from)), HexBytes());
  lp::Free(from);
}

class ListpackValidateTest : public ListpackTest {
 protected:
  std::string Bytes() const { return {reinterpret_cast<char*>(lp_), lp::Bytes(lp_)}; }
  static bool Valid(const std::string& b) {
    size_t count = 0;
    return lp::Validate(b, &count);
  }
  static std::string WithTotal(std::string b, uint32_t total) {
    for (int i = 0; i < 4; i++) b[i] = static_cast<char>((total >> (8 * i)) & 0xff);
    return b;
  }
};

TEST_F(ListpackValidateTest, AcceptsWhatItWrote) {
  Append({"a", "-1", "4096", "-9223372036854775808", std::string(70, 's'), std::string(5000, 'S')});
  size_t count = 0;
  EXPECT_TRUE(lp::Validate(Bytes(), &count));
  EXPECT_EQ(count, 6u);
  lp::Free(lp_);
  lp_ = lp::New();
  EXPECT_TRUE(lp::Validate(Bytes(), &count));
  EXPECT_EQ(count, 0u);
}

TEST_F(ListpackValidateTest, RejectsBrokenFrames) {
  Append({"a", "300", std::string(100, 'b')});
  const std::string good = Bytes();
  ASSERT_TRUE(Valid(good));
  EXPECT_FALSE(Valid(""));
  EXPECT_FALSE(Valid(good.substr(0, 6)));
  // Truncated, with and without a fixed-up total.
  EXPECT_FALSE(Valid(good.substr(0, good.size() - 1)));
  EXPECT_FALSE(Valid(WithTotal(good.substr(0, good.size() - 1), good.size() - 1)));
  // Total bytes disagreeing with the buffer.
  EXPECT_FALSE(Valid(WithTotal(good, good.size() + 1)));
  EXPECT_FALSE(Valid(WithTotal(good + '\xff', good.size())));
  // No end byte.
  std::string b = good;
  b.back() = '\x00';
  EXPECT_FALSE(Valid(b));
  // Header count disagreeing with the entries; 65535 means "count them".
  b = good;
  b[4] = 4;
  EXPECT_FALSE(Valid(b));
  b[4] = '\xff';
  b[5] = '\xff';
  size_t count = 0;
  EXPECT_TRUE(lp::Validate(b, &count));
  EXPECT_EQ(count, 3u);
  // A backlen that does not match its entry.
  b = good;
  b[6 + 2] = 3;  // "a" is 81 61 02
  EXPECT_FALSE(Valid(b));
  // An encoding byte that starts no entry.
  b = good;
  b[6] = '\xf5';
  EXPECT_FALSE(Valid(b));
  // A string length running past the end.
  b = good;
  b[12] = '\xef';  // the 100-byte string's 12-bit length, now 4095
  b[13] = '\xff';
  EXPECT_FALSE(Valid(b));
  // A 12-bit string header cut by the end byte; a 32-bit one claiming 4 GiB.
  EXPECT_FALSE(Valid(Unhex("080000000100e0ff")));
  EXPECT_FALSE(Valid(Unhex("0e0000000100f0ffffffff6161ff")));
}

// Every single-byte corruption of a listpack is either rejected or leaves
// bytes that can be walked both ways, entry by entry, inside the buffer.
TEST_F(ListpackValidateTest, AcceptedCorruptionsAreStillWalkable) {
  Append({"k", "-70000", "12", std::string(130, 'm'), "-9223372036854775807", ""});
  const std::string good = Bytes();
  int accepted = 0;
  for (size_t pos = 0; pos < good.size(); pos++) {
    for (int v = 0; v < 256; v++) {
      std::string b = good;
      if (static_cast<unsigned char>(b[pos]) == v) continue;
      b[pos] = static_cast<char>(v);
      size_t count = 0;
      if (!lp::Validate(b, &count)) continue;
      accepted++;
      auto* l = reinterpret_cast<unsigned char*>(b.data());
      const unsigned char* end = l + b.size() - 1;
      size_t forward = 0;
      unsigned char* last = nullptr;
      for (unsigned char* p = lp::First(l); p != nullptr; p = lp::Next(l, p)) {
        ASSERT_LT(p, end) << pos << " " << v;
        ASSERT_GE(p, l + 6);
        const lp::Element e = lp::Get(p);
        if (!e.is_int) {
          ASSERT_GE(reinterpret_cast<const unsigned char*>(e.sval.data()), p);
          ASSERT_LE(reinterpret_cast<const unsigned char*>(e.sval.data() + e.sval.size()), end);
        }
        last = p;
        ASSERT_LE(++forward, b.size());
      }
      ASSERT_EQ(forward, count) << pos << " " << v;
      ASSERT_EQ(lp::Last(l), last);
      size_t backward = 0;
      for (unsigned char* p = lp::Last(l); p != nullptr; p = lp::Prev(l, p)) {
        ASSERT_GE(p, l + 6);
        ASSERT_LE(++backward, count);
      }
      ASSERT_EQ(backward, count) << pos << " " << v;
    }
  }
  // Changing a string's bytes keeps it valid, so some must be accepted.
  EXPECT_GT(accepted, 100);
}

// Random edits against a std::vector<std::string> model.
TEST_F(ListpackTest, RandomEditsMatchAVectorModel) {
  std::mt19937_64 rng(20240601);
  std::vector<std::string> model;
  auto index = [&](size_t n) { return static_cast<int64_t>(rng() % n); };
  for (int op = 0; op < 4000; op++) {
    const std::string s = testing::RandomElement(rng);
    const size_t n = model.size();
    int kind = static_cast<int>(rng() % 10);
    if (kind == 9 && rng() % 4 != 0) kind = 0;  // ranges delete ~5: keep the model growing
    if (n > 300 && kind < 4) kind = 7;
    if (n == 0 || kind == 0) {
      lp_ = lp::Append(lp_, s);
      model.push_back(s);
    } else if (kind == 1) {
      lp_ = lp::Prepend(lp_, s);
      model.insert(model.begin(), s);
    } else if (kind == 2) {
      const int64_t i = index(n);
      unsigned char* p = nullptr;
      lp_ = lp::InsertBefore(lp_, lp::Seek(lp_, i), s, &p);
      model.insert(model.begin() + i, s);
      ASSERT_EQ(IndexOf(p), i);
    } else if (kind == 3) {
      const int64_t i = index(n);
      unsigned char* p = nullptr;
      lp_ = lp::InsertAfter(lp_, lp::Seek(lp_, i - static_cast<int64_t>(n)), s, &p);
      model.insert(model.begin() + i + 1, s);
      ASSERT_EQ(IndexOf(p), i + 1);
    } else if (kind == 4) {
      const int64_t i = index(n);
      unsigned char* p = nullptr;
      lp_ = lp::Replace(lp_, lp::Seek(lp_, i), s, &p);
      model[i] = s;
      ASSERT_EQ(IndexOf(p), i);
    } else if (kind == 5) {
      const int64_t i =
          index(n + 4) - 2 - static_cast<int64_t>(n) * static_cast<int64_t>(rng() % 2);
      unsigned char* p = lp::Seek(lp_, i);
      const int64_t want = i < 0 ? i + static_cast<int64_t>(n) : i;
      if (want < 0 || want >= static_cast<int64_t>(n)) {
        ASSERT_EQ(p, nullptr) << i;
      } else {
        ASSERT_NE(p, nullptr) << i;
        ASSERT_EQ(lp::Get(p).ToString(), model[want]);
      }
    } else if (kind == 6) {
      const size_t skip = rng() % 3;
      const int64_t from = index(n);
      const std::string& target = rng() % 2 ? model[index(n)] : s;
      int64_t want = -1;
      for (size_t j = from; j < n; j += skip + 1) {
        if (model[j] == target) {
          want = static_cast<int64_t>(j);
          break;
        }
      }
      ASSERT_EQ(IndexOf(lp::Find(lp_, lp::Seek(lp_, from), target, skip)), want);
    } else if (kind == 7 || kind == 8) {
      const int64_t i = index(n);
      unsigned char* next = nullptr;
      lp_ = lp::Delete(lp_, lp::Seek(lp_, i), &next);
      model.erase(model.begin() + i);
      ASSERT_EQ(IndexOf(next), i == static_cast<int64_t>(model.size()) ? -1 : i);
    } else {
      const int64_t i = index(n);
      const size_t k = rng() % 12;
      lp_ = lp::DeleteRange(lp_, lp::Seek(lp_, i), k);
      model.erase(model.begin() + i, model.begin() + std::min<size_t>(n, i + k));
    }
    ASSERT_EQ(lp::Length(lp_), model.size()) << op;
    if (op % 97 == 0) {
      ASSERT_EQ(Forward(), model) << op;
      ASSERT_EQ(Backward(), model) << op;
      size_t count = 0;
      ASSERT_TRUE(lp::Validate({reinterpret_cast<char*>(lp_), lp::Bytes(lp_)}, &count));
      ASSERT_EQ(count, model.size());
    }
  }
  EXPECT_EQ(Forward(), model);
}

}  // namespace
}  // namespace cairn::types
