// Geohashes as Redis 7.0 computes them: the arithmetic under GEOADD,
// GEOPOS, GEODIST, GEOHASH and the radius/box searches. No zset, no client
// here; engine/commands/geo_commands.cc stores the hashes as sorted-set
// scores and runs the searches over them. Format: doc/geohash.md.
//
// A position is (longitude, latitude) with longitude in [-180, 180] and
// latitude in [-85.05112878, 85.05112878] (the Web Mercator square). At
// `step` bits per axis, each coordinate becomes its cell index
// floor((x - min) / (max - min) * 2^step) (a value exactly at the maximum
// gives 2^step, one past the last cell, as in Redis); the hash interleaves
// the two indexes, latitude in the even bits and longitude in the odd ones,
// so the top bit of a 26-step (52-bit) hash is the longitude's. A sorted-set
// score is the 52-bit hash as a double (exact below 2^53).
//
// Every formula follows Redis's order of operations so results agree with
// redis-server to the last bit (the same libm is linked); geohash.cc is
// built without floating-point contraction for the same reason.
//
// Thread: none; every function is pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::types::geo {

inline constexpr int kStepMax = 26;  // 52-bit hashes
inline constexpr double kLonMin = -180, kLonMax = 180;
inline constexpr double kLatMin = -85.05112878, kLatMax = 85.05112878;
inline constexpr double kEarthRadiusMeters = 6372797.560856;
// Half the Earth's circumference in Web Mercator metres (step estimation).
inline constexpr double kMercatorMax = 20037726.37;

struct Range {
  double min = 0, max = 0;
};
// Redis's WGS84 ranges: the ones every stored hash uses.
inline constexpr Range kLonRange{kLonMin, kLonMax};
inline constexpr Range kLatRange{kLatMin, kLatMax};

// `step` bits per axis, interleaved into the low 2*step bits of `bits`.
// {0, 0} is "no cell" (a neighbour excluded from a search).
struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool IsZero() const { return bits == 0 && step == 0; }
  bool operator==(const HashBits&) const = default;
};

struct Point {
  double lon = 0, lat = 0;
};

// A cell's bounds.
struct Area {
  Range lon, lat;
};

// The cell at (lon, lat), or nullopt when the point is outside the WGS84
// limits or outside the given ranges, or step is not in 1..32.
std::optional<HashBits> Encode(const Range& lon_range, const Range& lat_range, double lon,
                               double lat, int step);
std::optional<HashBits> EncodeWgs84(double lon, double lat, int step = kStepMax);
// The hash shifted to 52 bits (the score of a cell's first point).
uint64_t Align52(HashBits h);

// The bounds of a cell. REQUIRES: !h.IsZero().
Area Decode(const Range& lon_range, const Range& lat_range, HashBits h);
// The centre of a cell, clamped to the WGS84 limits (what GEOPOS prints).
Point AreaCentre(const Area& a);

// The score as a 52-bit WGS84 hash (converted to an integer as x86-64 does
// for Redis's (uint64_t) cast, out-of-range scores included) and the centre
// of its cell. Every score decodes to some point.
uint64_t ScoreToBits(double score);
Point DecodeScore(double score);

// The standard 11-character base32 geohash of a score's position:
// re-encoded over latitude [-90, 90], the 11th character always '0'.
std::string GeohashString(double score);

// Haversine distance in metres (Redis's formula: when the longitudes give
// a zero sine, the plain latitude arc).
double Distance(Point a, Point b);
// The latitude arc between two latitudes, in metres.
double LatDistance(double lat1, double lat2);

// Metres per unit for "m", "km", "ft", "mi" (any case); nullopt otherwise.
std::optional<double> UnitToMeters(std::string_view unit);

// What a search covers: a circle of `radius`, or a box `width` x `height`
// (east-west by north-south) centred on `centre`, sizes in the unit whose
// metres are `conversion`.
struct Shape {
  enum class Type { kCircle, kBox };
  Type type = Type::kCircle;
  Point centre;
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
};

// Whether `p` is inside the shape, and its distance from the centre in
// metres when it is. A box holds the points whose latitude arc from the
// centre is at most height/2 and whose east-west distance along their own
// parallel is at most width/2.
std::optional<double> DistanceIfWithin(const Shape& shape, Point p);

// Redis's geohashEstimateStepsByRadius: the bits per axis for cells about
// as large as the radius, fewer towards the poles, within 1..26.
int EstimateSteps(double range_meters, double lat);

// The bounding box of the shape in degrees: min lon, min lat, max lon,
// max lat (unclamped; may run past the poles or the antimeridian).
struct Bounds {
  double min_lon, min_lat, max_lon, max_lat;
};
Bounds BoundingBox(const Shape& shape);

// The nine cells a search scans, in Redis's order: the centre's cell, then
// north, south, east, west, north-east, north-west, south-east, south-west
// (neighbours wrap around at the edges). A neighbour that cannot hold a
// match is zero.
struct SearchCells {
  HashBits cells[9];
};
SearchCells CellsForShape(const Shape& shape);

// The neighbours of a cell, wrapping around in both axes.
struct Neighbours {
  HashBits north, south, east, west, north_east, north_west, south_east, south_west;
};
Neighbours GetNeighbours(HashBits h);

// The score interval [min, max) holding every point of a cell.
struct ScoreInterval {
  uint64_t min, max;
};
ScoreInterval CellScores(HashBits h);

}  // namespace cairn::types::geo
