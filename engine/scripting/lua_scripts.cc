#include "engine/scripting/lua_scripts.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
// Debian's lua-cjson and lua-bitop (the libraries Redis bundles).
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

#include <cstdio>
#include <cmath>
#include <cstring>

#include "base/check.h"
#include "base/clock.h"
#include "base/logging.h"
#include "base/sha1.h"
#include "base/string_util.h"
#include "engine/scripting/lua_libs.h"

namespace cairn::engine {
namespace {

constexpr const char* kSelfKey = "cairn.scripts";  // registry: the LuaScripts*
constexpr const char* kEnvKey = "cairn.env";       // registry: the scripts' environment
constexpr const char* kVisibleKey = "cairn.visible";  // registry: what the environment shows
constexpr const char* kFuncPrefix = "f_";          // registry: compiled scripts

// ---- RESP reply bytes -> Lua values (what redis.call returns) ---------------

class RespToLua {
 public:
  RespToLua(lua_State* L, std::string_view s) : L_(L), s_(s) {}
  // Pushes one value; false on malformed input (never from our own writer)
  // or when the Lua stack cannot grow (deeply nested replies).
  bool Push() {
    if (pos_ >= s_.size() || !lua_checkstack(L_, 4)) return false;
    const char type = s_[pos_++];
    const std::string_view line = Line();
    switch (type) {
      case '+':
        lua_newtable(L_);
        SetField("ok", line);
        return true;
      case '-':
        lua_newtable(L_);
        SetField("err", line);
        return true;
      case ':': {
        lua_pushnumber(L_, static_cast<lua_Number>(base::ParseInt64(line).value_or(0)));
        return true;
      }
      case '$': {
        const int64_t n = base::ParseInt64(line).value_or(-1);
        if (n < 0) {
          lua_pushboolean(L_, 0);
          return true;
        }
        lua_pushlstring(L_, s_.data() + pos_, static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n) + 2;
        return true;
      }
      case '*':
      case '~':
      case '>': {
        const int64_t n = base::ParseInt64(line).value_or(-1);
        if (n < 0) {
          lua_pushboolean(L_, 0);
          return true;
        }
        if (type == '~') {  // RESP3 set: {set={member=true, ...}}
          lua_newtable(L_);
          lua_pushstring(L_, "set");
          lua_newtable(L_);
          for (int64_t i = 0; i < n; i++) {
            if (!Push()) return false;
            lua_pushboolean(L_, 1);
            lua_settable(L_, -3);
          }
          lua_settable(L_, -3);
          return true;
        }
        lua_newtable(L_);
        for (int64_t i = 0; i < n; i++) {
          if (!Push()) return false;
          lua_rawseti(L_, -2, static_cast<int>(i + 1));
        }
        return true;
      }
      case '%': {  // RESP3 map: {map={k=v, ...}}
        const int64_t n = base::ParseInt64(line).value_or(0);
        lua_newtable(L_);
        lua_pushstring(L_, "map");
        lua_newtable(L_);
        for (int64_t i = 0; i < n; i++) {
          if (!Push() || !Push()) return false;
          lua_settable(L_, -3);
        }
        lua_settable(L_, -3);
        return true;
      }
      case '_':
        lua_pushnil(L_);
        return true;
      case '#':
        lua_pushboolean(L_, line == "t");
        return true;
      case ',': {
        lua_newtable(L_);
        lua_pushstring(L_, "double");
        lua_pushnumber(L_, std::strtod(std::string(line).c_str(), nullptr));
        lua_settable(L_, -3);
        return true;
      }
      case '(':
        lua_newtable(L_);
        SetField("big_number", line);
        return true;
      case '=': {
        const int64_t n = base::ParseInt64(line).value_or(0);
        const std::string_view body = s_.substr(pos_, static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n) + 2;
        lua_newtable(L_);
        lua_pushstring(L_, "verbatim_string");
        lua_newtable(L_);
        SetField("format", body.substr(0, 3));
        SetField("string", body.substr(std::min<size_t>(4, body.size())));
        lua_settable(L_, -3);
        return true;
      }
      default:
        return false;
    }
  }

 private:
  std::string_view Line() {
    const size_t end = s_.find("\r\n", pos_);
    const std::string_view l = s_.substr(pos_, end - pos_);
    pos_ = end == std::string_view::npos ? s_.size() : end + 2;
    return l;
  }
  void SetField(const char* name, std::string_view v) {
    lua_pushstring(L_, name);
    lua_pushlstring(L_, v.data(), v.size());
    lua_settable(L_, -3);
  }
  lua_State* L_;
  std::string_view s_;
  size_t pos_ = 0;
};

// ---- Lua values -> the EVAL reply ----------------------------------------------

// A string field of the table at the top of the stack, if present.
std::optional<std::string> StringField(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  std::optional<std::string> out;
  if (lua_type(L, -1) == LUA_TSTRING) {
    size_t n;
    const char* p = lua_tolstring(L, -1, &n);
    out.emplace(p, n);
  }
  lua_pop(L, 1);
  return out;
}

// How many key/value pairs the table at the top of the stack holds.
size_t PairCount(lua_State* L) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    n++;
    lua_pop(L, 1);
  }
  return n;
}

void ReplyFromLua(lua_State* L, protocol::RespWriter& out, int script_resp, int depth) {
  (void)depth;  // bounded by the Lua stack, as in Redis
  if (!lua_checkstack(L, 4)) {
    out.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t n;
      const char* p = lua_tolstring(L, -1, &n);
      out.Bulk(std::string_view(p, n));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          out.Int(1);
        } else {
          out.Null();
        }
      } else {
        out.Bool(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      out.Int(static_cast<int64_t>(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      if (auto err = StringField(L, "err")) {
        out.Error(*err);
        break;
      }
      if (auto ok = StringField(L, "ok")) {
        out.Simple(*ok);
        break;
      }
      if (auto big = StringField(L, "big_number")) {
        out.BigNumber(*big);
        break;
      }
      lua_pushstring(L, "verbatim_string");
      lua_rawget(L, -2);
      if (lua_istable(L, -1)) {
        auto format = StringField(L, "format");
        auto text = StringField(L, "string");
        lua_pop(L, 1);
        if (format && text) {
          out.Verbatim(*format, *text);
          break;
        }
      } else {
        lua_pop(L, 1);
      }
      lua_pushstring(L, "double");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TNUMBER) {
        out.Double(lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_pushstring(L, "map");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        const size_t n = PairCount(L);
        out.Map(n);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pushvalue(L, -2);
          ReplyFromLua(L, out, script_resp, depth + 1);  // the key
          ReplyFromLua(L, out, script_resp, depth + 1);  // the value
        }
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_pushstring(L, "set");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        const size_t n = PairCount(L);
        out.Set(n);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          ReplyFromLua(L, out, script_resp, depth + 1);
        }
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      // An array: elements 1, 2, ... up to the first nil.
      size_t n = 0;
      while (true) {
        lua_rawgeti(L, -1, static_cast<int>(n + 1));
        const bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        n++;
      }
      out.Array(n);
      for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, static_cast<int>(i));
        ReplyFromLua(L, out, script_resp, depth + 1);
      }
      break;
    }
    default:
      out.Null();
  }
  lua_pop(L, 1);
}

// Errors of the redis.* functions, raised as Redis raises them: a table
// {err="ERR ..."}, without a position in the message.
int RaiseError(lua_State* L, const char* msg) {
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushstring(L, (std::string("ERR ") + msg).c_str());
  lua_settable(L, -3);
  return lua_error(L);
}

// ---- the C side of the redis library ---------------------------------------------

int LuaRedisCall(lua_State* L) { return LuaScripts::From(L)->RedisCall(L, true); }
int LuaRedisPCall(lua_State* L) { return LuaScripts::From(L)->RedisCall(L, false); }
int LuaSetResp(lua_State* L) { return LuaScripts::From(L)->SetResp(L); }
int LuaRegisterFunction(lua_State* L) { return LuaScripts::From(L)->RegisterFunction(L); }

// The `redis` a function library sees: while FUNCTION LOAD runs the
// library's code, only what registering needs (Redis's load-time API).
int FunctionsRedisIndex(lua_State* L) {
  const char* key = lua_tostring(L, 2);
  if (LuaScripts::From(L)->loading() && key != nullptr) {
    static constexpr const char* kAtLoad[] = {"register_function", "log", "LOG_DEBUG",
                                              "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING"};
    bool ok = false;
    for (const char* k : kAtLoad) ok = ok || std::strcmp(k, key) == 0;
    if (!ok) {
      return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", key);
    }
  }
  // Once loaded, functions no longer see register_function.
  if (!LuaScripts::From(L)->loading() && key != nullptr &&
      std::strcmp(key, "register_function") == 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  return 1;
}

int LuaSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  size_t n;
  const char* p = lua_tolstring(L, 1, &n);
  const std::string hex = base::Sha1Hex(std::string_view(p != nullptr ? p : "", p ? n : 0));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

// redis.error_reply(msg) / redis.status_reply(msg): {err=msg} / {ok=msg}.
int ReplyTable(lua_State* L, const char* field) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    return RaiseError(L, "wrong number or type of arguments");
  }
  lua_newtable(L);
  lua_pushstring(L, field);
  lua_pushvalue(L, 1);
  lua_settable(L, -3);
  return 1;
}
int LuaErrorReply(lua_State* L) { return ReplyTable(L, "err"); }
int LuaStatusReply(lua_State* L) { return ReplyTable(L, "ok"); }

int LuaLog(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseError(L, "First argument must be a number (log level).");
  std::string msg;
  for (int i = 2; i <= argc; i++) {
    size_t n;
    const char* p = lua_tolstring(L, i, &n);
    if (p == nullptr) continue;
    if (i > 2) msg += ' ';
    msg.append(p, n);
  }
  CAIRN_LOG_NOTICE("%s", msg.c_str());
  return 0;
}

int LuaNoop(lua_State*) { return 0; }

// bit.tohex(x [, n]) as LuaBitOp defines it, with n = INT32_MIN handled.
uint32_t ToBits(lua_State* L, int idx) {
  // LuaBitOp's conversion: the low 32 bits of the number, modulo 2^32.
  const double d = luaL_checknumber(L, idx) + 6755399441055744.0;  // 2^52 + 2^51
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return static_cast<uint32_t>(bits);
}

int SafeToHex(lua_State* L) {
  uint32_t b = ToBits(L, 1);
  int32_t n = lua_isnone(L, 2) ? 8 : static_cast<int32_t>(ToBits(L, 2));
  const char* digits = "0123456789abcdef";
  if (n == INT32_MIN) n = INT32_MIN + 1;
  if (n < 0) {
    n = -n;
    digits = "0123456789ABCDEF";
  }
  if (n > 8) n = 8;
  char buf[8];
  for (int i = n; --i >= 0;) {
    buf[i] = digits[b & 15];
    b >>= 4;
  }
  lua_pushlstring(L, buf, static_cast<size_t>(n));
  return 1;
}

// True when some string in the value at `idx` is too long for cjson.
bool HasHugeString(lua_State* L, int idx, int depth) {
  constexpr size_t kMaxJsonString = (INT32_MAX - 2) / 6;
  if (lua_type(L, idx) == LUA_TSTRING) return lua_objlen(L, idx) > kMaxJsonString;
  if (lua_type(L, idx) != LUA_TTABLE || depth > 1000 || !lua_checkstack(L, 3)) return false;
  const int t = idx > 0 ? idx : lua_gettop(L) + idx + 1;
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    if (HasHugeString(L, -1, depth + 1) || HasHugeString(L, -2, depth + 1)) {
      lua_pop(L, 2);
      return true;
    }
    lua_pop(L, 1);
  }
  return false;
}

int SafeJsonEncode(lua_State* L) {
  if (HasHugeString(L, 1, 0)) return luaL_error(L, "Cannot serialise: string too long");
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}
int LuaTrue(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}


// math.random / math.randomseed as Redis replaces them: a 48-bit LCG
// (lrand48's), seeded with 0 at start, the same on every platform.
constexpr uint64_t kRandMask = (uint64_t{1} << 48) - 1;
int32_t NextRand(uint64_t& x) {
  x = (x * 0x5DEECE66DULL + 0xB) & kRandMask;
  return static_cast<int32_t>(x >> 17);
}
void SeedRand(uint64_t& x, int32_t seed) { x = ((static_cast<uint64_t>(seed) << 16) | 0x330E) & kRandMask; }

int LuaRandom(lua_State* L) {
  constexpr int32_t kMax = 2147483647;
  const lua_Number r =
      static_cast<lua_Number>(NextRand(LuaScripts::From(L)->rand_state()) % kMax) /
      static_cast<lua_Number>(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int LuaRandomSeed(lua_State* L) {
  SeedRand(LuaScripts::From(L)->rand_state(), static_cast<int32_t>(luaL_checkint(L, 1)));
  return 0;
}

// Globals: scripts see the libraries and KEYS/ARGV through a read-only view.
// What scripts see as globals (Redis 7.0's allow lists): these libraries,
// as read-only views, and these functions; KEYS and ARGV per call.
constexpr const char* kAllowedLibraries[] = {"string", "cjson", "bit", "cmsgpack", "math",
                                             "table",  "struct", "coroutine", "redis"};
constexpr const char* kAllowedBuiltins[] = {
    "xpcall", "tostring", "next", "assert", "tonumber", "rawequal", "rawget",
    "collectgarbage", "getmetatable", "pcall", "type", "select", "unpack", "gcinfo", "pairs",
    "ipairs", "error"};

// __index of a read-only view: upvalue 1 is the table it shows.
int ViewIndex(lua_State* L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  return 1;
}

// __index of the scripts' globals: upvalue 1 holds what they may see.
int EnvIndex(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  // While FUNCTION LOAD runs a library's code, `redis` is all there is.
  const bool hidden = LuaScripts::From(L)->loading() &&
                      (name == nullptr || std::strcmp(name, "redis") != 0);
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1) && !hidden) return 1;
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name != nullptr ? name : "?");
}

int ReadOnlyNewIndex(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

// The metatable of every read-only view: protected (getmetatable answers
// false, setmetatable refuses) and marked for SafeRawset.
void PushReadOnlyMeta(lua_State* L, lua_CFunction index, int index_upvalue) {
  lua_newtable(L);
  lua_pushstring(L, "__index");
  lua_pushvalue(L, index_upvalue < 0 ? index_upvalue - 2 : index_upvalue);
  lua_pushcclosure(L, index, 1);
  lua_settable(L, -3);
  lua_pushstring(L, "__newindex");
  lua_pushcfunction(L, ReadOnlyNewIndex);
  lua_settable(L, -3);
  lua_pushstring(L, "__metatable");  // what getmetatable shows: an empty table
  lua_newtable(L);
  lua_settable(L, -3);
  lua_pushstring(L, "__cairn_readonly");
  lua_pushboolean(L, 1);
  lua_settable(L, -3);
}

bool IsReadOnlyView(lua_State* L, int idx) {
  if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return false;
  lua_pushstring(L, "__cairn_readonly");
  lua_rawget(L, -2);
  const bool ro = lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  return ro;
}

// rawset and setmetatable, refusing the read-only views (Redis's tables
// are read-only; its error carries no position).
int SafeRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsReadOnlyView(L, 1)) return RaiseError(L, "Attempt to modify a readonly table");
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int SafeSetmetatable(lua_State* L) {
  if (IsReadOnlyView(L, 1)) return RaiseError(L, "Attempt to modify a readonly table");
  lua_pushvalue(L, lua_upvalueindex(1));  // the original setmetatable
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

// loadstring's chunks run in the scripts' environment, not the server's
// real globals: upvalue 1 is that environment, upvalue 2 the original.
int SafeLoadstring(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(2));  // the original loadstring
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  if (lua_isfunction(L, 1)) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setfenv(L, 1);
  }
  return lua_gettop(L);
}

// The error handler: any error becomes {err=..., source=..., line=...},
// with where the script was when it happened.
int ErrorHandler(lua_State* L) {
  std::string msg;
  if (lua_istable(L, 1)) {
    lua_pushstring(L, "err");
    lua_rawget(L, 1);
    if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
    lua_pop(L, 1);
  } else if (lua_isstring(L, 1)) {
    msg = std::string("ERR ") + lua_tostring(L, 1);
  } else {
    msg = "ERR unknown error";
  }
  // Where: the innermost Lua function (C functions have no line), its
  // source as Lua names it ("@user_script", or a loadstring chunk's text).
  lua_Debug ar;
  int line = -1;
  const char* source = "";
  for (int level = 1; lua_getstack(L, level, &ar) != 0; level++) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.currentline >= 0) {
      line = ar.currentline;
      source = ar.source;
      break;
    }
  }
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, msg.data(), msg.size());
  lua_settable(L, -3);
  lua_pushstring(L, "line");
  lua_pushinteger(L, line);
  lua_settable(L, -3);
  lua_pushstring(L, "source");
  lua_pushstring(L, source);
  lua_settable(L, -3);
  return 1;
}

void SetFunction(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushstring(L, name);
  lua_pushcfunction(L, f);
  lua_settable(L, -3);
}

}  // namespace

LuaScripts::LuaScripts(const CommandTable* table, RunFn run, bool functions)
    : table_(table), run_(std::move(run)), functions_mode_(functions) {
  script_client_.authenticated = true;
  script_client_.name = "lua";
  script_client_.is_script = true;
  SeedRand(rand_state_, 0);
  Open();
}

LuaScripts::~LuaScripts() { Close(); }

LuaScripts* LuaScripts::From(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kSelfKey);
  auto* self = static_cast<LuaScripts*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return self;
}

void LuaScripts::Open() {
  L_ = luaL_newstate();
  CAIRN_CHECK(L_ != nullptr);
  // The libraries Redis loads; no io, os or package.
  const std::pair<const char*, lua_CFunction> libs[] = {
      {"", luaopen_base},        {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
      {LUA_MATHLIBNAME, luaopen_math}, {LUA_DBLIBNAME, luaopen_debug}, {"cjson", luaopen_cjson},
      {"bit", luaopen_bit}, {"struct", OpenStructLib}, {"cmsgpack", OpenCmsgpackLib}};
  for (const auto& [name, open] : libs) {
    lua_pushcfunction(L_, open);
    lua_pushstring(L_, name);
    lua_call(L_, 1, 1);
    // Some modules only return their table (Debian's cjson): a global, as
    // Redis has it.
    if (name[0] != '\0' && lua_istable(L_, -1)) lua_setglobal(L_, name);
    lua_settop(L_, 0);
  }
  // Debian's lua-bitop and lua-cjson lack fixes Redis carries: bit.tohex
  // with n = INT32_MIN (CVE-2024-31449) and cjson.encode of strings whose
  // escaped size overflows an int (CVE-2022-24834). Guarded here.
  lua_getglobal(L_, "bit");
  lua_pushcfunction(L_, SafeToHex);
  lua_setfield(L_, -2, "tohex");
  lua_pop(L_, 1);
  lua_getglobal(L_, "cjson");
  lua_getfield(L_, -1, "encode");
  lua_pushcclosure(L_, SafeJsonEncode, 1);
  lua_setfield(L_, -2, "encode");
  lua_pop(L_, 1);
  lua_settop(L_, 0);
  for (const char* removed : {"loadfile", "dofile", "print"}) {
    lua_pushnil(L_);
    lua_setglobal(L_, removed);
  }
  lua_getglobal(L_, "math");
  SetFunction(L_, "random", LuaRandom);
  SetFunction(L_, "randomseed", LuaRandomSeed);
  lua_pop(L_, 1);

  lua_pushlightuserdata(L_, this);
  lua_setfield(L_, LUA_REGISTRYINDEX, kSelfKey);

  lua_newtable(L_);  // redis
  SetFunction(L_, "call", LuaRedisCall);
  SetFunction(L_, "pcall", LuaRedisPCall);
  SetFunction(L_, "sha1hex", LuaSha1Hex);
  SetFunction(L_, "error_reply", LuaErrorReply);
  SetFunction(L_, "status_reply", LuaStatusReply);
  SetFunction(L_, "log", LuaLog);
  SetFunction(L_, "setresp", LuaSetResp);
  if (functions_mode_) SetFunction(L_, "register_function", LuaRegisterFunction);
  // Scripts are always replicated by their effects: these are accepted and
  // change nothing, as in Redis 7.0.
  SetFunction(L_, "set_repl", LuaNoop);
  SetFunction(L_, "replicate_commands", LuaTrue);
  const std::pair<const char*, int> constants[] = {
      {"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2}, {"LOG_WARNING", 3},
      {"REPL_NONE", 0}, {"REPL_AOF", 1},    {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2},
      {"REPL_ALL", 3}};
  for (const auto& [name, v] : constants) {
    lua_pushstring(L_, name);
    lua_pushinteger(L_, v);
    lua_settable(L_, -3);
  }
  lua_setglobal(L_, "redis");

  // The scripts' environment: an empty, read-only table whose reads go to
  // `visible` (the allowed libraries as read-only views, the allowed
  // functions, _G, KEYS and ARGV). The server's own globals stay out of
  // reach, so no script can change what the next one finds.
  lua_newtable(L_);  // visible
  const int visible = lua_gettop(L_);
  lua_newtable(L_);  // env
  const int env = lua_gettop(L_);
  PushReadOnlyMeta(L_, EnvIndex, visible);
  lua_setmetatable(L_, env);
  for (const char* lib : kAllowedLibraries) {
    lua_getglobal(L_, lib);
    const int real = lua_gettop(L_);
    lua_newtable(L_);  // the view
    const bool load_view = functions_mode_ && std::strcmp(lib, "redis") == 0;
    PushReadOnlyMeta(L_, load_view ? FunctionsRedisIndex : ViewIndex, real);
    lua_setmetatable(L_, -2);
    lua_setfield(L_, visible, lib);
    lua_pop(L_, 1);
  }
  for (const char* fn : kAllowedBuiltins) {
    lua_getglobal(L_, fn);
    lua_setfield(L_, visible, fn);
  }
  lua_pushcfunction(L_, SafeRawset);
  lua_setfield(L_, visible, "rawset");
  lua_getglobal(L_, "setmetatable");
  lua_pushcclosure(L_, SafeSetmetatable, 1);
  lua_setfield(L_, visible, "setmetatable");
  lua_pushvalue(L_, env);
  lua_getglobal(L_, "loadstring");
  lua_pushcclosure(L_, SafeLoadstring, 2);
  lua_setfield(L_, visible, "loadstring");
  lua_pushvalue(L_, env);
  lua_setfield(L_, visible, "_G");
  lua_pushvalue(L_, visible);
  lua_setfield(L_, LUA_REGISTRYINDEX, kVisibleKey);
  lua_pushvalue(L_, env);
  lua_setfield(L_, LUA_REGISTRYINDEX, kEnvKey);
  lua_settop(L_, 0);
  // Nothing left in the real globals can reach the registry or the C side.
  for (const char* removed : {"debug", "newproxy", "setfenv", "load", "module", "require"}) {
    lua_pushnil(L_);
    lua_setglobal(L_, removed);
  }
}

void LuaScripts::Close() {
  if (L_ != nullptr) lua_close(L_);
  L_ = nullptr;
  shas_.clear();
}

void LuaScripts::Flush() {
  Close();
  libraries_.clear();
  functions_.clear();
  Open();
}

bool LuaScripts::Exists(std::string_view sha) const {
  std::string lower(sha);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return shas_.count(lower) != 0;
}

std::optional<std::string> LuaScripts::Load(std::string_view body, std::string* sha) {
  *sha = base::Sha1Hex(body);
  if (shas_.count(*sha) != 0) return std::nullopt;
  if (luaL_loadbuffer(L_, body.data(), body.size(), "@user_script") != 0) {
    std::string err = "Error compiling script (new function): ";
    err += lua_tostring(L_, -1);
    lua_pop(L_, 1);
    return err;
  }
  lua_getfield(L_, LUA_REGISTRYINDEX, kEnvKey);
  lua_setfenv(L_, -2);
  lua_setfield(L_, LUA_REGISTRYINDEX, (kFuncPrefix + *sha).c_str());
  shas_.insert(*sha);
  return std::nullopt;
}

namespace {
void SetArgTable(lua_State* L, const char* name, ArgList items) {
  lua_getfield(L, LUA_REGISTRYINDEX, kVisibleKey);
  lua_pushstring(L, name);
  lua_newtable(L);
  for (size_t i = 0; i < items.size(); i++) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
  lua_rawset(L, -3);
  lua_pop(L, 1);
}
}  // namespace

void LuaScripts::Hook(lua_State* L, lua_Debug*) {
  LuaScripts* self = From(L);
  if (!self->busy_ && base::NowMs() - self->start_ms_ >= self->busy_after_ms_) {
    self->busy_ = true;
    CAIRN_LOG_WARNING("Slow script detected: still in execution after %lld milliseconds. You can "
                      "try killing the script using the SCRIPT KILL command.",
                      static_cast<long long>(base::NowMs() - self->start_ms_));
  }
  if (self->busy_ && self->on_busy_) self->on_busy_();
  const bool stop = self->should_stop_ && self->should_stop_();
  if (stop) self->stopped_ = true;
  if (self->kill_ || stop) {
    // Every line from now on stops it again, even inside a pcall.
    lua_sethook(L, Hook, LUA_MASKLINE, 0);
    RaiseError(L, "Script killed by user with SCRIPT KILL...");
  }
}

std::optional<ErrorReply> LuaScripts::Kill() {
  if (!running_) return ErrorReply{ErrorKind::kNotBusy, "No scripts in execution right now."};
  if (wrote_) {
    return ErrorReply{ErrorKind::kUnkillable,
                      "Sorry the script already executed write commands against the dataset. "
                      "You can either wait the script termination or kill the server in a hard "
                      "way using the SHUTDOWN NOSAVE command."};
  }
  kill_ = true;
  return std::nullopt;
}

void LuaScripts::Begin(ClientState& caller, bool read_only, int64_t busy_after_ms) {
  script_client_.db = caller.db;
  script_client_.resp = 2;
  script_client_.id = caller.id;
  read_only_ = read_only;
  caller_ = &caller;
  script_client_.user = caller.user;  // scripts run with the caller's ACL permissions
  running_ = true;
  busy_ = wrote_ = kill_ = stopped_ = false;
  start_ms_ = base::NowMs();
  busy_after_ms_ = busy_after_ms;
  lua_sethook(L_, Hook, LUA_MASKCOUNT, 100000);
}

// Runs what is on the stack (error handler, function, `nargs` arguments)
// and replies; errors read "<error> script: <label>, on <source>:<line>.".
void LuaScripts::Invoke(const std::string& label, int nargs, protocol::RespWriter& out) {
  const int handler = lua_gettop(L_) - nargs - 1;
  const int status = lua_pcall(L_, nargs, 1, handler);
  if (status != 0) {
    std::string msg = "ERR unknown error";
    int line = -1;
    std::string source;
    if (lua_istable(L_, -1)) {
      if (auto e = StringField(L_, "err")) msg = *e;
      if (auto src = StringField(L_, "source")) source = *src;
      lua_pushstring(L_, "line");
      lua_rawget(L_, -2);
      line = static_cast<int>(lua_tointeger(L_, -1));
      lua_pop(L_, 1);
    } else if (lua_isstring(L_, -1)) {
      msg = std::string("ERR ") + lua_tostring(L_, -1);
    }
    if (line >= 0) {
      msg += " script: " + label + ", on " + source + ":" + std::to_string(line) + ".";
    }
    out.Error(msg);
  } else {
    ReplyFromLua(L_, out, script_client_.resp, 0);
  }
  lua_settop(L_, 0);
  lua_sethook(L_, nullptr, 0, 0);
  running_ = false;
  busy_ = false;
  // Let the collector see the garbage of big scripts now and then.
  lua_gc(L_, LUA_GCSTEP, 1);
}

void LuaScripts::Call(const std::string& sha, ClientState& caller, ArgList keys, ArgList args,
                      bool read_only, int64_t busy_after_ms, protocol::RespWriter& out) {
  std::string lower(sha);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Begin(caller, read_only, busy_after_ms);
  allow_oom_ = false;  // (EVAL's scripts declare no flags in Cairn yet)
  SetArgTable(L_, "KEYS", keys);
  SetArgTable(L_, "ARGV", args);
  lua_pushcfunction(L_, ErrorHandler);
  lua_getfield(L_, LUA_REGISTRYINDEX, (kFuncPrefix + lower).c_str());
  Invoke(lower, 0, out);
}

// ---- functions ------------------------------------------------------------------

namespace {
bool ValidName(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

void PushArray(lua_State* L, ArgList items) {
  lua_newtable(L);
  for (size_t i = 0; i < items.size(); i++) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

constexpr const char* kKnownFlags[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster",
                                       "allow-cross-slot-keys"};
}  // namespace

int LuaScripts::RegisterFunction(lua_State* L) {
  if (!loading_) return RaiseError(L, "redis.register_function can only be called on FUNCTION LOAD command");
  FunctionInfo f;
  const int argc = lua_gettop(L);
  if (argc == 2) {
    if (!lua_isstring(L, 1)) return RaiseError(L, "first argument to redis.register_function must be a string");
    if (!lua_isfunction(L, 2)) return RaiseError(L, "second argument to redis.register_function must be a function");
    f.name = lua_tostring(L, 1);
    lua_pushvalue(L, 2);
  } else if (argc == 1 && lua_istable(L, 1)) {
    bool have_callback = false;
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
      const char* key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
      if (std::strcmp(key, "function_name") == 0) {
        if (!lua_isstring(L, -1)) return RaiseError(L, "function_name argument given to redis.register_function must be a string");
        f.name = lua_tostring(L, -1);
      } else if (std::strcmp(key, "description") == 0) {
        if (!lua_isstring(L, -1)) return RaiseError(L, "description argument given to redis.register_function must be a string");
        f.description = lua_tostring(L, -1);
        f.has_description = true;
      } else if (std::strcmp(key, "callback") == 0) {
        if (!lua_isfunction(L, -1)) return RaiseError(L, "callback argument given to redis.register_function must be a function");
        have_callback = true;
      } else if (std::strcmp(key, "flags") == 0) {
        if (!lua_istable(L, -1)) return RaiseError(L, "flags argument to redis.register_function must be a table representing function flags");
        for (int i = 1;; i++) {
          lua_rawgeti(L, -1, i);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          const char* flag = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
          bool known = false;
          for (const char* k : kKnownFlags) known = known || std::strcmp(k, flag) == 0;
          if (!known) return RaiseError(L, "unknown flag given");
          f.flags.emplace_back(flag);
          lua_pop(L, 1);
        }
      } else {
        return RaiseError(L, "unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (f.name.empty() && !lua_isstring(L, -1)) {
    }
    if (!have_callback) return RaiseError(L, "redis.register_function must get a callback argument");
    lua_getfield(L, 1, "callback");
  } else {
    return RaiseError(L, "wrong number of arguments to redis.register_function");
  }
  if (!ValidName(f.name)) {
    lua_pop(L, 1);
    return RaiseError(L, "Function names can only contain letters, numbers, or underscores(_) and must be at least one character long");
  }
  for (const FunctionInfo& p : pending_) {
    if (p.name == f.name) {
      lua_pop(L, 1);
      return RaiseError(L, "Function already exists in the library");
    }
  }
  f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  for (const std::string& fl : f.flags) {
    f.no_writes = f.no_writes || fl == "no-writes";
    f.allow_oom = f.allow_oom || fl == "allow-oom";
  }
  pending_.push_back(std::move(f));
  return 0;
}

std::optional<std::string> LuaScripts::LoadLibrary(std::string_view code, bool replace,
                                                   std::string* name) {
  if (code.substr(0, 2) != "#!") return "Missing library metadata";
  const size_t eol = code.find('\n');
  if (eol == std::string_view::npos) return "Invalid library metadata";  // no body at all
  const std::string_view first = code.substr(2, eol - 2);
  std::vector<std::string> parts;
  for (size_t i = 0; i < first.size();) {
    const size_t j = first.find(' ', i);
    const std::string_view part = first.substr(i, j == first.npos ? first.npos : j - i);
    if (!part.empty()) parts.emplace_back(part);
    if (j == first.npos) break;
    i = j + 1;
  }
  if (parts.empty() || base::ToLower(parts[0]) != "lua") {
    return "Engine '" + (parts.empty() ? std::string() : parts[0]) + "' not found";
  }
  name->clear();
  for (size_t i = 1; i < parts.size(); i++) {
    if (parts[i].rfind("name=", 0) != 0) return "Invalid metadata value given: " + parts[i];
    *name = parts[i].substr(5);
  }
  if (name->empty()) return "Library name was not given";
  if (!ValidName(*name)) {
    return "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
  }
  if (!replace && libraries_.count(*name) != 0) return "Library '" + *name + "' already exists";
  // The shebang line is not Lua: compile from its newline on, so that line
  // numbers stay those of the library's text.
  const std::string_view body = eol == std::string_view::npos ? std::string_view() : code.substr(eol);
  if (luaL_loadbuffer(L_, body.data(), body.size(), "@user_function") != 0) {
    std::string err = std::string("Error compiling function: ") + lua_tostring(L_, -1);
    lua_settop(L_, 0);
    return err;
  }
  lua_getfield(L_, LUA_REGISTRYINDEX, kEnvKey);
  lua_setfenv(L_, -2);
  lua_pushcfunction(L_, ErrorHandler);
  lua_insert(L_, -2);
  pending_.clear();
  loading_ = true;
  const int status = lua_pcall(L_, 0, 0, 1);
  loading_ = false;
  auto drop_pending = [&] {
    for (const FunctionInfo& f : pending_) luaL_unref(L_, LUA_REGISTRYINDEX, f.ref);
    pending_.clear();
  };
  if (status != 0) {
    std::string msg = "unknown error";
    if (lua_istable(L_, -1)) {
      if (auto e = StringField(L_, "err")) msg = *e;
    }
    lua_settop(L_, 0);
    drop_pending();
    return "Error registering functions: " + msg;
  }
  lua_settop(L_, 0);
  if (pending_.empty()) return "No functions registered";
  for (const FunctionInfo& f : pending_) {
    auto it = functions_.find(f.name);
    if (it != functions_.end() && it->second.library != *name) {
      const std::string err = "Function " + f.name + " already exists";
      drop_pending();
      return err;
    }
  }
  DeleteLibrary(*name);
  Library& lib = libraries_[*name];
  lib.name = *name;
  lib.code = std::string(code);
  for (FunctionInfo& f : pending_) {
    f.library = *name;
    lib.functions.push_back(f.name);
    functions_[f.name] = std::move(f);
  }
  pending_.clear();
  return std::nullopt;
}

bool LuaScripts::DeleteLibrary(const std::string& name) {
  auto it = libraries_.find(name);
  if (it == libraries_.end()) return false;
  for (const std::string& fn : it->second.functions) {
    auto f = functions_.find(fn);
    if (f == functions_.end()) continue;
    luaL_unref(L_, LUA_REGISTRYINDEX, f->second.ref);
    functions_.erase(f);
  }
  libraries_.erase(it);
  return true;
}

const LuaScripts::FunctionInfo* LuaScripts::FindFunction(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

void LuaScripts::CallFunction(const FunctionInfo& f, ClientState& caller, ArgList keys,
                              ArgList args, int64_t busy_after_ms, protocol::RespWriter& out) {
  const std::string label = f.name;
  Begin(caller, f.no_writes, busy_after_ms);
  allow_oom_ = f.allow_oom || f.no_writes;
  lua_pushcfunction(L_, ErrorHandler);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, f.ref);
  PushArray(L_, keys);
  PushArray(L_, args);
  Invoke(label, 2, out);
}

int LuaScripts::SetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  const int v = static_cast<int>(lua_tointeger(L, 1));
  if (v != 2 && v != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  script_client_.resp = v;
  return 0;
}

int LuaScripts::RedisCall(lua_State* L, bool raise) {
  // Lua raises errors with longjmp: no C++ object may be alive in this frame
  // when lua_error runs, so the work happens in RunCall and only a flag
  // comes back here.
  const bool is_error = RunCall(L);
  if (raise && is_error) return lua_error(L);
  return 1;
}

namespace {
void PushErrorTable(lua_State* L, const char* msg) {
  lua_settop(L, 0);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushstring(L, msg);
  lua_settable(L, -3);
}
}  // namespace

bool LuaScripts::RunCall(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "ERR Please specify at least one argument for this redis lib call");
    return true;
  }
  std::vector<std::string> argv;
  argv.reserve(static_cast<size_t>(argc));
  for (int i = 1; i <= argc; i++) {
    const int t = lua_type(L, i);
    if (t == LUA_TNUMBER) {
      // As Redis formats them: %.17g (3 -> "3", 0.1 -> "0.10000000000000001").
      char buf[64];
      const int len = std::snprintf(buf, sizeof(buf), "%.17g", lua_tonumber(L, i));
      argv.emplace_back(buf, static_cast<size_t>(len));
    } else if (t == LUA_TSTRING) {
      size_t n;
      const char* p = lua_tolstring(L, i, &n);
      argv.emplace_back(p, n);
    } else {
      PushErrorTable(L, "ERR Lua redis lib command arguments must be strings or integers");
      return true;
    }
  }
  const CommandSpec* cmd = table_->FindForArgv(argv);
  const char* refused = nullptr;
  const int n = static_cast<int>(argv.size());
  if (cmd == nullptr) {
    refused = "ERR Unknown Redis command called from script";
  } else if ((cmd->arity > 0 && n != cmd->arity) || (cmd->arity < 0 && n < -cmd->arity)) {
    refused = "ERR Wrong number of args calling Redis command from script";
  } else if (cmd->flags & kNoScript) {
    refused = "ERR This Redis command is not allowed from script";
  } else if (read_only_ && (cmd->flags & (kWrite | kMayReplicate))) {
    refused = "ERR Write commands are not allowed from read-only scripts.";
  } else if (oom_ && !allow_oom_ && !wrote_ && (cmd->flags & kDenyOom)) {
    refused = "OOM command not allowed when used memory > 'maxmemory'.";
  }
  if (refused != nullptr) {
    PushErrorTable(L, refused);
    return true;
  }
  if (cmd->flags & kWrite) wrote_ = true;
  std::string reply;
  protocol::RespWriter w(&reply, script_client_.resp);
  run_(*cmd, script_client_, argv, w);
  lua_settop(L, 0);
  RespToLua conv(L, reply);
  if (!conv.Push()) lua_pushboolean(L, 0);
  if (!lua_istable(L, -1)) return false;
  lua_pushstring(L, "err");
  lua_rawget(L, -2);
  const bool is_error = lua_isstring(L, -1);
  lua_pop(L, 1);
  return is_error;
}

size_t LuaScripts::vm_memory() const {
  if (L_ == nullptr) return 0;
  return static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 +
         static_cast<size_t>(lua_gc(L_, LUA_GCCOUNTB, 0));
}

}  // namespace cairn::engine
