#include "base/string_util.h"

#include <gtest/gtest.h>

namespace cairn::base {
namespace {

TEST(ParseInt64Test, AcceptsWhatRedisString2llAccepts) {
  EXPECT_EQ(ParseInt64("0"), 0);
  EXPECT_EQ(ParseInt64("-1"), -1);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
}

TEST(ParseInt64Test, RejectsWhatRedisString2llRejects) {
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "01", "-0", "1.0", "abc",
                          "9223372036854775808", "-9223372036854775809",
                          "99999999999999999999"}) {
    EXPECT_FALSE(ParseInt64(bad).has_value()) << bad;
  }
}

TEST(ParseDoubleTest, WholeStringMustBeANumber) {
  EXPECT_EQ(ParseDouble("1.5"), 1.5);
  EXPECT_EQ(ParseDouble("-inf"), -std::numeric_limits<double>::infinity());
  EXPECT_FALSE(ParseDouble("nan").has_value());
  EXPECT_FALSE(ParseDouble(" 1").has_value());
  EXPECT_FALSE(ParseDouble("1x").has_value());
  // Redis's getDoubleFromObject: overflow and underflow to zero are refused,
  // a denormal is kept.
  EXPECT_FALSE(ParseDouble("1e309").has_value());
  EXPECT_FALSE(ParseDouble("1e-400").has_value());
  EXPECT_EQ(ParseDouble("5e-324"), 5e-324);
}

TEST(GlobMatchTest, FollowsRedisStringmatch) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-c]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("h\\*llo", "h*llo"));
  EXPECT_FALSE(GlobMatch("h\\*llo", "hello"));
  EXPECT_TRUE(GlobMatch("APPEND*", "appendonly", true));
  EXPECT_FALSE(GlobMatch("APPEND*", "appendonly", false));
}

TEST(GlobMatchTest, HostilePatternsFinish) {
  std::string pattern(60, '*');
  pattern += "a*a*a*a*a*a*a*a*a*a*b";
  EXPECT_FALSE(GlobMatch(pattern, std::string(60, 'a')));
}

}  // namespace
}  // namespace cairn::base
