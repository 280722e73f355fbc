// String helpers whose exact behaviour clients can observe, so they follow
// Redis 7.0's rules rather than the C library's:
//  - ParseInt64: Redis's string2ll (no spaces, no '+', no leading zeros,
//    "-0" rejected, overflow rejected).
//  - GlobMatch: Redis's stringmatchlen (*, ?, [a-z], [^x], \ escapes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::base {

std::optional<int64_t> ParseInt64(std::string_view s);
// Like strtod but the whole string must be consumed and no spaces allowed;
// "inf"/"-inf" accepted, NaN, overflow and underflow to zero rejected
// (Redis's getDoubleFromObject rules).
std::optional<double> ParseDouble(std::string_view s);

// Redis's string2ld: the whole string, no spaces, not NaN, at most 5 KiB;
// overflow or underflow is refused, a literal "inf" is not.
std::optional<long double> ParseLongDouble(std::string_view s);
// Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf" without trailing zeros.
std::string FormatLongDouble(long double v);

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);

// Redis's sdscatrepr: `s` in double quotes, with \\ \" \n \r \t \a \b
// and \xNN for other unprintable bytes (config lines, MONITOR).
std::string QuoteRepr(std::string_view s);

// `n` random lowercase hex digits (run IDs, replication IDs).
std::string RandomHex(size_t n);

}  // namespace cairn::base
