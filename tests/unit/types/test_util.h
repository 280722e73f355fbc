// Helpers shared by the types/ unit tests: hex views of byte layouts (the
// expected bytes come from redis-server 7.0.15's DUMP output, with
// rdbcompression off) and the element generator of the randomized model
// tests.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace cairn::types::testing {

inline std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; i++) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

inline std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

// Elements that exercise every listpack encoding: integers of each width
// (as their canonical text), strings that only look like integers, and
// strings of 6-bit, 12-bit and (rarely) 32-bit lengths.
inline std::string RandomElement(std::mt19937_64& rng) {
  switch (rng() % 10) {
    case 0:
      return std::to_string(static_cast<int64_t>(rng() % 256) - 128);
    case 1:
      return std::to_string(static_cast<int64_t>(rng() % 20000) - 10000);
    case 2:
      return std::to_string(static_cast<int32_t>(rng()));
    case 3:
      return std::to_string(static_cast<int64_t>(rng()));
    case 4: {
      static constexpr const char* kLookAlikes[] = {
          "007", "-0", "+1", " 1", "1 ", "", "1.0", "9223372036854775808", "0x10", "-"};
      return kLookAlikes[rng() % std::size(kLookAlikes)];
    }
    case 5:
      return std::string(60 + rng() % 200, static_cast<char>('a' + rng() % 26));
    case 6:
      if (rng() % 8 == 0) return std::string(4090 + rng() % 20, 'z');
      [[fallthrough]];
    default: {
      std::string s;
      const size_t n = 1 + rng() % 8;
      for (size_t i = 0; i < n; i++) s.push_back(static_cast<char>('a' + rng() % 6));
      return s;
    }
  }
}

}  // namespace cairn::types::testing
