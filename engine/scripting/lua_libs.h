// The two libraries Redis gives scripts that Debian does not package for
// Lua 5.1, written here from their documented behaviour:
//  - struct: struct.pack(fmt, ...), struct.unpack(fmt, s [, pos]),
//    struct.size(fmt), with Roberto Ierusalimschy's format language
//    (< > ! x b B h H l L T i[n] I[n] f d s c[n]);
//  - cmsgpack: cmsgpack.pack(...), cmsgpack.unpack(s),
//    cmsgpack.unpack_one(s [, offset]), cmsgpack.unpack_limit(s, limit
//    [, offset]), MessagePack with the smallest encoding for each value, a
//    table as an array when its keys are exactly 1..n.
#pragma once

struct lua_State;

namespace cairn::engine {

int OpenStructLib(lua_State* L);    // leaves the `struct` table on the stack
int OpenCmsgpackLib(lua_State* L);  // leaves the `cmsgpack` table on the stack

}  // namespace cairn::engine
