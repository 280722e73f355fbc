// Geo commands: GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH, GEOSEARCHSTORE,
// GEORADIUS, GEORADIUSBYMEMBER and their _RO forms. A geo set is a sorted
// set whose scores are 52-bit geohashes (types/geohash.h); any sorted set
// can be read as one. Searches scan the nine geohash cells around the
// centre (CellsForShape) by score range and keep the members inside the
// circle or box, as Redis 7.0's georadiusGeneric does, down to the order
// results come out in.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/collection_util.h"
#include "engine/commands/registry.h"
#include "protocol/resp_writer.h"
#include "types/geohash.h"
#include "types/zset.h"

namespace cairn::engine {
namespace {

namespace geo = types::geo;
namespace zset = types::zset;

constexpr std::string_view kUnsupportedUnit = "unsupported unit provided. please use M, KM, FT, MI";
constexpr std::string_view kNoMember = "could not decode requested zset member";

// Redis compares option names and units with strcasecmp, which stops at a
// NUL byte: "km\0x" is KM to Redis 7.0, and so it is here.
std::string_view CString(std::string_view arg) { return arg.substr(0, arg.find('\0')); }
bool TokenIs(std::string_view arg, std::string_view name) {
  return base::EqualsIgnoreCase(CString(arg), name);
}

// Redis's string2d (getDoubleFromObject): strtod over the whole argument,
// no leading space, not NaN; an overflow to +-inf or an underflow to zero
// is refused (a literal "inf" and a denormal are not). base::ParseDouble
// (DoubleArg) does the opposite on exactly those two cases.
std::optional<double> StrictDouble(std::string_view s) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  const std::string buf(s);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return std::nullopt;
  if (errno == ERANGE && (std::isinf(v) || std::fpclassify(v) == FP_ZERO)) return std::nullopt;
  return v;
}

std::optional<double> DoubleOrReply(CommandContext& ctx, std::string_view arg,
                                    std::string_view error = errors::kNotFloat) {
  auto v = StrictDouble(arg);
  if (!v) ctx.Error(error);
  return v;
}

// A longitude and a latitude within the WGS84 limits.
std::optional<geo::Point> LonLatOrReply(CommandContext& ctx, std::string_view lon_arg,
                                        std::string_view lat_arg) {
  auto lon = DoubleOrReply(ctx, lon_arg);
  if (!lon) return std::nullopt;
  auto lat = DoubleOrReply(ctx, lat_arg);
  if (!lat) return std::nullopt;
  if (*lon < geo::kLonMin || *lon > geo::kLonMax || *lat < geo::kLatMin || *lat > geo::kLatMax) {
    char buf[1024];
    std::snprintf(buf, sizeof(buf), "invalid longitude,latitude pair %f,%f", *lon, *lat);
    ctx.Error(buf);
    return std::nullopt;
  }
  return geo::Point{*lon, *lat};
}

std::optional<double> UnitOrReply(CommandContext& ctx, std::string_view unit) {
  auto m = geo::UnitToMeters(CString(unit));
  if (!m) ctx.Error(kUnsupportedUnit);
  return m;
}

// radius unit (BYRADIUS, GEORADIUS).
bool RadiusOrReply(CommandContext& ctx, std::string_view radius_arg, std::string_view unit_arg,
                   geo::Shape* shape) {
  auto radius = DoubleOrReply(ctx, radius_arg, "need numeric radius");
  if (!radius) return false;
  if (*radius < 0) {
    ctx.Error("radius cannot be negative");
    return false;
  }
  auto conversion = UnitOrReply(ctx, unit_arg);
  if (!conversion) return false;
  shape->type = geo::Shape::Type::kCircle;
  shape->radius = *radius;
  shape->conversion = *conversion;
  return true;
}

// width height unit (BYBOX): both numbers are parsed before either is
// checked for sign, as Redis does.
bool BoxOrReply(CommandContext& ctx, ArgList args, size_t at, geo::Shape* shape) {
  auto width = DoubleOrReply(ctx, args[at], "need numeric width");
  if (!width) return false;
  auto height = DoubleOrReply(ctx, args[at + 1], "need numeric height");
  if (!height) return false;
  if (*height < 0 || *width < 0) {
    ctx.Error("height or width cannot be negative");
    return false;
  }
  auto conversion = UnitOrReply(ctx, args[at + 2]);
  if (!conversion) return false;
  shape->type = geo::Shape::Type::kBox;
  shape->width = *width;
  shape->height = *height;
  shape->conversion = *conversion;
  return true;
}

std::optional<geo::Point> MemberPoint(const Value& z, std::string_view member) {
  auto score = zset::Score(z, member);
  if (!score) return std::nullopt;
  return geo::DecodeScore(*score);
}

// A coordinate as Redis's addReplyHumanLongDouble: "%.17Lf" without
// trailing zeros, a bulk string in RESP2 and a double in RESP3.
void ReplyCoordinate(CommandContext& ctx, double v) {
  const std::string s = base::FormatLongDouble(v);
  if (ctx.reply.protocol() >= 3) {
    ctx.reply.Raw("," + s + "\r\n");
  } else {
    ctx.reply.Bulk(s);
  }
}

// A distance: four decimals, a bulk string in both protocols.
void ReplyDistance(CommandContext& ctx, double d) {
  char buf[128];
  const int n = std::snprintf(buf, sizeof(buf), "%.4f", d);
  ctx.reply.Bulk(std::string_view(buf, static_cast<size_t>(n)));
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]. Redis 7.0 runs
// it as the ZADD it rewrites itself into: every coordinate is checked
// before the key is looked at.
void GeoAdd(CommandContext& ctx, ArgList args) {
  bool nx = false, xx = false, ch = false;
  size_t first = 2;
  for (; first < args.size(); first++) {
    if (TokenIs(args[first], "nx")) {
      nx = true;
    } else if (TokenIs(args[first], "xx")) {
      xx = true;
    } else if (TokenIs(args[first], "ch")) {
      ch = true;
    } else {
      break;
    }
  }
  const size_t elements = (args.size() - first) / 3;
  // No element at all is ZADD's syntax error.
  if ((args.size() - first) % 3 != 0 || (xx && nx) || elements == 0) {
    return ctx.Error(errors::kSyntax);
  }
  std::vector<double> scores;
  scores.reserve(elements);
  for (size_t i = 0; i < elements; i++) {
    const size_t at = first + i * 3;
    auto p = LonLatOrReply(ctx, args[at], args[at + 1]);
    if (!p) return;
    // Inside the limits, encoding cannot fail.
    const uint64_t bits = geo::Align52(geo::EncodeWgs84(p->lon, p->lat).value());
    scores.push_back(static_cast<double>(bits));
  }

  bool wrong;
  Entry* e = FindOfType(ctx, args[1], ValueType::kZSet, &wrong, /*read=*/false);
  if (wrong) return;
  const auto limits = ZSetLimits(ctx.config);
  if (e == nullptr) {
    if (xx) return ctx.reply.Int(0);
    // Redis 7.0's ZADD makes a listpack unless listpacks are disabled or
    // the first member is too long for one, however many elements follow.
    e = &ctx.db().Put(args[1], zset::New(1, args[first + 2].size(), limits), -1);
  }
  const int flags = (nx ? zset::kNx : 0) | (xx ? zset::kXx : 0);
  int64_t added = 0, updated = 0;
  for (size_t i = 0; i < elements; i++) {
    switch (zset::Add(e->value, scores[i], args[first + i * 3 + 2], flags, nullptr, limits)) {
      case zset::AddResult::kAdded:
        added++;
        break;
      case zset::AddResult::kUpdated:
        updated++;
        break;
      default:
        break;
    }
  }
  ctx.Dirty(static_cast<uint64_t>(added + updated));
  // GEOADD is ZADD underneath in Redis, events included.
  if (added + updated > 0) ctx.Notify(notify::kZset, "zadd", args[1]);
  ctx.reply.Int(ch ? added + updated : added);
}

// The sorted set at `key` for a read, or nullptr when missing; *wrong after
// a WRONGTYPE reply.
const Value* ReadZSet(CommandContext& ctx, std::string_view key, bool* wrong) {
  Entry* e = FindOfType(ctx, key, ValueType::kZSet, wrong);
  return e != nullptr ? &e->value : nullptr;
}

// GEOPOS key [member ...]: [lon, lat] or a null array per member.
void GeoPos(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* z = ReadZSet(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(args.size() - 2);
  for (size_t j = 2; j < args.size(); j++) {
    auto p = z != nullptr ? MemberPoint(*z, args[j]) : std::nullopt;
    if (!p) {
      ctx.reply.NullArray();
      continue;
    }
    ctx.reply.Array(2);
    ReplyCoordinate(ctx, p->lon);
    ReplyCoordinate(ctx, p->lat);
  }
}

// GEOHASH key [member ...]: an 11-character geohash or null per member.
void GeoHash(CommandContext& ctx, ArgList args) {
  bool wrong;
  const Value* z = ReadZSet(ctx, args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(args.size() - 2);
  for (size_t j = 2; j < args.size(); j++) {
    auto score = z != nullptr ? zset::Score(*z, args[j]) : std::nullopt;
    if (!score) {
      ctx.reply.Null();
      continue;
    }
    ctx.reply.Bulk(geo::GeohashString(*score));
  }
}

// GEODIST key member1 member2 [unit]: the unit is checked before the key.
void GeoDist(CommandContext& ctx, ArgList args) {
  double to_meters = 1;
  if (args.size() == 5) {
    auto m = UnitOrReply(ctx, args[4]);
    if (!m) return;
    to_meters = *m;
  } else if (args.size() > 5) {
    return ctx.Error(errors::kSyntax);
  }
  bool wrong;
  const Value* z = ReadZSet(ctx, args[1], &wrong);
  if (wrong) return;
  if (z == nullptr) return ctx.reply.Null();
  auto a = MemberPoint(*z, args[2]);
  auto b = a ? MemberPoint(*z, args[3]) : std::nullopt;
  if (!b) return ctx.reply.Null();
  ReplyDistance(ctx, geo::Distance(*a, *b) / to_meters);
}

// One search result (Redis's geoPoint).
struct Match {
  geo::Point xy;
  double dist;  // metres until the reply converts it
  double score;
  std::string member;
};

// Redis's sort_gp_asc: a three-way comparison by distance.
int CompareAsc(const Match& a, const Match& b) {
  if (a.dist == b.dist) return 0;
  return a.dist > b.dist ? 1 : -1;
}

// Redis's pqsort, a Bentley-McIlroy quicksort (NetBSD's qsort) that only
// recurses into the parts overlapping positions [lrange, rrange]. Redis
// uses it when COUNT keeps fewer results than were found; members at equal
// distances come out in its order, so the algorithm is followed step by
// step (pivot choice, partition, swaps) to give the same ties. Redis
// 7.0.15's version has no switch to insertion sort after a partition
// without swaps (checked against redis-server on tied distances).
template <typename Cmp>
class PartialSorter {
 public:
  PartialSorter(std::vector<Match>& v, Cmp cmp, size_t lrange, size_t rrange)
      : v_(v), cmp_(cmp), lrange_(lrange), rrange_(rrange) {}

  void Sort(size_t lo, size_t n) {
    for (;;) {
      if (n < 7) return InsertionSort(lo, n);
      size_t pm = lo + n / 2;
      if (n > 7) {
        size_t pl = lo;
        size_t pn = lo + n - 1;
        if (n > 40) {
          const size_t d = n / 8;
          pl = Med3(pl, pl + d, pl + 2 * d);
          pm = Med3(pm - d, pm, pm + d);
          pn = Med3(pn - 2 * d, pn - d, pn);
        }
        pm = Med3(pl, pm, pn);
      }
      Swap(lo, pm);
      // [lo+1, pa) and (pd, lo+n) collect elements equal to the pivot,
      // [pa, pb) smaller ones and (pc, pd] larger ones.
      size_t pa = lo + 1, pb = lo + 1;
      size_t pc = lo + n - 1, pd = lo + n - 1;
      for (;;) {
        int r;
        while (pb <= pc && (r = cmp_(v_[pb], v_[lo])) <= 0) {
          if (r == 0) Swap(pa++, pb);
          pb++;
        }
        while (pb <= pc && (r = cmp_(v_[pc], v_[lo])) >= 0) {
          if (r == 0) Swap(pc, pd--);
          pc--;
        }
        if (pb > pc) break;
        Swap(pb++, pc--);
      }
      const size_t pn = lo + n;
      size_t r = std::min(pa - lo, pb - pa);
      VecSwap(lo, pb - r, r);
      r = std::min(pd - pc, pn - pd - 1);
      VecSwap(pb, pn - r, r);
      if ((r = pb - pa) > 1 && Overlaps(lo, r)) Sort(lo, r);
      if ((r = pd - pc) <= 1) return;
      lo = pn - r;
      n = r;
      if (!Overlaps(lo, n)) return;
    }
  }

 private:
  void Swap(size_t a, size_t b) { std::swap(v_[a], v_[b]); }
  void VecSwap(size_t a, size_t b, size_t n) {
    for (size_t i = 0; i < n; i++) Swap(a + i, b + i);
  }
  void InsertionSort(size_t lo, size_t n) {
    for (size_t pm = lo + 1; pm < lo + n; pm++) {
      for (size_t pl = pm; pl > lo && cmp_(v_[pl - 1], v_[pl]) > 0; pl--) Swap(pl, pl - 1);
    }
  }
  size_t Med3(size_t a, size_t b, size_t c) {
    return cmp_(v_[a], v_[b]) < 0 ? (cmp_(v_[b], v_[c]) < 0 ? b : (cmp_(v_[a], v_[c]) < 0 ? c : a))
                                  : (cmp_(v_[b], v_[c]) > 0 ? b : (cmp_(v_[a], v_[c]) < 0 ? a : c));
  }
  // Whether positions [lo, lo+n) meet [lrange, rrange].
  bool Overlaps(size_t lo, size_t n) const { return !(rrange_ < lo || lrange_ >= lo + n); }

  std::vector<Match>& v_;
  Cmp cmp_;
  size_t lrange_, rrange_;
};

// Orders matches by distance so that the first `keep` are Redis's. All
// kept: glibc's qsort, a stable merge sort. Fewer: pqsort.
void SortMatches(std::vector<Match>& v, bool desc, size_t keep) {
  if (keep == v.size()) {
    std::stable_sort(v.begin(), v.end(), [desc](const Match& a, const Match& b) {
      return desc ? a.dist > b.dist : a.dist < b.dist;
    });
    return;
  }
  if (desc) {
    auto cmp = [](const Match& a, const Match& b) { return -CompareAsc(a, b); };
    PartialSorter<decltype(cmp)>(v, cmp, 0, keep - 1).Sort(0, v.size());
  } else {
    PartialSorter<decltype(&CompareAsc)>(v, &CompareAsc, 0, keep - 1).Sort(0, v.size());
  }
}

// The members inside `shape`, cell by cell in Redis's order, each cell in
// score order. With `limit` (COUNT n ANY), stops once that many are found.
std::vector<Match> FindInShape(const Value& z, const geo::Shape& shape, size_t limit) {
  const geo::SearchCells cells = geo::CellsForShape(shape);
  std::vector<Match> out;
  auto full = [&] { return limit != 0 && out.size() >= limit; };
  // Redis skips a cell equal to the last one scanned (huge radii make
  // neighbours coincide), but never compares with the centre cell: its
  // "last scanned" index starts at 0, which also means "none".
  size_t last = 0;
  for (size_t i = 0; i < 9; i++) {
    const geo::HashBits& cell = cells.cells[i];
    if (cell.IsZero()) continue;
    if (last != 0 && cell == cells.cells[last]) continue;
    if (full()) break;
    const geo::ScoreInterval iv = geo::CellScores(cell);
    const types::ScoreRange range{.min = static_cast<double>(iv.min),
                                  .max = static_cast<double>(iv.max),
                                  .minex = false,
                                  .maxex = true};
    zset::RangeByScore(z, range, false, 0, [&](std::string_view member, double score) {
      const geo::Point xy = geo::DecodeScore(score);
      if (auto d = geo::DistanceIfWithin(shape, xy)) {
        out.push_back({xy, *d, score, std::string(member)});
      }
      return !full();
    });
    last = i;
  }
  return out;
}

// Which command georadiusGeneric is running as.
enum SearchFlag : int {
  kRadiusCoords = 1,  // GEORADIUS[_RO] key longitude latitude radius unit
  kRadiusMember = 2,  // GEORADIUSBYMEMBER[_RO] key member radius unit
  kNoStore = 4,       // the _RO forms: no STORE / STOREDIST
  kSearch = 8,        // GEOSEARCH[STORE]: FROM* and BY* options
  kSearchStore = 16,  // GEOSEARCHSTORE destination source ...
};

enum class Order { kNone, kAsc, kDesc };

// Replaces `dest` with the sorted set of the first `n` matches (scores:
// their hashes, or their distances in the unit for STOREDIST), or deletes
// it when there are none. Logged as DEL (when it existed) and ZADD.
void StoreMatches(CommandContext& ctx, const std::string& dest, std::vector<Match>& matches,
                  size_t n, bool store_dist, double conversion) {
  Db& db = ctx.db();
  const bool existed = db.FindKey(dest, ctx.now_ms) != nullptr;
  if (n == 0) {
    if (existed) {
      db.Erase(dest);
      ctx.Dirty();
      ctx.Notify(notify::kGeneric, "del", dest);
      ctx.Propagate({"DEL", dest});
    }
    return ctx.reply.Int(0);
  }
  const auto limits = ZSetLimits(ctx.config);
  size_t max_len = 0;
  for (size_t i = 0; i < n; i++) max_len = std::max(max_len, matches[i].member.size());
  // Redis builds a skiplist and turns it into a listpack when the result
  // fits one; making the final encoding directly gives the same value.
  Value z = zset::New(n, max_len, limits);
  std::vector<std::string> zadd;
  zadd.reserve(2 + 2 * n);
  zadd.push_back("ZADD");
  zadd.push_back(dest);
  for (size_t i = 0; i < n; i++) {
    Match& m = matches[i];
    const double score = store_dist ? m.dist / conversion : m.score;
    zset::Add(z, score, m.member, 0, nullptr, limits);
    zadd.push_back(protocol::FormatDouble(score));  // %.17g: replays to the same double
    zadd.push_back(std::move(m.member));
  }
  db.Put(dest, std::move(z), -1);
  ctx.Dirty(n);
  ctx.Notify(notify::kZset,
             ctx.spec.full_name == "geosearchstore" ? "geosearchstore" : "georadiusstore", dest);
  if (existed) ctx.Propagate({"DEL", dest});
  ctx.Propagate(std::move(zadd));
  ctx.reply.Int(static_cast<int64_t>(n));
}

// Redis 7.0's georadiusGeneric: the source is looked up (and type-checked)
// first, then the fixed arguments of the GEORADIUS forms, then the options
// in one pass, each checked as it is read; the combinations are checked
// after that, and a missing source answers before any search.
void SearchGeneric(CommandContext& ctx, ArgList args, size_t src_index, int flags) {
  bool wrong;
  const Value* z = ReadZSet(ctx, args[src_index], &wrong);
  if (wrong) return;

  geo::Shape shape;
  size_t base;
  const std::string* store_key = nullptr;
  bool store_dist = false;
  if (flags & kRadiusCoords) {
    base = 6;
    auto centre = LonLatOrReply(ctx, args[2], args[3]);
    if (!centre) return;
    shape.centre = *centre;
    if (!RadiusOrReply(ctx, args[4], args[5], &shape)) return;
  } else if (flags & kRadiusMember) {
    base = 5;
    // Without a source Redis does not even read the radius: it only goes
    // on to find which empty reply (array or 0) the options ask for.
    if (z != nullptr) {
      auto centre = MemberPoint(*z, args[2]);
      if (!centre) return ctx.Error(kNoMember);
      shape.centre = *centre;
      if (!RadiusOrReply(ctx, args[3], args[4], &shape)) return;
    }
  } else {
    base = (flags & kSearchStore) ? 3 : 2;
    if (flags & kSearchStore) store_key = &args[1];
  }

  bool with_dist = false, with_hash = false, with_coord = false;
  bool from_member = false, from_lonlat = false, by_radius = false, by_box = false;
  bool any = false;
  Order order = Order::kNone;
  int64_t count = 0;
  const bool search = flags & kSearch;
  for (size_t i = base; i < args.size(); i++) {
    const std::string& arg = args[i];
    const size_t left = args.size() - i - 1;  // arguments after this one
    if (TokenIs(arg, "withdist")) {
      with_dist = true;
    } else if (TokenIs(arg, "withhash")) {
      with_hash = true;
    } else if (TokenIs(arg, "withcoord")) {
      with_coord = true;
    } else if (TokenIs(arg, "any")) {
      any = true;
    } else if (TokenIs(arg, "asc")) {
      order = Order::kAsc;
    } else if (TokenIs(arg, "desc")) {
      order = Order::kDesc;
    } else if (TokenIs(arg, "count") && left >= 1) {
      auto n = ctx.IntArg(args[++i]);
      if (!n) return;
      if (*n <= 0) return ctx.Error("COUNT must be > 0");
      count = *n;
    } else if ((TokenIs(arg, "store") || TokenIs(arg, "storedist")) && left >= 1 &&
               !(flags & kNoStore) && !search) {
      store_dist = TokenIs(arg, "storedist");
      store_key = &args[++i];
    } else if (TokenIs(arg, "storedist") && search && (flags & kSearchStore)) {
      store_dist = true;
    } else if (TokenIs(arg, "frommember") && left >= 1 && search && !from_lonlat) {
      // Without a source the member cannot be looked up; the options are
      // still parsed so their errors come first.
      if (z != nullptr) {
        auto centre = MemberPoint(*z, args[i + 1]);
        if (!centre) return ctx.Error(kNoMember);
        shape.centre = *centre;
      }
      from_member = true;
      i++;
    } else if (TokenIs(arg, "fromlonlat") && left >= 2 && search && !from_member) {
      auto centre = LonLatOrReply(ctx, args[i + 1], args[i + 2]);
      if (!centre) return;
      shape.centre = *centre;
      from_lonlat = true;
      i += 2;
    } else if (TokenIs(arg, "byradius") && left >= 2 && search && !by_box) {
      if (!RadiusOrReply(ctx, args[i + 1], args[i + 2], &shape)) return;
      by_radius = true;
      i += 2;
    } else if (TokenIs(arg, "bybox") && left >= 3 && search && !by_radius) {
      if (!BoxOrReply(ctx, args, i + 1, &shape)) return;
      by_box = true;
      i += 3;
    } else {
      return ctx.Error(errors::kSyntax);
    }
  }

  if (store_key != nullptr && (with_dist || with_hash || with_coord)) {
    return ctx.Error(
        std::string((flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
        " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
  }
  if (search && !(from_member || from_lonlat)) {
    return ctx.Error("exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                     std::string(CString(args[0])));
  }
  if (search && !(by_radius || by_box)) {
    return ctx.Error("exactly one of BYRADIUS and BYBOX can be specified for " +
                     std::string(CString(args[0])));
  }
  if (any && count == 0) return ctx.Error("the ANY argument requires COUNT argument");

  if (z == nullptr) {
    if (store_key == nullptr) return ctx.reply.Array(0);
    std::vector<Match> none;
    return StoreMatches(ctx, *store_key, none, 0, store_dist, shape.conversion);
  }

  // COUNT keeps the nearest ones, so it implies ASC (but not with ANY,
  // which keeps the first ones found).
  if (count != 0 && order == Order::kNone && !any) order = Order::kAsc;

  std::vector<Match> matches = FindInShape(*z, shape, any ? static_cast<size_t>(count) : 0);
  if (matches.empty() && store_key == nullptr) return ctx.reply.Array(0);
  const size_t found = matches.size();
  const size_t returned =
      (count == 0 || found < static_cast<uint64_t>(count)) ? found : static_cast<size_t>(count);
  if (order != Order::kNone && found > 0) SortMatches(matches, order == Order::kDesc, returned);

  if (store_key != nullptr) {
    return StoreMatches(ctx, *store_key, matches, returned, store_dist, shape.conversion);
  }
  const size_t extras = (with_dist ? 1 : 0) + (with_hash ? 1 : 0) + (with_coord ? 1 : 0);
  ctx.reply.Array(returned);
  for (size_t i = 0; i < returned; i++) {
    const Match& m = matches[i];
    if (extras != 0) ctx.reply.Array(extras + 1);
    ctx.reply.Bulk(m.member);
    if (with_dist) ReplyDistance(ctx, m.dist / shape.conversion);
    if (with_hash) ctx.reply.Int(static_cast<int64_t>(m.score));
    if (with_coord) {
      ctx.reply.Array(2);
      ReplyCoordinate(ctx, m.xy.lon);
      ReplyCoordinate(ctx, m.xy.lat);
    }
  }
}

void GeoRadius(CommandContext& ctx, ArgList args) { SearchGeneric(ctx, args, 1, kRadiusCoords); }
void GeoRadiusRo(CommandContext& ctx, ArgList args) {
  SearchGeneric(ctx, args, 1, kRadiusCoords | kNoStore);
}
void GeoRadiusByMember(CommandContext& ctx, ArgList args) {
  SearchGeneric(ctx, args, 1, kRadiusMember);
}
void GeoRadiusByMemberRo(CommandContext& ctx, ArgList args) {
  SearchGeneric(ctx, args, 1, kRadiusMember | kNoStore);
}
void GeoSearch(CommandContext& ctx, ArgList args) { SearchGeneric(ctx, args, 1, kSearch); }
void GeoSearchStore(CommandContext& ctx, ArgList args) {
  SearchGeneric(ctx, args, 2, kSearch | kSearchStore);
}

// Documentation pieces the entries share.
ArgDoc Token(std::string_view name, std::string_view token, uint32_t flags = 0,
             std::string_view since = "") {
  return {.name = name, .type = "pure-token", .token = token, .since = since, .flags = flags};
}

ArgDoc Unit(uint32_t flags = 0) {
  return {.name = "unit",
          .type = "oneof",
          .flags = flags,
          .arguments = {Token("m", "M"), Token("km", "KM"), Token("ft", "FT"), Token("mi", "MI")}};
}

ArgDoc OrderArg() {
  return {.name = "order",
          .type = "oneof",
          .flags = kArgOptional,
          .arguments = {Token("asc", "ASC"), Token("desc", "DESC")}};
}

ArgDoc CountAny(std::string_view any_since) {
  return {.name = "count",
          .type = "block",
          .flags = kArgOptional,
          .arguments = {{.name = "count", .type = "integer", .token = "COUNT"},
                        Token("any", "ANY", kArgOptional, any_since)}};
}

std::vector<ArgDoc> WithOptions() {
  return {Token("withcoord", "WITHCOORD", kArgOptional),
          Token("withdist", "WITHDIST", kArgOptional), Token("withhash", "WITHHASH", kArgOptional)};
}

ArgDoc KeyArg(std::string_view name = "key", int spec = 0) {
  return {.name = name, .type = "key", .key_spec_index = spec};
}

// GEORADIUS[BYMEMBER][_RO]: the centre, radius unit, then the options.
std::vector<ArgDoc> RadiusArgs(std::vector<ArgDoc> centre, std::string_view any_since, bool store) {
  std::vector<ArgDoc> a = {KeyArg()};
  for (auto& c : centre) a.push_back(std::move(c));
  a.push_back({.name = "radius", .type = "double"});
  a.push_back(Unit());
  for (auto& w : WithOptions()) a.push_back(std::move(w));
  a.push_back(CountAny(any_since));
  a.push_back(OrderArg());
  if (store) {
    a.push_back({.name = "key",
                 .type = "key",
                 .token = "STORE",
                 .flags = kArgOptional,
                 .key_spec_index = 1});
    a.push_back({.name = "key",
                 .type = "key",
                 .token = "STOREDIST",
                 .flags = kArgOptional,
                 .key_spec_index = 2});
  }
  return a;
}

std::vector<ArgDoc> LonLat() {
  return {{.name = "longitude", .type = "double"}, {.name = "latitude", .type = "double"}};
}

// GEOSEARCH[STORE]'s FROMMEMBER|FROMLONLAT and BYRADIUS|BYBOX.
std::vector<ArgDoc> SearchShapeArgs() {
  return {
      {.name = "from",
       .type = "oneof",
       .arguments = {{.name = "member", .type = "string", .token = "FROMMEMBER"},
                     {.name = "longitude_latitude",
                      .type = "block",
                      .token = "FROMLONLAT",
                      .arguments = LonLat()}}},
      {.name = "by",
       .type = "oneof",
       .arguments = {{.name = "circle",
                      .type = "block",
                      .arguments = {{.name = "radius", .type = "double", .token = "BYRADIUS"},
                                    Unit()}},
                     {.name = "box",
                      .type = "block",
                      .arguments = {{.name = "width", .type = "double", .token = "BYBOX"},
                                    {.name = "height", .type = "double"},
                                    Unit()}}}},
      OrderArg(),
      CountAny(""),
  };
}

constexpr std::string_view kRadiusComplexity =
    "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
    "area delimited by center and radius and M is the number of items inside the index.";
constexpr std::string_view kSearchComplexity =
    "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
    "around the shape provided as the filter and M is the number of items inside the shape";

KeySpec ReadSpec(int index = 1) { return {.flags = ks::kRO | ks::kAccess, .index = index}; }
KeySpec StoreSpec(std::string_view keyword, int startfrom) {
  return {.flags = ks::kOW | ks::kUpdate, .keyword = keyword, .startfrom = startfrom};
}

}  // namespace

void RegisterGeoCommands(CommandTable& t) {
  std::vector<ArgDoc> search_args = {KeyArg()};
  for (auto& a : SearchShapeArgs()) search_args.push_back(std::move(a));
  for (auto& w : WithOptions()) search_args.push_back(std::move(w));
  std::vector<ArgDoc> store_args = {KeyArg("destination", 0), KeyArg("source", 1)};
  for (auto& a : SearchShapeArgs()) store_args.push_back(std::move(a));
  store_args.push_back(Token("storedist", "STOREDIST", kArgOptional));

  t.Add({
      {.name = "geoadd", .arity = -5, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
       .acl = acl::kGeo, .handler = GeoAdd,
       .doc = {.summary = "Add one or more geospatial items in the geospatial index represented "
                          "using a sorted set",
               .since = "3.2.0", .group = "geo",
               .complexity = "O(log(N)) for each item added, where N is the number of elements "
                             "in the sorted set.",
               .history = {{"6.2.0", "Added the `CH`, `NX` and `XX` options."}},
               .arguments = {KeyArg(),
                             {.name = "condition", .type = "oneof", .since = "6.2.0",
                              .flags = kArgOptional,
                              .arguments = {Token("nx", "NX"), Token("xx", "XX")}},
                             Token("change", "CH", kArgOptional, "6.2.0"),
                             {.name = "longitude_latitude_member", .type = "block",
                              .flags = kArgMultiple,
                              .arguments = {{.name = "longitude", .type = "double"},
                                            {.name = "latitude", .type = "double"},
                                            {.name = "member", .type = "string"}}}}},
       .key_specs = {{.flags = ks::kRW | ks::kUpdate, .index = 1}}},
      {.name = "geodist", .arity = -4, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kGeo, .handler = GeoDist,
       .doc = {.summary = "Returns the distance between two members of a geospatial index",
               .since = "3.2.0", .group = "geo", .complexity = "O(log(N))",
               .arguments = {KeyArg(), {.name = "member1", .type = "string"},
                             {.name = "member2", .type = "string"}, Unit(kArgOptional)}},
       .key_specs = {ReadSpec()}},
      {.name = "geohash", .arity = -2, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kGeo, .handler = GeoHash,
       .doc = {.summary = "Returns members of a geospatial index as standard geohash strings",
               .since = "3.2.0", .group = "geo",
               .complexity = "O(log(N)) for each member requested, where N is the number of "
                             "elements in the sorted set.",
               .arguments = {KeyArg(),
                             {.name = "member", .type = "string", .flags = kArgMultiple}}},
       .key_specs = {ReadSpec()}},
      {.name = "geopos", .arity = -2, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kGeo, .handler = GeoPos,
       .doc = {.summary = "Returns longitude and latitude of members of a geospatial index",
               .since = "3.2.0", .group = "geo",
               .complexity = "O(N) where N is the number of members requested.",
               .arguments = {KeyArg(),
                             {.name = "member", .type = "string", .flags = kArgMultiple}}},
       .key_specs = {ReadSpec()}},
      {.name = "georadius", .arity = -6,
       .flags = kWrite | kDenyOom | kMovableKeys | kCustomPropagation, .keys = {1, 1, 1},
       .acl = acl::kGeo, .handler = GeoRadius,
       .doc = {.summary = "Query a sorted set representing a geospatial index to fetch members "
                          "matching a given maximum distance from a point",
               .since = "3.2.0", .group = "geo", .complexity = kRadiusComplexity,
               .doc_flags = {"deprecated"}, .deprecated_since = "6.2.0",
               .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
               .history = {{"6.2.0", "Added the `ANY` option for `COUNT`."},
                           {"7.0.0", "Added support for uppercase unit names."}},
               .arguments = RadiusArgs(LonLat(), "6.2.0", true)},
       .key_specs = {ReadSpec(), StoreSpec("STORE", 6), StoreSpec("STOREDIST", 6)}},
      {.name = "georadius_ro", .arity = -6, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kGeo, .handler = GeoRadiusRo,
       .doc = {.summary = "A read-only variant for GEORADIUS", .since = "3.2.10",
               .group = "geo", .complexity = kRadiusComplexity,
               .doc_flags = {"deprecated"}, .deprecated_since = "6.2.0",
               .replaced_by = "`GEOSEARCH` with the `BYRADIUS` argument",
               .history = {{"6.2.0", "Added the `ANY` option for `COUNT`."}},
               .arguments = RadiusArgs(LonLat(), "6.2.0", false)},
       .key_specs = {ReadSpec()}},
      {.name = "georadiusbymember", .arity = -5,
       .flags = kWrite | kDenyOom | kMovableKeys | kCustomPropagation, .keys = {1, 1, 1},
       .acl = acl::kGeo, .handler = GeoRadiusByMember,
       .doc = {.summary = "Query a sorted set representing a geospatial index to fetch members "
                          "matching a given maximum distance from a member",
               .since = "3.2.0", .group = "geo", .complexity = kRadiusComplexity,
               .doc_flags = {"deprecated"}, .deprecated_since = "6.2.0",
               .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and "
                              "`FROMMEMBER` arguments",
               .history = {{"7.0.0", "Added support for uppercase unit names."}},
               .arguments = RadiusArgs({{.name = "member", .type = "string"}}, "", true)},
       .key_specs = {ReadSpec(), StoreSpec("STORE", 5), StoreSpec("STOREDIST", 5)}},
      {.name = "georadiusbymember_ro", .arity = -5, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kGeo, .handler = GeoRadiusByMemberRo,
       .doc = {.summary = "A read-only variant for GEORADIUSBYMEMBER", .since = "3.2.10",
               .group = "geo", .complexity = kRadiusComplexity,
               .doc_flags = {"deprecated"}, .deprecated_since = "6.2.0",
               .replaced_by = "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments",
               .arguments = RadiusArgs({{.name = "member", .type = "string"}}, "", false)},
       .key_specs = {ReadSpec()}},
      {.name = "geosearch", .arity = -7, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kGeo, .handler = GeoSearch,
       .doc = {.summary = "Query a sorted set representing a geospatial index to fetch members "
                          "inside an area of a box or a circle.",
               .since = "6.2.0", .group = "geo", .complexity = kSearchComplexity,
               .history = {{"7.0.0", "Added support for uppercase unit names."}},
               .arguments = search_args},
       .key_specs = {ReadSpec()}},
      {.name = "geosearchstore", .arity = -8,
       .flags = kWrite | kDenyOom | kCustomPropagation, .keys = {1, 2, 1},
       .acl = acl::kGeo, .handler = GeoSearchStore,
       .doc = {.summary = "Query a sorted set representing a geospatial index to fetch members "
                          "inside an area of a box or a circle, and store the result in "
                          "another key.",
               .since = "6.2.0", .group = "geo", .complexity = kSearchComplexity,
               .history = {{"7.0.0", "Added support for uppercase unit names."}},
               .arguments = store_args},
       .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 1}, ReadSpec(2)}},
  });
}

}  // namespace cairn::engine
