// Expected values come from redis-server 7.0.15 (GEOADD then ZSCORE,
// GEOPOS, GEOHASH, GEODIST), so these pin the arithmetic to Redis's bits.
#include "types/geohash.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <string>

#include <gtest/gtest.h>

#include "base/string_util.h"

namespace cairn::types::geo {
namespace {

uint64_t Score(double lon, double lat) { return Align52(EncodeWgs84(lon, lat).value()); }

// GEOPOS's RESP2 text for a coordinate.
std::string Human(double v) { return base::FormatLongDouble(v); }

std::string Meters4(double d) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", d);
  return buf;
}

TEST(GeohashTest, EncodesAsRedisScores) {
  EXPECT_EQ(Score(13.361389, 38.115556), 3479099956230698u);  // Palermo
  EXPECT_EQ(Score(15.087269, 37.502669), 3479447370796909u);  // Catania
  EXPECT_EQ(Score(13.583333, 37.316667), 3479030013248308u);  // Agrigento
  EXPECT_EQ(Score(0, 0), 3377699720527872u);
  EXPECT_EQ(Score(-180, 0), 1125899906842624u);
}

TEST(GeohashTest, CoordinateAtTheMaximumSetsTheBitAboveTheHash) {
  // Index 2^26: the 53rd (latitude) or 54th (longitude) bit, as in Redis.
  EXPECT_EQ(Score(0, kLatMax), 6755399441055744u);
  EXPECT_EQ(Score(180, 0), 10133099161583616u);
}

TEST(GeohashTest, RefusesPointsOutsideTheLimits) {
  EXPECT_FALSE(EncodeWgs84(180.000001, 0));
  EXPECT_FALSE(EncodeWgs84(0, 85.05112879));
  EXPECT_FALSE(EncodeWgs84(0, -90));
  EXPECT_FALSE(EncodeWgs84(0, 0, 0));
  EXPECT_FALSE(EncodeWgs84(0, 0, 33));
  EXPECT_TRUE(EncodeWgs84(-180, -kLatMax));
}

TEST(GeohashTest, DecodesToTheCellCentre) {
  const Point p = DecodeScore(3479099956230698.0);
  EXPECT_EQ(Human(p.lon), "13.36138933897018433");
  EXPECT_EQ(Human(p.lat), "38.11555639549629859");
}

TEST(GeohashTest, AnyScoreDecodesClampedToTheLimits) {
  const Point zero = DecodeScore(0);
  EXPECT_EQ(Human(zero.lon), "-179.99999731779098511");
  EXPECT_EQ(Human(zero.lat), "-85.05112751263942528");
  const Point one = DecodeScore(1);
  EXPECT_EQ(Human(one.lat), "-85.05112497791824921");
  const Point max = DecodeScore(4503599627370495.0);
  EXPECT_EQ(Human(max.lon), "179.99999731779098511");
  EXPECT_EQ(Human(max.lat), "85.05112751263942528");
  // A fraction is truncated, as Redis's (uint64_t) cast does.
  EXPECT_EQ(Human(DecodeScore(1.5).lat), Human(one.lat));
  // The point at the top latitude comes back at the limit.
  EXPECT_EQ(Human(DecodeScore(6755399441055744.0).lat), "85.0511287799999991");
}

TEST(GeohashTest, ScoreToBitsFollowsX8664Conversion) {
  EXPECT_EQ(ScoreToBits(1.5), 1u);
  EXPECT_EQ(ScoreToBits(-1), ~uint64_t{0});
  EXPECT_EQ(ScoreToBits(9223372036854775808.0), 0x8000000000000000u);
  EXPECT_EQ(ScoreToBits(18446744073709551616.0), 0u);
  EXPECT_EQ(ScoreToBits(std::numeric_limits<double>::infinity()), 0u);
  EXPECT_EQ(ScoreToBits(-std::numeric_limits<double>::infinity()), 0x8000000000000000u);
  EXPECT_EQ(ScoreToBits(std::nan("")), 0x8000000000000000u);
}

TEST(GeohashTest, StandardGeohashStrings) {
  EXPECT_EQ(GeohashString(3479099956230698.0), "sqc8b49rny0");
  EXPECT_EQ(GeohashString(0), "00bh0hbj200");
  EXPECT_EQ(GeohashString(1), "00bh0hbj210");
  EXPECT_EQ(GeohashString(4503599627370495.0), "zzpgzgpfxz0");
}

TEST(GeohashTest, HaversineDistances) {
  const Point palermo = DecodeScore(3479099956230698.0);
  const Point catania = DecodeScore(3479447370796909.0);
  EXPECT_EQ(Meters4(Distance(palermo, catania)), "166274.1516");
  EXPECT_EQ(Meters4(Distance(palermo, catania) / 1000), "166.2742");
  EXPECT_EQ(Meters4(Distance(DecodeScore(0), DecodeScore(4503599627370495.0))), "18919844.4481");
  EXPECT_EQ(Distance(palermo, palermo), 0);
}

TEST(GeohashTest, OneMeridianUsesThePlainArc) {
  const Point a{10, 20}, b{10, 21.5};
  EXPECT_EQ(Distance(a, b), LatDistance(20, 21.5));
  EXPECT_EQ(Distance(b, a), LatDistance(21.5, 20));
}

TEST(GeohashTest, Units) {
  EXPECT_EQ(UnitToMeters("m"), 1);
  EXPECT_EQ(UnitToMeters("KM"), 1000);
  EXPECT_EQ(UnitToMeters("Ft"), 0.3048);
  EXPECT_EQ(UnitToMeters("mi"), 1609.34);
  EXPECT_FALSE(UnitToMeters("yd"));
  EXPECT_FALSE(UnitToMeters(""));
}

TEST(GeohashTest, StepsShrinkWithRadiusAndTowardsThePoles) {
  EXPECT_EQ(EstimateSteps(0, 0), 26);
  EXPECT_EQ(EstimateSteps(200000, 37), 6);
  EXPECT_EQ(EstimateSteps(200000, 70), 5);
  EXPECT_EQ(EstimateSteps(200000, -85), 4);
  EXPECT_EQ(EstimateSteps(1, 0), 24);
  EXPECT_EQ(EstimateSteps(1e9, 0), 1);
}

TEST(GeohashTest, NeighboursWrapAroundBothAxes) {
  // Step 1: four cells. Latitude in the even bit, longitude in the odd one.
  const Neighbours n = GetNeighbours({0, 1});
  EXPECT_EQ(n.east, (HashBits{2, 1}));
  EXPECT_EQ(n.west, (HashBits{2, 1}));
  EXPECT_EQ(n.north, (HashBits{1, 1}));
  EXPECT_EQ(n.south, (HashBits{1, 1}));
  EXPECT_EQ(n.north_east, (HashBits{3, 1}));
  // Step 2: moving east from the last column comes back to the first.
  const HashBits last_column{0b1010, 2};
  EXPECT_EQ(GetNeighbours(last_column).east, (HashBits{0, 2}));
  EXPECT_EQ(GetNeighbours(last_column).west, (HashBits{0b1000, 2}));
}

TEST(GeohashTest, CellScoresCoverTheCell) {
  const ScoreInterval iv = CellScores({1, 1});
  EXPECT_EQ(iv.min, uint64_t{1} << 50);
  EXPECT_EQ(iv.max, uint64_t{2} << 50);
  const uint64_t palermo = 3479099956230698u;
  const ScoreInterval own = CellScores({palermo, kStepMax});
  EXPECT_EQ(own.min, palermo);
  EXPECT_EQ(own.max, palermo + 1);
}

TEST(GeohashTest, SearchCellsStartAtTheCentre) {
  Shape s;
  s.centre = {15, 37};
  s.radius = 200;
  s.conversion = 1000;
  const SearchCells cells = CellsForShape(s);
  const uint64_t palermo = 3479099956230698u;
  // The centre cell (step 6 at this radius and latitude, maybe one less
  // near an edge) holds Palermo, 190 km away.
  const HashBits centre = cells.cells[0];
  EXPECT_LE(centre.step, 6);
  bool covered = false;
  for (const HashBits& c : cells.cells) {
    if (c.IsZero()) continue;
    const ScoreInterval iv = CellScores(c);
    covered = covered || (iv.min <= palermo && palermo < iv.max);
  }
  EXPECT_TRUE(covered);
}

TEST(GeohashTest, BoxMembershipUsesLatitudeArcAndParallelDistance) {
  Shape box;
  box.type = Shape::Type::kBox;
  box.centre = {0, 0};
  box.width = 200;
  box.height = 100;
  box.conversion = 1000;
  EXPECT_TRUE(DistanceIfWithin(box, {0.8, 0.4}));
  EXPECT_FALSE(DistanceIfWithin(box, {0, 0.5}));   // 55.6 km north
  EXPECT_FALSE(DistanceIfWithin(box, {0.95, 0}));  // 105.7 km east
  Shape circle = box;
  circle.type = Shape::Type::kCircle;
  circle.radius = 100;
  const auto d = DistanceIfWithin(circle, {0.8, 0.4});
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, Distance({0, 0}, {0.8, 0.4}));
}

TEST(GeohashTest, BoundingBoxWidensTowardsThePole) {
  Shape s;
  s.centre = {10, 60};
  s.radius = 100;
  s.conversion = 1000;
  const Bounds north = BoundingBox(s);
  s.centre.lat = -60;
  const Bounds south = BoundingBox(s);
  // Mirror images: the polar edge sets the longitude span in both.
  EXPECT_DOUBLE_EQ(north.max_lon - north.min_lon, south.max_lon - south.min_lon);
  EXPECT_GT(north.max_lon - 10, 100.0 / 111.0 / std::cos(60 * std::numbers::pi / 180));
}

}  // namespace
}  // namespace cairn::types::geo
