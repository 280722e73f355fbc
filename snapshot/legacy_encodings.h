// Readers for the small-collection encodings Redis wrote before 7.0 and
// that old RDB files and DUMP payloads still carry: the ziplist (RDB types
// 10, 12, 13 and the nodes of 14) and the zipmap (type 9). Cairn never
// writes them; the value codec converts what these return into listpacks,
// as Redis 7.0 does on load. Grammar: doc/rdb.md, "Ziplist" and "Zipmap".
//
// Each reader checks the whole blob before returning anything, as strictly
// as Redis 7.0.15's deep integrity checks (ziplistValidateIntegrity,
// zipmapValidateIntegrity), so that a damaged blob is refused and never
// half-read. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::snapshot {

// The entries of a ziplist, head to tail, integers in decimal. nullopt when
// the blob is not a well-formed ziplist: header (total bytes, tail offset,
// count unless 65535), every entry's prevlen, encoding and bounds, the end
// byte. An empty ziplist gives an empty vector.
std::optional<std::vector<std::string>> ZiplistEntries(std::string_view blob);

// The (field, value) pairs of a zipmap, in order. nullopt when the blob is
// not a well-formed zipmap (lengths, free bytes and entries within the blob,
// the count byte unless 254, 0xff at the end) or holds no pair.
std::optional<std::vector<std::pair<std::string, std::string>>> ZipmapPairs(
    std::string_view blob);

}  // namespace cairn::snapshot
