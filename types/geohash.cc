#include "types/geohash.h"

#include <cmath>
#include <numbers>

#include "base/string_util.h"

namespace cairn::types::geo {
namespace {

// Redis writes the constant as M_PI / 180.0; the double is the same.
constexpr double kDegToRad = std::numbers::pi / 180.0;

double DegRad(double deg) { return deg * kDegToRad; }
double RadDeg(double rad) { return rad / kDegToRad; }

// Spreads the 32 bits of v over the even bits of a 64-bit word.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// Gathers the even bits of a 64-bit word into 32 bits (Spread's inverse).
uint32_t Gather(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

constexpr uint64_t kOddBits = 0xAAAAAAAAAAAAAAAAULL;   // longitude
constexpr uint64_t kEvenBits = 0x5555555555555555ULL;  // latitude

// Moves a cell one step along one axis (`axis` is that axis's bit mask),
// wrapping around at the ends, and leaves the other axis's bits as they
// are (Redis's geohash_move_x / geohash_move_y).
HashBits Move(HashBits h, uint64_t axis, int d) {
  const int width = 64 - h.step * 2;
  const uint64_t other_axis = ~axis;
  uint64_t mine = h.bits & axis;
  const uint64_t rest = h.bits & other_axis;
  // The other axis's bits inside the hash, set so that a carry (or borrow)
  // runs through them.
  const uint64_t fill = other_axis >> width;
  if (d > 0) {
    mine = mine + (fill + 1);
  } else {
    mine = (mine | fill) - (fill + 1);
  }
  mine &= axis >> width;
  return {mine | rest, h.step};
}

}  // namespace

std::optional<HashBits> Encode(const Range& lon_range, const Range& lat_range, double lon,
                               double lat, int step) {
  if (step > 32 || step <= 0 || lat_range.min == lat_range.max || lon_range.min == lon_range.max) {
    return std::nullopt;
  }
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return std::nullopt;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) {
    return std::nullopt;
  }
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  // A coordinate at its range's maximum becomes index 2^step: the bit
  // above the hash, kept as Redis keeps it.
  const auto lat_index = static_cast<uint32_t>(lat_offset);
  const auto lon_index = static_cast<uint32_t>(lon_offset);
  return HashBits{Spread(lat_index) | (Spread(lon_index) << 1), static_cast<uint8_t>(step)};
}

std::optional<HashBits> EncodeWgs84(double lon, double lat, int step) {
  return Encode(kLonRange, kLatRange, lon, lat, step);
}

uint64_t Align52(HashBits h) { return h.bits << (52 - h.step * 2); }

Area Decode(const Range& lon_range, const Range& lat_range, HashBits h) {
  const uint32_t lat_index = Gather(h.bits);
  const uint32_t lon_index = Gather(h.bits >> 1);
  const double lat_scale = lat_range.max - lat_range.min;
  const double lon_scale = lon_range.max - lon_range.min;
  const auto cells = static_cast<double>(1ULL << h.step);
  // index + 1 is 32-bit arithmetic in Redis, so it wraps for a corrupt
  // score's all-ones index; kept for identical output.
  const uint32_t lat_next = lat_index + 1u;
  const uint32_t lon_next = lon_index + 1u;
  Area a;
  a.lat.min = lat_range.min + (lat_index * 1.0 / cells) * lat_scale;
  a.lat.max = lat_range.min + (lat_next * 1.0 / cells) * lat_scale;
  a.lon.min = lon_range.min + (lon_index * 1.0 / cells) * lon_scale;
  a.lon.max = lon_range.min + (lon_next * 1.0 / cells) * lon_scale;
  return a;
}

Point AreaCentre(const Area& a) {
  Point p;
  p.lon = (a.lon.min + a.lon.max) / 2;
  if (p.lon > kLonMax) p.lon = kLonMax;
  if (p.lon < kLonMin) p.lon = kLonMin;
  p.lat = (a.lat.min + a.lat.max) / 2;
  if (p.lat > kLatMax) p.lat = kLatMax;
  if (p.lat < kLatMin) p.lat = kLatMin;
  return p;
}

uint64_t ScoreToBits(double score) {
  // What GCC's code for (uint64_t)score gives on x86-64, spelled out
  // because the cast is undefined in C++ outside [0, 2^64): below 2^63 a
  // signed conversion (negative values wrap, NaN and values below -2^63
  // give 2^63), above it the conversion of score - 2^63 with the top bit
  // flipped (so 2^64 and beyond give 0).
  constexpr double kTwo63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = 0x8000000000000000ULL;
  auto signed_cvt = [](double d) -> uint64_t {
    if (std::isnan(d) || d >= kTwo63 || d < -kTwo63) return kIndefinite;
    return static_cast<uint64_t>(static_cast<int64_t>(d));
  };
  if (!(score >= kTwo63)) return signed_cvt(score);
  return signed_cvt(score - kTwo63) ^ kIndefinite;
}

Point DecodeScore(double score) {
  const HashBits h{ScoreToBits(score), kStepMax};
  return AreaCentre(Decode(kLonRange, kLatRange, h));
}

std::string GeohashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  const Point p = DecodeScore(score);
  // Redis's cells use latitude +-85.05; the standard geohash is over
  // +-90, so the centre is encoded again (always inside both ranges).
  const auto h = Encode({-180, 180}, {-90, 90}, p.lon, p.lat, kStepMax);
  const uint64_t bits = h ? h->bits : 0;
  std::string out(11, '0');
  // 52 bits make ten characters; the eleventh is always '0'.
  for (int i = 0; i < 10; i++) out[i] = kAlphabet[(bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(DegRad(lat2) - DegRad(lat1));
}

double Distance(Point a, Point b) {
  const double lon1r = DegRad(a.lon);
  const double lon2r = DegRad(b.lon);
  const double v = std::sin((lon2r - lon1r) / 2);
  // Redis 7.0 takes the plain arc on one meridian; the result can differ
  // from the full formula's in the last bits, which decides a radius edge.
  if (v == 0.0) return LatDistance(a.lat, b.lat);
  const double lat1r = DegRad(a.lat);
  const double lat2r = DegRad(b.lat);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double h = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(h));
}

std::optional<double> UnitToMeters(std::string_view unit) {
  if (base::EqualsIgnoreCase(unit, "m")) return 1;
  if (base::EqualsIgnoreCase(unit, "km")) return 1000;
  if (base::EqualsIgnoreCase(unit, "ft")) return 0.3048;
  if (base::EqualsIgnoreCase(unit, "mi")) return 1609.34;
  return std::nullopt;
}

std::optional<double> DistanceIfWithin(const Shape& shape, Point p) {
  if (shape.type == Shape::Type::kCircle) {
    const double d = Distance(shape.centre, p);
    if (d > shape.radius * shape.conversion) return std::nullopt;
    return d;
  }
  const double width_m = shape.width * shape.conversion;
  const double height_m = shape.height * shape.conversion;
  // The cheaper latitude test first, as Redis (the outcome is the same).
  if (LatDistance(p.lat, shape.centre.lat) > height_m / 2) return std::nullopt;
  if (Distance(p, {shape.centre.lon, p.lat}) > width_m / 2) return std::nullopt;
  return Distance(shape.centre, p);
}

int EstimateSteps(double range_meters, double lat) {
  if (range_meters == 0) return kStepMax;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // so that the nine cells cover the range in most cases
  // Meridians converge towards the poles: wider cells there.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > kStepMax) step = kStepMax;
  return step;
}

Bounds BoundingBox(const Shape& shape) {
  const bool circle = shape.type == Shape::Type::kCircle;
  const double lon = shape.centre.lon;
  const double lat = shape.centre.lat;
  const double height = shape.conversion * (circle ? shape.radius : shape.height / 2);
  const double width = shape.conversion * (circle ? shape.radius : shape.width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double lon_delta_top =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat + lat_delta)));
  const double lon_delta_bottom =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat - lat_delta)));
  // The edge nearer the pole is the wider one in degrees: the top edge in
  // the northern hemisphere, the bottom one in the southern.
  const bool southern = lat < 0;
  Bounds b;
  b.min_lon = southern ? lon - lon_delta_bottom : lon - lon_delta_top;
  b.max_lon = southern ? lon + lon_delta_bottom : lon + lon_delta_top;
  b.min_lat = lat - lat_delta;
  b.max_lat = lat + lat_delta;
  return b;
}

Neighbours GetNeighbours(HashBits h) {
  auto move = [&](int dx, int dy) {
    HashBits n = h;
    if (dx != 0) n = Move(n, kOddBits, dx);
    if (dy != 0) n = Move(n, kEvenBits, dy);
    return n;
  };
  Neighbours n;
  n.east = move(1, 0);
  n.west = move(-1, 0);
  n.south = move(0, -1);
  n.north = move(0, 1);
  n.north_west = move(-1, 1);
  n.south_west = move(-1, -1);
  n.north_east = move(1, 1);
  n.south_east = move(1, -1);
  return n;
}

SearchCells CellsForShape(const Shape& shape) {
  const Bounds b = BoundingBox(shape);
  const double lon = shape.centre.lon;
  const double lat = shape.centre.lat;
  // A box's cells are sized by its half-diagonal.
  double radius_meters = shape.type == Shape::Type::kCircle
                             ? shape.radius
                             : std::sqrt((shape.width / 2) * (shape.width / 2) +
                                         (shape.height / 2) * (shape.height / 2));
  radius_meters *= shape.conversion;
  int steps = EstimateSteps(radius_meters, lat);

  // REQUIRES of the callers: the centre is within the WGS84 limits, so
  // encoding it never fails.
  HashBits hash = EncodeWgs84(lon, lat, steps).value_or(HashBits{0, static_cast<uint8_t>(steps)});
  Neighbours n = GetNeighbours(hash);
  Area area = Decode(kLonRange, kLatRange, hash);

  // Near a cell's edge the estimated cells can be too small for the
  // neighbours to reach the bounding box: one step coarser then.
  const Area north = Decode(kLonRange, kLatRange, n.north);
  const Area south = Decode(kLonRange, kLatRange, n.south);
  const Area east = Decode(kLonRange, kLatRange, n.east);
  const Area west = Decode(kLonRange, kLatRange, n.west);
  const bool decrease = north.lat.max < b.max_lat || south.lat.min > b.min_lat ||
                        east.lon.max < b.max_lon || west.lon.min > b.min_lon;
  if (steps > 1 && decrease) {
    steps--;
    hash = EncodeWgs84(lon, lat, steps).value_or(HashBits{0, static_cast<uint8_t>(steps)});
    n = GetNeighbours(hash);
    area = Decode(kLonRange, kLatRange, hash);
  }

  // Neighbours on a side the bounding box does not reach are skipped.
  if (steps >= 2) {
    if (area.lat.min < b.min_lat) n.south = n.south_west = n.south_east = HashBits{};
    if (area.lat.max > b.max_lat) n.north = n.north_east = n.north_west = HashBits{};
    if (area.lon.min < b.min_lon) n.west = n.south_west = n.north_west = HashBits{};
    if (area.lon.max > b.max_lon) n.east = n.south_east = n.north_east = HashBits{};
  }
  return {{hash, n.north, n.south, n.east, n.west, n.north_east, n.north_west, n.south_east,
           n.south_west}};
}

ScoreInterval CellScores(HashBits h) {
  const uint64_t min = Align52(h);
  h.bits++;
  return {min, Align52(h)};
}

}  // namespace cairn::types::geo
