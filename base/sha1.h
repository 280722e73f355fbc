// SHA-1 (FIPS 180-4), for script names (EVALSHA, SCRIPT LOAD): lowercase hex.
#pragma once

#include <string>
#include <string_view>

namespace cairn::base {

std::string Sha1Hex(std::string_view data);

}  // namespace cairn::base
