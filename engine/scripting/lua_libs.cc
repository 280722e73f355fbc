#include "engine/scripting/lua_libs.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace cairn::engine {
namespace {

// ---- struct ---------------------------------------------------------------------

constexpr size_t kMaxIntSize = 32;
constexpr size_t kMaxAlign = 8;  // the platform's largest alignment

struct Header {
  bool little = true;  // the platform's order until < or > says otherwise
  size_t align = 1;    // no padding until ! says otherwise
};

size_t ReadNumber(const char** fmt, size_t def) {
  if (!std::isdigit(static_cast<unsigned char>(**fmt))) return def;
  size_t a = 0;
  do {
    a = a * 10 + static_cast<size_t>(*((*fmt)++) - '0');
  } while (std::isdigit(static_cast<unsigned char>(**fmt)) && a <= (SIZE_MAX - 9) / 10);
  return a;
}

size_t OptionSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': return 8;
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return ReadNumber(fmt, 1);
    case 'i': case 'I': {
      const size_t sz = ReadNumber(fmt, sizeof(int));
      if (sz > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", static_cast<int>(sz),
                   static_cast<int>(kMaxIntSize));
      }
      return sz;
    }
    default: return 0;
  }
}

size_t PaddingFor(size_t len, const Header& h, char opt, size_t size) {
  if (size <= 1 || opt == 'c') return 0;
  const size_t align = size < h.align ? size : h.align;
  return (align - (len & (align - 1))) & (align - 1);
}

void ControlOption(lua_State* L, char opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ': return;
    case '>': h->little = false; return;
    case '<': h->little = true; return;
    case '!': {
      const size_t a = ReadNumber(fmt, kMaxAlign);
      if (a == 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", static_cast<int>(a));
      h->align = a;
      return;
    }
    default: {
      const char msg[] = {'i', 'n', 'v', 'a', 'l', 'i', 'd', ' ', 'f', 'o', 'r', 'm', 'a', 't', ' ',
                          'o', 'p', 't', 'i', 'o', 'n', ' ', '\'', opt, '\'', '\0'};
      luaL_argerror(L, 1, msg);
    }
  }
}

void PutInteger(lua_State* L, luaL_Buffer* b, int arg, bool little, size_t size) {
  const lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? static_cast<uint64_t>(static_cast<int64_t>(n)) : static_cast<uint64_t>(n);
  char buf[kMaxIntSize];
  for (size_t i = 0; i < size; i++) {
    buf[little ? i : size - 1 - i] = static_cast<char>(value & 0xff);
    value = i < 7 ? value >> 8 : (n < 0 ? 0xff : 0);  // beyond 8 bytes: the sign
  }
  luaL_addlstring(b, buf, size);
}

lua_Number GetInteger(const char* p, bool little, bool is_signed, size_t size) {
  uint64_t v = 0;
  const size_t used = size > 8 ? 8 : size;
  for (size_t i = 0; i < used; i++) {
    const size_t at = little ? used - 1 - i : (size - used) + i;
    v = (v << 8) | static_cast<unsigned char>(p[at]);
  }
  if (!is_signed) return static_cast<lua_Number>(v);
  if (used < 8) {
    const uint64_t mask = ~uint64_t{0} << (used * 8 - 1);
    if (v & mask) v |= mask;
  }
  return static_cast<lua_Number>(static_cast<int64_t>(v));
}

void OrderBytes(char* p, size_t size, bool little) {
  if (little) return;  // x86-64 is little-endian
  for (size_t i = 0; i < size / 2; i++) std::swap(p[i], p[size - 1 - i]);
}

int StructPack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);  // keeps the buffer's stack slots above the arguments
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    const char opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    size_t pad = PaddingFor(total, h, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        PutInteger(L, &b, arg++, h.little, size);
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = static_cast<float>(luaL_checknumber(L, arg++));
        char buf[sizeof f];
        std::memcpy(buf, &f, sizeof f);
        OrderBytes(buf, sizeof f, h.little);
        luaL_addlstring(&b, buf, sizeof f);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        char buf[sizeof d];
        std::memcpy(buf, &d, sizeof d);
        OrderBytes(buf, sizeof d, h.little);
        luaL_addlstring(&b, buf, sizeof d);
        break;
      }
      case 'c':
      case 's': {
        size_t l;
        const char* s = luaL_checklstring(L, arg++, &l);
        if (size == 0) size = l;
        luaL_argcheck(L, l >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          size++;
        }
        break;
      }
      default:
        ControlOption(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

int StructUnpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char* data = luaL_checklstring(L, 2, &ld);
  const lua_Integer start = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
  size_t pos = static_cast<size_t>(start) - 1;
  luaL_argcheck(L, pos <= ld, 3, "offset must be 1 or greater");
  Header h;
  int n = 0;
  while (*fmt != '\0') {
    const char opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += PaddingFor(pos, h, opt, size);
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        lua_pushnumber(L, GetInteger(data + pos, h.little, std::islower(static_cast<unsigned char>(opt)) != 0, size));
        n++;
        break;
      case 'x':
        break;
      case 'f': {
        char buf[sizeof(float)];
        std::memcpy(buf, data + pos, sizeof buf);
        OrderBytes(buf, sizeof buf, h.little);
        float f;
        std::memcpy(&f, buf, sizeof f);
        lua_pushnumber(L, f);
        n++;
        break;
      }
      case 'd': {
        char buf[sizeof(double)];
        std::memcpy(buf, data + pos, sizeof buf);
        OrderBytes(buf, sizeof buf, h.little);
        double d;
        std::memcpy(&d, buf, sizeof d);
        lua_pushnumber(L, d);
        n++;
        break;
      }
      case 'c': {
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        n++;
        break;
      }
      case 's': {
        const void* e = std::memchr(data + pos, '\0', ld - pos);
        if (e == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(static_cast<const char*>(e) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        n++;
        break;
      }
      default:
        ControlOption(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int StructSize(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  size_t pos = 0;
  while (*fmt != '\0') {
    const char opt = *fmt++;
    const size_t size = OptionSize(L, opt, &fmt);
    pos += PaddingFor(pos, h, opt, size);
    if (opt == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
    if (opt == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
    if (!std::isalnum(static_cast<unsigned char>(opt))) ControlOption(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

// ---- cmsgpack ---------------------------------------------------------------------

constexpr int kMaxNesting = 16;  // deeper tables are packed as nil

void PutBig(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PackInteger(std::string* out, int64_t n) {
  if (n >= 0) {
    if (n <= 127) {
      out->push_back(static_cast<char>(n));
    } else if (n <= 0xff) {
      out->push_back(static_cast<char>(0xcc));
      PutBig(out, static_cast<uint64_t>(n), 1);
    } else if (n <= 0xffff) {
      out->push_back(static_cast<char>(0xcd));
      PutBig(out, static_cast<uint64_t>(n), 2);
    } else if (n <= 0xffffffffLL) {
      out->push_back(static_cast<char>(0xce));
      PutBig(out, static_cast<uint64_t>(n), 4);
    } else {
      out->push_back(static_cast<char>(0xcf));
      PutBig(out, static_cast<uint64_t>(n), 8);
    }
  } else if (n >= -32) {
    out->push_back(static_cast<char>(n));  // negative fixint: 111xxxxx
  } else if (n >= -128) {
    out->push_back(static_cast<char>(0xd0));
    PutBig(out, static_cast<uint64_t>(n), 1);
  } else if (n >= -32768) {
    out->push_back(static_cast<char>(0xd1));
    PutBig(out, static_cast<uint64_t>(n), 2);
  } else if (n >= INT32_MIN) {
    out->push_back(static_cast<char>(0xd2));
    PutBig(out, static_cast<uint64_t>(n), 4);
  } else {
    out->push_back(static_cast<char>(0xd3));
    PutBig(out, static_cast<uint64_t>(n), 8);
  }
}

void PackNumber(std::string* out, lua_Number n) {
  if (!std::isinf(n) && !std::isnan(n) && n >= -9.2233720368547758e18 && n < 9.2233720368547758e18 &&
      static_cast<lua_Number>(static_cast<int64_t>(n)) == n) {
    return PackInteger(out, static_cast<int64_t>(n));
  }
  const float f = static_cast<float>(n);
  if (static_cast<lua_Number>(f) == n) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    out->push_back(static_cast<char>(0xca));
    PutBig(out, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &n, sizeof bits);
    out->push_back(static_cast<char>(0xcb));
    PutBig(out, bits, 8);
  }
}

void PackString(std::string* out, const char* s, size_t len) {
  if (len < 32) {
    out->push_back(static_cast<char>(0xa0 | len));
  } else if (len <= 0xff) {
    out->push_back(static_cast<char>(0xd9));
    PutBig(out, len, 1);
  } else if (len <= 0xffff) {
    out->push_back(static_cast<char>(0xda));
    PutBig(out, len, 2);
  } else {
    out->push_back(static_cast<char>(0xdb));
    PutBig(out, len, 4);
  }
  out->append(s, len);
}

// The table at the top: an array when its keys are exactly 1..n.
bool IsArray(lua_State* L, size_t* n) {
  size_t count = 0;
  lua_Number max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return false;
    }
    const lua_Number k = lua_tonumber(L, -1);
    if (k <= 0 || std::floor(k) != k) {
      lua_pop(L, 1);
      return false;
    }
    if (k > max) max = k;
    count++;
  }
  *n = count;
  return max == static_cast<lua_Number>(count);
}

void PackValue(lua_State* L, std::string* out, int level) {
  if (!lua_checkstack(L, 4)) {  // no room to walk deeper: nil, as too deep a table
    out->push_back(static_cast<char>(0xc0));
    lua_pop(L, 1);
    return;
  }
  int t = lua_type(L, -1);
  if (t == LUA_TTABLE && level == kMaxNesting) t = LUA_TNIL;
  switch (t) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      PackString(out, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      out->push_back(static_cast<char>(lua_toboolean(L, -1) ? 0xc3 : 0xc2));
      break;
    case LUA_TNUMBER:
      PackNumber(out, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE: {
      size_t n = 0;
      if (IsArray(L, &n)) {
        if (n < 16) {
          out->push_back(static_cast<char>(0x90 | n));
        } else if (n <= 0xffff) {
          out->push_back(static_cast<char>(0xdc));
          PutBig(out, n, 2);
        } else {
          out->push_back(static_cast<char>(0xdd));
          PutBig(out, n, 4);
        }
        for (size_t i = 1; i <= n; i++) {
          lua_rawgeti(L, -1, static_cast<int>(i));
          PackValue(L, out, level + 1);
        }
      } else {
        size_t pairs = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pop(L, 1);
          pairs++;
        }
        if (pairs < 16) {
          out->push_back(static_cast<char>(0x80 | pairs));
        } else if (pairs <= 0xffff) {
          out->push_back(static_cast<char>(0xde));
          PutBig(out, pairs, 2);
        } else {
          out->push_back(static_cast<char>(0xdf));
          PutBig(out, pairs, 4);
        }
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pushvalue(L, -2);
          PackValue(L, out, level + 1);  // the key (a copy)
          PackValue(L, out, level + 1);  // the value
        }
      }
      break;
    }
    default:
      out->push_back(static_cast<char>(0xc0));
  }
  lua_pop(L, 1);
}

int CmsgpackPack(lua_State* L) {
  const int n = lua_gettop(L);
  if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  std::string out;
  for (int i = 1; i <= n; i++) {
    lua_pushvalue(L, i);
    PackValue(L, &out, 0);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

struct Cursor {
  const unsigned char* p;
  size_t left;
  enum { kOk, kEof, kBadFormat } err = kOk;
  bool Need(size_t n) {
    if (left < n) err = kEof;
    return err == kOk;
  }
  uint64_t Big(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = (v << 8) | p[i];
    p += n;
    left -= n;
    return v;
  }
};

void Unpack(lua_State* L, Cursor* c);

void UnpackArray(lua_State* L, Cursor* c, size_t n) {
  lua_newtable(L);
  for (size_t i = 1; i <= n; i++) {
    Unpack(L, c);
    if (c->err != Cursor::kOk) return;
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void UnpackMap(lua_State* L, Cursor* c, size_t n) {
  lua_newtable(L);
  for (size_t i = 0; i < n; i++) {
    Unpack(L, c);
    if (c->err != Cursor::kOk) return;
    Unpack(L, c);
    if (c->err != Cursor::kOk) return;
    lua_settable(L, -3);
  }
}

void UnpackBytes(lua_State* L, Cursor* c, size_t len) {
  if (!c->Need(len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p), len);
  c->p += len;
  c->left -= len;
}

void Unpack(lua_State* L, Cursor* c) {
  luaL_checkstack(L, 3, "too many nested values");
  if (!c->Need(1)) return;
  const unsigned char b = *c->p++;
  c->left--;
  if (b <= 0x7f) return lua_pushnumber(L, b);
  if (b >= 0xe0) return lua_pushnumber(L, static_cast<int8_t>(b));
  if ((b & 0xe0) == 0xa0) return UnpackBytes(L, c, b & 0x1f);
  if ((b & 0xf0) == 0x90) return UnpackArray(L, c, b & 0x0f);
  if ((b & 0xf0) == 0x80) return UnpackMap(L, c, b & 0x0f);
  switch (b) {
    case 0xc0: return lua_pushnil(L);
    case 0xc2: return lua_pushboolean(L, 0);
    case 0xc3: return lua_pushboolean(L, 1);
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
      const size_t n = size_t{1} << (b - 0xcc);
      if (!c->Need(n)) return;
      return lua_pushnumber(L, static_cast<lua_Number>(c->Big(n)));
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      const size_t n = size_t{1} << (b - 0xd0);
      if (!c->Need(n)) return;
      uint64_t v = c->Big(n);
      if (n < 8 && (v & (uint64_t{1} << (8 * n - 1)))) v |= ~uint64_t{0} << (8 * n);
      return lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(v)));
    }
    case 0xca: {
      if (!c->Need(4)) return;
      const uint32_t bits = static_cast<uint32_t>(c->Big(4));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return lua_pushnumber(L, f);
    }
    case 0xcb: {
      if (!c->Need(8)) return;
      const uint64_t bits = c->Big(8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return lua_pushnumber(L, d);
    }
    // (bin 8/16/32 and ext are not part of the format this library speaks)
    case 0xd9: if (!c->Need(1)) return; return UnpackBytes(L, c, c->Big(1));
    case 0xda: if (!c->Need(2)) return; return UnpackBytes(L, c, c->Big(2));
    case 0xdb: if (!c->Need(4)) return; return UnpackBytes(L, c, c->Big(4));
    case 0xdc: if (!c->Need(2)) return; return UnpackArray(L, c, c->Big(2));
    case 0xdd: if (!c->Need(4)) return; return UnpackArray(L, c, c->Big(4));
    case 0xde: if (!c->Need(2)) return; return UnpackMap(L, c, c->Big(2));
    case 0xdf: if (!c->Need(4)) return; return UnpackMap(L, c, c->Big(4));
    default: c->err = Cursor::kBadFormat;
  }
}

// unpack (limit 0, offset 0: every value), unpack_one, unpack_limit.
int UnpackFull(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  const bool all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (all) limit = INT_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  int count = 0;
  for (; c.left > 0 && count < limit; count++) {
    Unpack(L, &c);
    if (c.err == Cursor::kEof) return luaL_error(L, "Missing bytes in input.");
    if (c.err == Cursor::kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (!all) {
    lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
    lua_insert(L, 2);
    count++;
  }
  return count;
}

int CmsgpackUnpack(lua_State* L) { return UnpackFull(L, 0, 0); }
int CmsgpackUnpackOne(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return UnpackFull(L, 1, offset);
}
int CmsgpackUnpackLimit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return UnpackFull(L, limit, offset);
}

void SetFunction(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushstring(L, name);
  lua_pushcfunction(L, f);
  lua_settable(L, -3);
}

}  // namespace

int OpenStructLib(lua_State* L) {
  lua_newtable(L);
  SetFunction(L, "pack", StructPack);
  SetFunction(L, "unpack", StructUnpack);
  SetFunction(L, "size", StructSize);
  return 1;
}

int OpenCmsgpackLib(lua_State* L) {
  lua_newtable(L);
  SetFunction(L, "pack", CmsgpackPack);
  SetFunction(L, "unpack", CmsgpackUnpack);
  SetFunction(L, "unpack_one", CmsgpackUnpackOne);
  SetFunction(L, "unpack_limit", CmsgpackUnpackLimit);
  lua_pushstring(L, "_NAME");
  lua_pushstring(L, "cmsgpack");
  lua_settable(L, -3);
  return 1;
}

}  // namespace cairn::engine
