#include "engine/engine.h"

#include <algorithm>
#include <random>

#include "base/check.h"
#include "base/clock.h"
#include "base/string_util.h"
#include "engine/aof.h"
#include "engine/command_context.h"
#include "engine/snapshots.h"

namespace cairn::engine {

std::optional<int64_t> CommandContext::IntArg(std::string_view arg) {
  auto v = base::ParseInt64(arg);
  if (!v) Error(errors::kNotInteger);
  return v;
}

namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(base::NowUs()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = kHex[gen() & 15];
  return out;
}

}  // namespace

Engine::Engine(Config* config)
    : config_(config), keyspace_(static_cast<int>(config->values().databases)) {
  RegisterAllCommands(table_);
  keyspace_.set_observer(&blocked_);
  keyspace_.free_policy().lazy = &lazy_free_;
  server_.run_id = RandomHex(40);
  server_.start_ms = base::NowMs();
}

base::Status Engine::RenameCommand(std::string_view from, std::string_view to) {
  return table_.Rename(from, to);
}

void Engine::AttachClient(ClientState& client) {
  client.id = server_.next_client_id++;
  client.created_ms = base::NowMs();
  client.last_interaction_ms = client.created_ms;
  // As Redis: a client is authenticated from the start while the default
  // user needs no password; setting one later does not log it out.
  client.authenticated = config_->values().requirepass.empty();
  server_.connected_clients++;
  server_.stats.total_connections_received++;
  server_.clients[client.id] = &client;
}

void Engine::ClientClosing(ClientState& client) { blocked_.Remove(client); }

void Engine::DetachClient(ClientState& client) {
  blocked_.Remove(client);
  server_.connected_clients--;
  server_.clients.erase(client.id);
}

void Engine::Cron(int64_t now_ms) {
  if (!server_.active_expire) return;
  const int64_t hz = std::max<int64_t>(1, config_->values().hz);
  keyspace_.ActiveExpireCycle(now_ms, 1000000 / hz / 4);
  PropagateExpired();
}

void Engine::PropagateExpired() {
  for (auto& e : keyspace_.TakeExpired()) {
    server_.stats.expired_keys++;
    if (sink_) {
      std::string argv[2] = {"DEL", std::move(e.key)};
      sink_->Append(e.db, argv);
    }
  }
}

bool Engine::Execute(ClientState& client, std::vector<std::string>& argv,
                     protocol::RespWriter& out) {
  const int64_t now = base::NowMs();
  client.last_interaction_ms = now;
  auto fail = [&](std::string msg) {
    server_.stats.total_error_replies++;
    out.Error("ERR " + msg);
    return false;
  };

  const CommandSpec* cmd = table_.Find(argv[0]);
  if (cmd == nullptr) {
    return fail(errors::UnknownCommand(argv[0], argv.data() + 1, argv.size() - 1));
  }
  if (!cmd->subcommands.empty() && argv.size() >= 2) {
    const CommandSpec* sub = table_.FindSubcommand(*cmd, argv[1]);
    if (sub == nullptr) return fail(errors::UnknownSubcommand(argv[1], argv[0]));
    cmd = sub;
  }
  const int argc = static_cast<int>(argv.size());
  if ((cmd->arity > 0 && argc != cmd->arity) || (cmd->arity < 0 && argc < -cmd->arity)) {
    return fail(errors::WrongArity(cmd->full_name));
  }

  if (!client.authenticated && !config_->values().requirepass.empty() &&
      !(cmd->flags & kNoAuth)) {
    server_.stats.total_error_replies++;
    out.Error("NOAUTH Authentication required.");
    return false;
  }

  // Redis's writeCommandsDeniedByDiskError: while the log cannot be
  // written, writes (and PING) are refused; nothing is acknowledged that is
  // not in the log.
  if ((cmd->flags & kWrite) || cmd->full_name == "ping") {
    if (snapshots_ != nullptr && snapshots_->WritesRefused()) {
      server_.stats.total_error_replies++;
      out.Error(
          "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
          "persist to disk. Commands that may modify the data set are disabled, because this "
          "instance is configured to report errors during writes if RDB snapshotting fails "
          "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
          "the RDB error.");
      return false;
    }
    std::string err = aof_ != nullptr ? aof_->WriteErrorText() : "";
    if (!err.empty()) {
      server_.stats.total_error_replies++;
      out.Error("MISCONF Errors writing to the AOF file: " + err);
      return false;
    }
  }

  client.last_command = cmd->full_name;
  server_.stats.total_commands_processed++;
  // The lazyfree-lazy-* options as they are now (CONFIG SET may change
  // them between any two commands).
  FreePolicy& policy = keyspace_.free_policy();
  policy.server_del = config_->values().lazyfree_lazy_server_del;
  policy.expire = config_->values().lazyfree_lazy_expire;
  const RunResult r = Run(*cmd, client, argv, out, /*woken=*/false, now);
  ServeBlocked();
  return r.logged;
}

Engine::RunResult Engine::Run(const CommandSpec& cmd, ClientState& client,
                              std::vector<std::string>& argv, protocol::RespWriter& out,
                              bool woken, int64_t now) {
  CommandContext ctx(cmd, client, out, keyspace_, *config_, table_, server_, blocked_, now,
                     aof_, snapshots_);
  ctx.woken = woken;
  const int db_before = client.db;
  cmd.handler(ctx, ArgList(argv));
  server_.dirty += ctx.dirty();

  RunResult r;
  if (const auto& req = ctx.block_request()) {
    r.blocked = true;
    if (!woken) {
      blocked_.Park({.client = &client, .db = client.db, .keys = req->keys, .type = req->type,
                     .deadline_ms = req->deadline_ms, .cmd = &cmd, .argv = argv});
      if (req->deadline_ms != 0 && on_block_deadline_) on_block_deadline_(req->deadline_ms);
    }
  }
  // Expirations found while running the command go first: a replay must
  // delete the expired key before the command that saw it missing.
  PropagateExpired();
  if (sink_ == nullptr || ctx.dirty() == 0) return r;
  if (!ctx.propagated().empty()) {
    CAIRN_CHECK(cmd.flags & kCustomPropagation);
    for (const auto& p : ctx.propagated()) sink_->Append(db_before, p);
  } else {
    sink_->Append(db_before, argv);
  }
  r.logged = true;
  return r;
}

void Engine::ServeBlocked() {
  // Serving a client may store keys others wait on (BLMOVE pushes): keep
  // going until nothing is ready.
  while (blocked_.has_ready()) {
    for (auto& [db, key] : blocked_.TakeReady()) {
      for (uint64_t id : blocked_.Waiters(db, key)) {
        const BlockedClients::Wait* w = blocked_.Find(id);
        if (w == nullptr) continue;  // served from another key meanwhile
        const Entry* e = keyspace_.db(db).entries().Find(key);
        if (e == nullptr) break;  // taken whole by an earlier client
        if (e->value.type != w->type) continue;
        ClientState& client = *w->client;
        std::vector<std::string> argv = w->argv;
        std::string reply;
        protocol::RespWriter out(&reply, client.resp);
        const int saved_db = client.db;
        client.db = w->db;
        const RunResult r = Run(*w->cmd, client, argv, out, /*woken=*/true, base::NowMs());
        client.db = saved_db;
        if (!r.blocked) blocked_.Finish(client, std::move(reply), r.logged);
      }
    }
  }
}

void Engine::ExpireBlocked(int64_t now_ms) { blocked_.ExpireTimeouts(now_ms); }

}  // namespace cairn::engine
