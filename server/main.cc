// cairn-server [config-file] [--name value ...]
//
// Reads the configuration like redis-server (a redis.conf-style file, then
// `--name value` arguments that override it), enters the data directory,
// and runs the engine thread's event loop until SIGTERM, SIGINT or SHUTDOWN.
#include <sys/stat.h>
#include <unistd.h>

#include <sys/signalfd.h>
#include <syslog.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <climits>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "engine/aof.h"
#include "engine/config.h"
#include "engine/config_file.h"
#include "engine/engine.h"
#include "engine/snapshots.h"
#include "frontend/event_loop.h"
#include "frontend/listener.h"
#include "replication/primary.h"
#include "replication/replica_link.h"
#include "server/supervision.h"

namespace {

using cairn::base::Status;

// Connects the append-only log to the event loop: its completion eventfd is
// watched, flushes requested by appends are posted (so every command ready
// in this loop pass joins the batch), and durability releases held replies.
class AofDriver {
 public:
  AofDriver(cairn::frontend::EventLoop* loop, cairn::engine::Aof* aof,
            cairn::frontend::Listener* listener)
      : loop_(loop), aof_(aof), listener_(listener) {
    aof_->set_request_flush([this] { loop_->Post([this] { aof_->Flush(); }); });
    aof_->set_on_durable([this](uint64_t seq) { listener_->OnDurable(seq); });
    aof_->set_commit_signals(listener_);
    aof_->set_request_flush_after([this](int64_t us) {
      const int64_t at = cairn::base::MonotonicUs() + us;
      if (flush_timer_ != 0 && flush_at_ <= at) return;  // an earlier one is pending
      loop_->Cancel(flush_timer_);
      flush_at_ = at;
      flush_timer_ = loop_->AfterUs(us, [this] {
        flush_timer_ = 0;
        aof_->Flush();
      });
    });
    listener_->set_on_all_returned([this] { loop_->Post([this] { aof_->Flush(); }); });
    aof_->set_on_event_fd_change([this] { Watch(); });
    Watch();
  }
  ~AofDriver() {
    loop_->Unwatch(fd_);
    aof_->set_request_flush(nullptr);
    aof_->set_on_durable(nullptr);
    loop_->Cancel(flush_timer_);
    listener_->set_on_all_returned(nullptr);
    aof_->set_commit_signals(nullptr);
    aof_->set_request_flush_after(nullptr);
    aof_->set_on_event_fd_change(nullptr);
  }
  AofDriver(const AofDriver&) = delete;
  AofDriver& operator=(const AofDriver&) = delete;

 private:
  void Watch() {
    loop_->Unwatch(fd_);
    fd_ = aof_->event_fd();
    if (fd_ < 0) return;
    // The writer drains the eventfd when it reaps completions.
    Status s = loop_->Watch(fd_, EPOLLIN, [this](uint32_t) { aof_->OnIoEvent(); });
    if (!s.ok()) CAIRN_LOG_WARNING("Cannot watch the log's completions: %s", s.ToString().c_str());
  }

  cairn::frontend::EventLoop* loop_;
  cairn::engine::Aof* aof_;
  cairn::frontend::Listener* listener_;
  int fd_ = -1;
  uint64_t flush_timer_ = 0;
  int64_t flush_at_ = 0;  // when flush_timer_ fires (monotonic us)
};
// Keeps the loop watching what `source` (the link to a primary, a diskless
// sync's pipe) asks for: its fd() (-1: nothing) for its interest(),
// calling its OnEvents.
template <class Source>
class FdWatch {
 public:
  FdWatch(cairn::frontend::EventLoop* loop, Source* source, const char* what)
      : loop_(loop), source_(source), what_(what) {
    source_->set_on_fd_change([this] { Update(); });
  }
  ~FdWatch() {
    source_->set_on_fd_change(nullptr);
    if (fd_ >= 0) loop_->Unwatch(fd_);
  }
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;

 private:
  void Update() {
    const int fd = source_->fd();
    if (fd_ >= 0 && fd_ != fd) loop_->Unwatch(fd_);
    if (fd < 0) {
      fd_ = -1;
    } else if (fd_ != fd) {
      fd_ = fd;
      Status s = loop_->Watch(fd_, source_->interest(),
                              [this](uint32_t ev) { source_->OnEvents(ev); });
      if (!s.ok()) CAIRN_LOG_WARNING("Cannot watch %s: %s", what_, s.ToString().c_str());
    } else {
      loop_->SetInterest(fd_, source_->interest());
    }
  }

  cairn::frontend::EventLoop* loop_;
  Source* source_;
  const char* what_;
  int fd_ = -1;
};

namespace engine = cairn::engine;
using cairn::server::Daemonize;
using cairn::server::DetectSupervisor;
using cairn::server::Notify;
using cairn::server::Supervisor;
using cairn::server::WritePidFile;

// Where a daemonized server without a pidfile writes its pid (Redis's is
// /var/run/redis.pid; a different name lets both run side by side).
constexpr std::string_view kDefaultPidFile = "/var/run/cairn.pid";

// A fatal error found after the configuration was read (Redis's block,
// without a line).
int Fatal(const std::string& msg) {
  std::fputs(engine::FormatConfigError({.reason = msg}).c_str(), stderr);
  return 1;
}

void Usage() {
  std::fprintf(stderr,
               "Usage: ./cairn-server [/path/to/redis.conf] [options] [-]\n"
               "       ./cairn-server - (read config from stdin)\n"
               "       ./cairn-server -v or --version\n"
               "       ./cairn-server -h or --help\n\n"
               "Options are redis.conf directives written as --name value, e.g.\n"
               "       ./cairn-server /etc/redis/redis.conf --port 7777 --dir ./data\n"
               "       ./cairn-server --port 7777 --appendfsync everysec\n");
}

int SyslogFacility(int64_t index) {
  static constexpr int kFacilities[] = {LOG_USER,   LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                        LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
  return kFacilities[index];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--version" || args[0] == "-v")) {
    std::printf("cairn-server v=%s (speaks redis %s)\n", engine::kCairnVersion,
                engine::kRedisVersion);
    return 0;
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    Usage();
    return 1;
  }

  // As redis-server: an optional config file first, `-` (first or last)
  // for standard input, then --name value options.
  std::string config_file;
  bool read_stdin = false;
  if (!args.empty() && args[0] == "-") {
    read_stdin = true;
    args.erase(args.begin());
  } else if (!args.empty() && !args[0].starts_with("-")) {
    config_file = args[0];
    args.erase(args.begin());
    char abs[PATH_MAX];
    if (realpath(config_file.c_str(), abs) != nullptr) config_file = abs;
  }
  if (!read_stdin && !args.empty() && args.back() == "-") {
    read_stdin = true;
    args.pop_back();
  }
  engine::Config config;
  if (auto err = engine::LoadConfiguration(&config, config_file, read_stdin, args)) {
    std::fputs(engine::FormatConfigError(*err).c_str(), stderr);
    return 1;
  }
  const auto& v = config.values();
  // Options whose feature Cairn lacks stop the start instead of being
  // ignored: each would promise what Cairn would not do.
  if (v.cluster_enabled) {
    return Fatal("cluster mode is not supported by cairn: cluster-enabled must be no");
  }
  if (!v.logfile.empty() && !cairn::base::SetLogFile(v.logfile)) {
    return Fatal(std::string("Can't open the log file: ") + std::strerror(errno));
  }
  cairn::base::SetLogLevel(static_cast<cairn::base::LogLevel>(v.loglevel));
  if (v.syslog_enabled) {
    cairn::base::EnableSyslog(v.syslog_ident, SyslogFacility(v.syslog_facility));
  }

  engine::Engine eng(&config);
  // rename-command lines, now that the command table exists (Redis applies
  // them as it reads them; the errors are its).
  for (const auto& r : config.renames()) {
    if (Status s = eng.RenameCommand(r.from, r.to); !s.ok()) {
      std::fputs(engine::FormatConfigError(
                     {.where = r.source, .line = r.line, .text = r.text, .reason = s.message()})
                     .c_str(),
                 stderr);
      return 1;
    }
  }

  // ACL users: requirepass is the default user's password, then `user`
  // lines or the aclfile (not both, as Redis refuses) may say more.
  eng.SyncAclConfig();
  if (!v.aclfile.empty() && !config.user_lines().empty()) {
    return Fatal(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. This setup is very likely to lead to configuration errors and security "
        "holes, please define either an ACL file or declare users directly in your redis.conf, "
        "but not both.");
  }
  if (Status s = eng.acl().LoadConfigLines(config.user_lines()); !s.ok()) {
    return Fatal("Error in user declaration in the configuration: " + s.message());
  }
  if (!v.aclfile.empty()) {
    if (Status s = eng.acl().LoadFile(v.aclfile, nullptr); !s.ok()) {
      return Fatal("Aborting Redis startup because of ACL errors: " + s.message());
    }
  }

  // Supervision and daemonizing, in Redis's order: a supervisor that waits
  // for readiness keeps the process in the foreground.
  static constexpr std::string_view kSupervisedModes[] = {"upstart", "systemd", "auto", "no"};
  const Supervisor supervisor = DetectSupervisor(kSupervisedModes[v.supervised]);
  const bool background = v.daemonize && supervisor == Supervisor::kNone;
  if (background) Daemonize();
  if (supervisor != Supervisor::kNone && v.supervised == 2) {
    // auto: CONFIG GET supervised then says which one, as in Redis.
    (void)config.Apply("supervised",
                       std::vector<std::string>{supervisor == Supervisor::kUpstart ? "upstart"
                                                                                   : "systemd"},
                       /*loading=*/true);
  }
  if (supervisor == Supervisor::kUpstart) {
    // As Redis: upstart is told at once (the process stops itself).
    CAIRN_LOG_NOTICE("supervised by upstart, will stop to signal readiness.");
    cairn::server::SignalUpstartReady();
  } else if (supervisor == Supervisor::kSystemd) {
    CAIRN_LOG_NOTICE("Supervised by systemd. Please make sure you set appropriate values for "
                     "TimeoutStartSec and TimeoutStopSec in your service unit.");
    Notify(supervisor, "STATUS=Cairn is loading...\n");
  }

  engine::Aof aof(&eng);
  eng.set_aof(&aof);
  engine::Snapshots snapshots(&eng);
  eng.set_snapshots(&snapshots);
  cairn::frontend::EventLoop loop;
  if (Status s = loop.Init(); !s.ok()) return Fatal(s.ToString());
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) eng.server().executable.assign(exe, static_cast<size_t>(n));
  eng.server().config_file = config_file;

  // Until the loop runs (while the data loads), SIGINT and SIGTERM stop the
  // process at once (nothing is being written) and SIGHUP is ignored.
  std::signal(SIGHUP, SIG_IGN);
  int sigfd = -1;

  bool stopping = false;
  uint64_t cron_timer = 0;
  std::function<void()> stop;
  // Declared after the engine so it is destroyed first: its connections
  // detach from a live engine.
  cairn::frontend::Listener listener(&loop, &eng, [&] {
    CAIRN_LOG_NOTICE("User requested shutdown...");
    stop();
  });
  std::string pidfile;  // written at start: removed at a clean exit
  stop = [&] {
    if (stopping) return;
    stopping = true;
    Notify(supervisor, "STOPPING=1\n");
    listener.Stop();
    if (sigfd >= 0) loop.Unwatch(sigfd);
    loop.Cancel(cron_timer);
    // SIGTERM/SIGINT save like SHUTDOWN does when save points are set
    // (SHUTDOWN itself saved already, before replying).
    if (eng.server().shutdown == engine::ShutdownRequest::kNone &&
        !config.values().save.empty()) {
      Notify(supervisor, "STATUS=Saving the final RDB snapshot\n");
      if (!snapshots.Save().empty()) CAIRN_LOG_WARNING("Error saving the DB at shutdown");
    }
    if (Status s = aof.Shutdown(); !s.ok()) {
      CAIRN_LOG_WARNING("Error flushing the append-only log at shutdown: %s",
                        s.ToString().c_str());
    }
    loop.Stop();
  };
  // Clients that vanish mid-write must not kill the server, nor a file
  // size limit the log runs into: that is a write error (EFBIG) the log
  // reports and retries, like a full disk.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);

  CAIRN_LOG_NOTICE("Cairn %s starting (speaks redis %s), pid=%d", engine::kCairnVersion,
                   engine::kRedisVersion, static_cast<int>(getpid()));
  if (config_file.empty()) {
    CAIRN_LOG_WARNING("Warning: no config file specified, using the default config. In order to "
                      "specify a config file use %s /path/to/redis.conf",
                      argv[0]);
  } else {
    CAIRN_LOG_NOTICE("Configuration loaded");
  }
  // As Redis: TLS is configured only when something uses it.
  if (cairn::frontend::TlsContext::Wanted(v)) {
    auto tls = cairn::frontend::TlsContext::Create(v);
    if (!tls.ok()) {
      CAIRN_LOG_WARNING("%s", tls.status().message().c_str());
      CAIRN_LOG_WARNING("Failed to configure TLS. Check logs for more info.");
      return 1;
    }
    listener.set_tls(std::move(tls).value());
  }
  // As Redis: listen first (a port in use stops the start before anything
  // else), then the pidfile, then load the data; clients that connect
  // meanwhile wait in the backlog.
  if (Status s = listener.Listen(v); !s.ok()) {
    CAIRN_LOG_WARNING("%s", s.message().c_str());
    return 1;
  }
  if (background || !v.pidfile.empty()) {
    pidfile = v.pidfile.empty() ? std::string(kDefaultPidFile) : v.pidfile;
    (void)config.Apply("pidfile", std::vector<std::string>{pidfile}, /*loading=*/true);
    if (Status s = WritePidFile(pidfile); !s.ok()) {
      CAIRN_LOG_WARNING("Failed to write PID file: %s", s.message().c_str());
    }
  }
  config.set_apply_hook([&](const engine::ConfigValues& before, const engine::ConfigValues& after,
                            std::string* option) -> std::string {
    // Any tls-* change rebuilds the TLS settings (for connections
    // accepted from now on), when TLS is in use, as Redis does; they take
    // effect only once the whole CONFIG SET has (listening included).
    std::shared_ptr<cairn::frontend::TlsContext> new_tls;
    if (const std::string changed = cairn::frontend::TlsContext::Changed(before, after);
        !changed.empty() && cairn::frontend::TlsContext::Wanted(after)) {
      auto tls = cairn::frontend::TlsContext::Create(after);
      if (!tls.ok()) {
        CAIRN_LOG_WARNING("%s", tls.status().message().c_str());
        *option = changed;
        return "Unable to update TLS configuration. Check server logs.";
      }
      new_tls = std::move(tls).value();
    }
    if (after.port != before.port || after.tls_port != before.tls_port ||
        after.bind != before.bind) {
      if (Status s = listener.Relisten(before, after); !s.ok()) {
        CAIRN_LOG_WARNING("%s", s.message().c_str());
        *option = after.port != before.port           ? "port"
                  : after.tls_port != before.tls_port ? "tls-port"
                                                      : "bind";
        return after.bind == before.bind ? "Unable to listen on this port. Check server logs."
                                         : "Failed to bind to specified addresses.";
      }
    }
    if (after.loglevel != before.loglevel) {
      cairn::base::SetLogLevel(static_cast<cairn::base::LogLevel>(after.loglevel));
    }
    if (new_tls != nullptr) listener.set_tls(std::move(new_tls));
    return "";
  });
  // A large dataset takes a while: tell systemd how far loading got.
  eng.server().on_loading_progress = [&](uint64_t items) {
    Notify(supervisor, "STATUS=Loading: " + std::to_string(items) +
                           " keys and log records loaded\n");
  };
  // As Redis: the log, when on, is the source of truth; else dump.rdb.
  if (v.appendonly) {
    if (Status s = aof.Start(); !s.ok()) {
      CAIRN_LOG_WARNING("Fatal error loading the append-only log: %s", s.ToString().c_str());
      return 1;
    }
  } else if (Status s = snapshots.Load(); !s.ok()) {
    CAIRN_LOG_WARNING("Fatal error loading the RDB file: %s", s.ToString().c_str());
    return 1;
  }
  AofDriver driver(&loop, &aof, &listener);
  // From here on SIGINT, SIGTERM (stop) and SIGHUP (reopen the log file,
  // for logrotate) arrive through a signalfd, handled on the loop like any
  // other event.
  sigset_t loop_signals;
  sigemptyset(&loop_signals);
  sigaddset(&loop_signals, SIGINT);
  sigaddset(&loop_signals, SIGTERM);
  sigaddset(&loop_signals, SIGHUP);
  sigprocmask(SIG_BLOCK, &loop_signals, nullptr);
  std::signal(SIGHUP, SIG_DFL);  // blocked: it goes to the signalfd
  sigfd = signalfd(-1, &loop_signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0) return Fatal(std::string("signalfd: ") + std::strerror(errno));
  Status watched = loop.Watch(sigfd, EPOLLIN, [&](uint32_t) {
    signalfd_siginfo info{};
    if (read(sigfd, &info, sizeof(info)) != static_cast<ssize_t>(sizeof(info))) return;
    if (info.ssi_signo == SIGHUP) {
      if (!cairn::base::ReopenLogFile()) {
        CAIRN_LOG_WARNING("Can't reopen the log file: %s", std::strerror(errno));
      }
      return;
    }
    CAIRN_LOG_NOTICE("Received %s scheduling shutdown...",
                     info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
    stop();
  });
  if (!watched.ok()) return Fatal(watched.ToString());
  // Replicas (PSYNC) are served from the engine thread; the engine feeds
  // them every write.
  cairn::replication::Primary primary(&eng);
  cairn::replication::ReplicaLink link(&eng, &primary);
  primary.set_link(&link);
  eng.set_replication(&primary);
  // The replica side's socket and a diskless sync's pipe, watched as they ask.
  FdWatch<cairn::replication::ReplicaLink> link_watch(&loop, &link, "the link to the primary");
  FdWatch<cairn::replication::Primary> pipe_watch(&loop, &primary, "the sync child's pipe");
  primary.set_timer(
      [&loop](int64_t ms, std::function<void()> fn) { loop.After(ms, std::move(fn)); });
  // The log remembers where this server stood in replication: a primary
  // keeps its ID and offset (its replicas resume), a replica resumes from
  // what it had applied.
  const auto replicaof = v.other.find("replicaof");
  const bool follows = replicaof != v.other.end() && !replicaof->second.empty();
  const std::optional<cairn::wal::History>& history = aof.recovered_history();
  if (history) primary.Restore(*history, follows);
  if (follows) {
    // Its own stream too (a primary that crashed and comes back as a replica
    // of the one promoted in its place): the new primary has it as replid2,
    // as Redis offers the replication ID its RDB kept.
    const size_t sp = replicaof->second.rfind(' ');
    link.Follow(replicaof->second.substr(0, sp), std::stoll(replicaof->second.substr(sp + 1)),
                history ? history->replid : "", history ? history->offset : -1,
                history ? history->db : -1);
  }
  // serverCron's counterpart: the log's periodic work, `hz` times a second.
  std::function<void()> arm_cron = [&] {
    int64_t hz = std::max<int64_t>(1, std::min<int64_t>(500, config.values().hz));
    cron_timer = loop.After(1000 / hz, [&] {
      const int64_t now = cairn::base::NowMs();
      eng.Cron(now);
      link.Cron(now);
      eng.ExpireBlocked(now);  // in case the wall clock jumped past a timer
      aof.Cron(now);
      snapshots.Cron(now);
      arm_cron();
    });
  };
  arm_cron();
  // Blocked clients' timeouts: one timer for the earliest deadline (Redis
  // only looks every 1/hz s; a 10 ms BLPOP timeout here takes 10 ms).
  uint64_t block_timer = 0;
  int64_t block_timer_at = 0;
  std::function<void(int64_t)> arm_block = [&](int64_t deadline_ms) {
    if (block_timer != 0 && block_timer_at <= deadline_ms) return;
    if (block_timer != 0) loop.Cancel(block_timer);
    block_timer_at = deadline_ms;
    block_timer = loop.After(std::max<int64_t>(0, deadline_ms - cairn::base::NowMs()), [&] {
      block_timer = 0;
      eng.ExpireBlocked(cairn::base::NowMs());
      if (const int64_t next = eng.NextBlockedDeadline(); next != 0) arm_block(next);
    });
  };
  eng.set_block_deadline_hook(arm_block);
  eng.set_post_hook([&loop](std::function<void()> fn) { loop.Post(std::move(fn)); });
  eng.set_after_hook(
      [&loop](int64_t ms, std::function<void()> fn) { loop.After(ms, std::move(fn)); });
  // A script past busy-reply-threshold lets other clients in (they get
  // -BUSY, or stop it with SCRIPT KILL / SHUTDOWN NOSAVE).
  eng.scripts().set_on_busy([&loop] { loop.PollOnce(); });
  eng.functions().set_on_busy([&loop] { loop.PollOnce(); });
  listener.Start();
  if (v.port != 0) {
    CAIRN_LOG_NOTICE("Ready to accept connections tcp on port %lld",
                     static_cast<long long>(v.port));
  }
  if (!v.unixsocket.empty()) {
    CAIRN_LOG_NOTICE("The server is now ready to accept connections at %s",
                     v.unixsocket.c_str());
  }
  eng.server().on_loading_progress = nullptr;
  Notify(supervisor, "STATUS=Ready to accept connections\n");
  Notify(supervisor, "READY=1\n");
  loop.Run();
  eng.set_replication(nullptr);  // (connections close after `primary` is gone)
  close(sigfd);
  if (!pidfile.empty() || v.daemonize) {
    CAIRN_LOG_NOTICE("Removing the pid file.");
    if (!pidfile.empty()) unlink(pidfile.c_str());
  }
  CAIRN_LOG_NOTICE("Cairn is now ready to exit, bye bye...");
  return 0;
}
