// Geo commands in-process: what they log. Replies are compared with
// redis-server by tests/compat/scripts/geo.txt.
#include <gtest/gtest.h>

#include "tests/unit/engine/engine_harness.h"

namespace cairn::engine {
namespace {

class GeoCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.Run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
           "Catania"});
    h.TakePropagated();
  }
  EngineHarness h;
};

TEST_F(GeoCommandsTest, GeoAddIsLoggedAsItIsUnlessNothingChanged) {
  EXPECT_EQ(h.Run({"GEOADD", "Sicily", "CH", "13.583333", "37.316667", "Agrigento"}), Int(1));
  EXPECT_EQ(h.Run({"GEOADD", "Sicily", "NX", "0", "0", "Palermo"}), Int(0));
  EXPECT_EQ(h.TakePropagated(),
            (std::vector<Propagated>{
                {0, {"GEOADD", "Sicily", "CH", "13.583333", "37.316667", "Agrigento"}}}));
}

TEST_F(GeoCommandsTest, StoreIsLoggedAsTheSortedSetItMade) {
  EXPECT_EQ(h.Run({"GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200",
                   "km", "ASC"}),
            Int(2));
  EXPECT_EQ(h.Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "dst"}), Int(2));
  // Without ASC the members come in the order the search found them.
  EXPECT_EQ(
      h.TakePropagated(),
      (std::vector<Propagated>{
          {0, {"ZADD", "dst", "3479447370796909", "Catania", "3479099956230698", "Palermo"}},
          {0, {"DEL", "dst"}},
          {0, {"ZADD", "dst", "190.44242984775784", "Palermo", "56.441257870158204", "Catania"}}}));
  EXPECT_EQ(h.Run({"GEOPOS", "dst", "Catania", "Palermo", "nosuch"}).elements.size(), 3u);
}

TEST_F(GeoCommandsTest, EmptyStoreDeletesTheDestination) {
  h.Run({"SET", "dst", "x"});
  h.TakePropagated();
  EXPECT_EQ(
      h.Run({"GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"}),
      Int(0));
  EXPECT_EQ(h.Run({"EXISTS", "dst"}), Int(0));
  // Nothing to delete the second time: nothing logged.
  EXPECT_EQ(h.Run({"GEORADIUSBYMEMBER", "nokey", "Palermo", "1", "km", "STORE", "dst"}), Int(0));
  EXPECT_EQ(h.TakePropagated(), (std::vector<Propagated>{{0, {"DEL", "dst"}}}));
}

TEST_F(GeoCommandsTest, SearchesWithoutStoreLogNothing) {
  h.Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST"});
  h.Run({"GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km"});
  EXPECT_TRUE(h.TakePropagated().empty());
}

// OBJECT ENCODING cannot show a sorted set yet in this tree; the encodings
// are checked on the values (geo.txt compares them with Redis as well).
TEST_F(GeoCommandsTest, EncodingsFollowRedis70) {
  auto encoding = [&](const std::string& key) -> std::string {
    Entry* e = h.engine().keyspace().db(0).Find(key, 0);
    return e != nullptr ? e->value.EncodingName() : "none";
  };
  std::vector<std::string> dups = {"GEOADD", "enc1"};
  for (int i = 0; i < 129; i++) dups.insert(dups.end(), {"1", "1", "a"});
  h.Run(dups);
  EXPECT_EQ(encoding("enc1"), "listpack");  // one member, whatever the argument count
  const std::string long_member(65, 'm');
  h.Run({"GEOADD", "enc2", "1", "1", long_member, "1", "1", "b"});
  EXPECT_EQ(encoding("enc2"), "skiplist");
  h.Run({"GEOADD", "enc3", "1", "1", "b", "1", "1", long_member});
  EXPECT_EQ(encoding("enc3"), "skiplist");
  h.Run({"GEOSEARCHSTORE", "enc4", "enc2", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"});
  EXPECT_EQ(encoding("enc4"), "skiplist");
  h.Run({"GEOSEARCHSTORE", "enc5", "enc2", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km",
         "COUNT", "1"});
  EXPECT_EQ(encoding("enc5"), "listpack");
}

TEST_F(GeoCommandsTest, ErrorsAreRedisTexts) {
  EXPECT_EQ(h.Run({"GEOADD", "Sicily", "200", "100", "x"}),
            Error("ERR invalid longitude,latitude pair 200.000000,100.000000"));
  EXPECT_EQ(h.Run({"GEODIST", "Sicily", "Palermo", "Catania", "yd"}),
            Error("ERR unsupported unit provided. please use M, KM, FT, MI"));
  EXPECT_EQ(h.Run({"GEOSEARCH", "Sicily", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "km"}),
            Error("ERR could not decode requested zset member"));
  EXPECT_EQ(h.Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "ANY"}),
            Error("ERR the ANY argument requires COUNT argument"));
  EXPECT_EQ(h.Run({"GEORADIUS", "Sicily", "0", "0", "1", "km", "COUNT", "0"}),
            Error("ERR COUNT must be > 0"));
  h.Run({"SET", "str", "x"});
  EXPECT_EQ(h.Run({"GEOPOS", "str", "a"}),
            Error("WRONGTYPE Operation against a key holding the wrong kind of value"));
}

}  // namespace
}  // namespace cairn::engine
