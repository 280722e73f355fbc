// Lua scripting (Redis 7.0's eval.c and script_lua.c): one Lua 5.1 state for
// the server, scripts cached by SHA-1, KEYS and ARGV, redis.call/pcall running
// commands through the engine, and the type conversions between Lua and RESP
// as Redis documents them. A script runs atomically: nothing else runs on the
// engine thread meanwhile. Its writes reach the log as the commands it ran
// (held by the engine and written as one MULTI ... EXEC group), so a replay
// never runs Lua. Engine thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "engine/client_state.h"
#include "engine/command_table.h"
#include "engine/errors.h"
#include "protocol/resp_writer.h"

struct lua_State;
struct lua_Debug;

namespace cairn::engine {

class LuaScripts {
 public:
  // Runs one command for a script as `client`, its reply written to `out`.
  // The command is looked up and checked already. Supplied by the engine.
  using RunFn = std::function<void(const CommandSpec&, ClientState&, std::vector<std::string>&,
                                   protocol::RespWriter&)>;

  // `functions`: this state holds FUNCTION libraries (redis.register_function
  // exists; the library code sees only the load-time API) rather than EVAL
  // scripts.
  LuaScripts(const CommandTable* table, RunFn run, bool functions = false);
  ~LuaScripts();
  LuaScripts(const LuaScripts&) = delete;
  LuaScripts& operator=(const LuaScripts&) = delete;

  // SCRIPT LOAD and EVAL: compiles `body` and caches it under its SHA-1
  // (*sha). On a compile error returns Redis's message (without "ERR ").
  std::optional<std::string> Load(std::string_view body, std::string* sha);
  bool Exists(std::string_view sha) const;
  void Flush();

  // EVAL*: runs the cached script `sha` for `caller`, the reply to `out`.
  // `read_only`: EVAL_RO / EVALSHA_RO. `busy_after_ms`: busy-reply-threshold.
  void Call(const std::string& sha, ClientState& caller, ArgList keys, ArgList args,
            bool read_only, int64_t busy_after_ms, protocol::RespWriter& out);

  // A script that has run past busy-reply-threshold is "busy": every
  // hundred thousand Lua instructions it calls on_busy (the server lets
  // other clients in then, who get -BUSY) and stops at once when
  // should_stop says so (SHUTDOWN NOSAVE) or SCRIPT KILL asked.
  void set_on_busy(std::function<void()> fn) { on_busy_ = std::move(fn); }
  void set_should_stop(std::function<bool()> fn) { should_stop_ = std::move(fn); }
  bool busy() const { return running_ && busy_; }
  // Memory was over maxmemory when the script about to run was called
  // (Redis's script_oom): until it has written, commands that may grow
  // memory are refused to it.
  void set_oom(bool oom) { oom_ = oom; }
  const ClientState* caller() const { return running_ ? caller_ : nullptr; }
  // SCRIPT KILL: nullopt when the script will stop, else the error to answer.
  std::optional<ErrorReply> Kill();
  // The last script was stopped by should_stop: its writes must not count.
  bool stopped() const { return stopped_; }

  // ---- functions (FUNCTION LOAD, FCALL), on a functions state -------------
  struct FunctionInfo {
    std::string name;
    std::string library;
    std::string description;
    bool has_description = false;
    std::vector<std::string> flags;
    bool no_writes = false;
    bool allow_oom = false;  // may write past maxmemory
    int ref = 0;  // the callback, in the Lua registry
  };
  struct Library {
    std::string name;
    std::string code;
    std::vector<std::string> functions;  // in registration order
  };
  // FUNCTION LOAD: the library's name in *name, or Redis's error text.
  std::optional<std::string> LoadLibrary(std::string_view code, bool replace, std::string* name);
  bool DeleteLibrary(const std::string& name);
  const std::map<std::string, Library>& libraries() const { return libraries_; }
  size_t function_count() const { return functions_.size(); }
  // INFO memory: the Lua VM's bytes, and the cached scripts (EVAL) count.
  size_t vm_memory() const;
  size_t script_count() const { return shas_.size(); }
  const FunctionInfo* FindFunction(std::string_view name) const;
  void CallFunction(const FunctionInfo& f, ClientState& caller, ArgList keys, ArgList args,
                    int64_t busy_after_ms, protocol::RespWriter& out);
  int RegisterFunction(lua_State* L);
  bool loading() const { return loading_; }

  // For the C functions registered in the Lua state.
  static LuaScripts* From(lua_State* L);
  int RedisCall(lua_State* L, bool raise);  // redis.call / redis.pcall
  // redis.call's work, leaving its result (or error table) on the stack;
  // true when it is an error.
  bool RunCall(lua_State* L);
  int SetResp(lua_State* L);

 private:
  void Open();
  void Close();
  void Begin(ClientState& caller, bool read_only, int64_t busy_after_ms);
  void Invoke(const std::string& label, int nargs, protocol::RespWriter& out);

  const CommandTable* table_;
  RunFn run_;
  lua_State* L_ = nullptr;
  std::unordered_set<std::string> shas_;
  bool functions_mode_ = false;
  bool loading_ = false;
  std::vector<FunctionInfo> pending_;  // registered by the library being loaded
  std::map<std::string, Library> libraries_;
  std::map<std::string, FunctionInfo, std::less<>> functions_;
  // During a call.
  ClientState script_client_;
  const ClientState* caller_ = nullptr;
  bool read_only_ = false;
  bool running_ = false;
  bool busy_ = false;
  bool wrote_ = false;
  bool oom_ = false;
  bool allow_oom_ = false;  // the running function said allow-oom (or no-writes)
  bool kill_ = false;
  bool stopped_ = false;
  int64_t start_ms_ = 0;
  int64_t busy_after_ms_ = 5000;
  std::function<void()> on_busy_;
  std::function<bool()> should_stop_;
 public:
  static void Hook(lua_State* L, ::lua_Debug* ar);
  uint64_t rand_state_ = 0;  // math.random: Redis's lrand48, reseeded per call
 public:
  uint64_t& rand_state() { return rand_state_; }
};

}  // namespace cairn::engine
